//! A report as Markdown, for a page a person reads after the run (the Action's job summary, its
//! check run and pull-request comment): the outcome, the recipients, a table of the attempts and
//! the explanation of a failure, from the same data as [`super::text`]. Untrusted text (replies,
//! addresses, reasons) goes through [`cell`], so it cannot break a table or inject markup.

use std::fmt::Write as _;
use std::time::Duration;

use crate::report::{Report, Verdict};

/// The report's section: a heading with the status, then what [`Report`] holds worth reading.
///
/// ```
/// use buildmail_core::Report;
/// use buildmail_core::report::markdown;
///
/// let page = markdown::summary(&Report::skipped("the build passed | again"));
/// assert!(page.starts_with("## buildmail: skipped\n"));
/// assert!(page.contains("the build passed \\| again"));
/// ```
pub fn summary(report: &Report) -> String {
    let mut md = format!("## buildmail: {}\n\n", report.status.as_str());
    if let Some(reason) = &report.reason {
        let _ = writeln!(md, "{}\n", cell(reason, 2000));
    }
    if !report.recipients.is_empty() {
        let to: Vec<_> = report
            .recipients
            .iter()
            .map(|r| cell(&r.address, 200))
            .collect();
        let _ = writeln!(md, "**Recipients:** {}\n", to.join(", "));
    }
    md.push_str(&attempts(report));
    md.push_str(&explanation(report));
    md
}

/// One row per attempt: the server, where it ended, how, the reply, its category and the wait.
fn attempts(report: &Report) -> String {
    if report.attempts.is_empty() {
        return String::new();
    }
    let mut md = String::from(
        "| # | server | phase | outcome | reply | category | wait |\n|---|---|---|---|---|---|---|\n",
    );
    for a in &report.attempts {
        let reply = a.reply.as_ref().map(|r| r.to_string()).unwrap_or_default();
        let wait = humantime::format_duration(Duration::from_secs(a.waited_ms / 1000));
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} | {} | {wait} |",
            a.number,
            cell(&a.server, 200),
            a.phase,
            a.outcome.as_str(),
            cell(&reply, 500),
            a.category.map(|c| c.to_string()).unwrap_or_default()
        );
    }
    md.push('\n');
    md
}

/// The explanation of a failure: its title as a heading, the cause, and the fix as a list.
fn explanation(report: &Report) -> String {
    let (Some(e), true) = (&report.explanation, report.verdict() != Verdict::Delivered) else {
        return String::new();
    };
    let mut md = format!(
        "### {}\n\n{}\n\n**Fix:**\n",
        cell(&e.title, 300),
        cell(&e.cause, 2000)
    );
    for fix in &e.fix {
        let _ = writeln!(md, "- {}", cell(fix, 1000));
    }
    md.push('\n');
    md
}

/// Untrusted text for one Markdown table cell: no line break, pipe or HTML can break the table
/// or inject markup; text longer than `max_chars` is cut (the log has it all).
///
/// ```
/// use buildmail_core::report::markdown::cell;
///
/// assert_eq!(cell("550 a|b\r\n<img src=x>", 100), "550 a\\|b<br>&lt;img src=x&gt;");
/// ```
pub fn cell(text: &str, max_chars: usize) -> String {
    let mut out = String::new();
    for (n, ch) in text.chars().enumerate() {
        if n == max_chars {
            out.push('…');
            break;
        }
        match ch {
            '|' => out.push_str("\\|"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '`' => out.push_str("&#96;"),
            '\\' => out.push_str("\\\\"),
            '\r' => {}
            '\n' => out.push_str("<br>"),
            _ => out.push(ch),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::report::RecipientStatus;
    use crate::report::{AttemptOutcome, AttemptReport, DeliveryStatus, RecipientReport};
    use crate::{Category, Phase, Reply};

    #[test]
    fn a_failure_has_its_recipients_attempts_and_explanation() {
        let reply = Reply::new(550, None, "no | such <user>").expect("a valid code");
        let report = Report {
            status: DeliveryStatus::Rejected,
            message_id: "<1@example.com>".to_owned(),
            recipients: vec![RecipientReport {
                address: "dev@example.com".to_owned(),
                status: RecipientStatus::Rejected,
                reply: Some(reply.clone()),
                server: None,
            }],
            attempts: vec![AttemptReport {
                number: 1,
                server: "relay:25".to_owned(),
                phase: Phase::Rcpt,
                outcome: AttemptOutcome::Permanent,
                reply: Some(reply.clone()),
                category: Some(Category::Mailbox),
                title: None,
                waited_ms: 2_500,
                relay_dropped: false,
            }],
            explanation: Some(crate::explain(&reply)),
            reason: None,
            ..Report::skipped("")
        };
        let page = summary(&report);
        assert!(page.starts_with("## buildmail: rejected\n\n**Recipients:** dev@example.com\n"));
        let row = page
            .lines()
            .find(|l| l.starts_with("| 1 |"))
            .expect("a row");
        assert_eq!(
            row,
            "| 1 | relay:25 | rcpt | permanent | 550 no \\| such &lt;user&gt; | mailbox | 2s |"
        );
        assert!(page.contains("\n**Fix:**\n- "), "{page}");
    }

    #[test]
    fn a_cell_cannot_break_the_table_or_inject_html() {
        assert_eq!(
            cell("550 a|b\r\n<img src=x> `c`", 100),
            "550 a\\|b<br>&lt;img src=x&gt; &#96;c&#96;"
        );
        assert_eq!(cell("abcdef", 3), "abc…");
        assert_eq!(cell("a &lt; b \\| c", 100), "a &amp;lt; b \\\\\\| c");
    }
}
