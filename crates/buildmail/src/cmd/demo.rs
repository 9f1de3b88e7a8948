//! `buildmail demo`: a delivery through a busy, greylisting server, with no setup and no network.
//! The simulator runs in this process on a free loopback port; the delivery is the real one.

use std::time::Duration;

use anyhow::Context as _;
use buildmail_core::ci::{Build, BuildStatus, Provider};
use buildmail_core::compose::Draft;
use buildmail_core::notify::{Notification, Templates};
use buildmail_core::{Delivery, Outgoing, Server};
use buildmail_sim::{Scenario, Sim};

use buildmail_core::report::text;

use crate::cmd::deliver::deliver;
use crate::exit::Exit;

#[derive(Debug, clap::Args)]
pub struct DemoArgs {}

/// The server's behaviour: a 421 at the first greeting, then a greylist that states its window.
const SCENARIOS: [&str; 2] = ["busy:1", "greylist-hint:3s"];

pub fn run(_args: DemoArgs) -> anyhow::Result<Exit> {
    let runtime = crate::runtime::runtime()?;
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
    let (message, text) = notification()?;
    let report = deliver(&delivery, &message).await;
    say(&format!("\n{}", text::summary(&report)));
    if let Some(accepted) = sim.record().messages.first() {
        let raw = accepted.text();
        let headers = raw.split("\r\n\r\n").next().unwrap_or_default();
        say(&format!(
            "\nThe message the server accepted ({} bytes), its headers and its text part \
             (an HTML part goes with it):\n\n{}\n\n{text}",
            accepted.data.len(),
            headers.replace("\r\n", "\n")
        ));
    }
    sim.shutdown().await;
    Ok(report.verdict().into())
}

/// The notification the demo sends: the real built-in templates, on a made-up GitHub build that
/// was fixed, so the text reads like what a pipeline would send.
fn notification() -> anyhow::Result<(Outgoing, String)> {
    let mut build = Build::new(Provider::GithubActions, "example/app");
    build.repository = Some("example/app".to_owned());
    build.workflow = Some("CI".to_owned());
    build.run_number = Some("42".to_owned());
    build.run_url = Some("https://github.com/example/app/actions/runs/42".to_owned());
    build.branch = Some("main".to_owned());
    build.commit = Some("3f2a9c1d5e7b8a90c1d2e3f4a5b6c7d8e9f0a1b2".to_owned());
    build.message = Some("Fix the flaky retry test".to_owned());
    build.author = Some("Dev".to_owned());
    build.trigger = Some("push".to_owned());
    build.status = Some(BuildStatus::Success);
    build.previous_status = Some(BuildStatus::Failure);
    let rendered = Notification::render(&build, None, &Templates::builtin(), "example.com")
        .context("rendering the demo notification")?;
    let text = rendered.text.clone();
    let draft = rendered.into_draft(Draft {
        from: "CI <ci@example.com>".to_owned(),
        to: vec!["Team <team@example.com>".to_owned()],
        ..Draft::default()
    });
    let message = draft.build().context("building the demo notification")?;
    Ok((message, text))
}

fn say(text: &str) {
    crate::out::note(text);
}
