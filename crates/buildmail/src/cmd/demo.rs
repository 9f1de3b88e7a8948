//! `buildmail demo`: a delivery through a busy, greylisting server, with no setup and no network.
//! The simulator runs in this process on a free loopback port; the delivery is the real one.

use std::time::Duration;

use anyhow::Context as _;
use buildmail_core::{Delivery, Outgoing, Server};
use buildmail_sim::{Scenario, Sim};
use lettre::Message;
use lettre::message::SinglePart;

use crate::cmd::common::OutputFormat;
use crate::cmd::deliver::{deliver, exit_for, render_summary};
use crate::exit::Exit;

#[derive(Debug, clap::Args)]
pub struct DemoArgs {}

/// The server's behaviour: a 421 at the first greeting, then a greylist that states its window.
const SCENARIOS: [&str; 2] = ["busy:1", "greylist-hint:3s"];

pub fn run(_args: DemoArgs) -> anyhow::Result<Exit> {
    let runtime = super::runtime()?;
    runtime.block_on(demo())
}

async fn demo() -> anyhow::Result<Exit> {
    let mut sim = Sim::builder().listen("127.0.0.1:0".parse().expect("a valid socket address"));
    for scenario in SCENARIOS {
        sim = sim.scenario(scenario.parse::<Scenario>().context("the demo scenario")?);
    }
    let sim = sim
        .start()
        .await
        .context("starting the simulated SMTP server")?;
    say(&format!(
        "A simulated SMTP server on {} answers 421 at the first greeting, then greylists with a \
         stated window ({}).\nbuildmail sends a build notification through it:\n",
        sim.addr(),
        SCENARIOS.join(", ")
    ));
    let server: Server = format!("smtp://{}?tls=none", sim.addr())
        .parse()
        .context("the demo server's URL")?;
    let delivery = Delivery::new(server).timeout(Duration::from_secs(5));
    let message = notification()?;
    let report = deliver(
        &delivery,
        &Outgoing::from_message(&message),
        OutputFormat::Text,
    )
    .await;
    say(&format!("\n{}", render_summary(&report)));
    if let Some(accepted) = sim.record().messages.first() {
        say(&format!(
            "\nThe message the server accepted:\n\n{}",
            accepted.text()
        ));
    }
    sim.shutdown().await;
    Ok(exit_for(&report))
}

fn notification() -> anyhow::Result<Message> {
    let body = "Build #42 of example/app on main passed.\n\n\
                Commit:  3f2a9c1 Fix the flaky retry test\n\
                Author:  Dev <dev@example.com>\n\
                Log:     https://ci.example.com/example/app/42\n";
    Message::builder()
        .from("CI <ci@example.com>".parse().context("the demo sender")?)
        .to("Team <team@example.com>"
            .parse()
            .context("the demo recipient")?)
        .subject("[example/app] main #42 passed")
        .message_id(None)
        .singlepart(SinglePart::plain(body.to_owned()))
        .context("building the demo notification")
}

#[allow(clippy::print_stderr)]
fn say(text: &str) {
    eprintln!("{text}");
}
