//! A report as the lines of a CI log: one line per attempt, what came next (the wait, or why the
//! delivery stopped), and the closing summary with the explanation. Every front end prints these
//! same lines (the CLI on stderr, the Action in its log and annotations), rendered from the
//! report's data. Settings are named as `{key}` placeholders; a front end spells them
//! ([`Report::spell`], [`crate::settings::spell_placeholders`]).

use std::time::Duration;

use crate::Category;
use crate::deliver::GiveUp;
use crate::policy::WaitReason;
use crate::report::{AttemptOutcome, AttemptReport, DeliveryStatus, RecipientStatus, Report};

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
    let why = match reason {
        WaitReason::ServerHint => "as the server asked",
        WaitReason::Greylisting => "greylisting schedule",
        WaitReason::Backoff => "backoff with jitter",
        WaitReason::Refused => "refused: a relay restarting is back within seconds",
        WaitReason::Pacing => "pacing to the rate limit the server showed",
    };
    format!("next try in {} ({why})", duration(wait))
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
