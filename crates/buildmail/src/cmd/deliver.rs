//! Delivering a built message from the command line, shared by `send`, `notify`, `outbox flush`
//! and `demo`: run the core's delivery, print each attempt as it happens (text on stderr) or the
//! report (JSON on stdout), keep a deferred message in the outbox, and choose the exit code.

use std::io::{IsTerminal as _, Write as _};
use std::time::Duration;

use anyhow::Context as _;
use buildmail_core::deliver::Event;
use buildmail_core::report::text;
use buildmail_core::sending::Sending;
use buildmail_core::settings::spell_placeholders;
use buildmail_core::{Delivery, Outgoing, Report};

use crate::cmd::common::{OutputFormat, SmtpArgs};
use crate::exit::Exit;
use crate::spelling::spell;

/// Sends as `smtp` says (keeping the message in `--outbox` when it did not reach everyone),
/// prints the report and returns the exit code.
pub fn deliver_and_report(smtp: &SmtpArgs, sending: Sending) -> anyhow::Result<Exit> {
    let delivery = smtp.delivery()?;
    let sending = Sending {
        outbox: smtp.outbox.clone(),
        ..sending
    };
    let runtime = crate::runtime::runtime()?;
    let mut report = runtime.block_on(deliver(&delivery, sending));
    report.spell(spell);
    let text = smtp.output == OutputFormat::Text;
    match (&report.outbox_id, &smtp.outbox) {
        (Some(id), Some(dir)) if text => note(&format!(
            "kept in the outbox as {id}: send it later with `buildmail outbox flush --outbox {} \
             --smtp-url URL` (the same server and credentials as now)",
            dir.display()
        )),
        (_, None) if report.any_deferred() && text => note(
            "not kept anywhere: pass --outbox DIR (or set BUILDMAIL_OUTBOX) to keep a deferred \
             message and send it later with `buildmail outbox flush`",
        ),
        _ => {}
    }
    smtp.reports.write(std::slice::from_ref(&report))?;
    print_report(&report, smtp.output)?;
    Ok(report.verdict().into())
}

/// `--dry-run`: the complete RFC 5322 message on stdout, nothing sent; warnings on stderr.
pub fn print_dry_run(message: &Outgoing, warnings: &[String]) -> anyhow::Result<Exit> {
    for warning in warnings {
        note(&format!(
            "buildmail: warning: {}",
            spell_placeholders(warning, spell)
        ));
    }
    // `--dry-run | head` has what it wanted: a closed stdout ends the command with exit 0.
    crate::out::stdout(&message.bytes)?;
    Ok(Exit::Ok)
}

/// Runs a delivery, printing each attempt on stderr as it happens, whatever the output format:
/// with `--output json` too, a CI log shows the waits as they happen.
pub async fn deliver(delivery: &Delivery, sending: Sending) -> Report {
    let mut progress = Progress::new();
    let report = sending.run(delivery, &mut |event| progress.on(event)).await;
    progress.finish();
    report
}

/// The final report: a summary and the explanation on stderr, or the JSON object on stdout.
pub fn print_report(report: &Report, output: OutputFormat) -> anyhow::Result<()> {
    match output {
        OutputFormat::Json => {
            let json = serde_json::to_string_pretty(report).context("rendering the report")?;
            // Nobody reading the report does not undo the delivery: the exit code still says it.
            if let Err(closed) = crate::out::stdout(format!("{json}\n").as_bytes()) {
                note(&format!("buildmail: the report was not written: {closed}"));
            }
            Ok(())
        }
        OutputFormat::Text => {
            note(&text::summary(report));
            Ok(())
        }
    }
}

/// How the text report follows a delivery: the core's lines (an attempt's line completed by
/// what comes next) as they are finished; on a terminal the wait counts down.
pub struct Progress {
    lines: text::Lines,
    countdown: Option<tokio::task::JoinHandle<()>>,
}

impl Progress {
    pub fn new() -> Self {
        Progress {
            lines: text::Lines::new(spell),
            countdown: None,
        }
    }

    pub fn on(&mut self, event: Event) {
        self.stop_countdown();
        for line in self.lines.on(&event) {
            note(&line);
        }
        if let Event::Waiting { wait, .. } = event {
            self.start_countdown(wait);
        }
    }

    pub fn finish(&mut self) {
        self.stop_countdown();
        if let Some(line) = self.lines.finish() {
            note(&line);
        }
    }

    /// A live countdown, only when a person watches a terminal; CI logs get the one line.
    fn start_countdown(&mut self, wait: Duration) {
        if !std::io::stderr().is_terminal() || wait < Duration::from_secs(2) {
            return;
        }
        self.countdown = Some(tokio::spawn(async move {
            let end = buildmail_core::clock::now() + wait;
            loop {
                let left = end.saturating_duration_since(buildmail_core::clock::now());
                if left.is_zero() {
                    break;
                }
                {
                    let mut stderr = std::io::stderr().lock();
                    let _ = write!(stderr, "\r  waiting: {:>4}s ", left.as_secs() + 1);
                    let _ = stderr.flush();
                }
                buildmail_core::clock::sleep(Duration::from_secs(1).min(left)).await;
            }
        }));
    }

    fn stop_countdown(&mut self) {
        if let Some(task) = self.countdown.take() {
            task.abort();
            let mut stderr = std::io::stderr().lock();
            let _ = write!(stderr, "\r\x1b[K");
        }
    }
}

fn note(text: &str) {
    crate::out::note(text);
}
