//! What a command did, in the two formats a Jenkins build page shows: the warnings-ng plugin's
//! native JSON (its `issues` parser, see [`warnings_json`]) and JUnit XML (the `junit` step, see
//! [`junit_xml`]). Both render the same [`Report`]s the JSON output serialises, so the build
//! page, the console and the returned report never disagree.
//!
//! A run that stopped before any delivery (a missing setting, an unreadable file) is a
//! [`RunOutcome::Stopped`]: the reports still say so, so nothing fails without a trace.

mod junit;
mod warnings;

pub use junit::junit_xml;
pub use warnings::warnings_json;

use crate::explain::{Explanation, explain};
use crate::report::{AttemptOutcome, AttemptReport, DeliveryStatus, RecipientReport, Report};

/// What a command did, as the reports show it.
#[derive(Debug, Clone, Copy)]
pub enum RunOutcome<'a> {
    /// The deliveries it made: one for `send` and `notify`, one per message for an outbox flush
    /// (none when the outbox was empty).
    Ran(&'a [Report]),
    /// It stopped before any delivery, with the message the user saw.
    Stopped(&'a str),
}

/// One distinct failure of a delivery: the attempts that ended with the same reply (or, without
/// a reply, in the same phase and category), and what it means.
struct Failure<'a> {
    first: &'a AttemptReport,
    attempts: Vec<u32>,
    explanation: Option<Explanation>,
}

/// The distinct failures of a delivery, in the order they first happened.
fn failures(report: &Report) -> Vec<Failure<'_>> {
    let mut found: Vec<Failure<'_>> = Vec::new();
    for attempt in report
        .attempts
        .iter()
        .filter(|a| a.outcome != AttemptOutcome::Ok)
    {
        match found.iter_mut().find(|f| same_failure(f.first, attempt)) {
            Some(failure) => failure.attempts.push(attempt.number),
            None => found.push(Failure {
                first: attempt,
                attempts: vec![attempt.number],
                explanation: explanation_of(report, attempt),
            }),
        }
    }
    found
}

fn same_failure(a: &AttemptReport, b: &AttemptReport) -> bool {
    match (&a.reply, &b.reply) {
        (Some(x), Some(y)) => x.code() == y.code() && x.enhanced() == y.enhanced(),
        (None, None) => a.phase == b.phase && a.category == b.category,
        _ => false,
    }
}

/// The report's own explanation when it is about this attempt's reply (computed once by the
/// delivery), else the catalog's.
fn explanation_of(report: &Report, attempt: &AttemptReport) -> Option<Explanation> {
    let carried = report
        .explanation
        .as_ref()
        .filter(|e| match &attempt.reply {
            Some(reply) => e.code == reply.code() && e.enhanced == reply.enhanced(),
            None => report.attempts.last() == Some(attempt),
        });
    carried
        .cloned()
        .or_else(|| attempt.reply.as_ref().map(explain))
}

/// The recipient's own refusal explained, or the delivery's final explanation.
pub(super) fn recipient_explanation(
    report: &Report,
    recipient: &RecipientReport,
) -> Option<Explanation> {
    let refusal = recipient.reply.as_ref().filter(|r| r.code() >= 400);
    match (refusal, &report.explanation) {
        (Some(reply), Some(carried))
            if carried.code == reply.code() && carried.enhanced == reply.enhanced() =>
        {
            Some(carried.clone())
        }
        (Some(reply), _) => Some(explain(reply)),
        (None, carried) => carried.clone(),
    }
}

/// Whether the message reached everyone it was meant for (or was not meant to be sent).
fn reached_everyone(report: &Report) -> bool {
    matches!(
        report.status,
        DeliveryStatus::Delivered | DeliveryStatus::Skipped
    )
}

/// `1, 2 and 3`: attempt numbers as a sentence names them.
fn numbers(attempts: &[u32]) -> String {
    let words: Vec<String> = attempts.iter().map(u32::to_string).collect();
    match words.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
        None => String::new(),
    }
}

/// The explanation as plain lines: the headline, the cause, the server's wish, what to do.
fn explanation_lines(explanation: &Explanation) -> Vec<String> {
    let mut lines = vec![explanation.title.clone(), explanation.cause.clone()];
    if let Some(after) = explanation.retry_after {
        lines.push(format!(
            "The server asks to retry after {} s.",
            after.as_secs()
        ));
    }
    if !explanation.fix.is_empty() {
        lines.push("What to do:".to_owned());
        lines.extend(explanation.fix.iter().map(|step| format!("- {step}")));
    }
    lines
}

#[cfg(test)]
mod tests;
