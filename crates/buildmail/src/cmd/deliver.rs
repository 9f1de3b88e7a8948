//! Delivering a built message from the command line, shared by `send`, `notify`, `outbox flush`
//! and `demo`: run the core's delivery, print each attempt as it happens (text on stderr) or the
//! report (JSON on stdout), keep a deferred message in the outbox, and choose the exit code.

use std::io::{IsTerminal as _, Write as _};
use std::time::Duration;

use anyhow::Context as _;
use buildmail_core::deliver::{Event, GiveUp};
use buildmail_core::notify::Added;
use buildmail_core::outbox::Outbox;
use buildmail_core::policy::WaitReason;
use buildmail_core::report::{AttemptReport, Outcome};
use buildmail_core::{Category, Delivery, Outgoing, Report, Status, explain};

use crate::cmd::common::{OutputFormat, SmtpArgs};
use crate::exit::Exit;

/// Sends `message` as `smtp` says, prints the report (with the `warnings` of composing it) and
/// returns the exit code.
pub fn deliver_and_report(
    smtp: &SmtpArgs,
    message: lettre::Message,
    warnings: Vec<String>,
) -> anyhow::Result<Exit> {
    deliver_and_report_added(smtp, message, warnings, Vec::new())
}

/// As [`deliver_and_report`], for a notification that took `added` recipients from the CI
/// context: the report lists them with why.
pub fn deliver_and_report_added(
    smtp: &SmtpArgs,
    message: lettre::Message,
    warnings: Vec<String>,
    added: Vec<Added>,
) -> anyhow::Result<Exit> {
    let delivery = smtp.delivery()?;
    let outgoing = Outgoing::from_message(&message);
    let runtime = super::runtime()?;
    let mut report = runtime.block_on(deliver(&delivery, &outgoing, smtp.output));
    report.added_recipients = added;
    // The composer's warnings first, then the delivery's own (a final reply that named a delay).
    report.warnings.splice(0..0, warnings);
    match &smtp.outbox {
        Some(dir) => Outbox::keep_deferred(dir, &outgoing, &mut report),
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
            "kept in the outbox as {id}: send it later with `buildmail outbox flush --outbox {}`",
            dir.display()
        ));
    }
    smtp.reports.write(std::slice::from_ref(&report))?;
    print_report(&report, smtp.output)?;
    Ok(report.verdict().into())
}

/// `--dry-run`: the complete RFC 5322 message on stdout, nothing sent; warnings on stderr.
pub fn print_dry_run(message: &lettre::Message, warnings: &[String]) -> anyhow::Result<Exit> {
    for warning in warnings {
        note(&format!("buildmail: warning: {warning}"));
    }
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(&message.formatted())
        .and_then(|()| stdout.flush())
        .context("writing the message to stdout")?;
    Ok(Exit::Ok)
}

/// Runs a delivery, printing each attempt as it happens when the output is text.
pub async fn deliver(delivery: &Delivery, outgoing: &Outgoing, output: OutputFormat) -> Report {
    let mut progress = Progress::new(output == OutputFormat::Text);
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
            note(&render_summary(report));
            Ok(())
        }
    }
}

/// The closing lines of the text report.
pub fn render_summary(report: &Report) -> String {
    let mut text = String::new();
    let addresses = |status| {
        report
            .recipients
            .iter()
            .filter(|r| r.status == status)
            .map(|r| r.address.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    use buildmail_core::report::RecipientStatus as R;
    let attempts = match report.attempts.len() {
        1 => "1 attempt".to_owned(),
        n => format!("{n} attempts"),
    };
    let took = seconds(Duration::from_millis(report.elapsed_ms));
    let status = match report.status {
        Status::Delivered => "delivered",
        Status::Partial => "partly delivered",
        Status::Deferred => "deferred",
        Status::Rejected => "rejected",
        Status::Failed => "failed",
        Status::Skipped => "skipped",
    };
    text.push_str(&format!(
        "{status}: {attempts} in {took}, Message-ID {}\n",
        report.message_id
    ));
    for (label, status) in [
        ("delivered to", R::Delivered),
        ("rejected for", R::Rejected),
        ("deferred for", R::Deferred),
        ("not sent to", R::NotSent),
    ] {
        let list = addresses(status);
        if !list.is_empty() {
            text.push_str(&format!("  {label}: {list}\n"));
        }
    }
    if let Some(reason) = report
        .reason
        .as_deref()
        .filter(|_| report.attempts.is_empty())
    {
        text.push_str(&format!("  {reason}\n"));
    }
    if let Some(accepted) = render_accepted_by(report) {
        text.push_str(&format!("  accepted by: {accepted}\n"));
    }
    for warning in &report.warnings {
        text.push_str(&format!("  warning: {warning}\n"));
    }
    if report.possible_duplicate {
        text.push_str(
            "  possible duplicate: a connection was lost after the message was sent and before \
             the server's reply, so it was sent again\n",
        );
    }
    if let Some(explanation) = &report.explanation {
        text.push_str(&format!(
            "\n{}\n  {}\n",
            explanation.title, explanation.cause
        ));
        if let Some(after) = explanation.retry_after {
            text.push_str(&format!(
                "  The server asks to retry after {}.\n",
                seconds(after)
            ));
        }
        if !explanation.fix.is_empty() {
            text.push_str("  What to do:\n");
            for step in &explanation.fix {
                text.push_str(&format!("  - {step}\n"));
            }
        }
    }
    text.trim_end().to_owned()
}

/// Every server that accepted the message; with several, the recipients each one took.
fn render_accepted_by(report: &Report) -> Option<String> {
    match report.accepted_by().as_slice() {
        [] => None,
        [server] => Some((*server).to_owned()),
        servers => Some(
            servers
                .iter()
                .map(|server| {
                    let recipients: Vec<&str> = report
                        .recipients
                        .iter()
                        .filter(|r| r.server.as_deref() == Some(*server))
                        .map(|r| r.address.as_str())
                        .collect();
                    format!("{server} ({})", recipients.join(", "))
                })
                .collect::<Vec<_>>()
                .join(", "),
        ),
    }
}

/// One attempt on one line, as a CI log shows it.
pub fn render_attempt(attempt: &AttemptReport) -> String {
    let line = render_reply(attempt);
    if attempt.relay_dropped {
        format!("{line}; relay left out of this delivery, the others go on")
    } else {
        line
    }
}

fn render_reply(attempt: &AttemptReport) -> String {
    let head = format!(
        "attempt {} via {}, {}",
        attempt.number, attempt.server, attempt.phase
    );
    match (&attempt.reply, attempt.outcome) {
        (Some(reply), Outcome::Ok) => format!("{head}: {reply} (accepted)"),
        (Some(reply), _) if attempt.category == Some(Category::Network) => {
            format!("{head}: {} (no reply: retried as a 451)", reply.text())
        }
        (Some(reply), outcome) => format!(
            "{head}: {reply} ({}, {})",
            explain(reply).title,
            if outcome == Outcome::Transient {
                "temporary"
            } else {
                "permanent"
            }
        ),
        (None, _) => format!(
            "{head}: failed ({}, permanent)",
            attempt.category.unwrap_or(Category::Other)
        ),
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
                self.line = Some(render_attempt(&attempt));
            }
            Event::Waiting { wait, reason } => {
                let why = match reason {
                    WaitReason::ServerHint => "as the server asked",
                    WaitReason::Greylisting => "greylisting schedule",
                    WaitReason::Backoff => "backoff with jitter",
                };
                self.complete(&format!("next try in {} ({why})", seconds(wait)));
                self.start_countdown(wait);
            }
            Event::GaveUp(GiveUp::Budget { wait, left }) => self.complete(&format!(
                "giving up: the next try would be in {}, after the {} left of --retry-budget",
                seconds(wait),
                seconds(left)
            )),
            Event::GaveUp(GiveUp::BudgetSpent { budget, .. }) if budget.is_zero() => {
                self.complete("no retry (--retry-budget 0)")
            }
            Event::GaveUp(GiveUp::BudgetSpent { elapsed, budget }) => self.complete(&format!(
                "giving up: the {} of --retry-budget are spent ({} so far), no other relay \
                     is tried",
                seconds(budget),
                seconds(elapsed)
            )),
            Event::GaveUp(GiveUp::MaxAttempts(n)) => {
                self.complete(&format!("giving up: {n} attempts made (--max-attempts)"))
            }
        }
    }

    fn complete(&mut self, tail: &str) {
        if let Some(line) = self.line.take() {
            note(&format!("{line}; {tail}"));
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

/// `1.5s`, `5s`, `10m`, `1h 5m`: a duration as a person reads it in a log.
pub fn seconds(duration: Duration) -> String {
    let secs = duration.as_secs();
    if secs < 10 && duration.subsec_millis() != 0 {
        format!("{:.1}s", duration.as_secs_f64())
    } else {
        let rounded = Duration::from_secs(secs);
        humantime::format_duration(rounded).to_string()
    }
}

fn note(text: &str) {
    crate::out::note(text);
}
