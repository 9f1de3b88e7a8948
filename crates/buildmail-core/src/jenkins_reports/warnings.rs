//! The warnings-ng plugin's native JSON format (`recordIssues(tools: [issues(pattern: ...)])`):
//! `{"issues": [...]}`, each issue with the fields the plugin's JSON parser reads. One issue per
//! distinct failure of a delivery: ERROR when the message did not reach everyone, NORMAL when it
//! did after retries; a warning of the run (an attachment left out) is a LOW issue.
//!
//! The plugin shows `message` and `description` as HTML, so both are escaped (`<`, `>`, `&`): a server's text
//! such as `<user@example.com>` reads as typed and never becomes markup.

use quick_xml::escape::partial_escape;
use serde::Serialize;

use super::{
    Failure, RunOutcome, explanation_lines, failures, numbers, reached_everyone,
    recipient_explanation,
};
use crate::report::{RecipientStatus, Report};

/// The whole file.
#[derive(Debug, Serialize)]
struct Issues {
    issues: Vec<Issue>,
}

/// One issue, in the plugin's field names.
#[derive(Debug, Serialize)]
struct Issue {
    severity: Severity,
    category: String,
    #[serde(rename = "type")]
    kind: String,
    message: String,
    description: String,
}

/// The plugin's severities, in its spelling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
enum Severity {
    Error,
    Normal,
    Low,
}

/// The warnings-ng native JSON report of a run: empty `issues` for a clean delivery.
///
/// ```
/// use buildmail_core::jenkins_reports::{RunOutcome, warnings_json};
///
/// let json = warnings_json(RunOutcome::Stopped("no SMTP server: pass --smtp-url"));
/// assert!(json.contains(r#""severity": "ERROR""#));
/// ```
pub fn warnings_json(outcome: RunOutcome<'_>) -> String {
    let issues = match outcome {
        RunOutcome::Ran(reports) => reports.iter().flat_map(report_issues).collect(),
        RunOutcome::Stopped(error) => vec![Issue {
            severity: Severity::Error,
            category: "setup".to_owned(),
            kind: "stopped".to_owned(),
            message: html(&format!("nothing was sent: {error}")),
            description: paragraphs(&[error.to_owned()]),
        }],
    };
    // A tree of strings always serialises.
    serde_json::to_string_pretty(&Issues { issues }).unwrap_or_default() + "\n"
}

fn report_issues(report: &Report) -> Vec<Issue> {
    let failures = failures(report);
    let last = report.attempts.last().map(|a| a.number);
    let mut issues: Vec<Issue> = failures
        .iter()
        .map(|failure| {
            // The failure that ended a delivery which missed someone is the error; the ones
            // retried past are what it cost.
            let ended_it = last.is_some_and(|n| failure.attempts.contains(&n));
            let severity = if ended_it && !reached_everyone(report) {
                Severity::Error
            } else {
                Severity::Normal
            };
            failure_issue(report, failure, severity)
        })
        .collect();
    issues.extend(refusals(report, &failures));
    issues.extend(report.warnings.iter().map(|warning| Issue {
        severity: Severity::Low,
        category: "warning".to_owned(),
        kind: "warning".to_owned(),
        message: html(warning),
        description: paragraphs(&[format!("Message {}", report.message_id)]),
    }));
    issues
}

fn failure_issue(report: &Report, failure: &Failure<'_>, severity: Severity) -> Issue {
    let attempt = failure.first;
    let (kind, what) = match &attempt.reply {
        Some(reply) => (reply.code().to_string(), reply.to_string()),
        None => (
            attempt.phase.to_string(),
            format!("{} failed", attempt.phase),
        ),
    };
    // Only failed attempts are reported, and a failure always has a category.
    let category = attempt
        .category
        .unwrap_or(crate::Category::Other)
        .to_string();
    let headline = failure
        .explanation
        .as_ref()
        .map_or_else(|| category.clone(), |e| e.title.clone());
    let mut lines = failure
        .explanation
        .as_ref()
        .map(explanation_lines)
        .unwrap_or_default();
    lines.push(format!(
        "{} {} via {}, at {}; message {}.",
        if failure.attempts.len() == 1 {
            "Attempt"
        } else {
            "Attempts"
        },
        numbers(&failure.attempts),
        attempt.server,
        attempt.phase,
        report.message_id
    ));
    Issue {
        severity,
        category,
        kind,
        message: html(&format!("{headline}: {what}")),
        description: paragraphs(&lines),
    }
}

/// A recipient refused inside a session that went on for the others (a 550 to one RCPT), when
/// no failed attempt already says it: an error of its own.
fn refusals(report: &Report, failures: &[Failure<'_>]) -> Vec<Issue> {
    let mut issues = Vec::new();
    for recipient in report
        .recipients
        .iter()
        .filter(|r| r.status != RecipientStatus::Delivered)
    {
        let Some(reply) = recipient.reply.as_ref().filter(|r| r.code() >= 400) else {
            continue;
        };
        let known = failures.iter().any(|f| {
            f.first
                .reply
                .as_ref()
                .is_some_and(|r| r.code() == reply.code() && r.enhanced() == reply.enhanced())
        });
        if known {
            continue;
        }
        let explanation = recipient_explanation(report, recipient);
        let mut lines = explanation
            .as_ref()
            .map(explanation_lines)
            .unwrap_or_default();
        lines.push(format!(
            "For {}; message {}.",
            recipient.address, report.message_id
        ));
        issues.push(Issue {
            severity: Severity::Error,
            category: explanation
                .as_ref()
                .map_or_else(|| "other".to_owned(), |e| e.category.to_string()),
            kind: reply.code().to_string(),
            message: html(&format!(
                "{}: {reply}",
                explanation
                    .as_ref()
                    .map_or("not delivered", |e| e.title.as_str())
            )),
            description: paragraphs(&lines),
        });
    }
    issues
}

fn html(text: &str) -> String {
    partial_escape(text).into_owned()
}

fn paragraphs(lines: &[String]) -> String {
    lines
        .iter()
        .map(|line| format!("<p>{}</p>", html(line)))
        .collect()
}
