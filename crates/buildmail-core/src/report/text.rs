//! A report as the lines of a CI log: one line per attempt, what came next (the wait, or why the
//! delivery stopped), and the closing summary with the explanation. Every front end prints these
//! same lines (the CLI on stderr, the Action in its log and annotations), rendered from the
//! report's data. Settings are named as `{key}` placeholders; a front end spells them
//! ([`Report::spell`], [`crate::settings::spell_placeholders`]).

use std::time::Duration;

use crate::Category;
use crate::deliver::{Event, GiveUp};
use crate::outbox::escape_controls;
use crate::policy::WaitReason;
use crate::report::{
    AttemptOutcome, AttemptReport, DeliveryStatus, RecipientStatus, Report, Verdict,
};
use crate::settings::{Spelling, spell_placeholders};

/// `1.5s`, `5s`, `10m`, `1h 5m`: a duration as a person reads it in a log.
///
/// ```
/// use std::time::Duration;
/// use buildmail_core::report::text::duration;
///
/// assert_eq!(duration(Duration::from_millis(1500)), "1.5s");
/// assert_eq!(duration(Duration::from_secs(3900)), "1h 5m");
/// ```
pub fn duration(duration: Duration) -> String {
    let secs = duration.as_secs();
    if secs < 10 && duration.subsec_millis() != 0 {
        format!("{:.1}s", duration.as_secs_f64())
    } else {
        humantime::format_duration(Duration::from_secs(secs)).to_string()
    }
}

/// One attempt on one line, as a CI log shows it.
pub fn attempt(attempt: &AttemptReport) -> String {
    let line = reply_line(attempt);
    if attempt.relay_dropped {
        format!("{line}; relay left out of this delivery, the others go on")
    } else {
        line
    }
}

fn reply_line(attempt: &AttemptReport) -> String {
    let head = format!(
        "attempt {} via {}, {}",
        attempt.number, attempt.server, attempt.phase
    );
    match (&attempt.reply, attempt.outcome) {
        (Some(reply), AttemptOutcome::Ok) => format!("{head}: {reply} (accepted)"),
        (Some(reply), _) if attempt.category == Some(Category::Network) => {
            format!("{head}: {} (no reply: retried as a 451)", reply.text())
        }
        (Some(reply), outcome) => format!(
            "{head}: {reply} ({}, {})",
            attempt.title.as_deref().unwrap_or("refused"),
            if outcome == AttemptOutcome::Transient {
                "temporary"
            } else {
                "permanent"
            }
        ),
        (None, _) => format!(
            "{head}: {} ({}, permanent)",
            attempt.title.as_deref().unwrap_or("failed"),
            attempt.category.unwrap_or(Category::Other)
        ),
    }
}

/// What follows an attempt's line when the delivery waits: `next try in 5s (backoff with
/// jitter)`.
pub fn wait(wait: Duration, reason: WaitReason) -> String {
    format!("next try in {} ({})", duration(wait), why(reason))
}

/// A wait with no attempt line to complete (a batch's message paced before its first attempt),
/// on a line of its own: `waiting 4s: pacing to the server's learned rate (3 per 2s)`.
pub fn waiting(wait: Duration, reason: WaitReason) -> String {
    format!("waiting {}: {}", duration(wait), why(reason))
}

fn why(reason: WaitReason) -> String {
    match reason {
        WaitReason::ServerHint => "as the server asked".to_owned(),
        WaitReason::Greylisting => "greylisting schedule".to_owned(),
        WaitReason::Backoff => "backoff with jitter".to_owned(),
        WaitReason::Refused => "refused: a relay restarting is back within seconds".to_owned(),
        WaitReason::Pacing { messages, window } => format!(
            "pacing to the server's learned rate ({messages} per {})",
            duration(window)
        ),
    }
}

/// What follows the last attempt's line when the delivery stops trying.
pub fn give_up(give_up: &GiveUp) -> String {
    match give_up {
        GiveUp::Budget { wait, left } => format!(
            "giving up: the next try would be in {}, after the {} left of {{retry_budget}}",
            duration(*wait),
            duration(*left)
        ),
        GiveUp::BudgetSpent { budget, .. } if budget.is_zero() => {
            "no retry ({retry_budget} 0)".to_owned()
        }
        GiveUp::BudgetSpent { elapsed, budget } => format!(
            "giving up: the {} of {{retry_budget}} are spent ({} so far), no other relay is tried",
            duration(*budget),
            duration(*elapsed)
        ),
        GiveUp::MaxAttempts(n) => format!("giving up: {n} attempts made ({{max_attempts}})"),
        GiveUp::NothingListens { servers, attempts } => format!(
            "giving up after {attempts} refused connections: nothing listens on {}: check the \
             port (587 for STARTTLS, 465 for smtps://)",
            servers.join(" or ")
        ),
    }
}

/// The closing lines: the status, the recipients by outcome, who accepted, the warnings and the
/// explanation of a failure.
pub fn summary(report: &Report) -> String {
    let mut text = headline(report);
    for (label, status) in [
        ("delivered to", RecipientStatus::Delivered),
        ("rejected for", RecipientStatus::Rejected),
        ("deferred for", RecipientStatus::Deferred),
        ("not sent to", RecipientStatus::NotSent),
    ] {
        let list = addresses(report, status);
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
    if let Some(accepted) = accepted_by(report) {
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
    text.push_str(&explanation(report));
    text.trim_end().to_owned()
}

/// An outbox entry's closing lines after a flush, `<id>: <summary>`, the id's control
/// characters escaped and the settings spelled by `spell`.
pub fn flushed(id: &str, report: &Report, spell: Spelling) -> String {
    let mut report = report.clone();
    report.spell(spell);
    format!("{}: {}", escape_controls(id), summary(&report))
}

fn headline(report: &Report) -> String {
    let attempts = match report.attempts.len() {
        1 => "1 attempt".to_owned(),
        n => format!("{n} attempts"),
    };
    let took = duration(Duration::from_millis(report.elapsed_ms));
    let status = match report.status {
        DeliveryStatus::Delivered => "delivered",
        DeliveryStatus::Partial => "partly delivered",
        DeliveryStatus::Deferred => "deferred",
        DeliveryStatus::Rejected => "rejected",
        DeliveryStatus::Failed => "failed",
        DeliveryStatus::Skipped => "skipped",
    };
    format!(
        "{status}: {attempts} in {took}, Message-ID {}\n",
        report.message_id
    )
}

fn addresses(report: &Report, status: RecipientStatus) -> String {
    report
        .recipients
        .iter()
        .filter(|r| r.status == status)
        .map(|r| r.address.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn explanation(report: &Report) -> String {
    let Some(explanation) = &report.explanation else {
        return String::new();
    };
    let mut text = format!("\n{}\n  {}\n", explanation.title, explanation.cause);
    if let Some(after) = explanation.retry_after {
        text.push_str(&format!(
            "  The server asks to retry after {}.\n",
            duration(after)
        ));
    }
    if !explanation.fix.is_empty() {
        text.push_str("  What to do:\n");
        for step in &explanation.fix {
            text.push_str(&format!("  - {step}\n"));
        }
    }
    text
}

/// Every server that accepted the message; with several, the recipients each one took.
pub fn accepted_by(report: &Report) -> Option<String> {
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

/// The lines of a CI log as a delivery goes: an attempt's line waits for what comes next (the
/// wait, or why the delivery stopped), which completes it: `attempt 1 via relay:587, RCPT: 451
/// 4.7.1 Greylisted (greylisting, temporary); next try in 5m (greylisting schedule)`.
pub struct Lines {
    spell: Spelling,
    open: Option<String>,
}

impl Lines {
    /// Lines whose completions name settings as `spell` writes them.
    pub fn new(spell: Spelling) -> Self {
        Lines { spell, open: None }
    }

    /// The lines `event` finishes, in order: none while an attempt's line waits for its end.
    pub fn on(&mut self, event: &Event) -> Vec<String> {
        match event {
            Event::Connecting { .. } => Vec::new(),
            Event::Attempt(done) => {
                let finished = self.open.replace(attempt(done));
                finished.into_iter().collect()
            }
            Event::Waiting {
                wait: delay,
                reason,
            } if self.open.is_none() => vec![waiting(*delay, *reason)],
            Event::Waiting {
                wait: delay,
                reason,
            } => self.complete(&wait(*delay, *reason)),
            Event::GaveUp(why) => self.complete(&give_up(why)),
        }
    }

    /// The line still open when the delivery ends.
    pub fn finish(&mut self) -> Option<String> {
        self.open.take()
    }

    fn complete(&mut self, tail: &str) -> Vec<String> {
        let tail = spell_placeholders(tail, self.spell);
        self.open
            .take()
            .map(|line| format!("{line}; {tail}"))
            .into_iter()
            .collect()
    }
}

/// A headline and what it heads, for a place that shows both (an annotation, a check run).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// The headline: `Mail deferred: Greylisted`.
    pub title: String,
    /// What the server said, the cause and the fix, on a few lines.
    pub message: String,
}

/// One line with the outcome: `deferred: why` when the report has a reason (a skip, a flush
/// that left an entry untried), else `delivered (<message id>)`.
pub fn outcome_line(report: &Report) -> String {
    let status = report.status.as_str();
    match &report.reason {
        Some(reason) => format!("{status}: {reason}"),
        None => format!("{status} ({})", report.message_id),
    }
}

/// Why a report that was not delivered failed: its explanation's title, what the server said
/// last, the cause and the fix; `None` when the verdict is delivered.
pub fn failure(report: &Report) -> Option<Note> {
    if report.verdict() == Verdict::Delivered {
        return None;
    }
    let status = report.status.as_str();
    let (title, message) = match &report.explanation {
        Some(e) => {
            let said = report.attempts.iter().rev().find_map(|a| a.reply.as_ref());
            let said = said
                .map(|r| format!("The server said: {r}\n"))
                .unwrap_or_default();
            let message = format!("{said}{}\nFix: {}", e.cause, e.fix.join(" "));
            (e.title.clone(), message)
        }
        None => {
            let reason = report.reason.clone().unwrap_or_else(|| status.to_owned());
            ("not delivered".to_owned(), reason)
        }
    };
    Some(Note {
        title: format!("Mail {status}: {title}"),
        message,
    })
}

/// A delivery that took retries: what the server said first and how long the waits took;
/// `None` for a failure or a delivery at the first attempt.
pub fn retried(report: &Report) -> Option<Note> {
    if report.verdict() != Verdict::Delivered || report.attempts.len() < 2 {
        return None;
    }
    let said = report
        .attempts
        .iter()
        .find_map(|a| a.reply.as_ref())
        .map(|r| r.to_string())
        .unwrap_or_default();
    let waited: u64 = report.attempts.iter().map(|a| a.waited_ms).sum();
    let waited = humantime::format_duration(Duration::from_secs(waited / 1000));
    Some(Note {
        title: format!("Delivered after {} attempts", report.attempts.len()),
        message: format!("the server first said: {said}; the retries took {waited}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_a_person_writes_them() {
        assert_eq!(duration(Duration::from_millis(1500)), "1.5s");
        assert_eq!(duration(Duration::from_secs(5)), "5s");
        assert_eq!(duration(Duration::from_millis(12_400)), "12s");
        assert_eq!(duration(Duration::from_secs(600)), "10m");
    }

    fn attempt_report(number: u32, code: u16, outcome: AttemptOutcome) -> AttemptReport {
        AttemptReport {
            number,
            server: "relay:587".to_owned(),
            phase: crate::Phase::Rcpt,
            outcome,
            reply: Some(crate::Reply::new(code, None, "Greylisted").expect("a valid code")),
            category: Some(Category::Greylisting),
            title: Some("Greylisted".to_owned()),
            waited_ms: 0,
            relay_dropped: false,
        }
    }

    #[test]
    fn an_attempt_line_is_completed_by_what_comes_next() {
        let mut lines = Lines::new(|_| "--retry-budget");
        let first = Event::Attempt(attempt_report(1, 451, AttemptOutcome::Transient));
        assert!(lines.on(&first).is_empty(), "waits for its end");
        let waiting = Event::Waiting {
            wait: Duration::from_secs(5),
            reason: WaitReason::Greylisting,
        };
        let [done] = lines.on(&waiting).try_into().expect("one line");
        assert!(done.starts_with("attempt 1 via relay:587"), "{done}");
        assert!(
            done.ends_with("; next try in 5s (greylisting schedule)"),
            "{done}"
        );
        let second = Event::Attempt(attempt_report(2, 451, AttemptOutcome::Transient));
        assert!(lines.on(&second).is_empty());
        let gave_up = Event::GaveUp(GiveUp::BudgetSpent {
            elapsed: Duration::from_secs(1),
            budget: Duration::ZERO,
        });
        let [done] = lines.on(&gave_up).try_into().expect("one line");
        assert!(done.ends_with("; no retry (--retry-budget 0)"), "{done}");
        assert_eq!(lines.finish(), None);
        let third = Event::Attempt(attempt_report(3, 250, AttemptOutcome::Ok));
        assert!(lines.on(&third).is_empty());
        assert!(
            lines
                .finish()
                .is_some_and(|line| line.ends_with("(accepted)"))
        );
    }

    #[test]
    fn a_pacing_wait_before_any_attempt_is_a_line_of_its_own() {
        let mut lines = Lines::new(|_| "--retry-budget");
        let paced = Event::Waiting {
            wait: Duration::from_secs(4),
            reason: WaitReason::Pacing {
                messages: 3,
                window: Duration::from_secs(2),
            },
        };
        let [line] = lines.on(&paced).try_into().expect("one line");
        assert_eq!(
            line,
            "waiting 4s: pacing to the server's learned rate (3 per 2s)"
        );
        assert_eq!(lines.finish(), None);
    }

    #[test]
    fn a_failure_is_told_with_what_the_server_said_and_the_fix() {
        let reply = crate::Reply::new(550, None, "no such user").expect("a valid code");
        let report = Report {
            status: DeliveryStatus::Rejected,
            attempts: vec![attempt_report(1, 550, AttemptOutcome::Permanent)],
            explanation: Some(crate::explain(&reply)),
            ..Report::skipped("")
        };
        let note = failure(&report).expect("not delivered");
        assert!(note.title.starts_with("Mail rejected: "), "{note:?}");
        assert!(
            note.message
                .starts_with("The server said: 550 Greylisted\n"),
            "{note:?}"
        );
        assert!(note.message.contains("\nFix: "), "{note:?}");
        assert_eq!(retried(&report), None);
        assert_eq!(failure(&Report::skipped("trigger")), None);
        assert_eq!(
            outcome_line(&Report::skipped("trigger")),
            "skipped: trigger"
        );
    }

    #[test]
    fn a_delivery_after_retries_says_what_the_server_said_first() {
        let mut later = attempt_report(2, 250, AttemptOutcome::Ok);
        later.waited_ms = 5_400;
        let report = Report {
            status: DeliveryStatus::Delivered,
            message_id: "<1@example.com>".to_owned(),
            attempts: vec![attempt_report(1, 451, AttemptOutcome::Transient), later],
            reason: None,
            ..Report::skipped("")
        };
        let note = retried(&report).expect("two attempts");
        assert_eq!(note.title, "Delivered after 2 attempts");
        assert_eq!(
            note.message,
            "the server first said: 451 Greylisted; the retries took 5s"
        );
        assert_eq!(outcome_line(&report), "delivered (<1@example.com>)");
    }

    #[test]
    fn giving_up_names_the_setting_for_the_front_end_to_spell() {
        let line = give_up(&GiveUp::MaxAttempts(3));
        assert_eq!(line, "giving up: 3 attempts made ({max_attempts})");
        let action = |_: crate::Setting| "max_attempts:";
        assert_eq!(
            crate::settings::spell_placeholders(&line, action),
            "giving up: 3 attempts made (max_attempts:)"
        );
    }
}
