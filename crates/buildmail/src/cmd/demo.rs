//! `buildmail demo`: a delivery through a busy, greylisting server, with no setup and no network.
//! The simulator runs in this process on a free loopback port; the delivery is the real one.

use std::time::Duration;

use anyhow::Context as _;
use buildmail_core::notify::example;
use buildmail_core::{Delivery, Server};
use buildmail_sim::program;

use buildmail_core::report::text;
use buildmail_core::sending::Sending;

use crate::cmd::deliver::deliver;
use crate::exit::Exit;

#[derive(Debug, clap::Args)]
pub struct DemoArgs {}

pub fn run(_args: DemoArgs) -> anyhow::Result<Exit> {
    let runtime = crate::runtime::runtime()?;
    runtime.block_on(demo())
}

async fn demo() -> anyhow::Result<Exit> {
    let sim = program::start_demo()
        .await
        .context("starting the simulated SMTP server")?;
    say(&program::demo_intro(sim.addr()));
    let server: Server = format!("smtp://{}?tls=none", sim.addr())
        .parse()
        .context("the demo server's URL")?;
    let delivery = Delivery::new(server).timeout(Duration::from_secs(5));
    let (message, text) = example::notification().context("building the demo notification")?;
    let report = deliver(&delivery, Sending::new(message)).await;
    say(&format!("\n{}", text::summary(&report)));
    if let Some((bytes, headers)) = program::first_accepted_headers(&sim) {
        say(&format!(
            "\nThe message the server accepted ({bytes} bytes), its headers and its text part \
             (an HTML part goes with it):\n\n{headers}\n\n{text}"
        ));
    }
    sim.shutdown().await;
    Ok(report.verdict().into())
}

fn say(text: &str) {
    crate::out::note(text);
}
