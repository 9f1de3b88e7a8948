//! Delivering a built message from the command line, shared by `send`, `notify`, `outbox flush`
//! and `demo`: run the core's delivery, print each attempt as it happens (text on stderr) or the
//! report (JSON on stdout), keep a deferred message in the outbox, and choose the exit code.

use std::io::{IsTerminal as _, Write as _};
use std::time::Duration;

use anyhow::Context as _;
use buildmail_core::deliver::Event;
use buildmail_core::notify::Added;
use buildmail_core::outbox::Outbox;
use buildmail_core::report::text;
use buildmail_core::settings::spell_placeholders;
use buildmail_core::{Delivery, Outgoing, Report};

use crate::cmd::common::{OutputFormat, SmtpArgs};
use crate::exit::Exit;
use crate::spelling::spell;

/// Sends `message` as `smtp` says, prints the report (with the `warnings` of composing it) and
/// returns the exit code.
pub fn deliver_and_report(
    smtp: &SmtpArgs,
    outgoing: Outgoing,
    warnings: Vec<String>,
) -> anyhow::Result<Exit> {
    deliver_and_report_added(smtp, outgoing, warnings, Vec::new())
}

/// As [`deliver_and_report`], for a notification that took `added` recipients from the CI
/// context: the report lists them with why.
pub fn deliver_and_report_added(
    smtp: &SmtpArgs,
    outgoing: Outgoing,
    warnings: Vec<String>,
    added: Vec<Added>,
) -> anyhow::Result<Exit> {
    let delivery = smtp.delivery()?;
    let runtime = crate::runtime::runtime()?;
    let mut report = runtime.block_on(deliver(&delivery, &outgoing));
    report.added_recipients = added;
    // The composer's warnings first, then the delivery's own (a final reply that named a delay).
    report.warnings.splice(0..0, warnings);
    report.spell(spell);
    match &smtp.outbox {
        Some(dir) => Outbox::keep_unsettled(dir, &outgoing, &mut report),
        None if report.any_deferred() && smtp.output == OutputFormat::Text => note(
            "not kept anywhere: pass --outbox DIR (or set BUILDMAIL_OUTBOX) to keep a deferred \
             message and send it later with `buildmail outbox flush`",
        ),
        None => {}
    }
    if let (Some(id), Some(dir), OutputFormat::Text) =
        (&report.outbox_id, &smtp.outbox, smtp.output)
    {
        note(&format!(
            "kept in the outbox as {id}: send it later with `buildmail outbox flush --outbox {} \
             --smtp-url URL` (the same server and credentials as now)",
            dir.display()
        ));
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
pub async fn deliver(delivery: &Delivery, outgoing: &Outgoing) -> Report {
    let mut progress = Progress::new(true);
    let report = delivery
        .send(outgoing, &mut |event| progress.on(event))
        .await;
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

/// How the text report follows a delivery: an attempt's line is completed by what comes next
/// (the wait, or the reason to stop); on a terminal the wait counts down.
pub struct Progress {
    enabled: bool,
    line: Option<String>,
    countdown: Option<tokio::task::JoinHandle<()>>,
}

impl Progress {
    pub fn new(enabled: bool) -> Self {
        Progress {
            enabled,
            line: None,
            countdown: None,
        }
    }

    pub fn on(&mut self, event: Event) {
        if !self.enabled {
            return;
        }
        self.stop_countdown();
        match event {
            Event::Connecting { .. } => {}
            Event::Attempt(attempt) => {
                self.flush_line();
                self.line = Some(text::attempt(&attempt));
            }
            Event::Waiting { wait, reason } => {
                self.complete(&text::wait(wait, reason));
                self.start_countdown(wait);
            }
            Event::GaveUp(give_up) => self.complete(&text::give_up(&give_up)),
        }
    }

    fn complete(&mut self, tail: &str) {
        if let Some(line) = self.line.take() {
            note(&format!("{line}; {}", spell_placeholders(tail, spell)));
        }
    }

    fn flush_line(&mut self) {
        if let Some(line) = self.line.take() {
            note(&line);
        }
    }

    pub fn finish(&mut self) {
        self.stop_countdown();
        self.flush_line();
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
