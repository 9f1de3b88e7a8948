//! JUnit XML for Jenkins' `junit` step: one test suite per message, one test case per
//! recipient. A recipient the message did not reach is a failed test whose message is the
//! explanation's headline, so the build page lists who missed the mail and why.
//!
//! Text from servers and users is escaped by the writer, and characters XML 1.0 cannot carry
//! at all (control characters from a server's reply) become U+FFFD, so the file always parses.

use std::io;

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesText, Event};

use super::{RunOutcome, explanation_lines, failures, numbers, recipient_explanation};
use crate::report::{DeliveryStatus, RecipientReport, RecipientStatus, Report};

/// The class name every test case carries: Jenkins groups the cases under it.
const CLASS: &str = "buildmail";

struct Suite {
    name: String,
    seconds: f64,
    cases: Vec<Case>,
}

struct Case {
    name: String,
    verdict: Verdict,
    output: Option<String>,
}

enum Verdict {
    Passed,
    Failed {
        message: String,
        kind: String,
        text: String,
    },
    Errored {
        message: String,
        text: String,
    },
    Skipped {
        message: String,
    },
}

/// The JUnit XML report of a run: every recipient a test case, failed when not delivered.
///
/// ```
/// use buildmail_core::jenkins_reports::{RunOutcome, junit_xml};
///
/// let xml = junit_xml(RunOutcome::Ran(&[]));
/// assert!(xml.contains(r#"<testsuites name="buildmail" tests="0""#));
/// ```
pub fn junit_xml(outcome: RunOutcome<'_>) -> String {
    let suites: Vec<Suite> = match outcome {
        RunOutcome::Ran(reports) => reports.iter().map(suite).collect(),
        RunOutcome::Stopped(error) => vec![Suite {
            name: CLASS.to_owned(),
            seconds: 0.0,
            cases: vec![Case {
                name: "notification".to_owned(),
                verdict: Verdict::Errored {
                    message: format!("nothing was sent: {error}"),
                    text: error.to_owned(),
                },
                output: None,
            }],
        }],
    };
    // Writing to memory does not fail.
    let bytes = render(&suites).unwrap_or_default();
    String::from_utf8_lossy(&bytes).into_owned()
}

fn suite(report: &Report) -> Suite {
    let cases = if report.status == DeliveryStatus::Skipped {
        vec![Case {
            name: "notification".to_owned(),
            verdict: Verdict::Skipped {
                message: report.reason.clone().unwrap_or_default(),
            },
            output: None,
        }]
    } else {
        report
            .recipients
            .iter()
            .map(|recipient| case(report, recipient))
            .collect()
    };
    let name = if report.message_id.is_empty() {
        CLASS.to_owned()
    } else {
        format!("{CLASS} {}", report.message_id)
    };
    Suite {
        name,
        seconds: report.elapsed_ms as f64 / 1000.0,
        cases,
    }
}

fn case(report: &Report, recipient: &RecipientReport) -> Case {
    let history = history(report);
    let verdict = match recipient.status {
        RecipientStatus::Delivered => Verdict::Passed,
        status => {
            let explanation = recipient_explanation(report, recipient);
            // The report's own word for the fate (`deferred`, `rejected`, ...).
            let word = serde_json::to_value(status)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_else(|| "not delivered".to_owned());
            let word = word.as_str();
            let headline = explanation
                .as_ref()
                .map_or_else(|| "not delivered".to_owned(), |e| e.title.clone());
            let mut lines = Vec::new();
            if let Some(reply) = &recipient.reply {
                lines.push(format!("The server said: {reply}"));
            }
            lines.extend(
                explanation
                    .as_ref()
                    .map(explanation_lines)
                    .unwrap_or_default(),
            );
            lines.extend(history.iter().cloned());
            Verdict::Failed {
                message: format!("{word}: {headline}"),
                kind: explanation.map_or_else(|| word.to_owned(), |e| e.category.to_string()),
                text: lines.join("\n"),
            }
        }
    };
    let output = match (&recipient.server, &recipient.reply) {
        (Some(server), Some(reply)) => Some(format!("accepted by {server}: {reply}")),
        _ => None,
    };
    let output = output.map(|line| [vec![line], history].concat().join("\n"));
    Case {
        name: recipient.address.clone(),
        verdict,
        output,
    }
}

/// The failures on the way, one line each: what retries the delivery needed.
fn history(report: &Report) -> Vec<String> {
    failures(report)
        .iter()
        .map(|failure| {
            let what = failure.first.reply.as_ref().map_or_else(
                || format!("{} failed", failure.first.phase),
                |r| r.to_string(),
            );
            format!("attempt {}: {what}", numbers(&failure.attempts))
        })
        .collect()
}

fn render(suites: &[Suite]) -> io::Result<Vec<u8>> {
    let mut writer = Writer::new_with_indent(Vec::new(), b' ', 2);
    writer.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    let all: Vec<&Case> = suites.iter().flat_map(|s| &s.cases).collect();
    let total: f64 = suites.iter().map(|s| s.seconds).sum();
    writer
        .create_element("testsuites")
        .with_attributes(
            counts(CLASS, &all, total)
                .iter()
                .map(|(k, v)| (*k, v.as_str())),
        )
        .write_inner_content(|writer| {
            for suite in suites {
                let cases: Vec<&Case> = suite.cases.iter().collect();
                let attributes = counts(&suite.name, &cases, suite.seconds);
                writer
                    .create_element("testsuite")
                    .with_attributes(attributes.iter().map(|(k, v)| (*k, v.as_str())))
                    .write_inner_content(|writer| {
                        suite
                            .cases
                            .iter()
                            .try_for_each(|case| write_case(writer, case, suite.seconds))
                    })?;
            }
            Ok(())
        })?;
    let mut bytes = writer.into_inner();
    bytes.push(b'\n');
    Ok(bytes)
}

fn write_case(writer: &mut Writer<Vec<u8>>, case: &Case, seconds: f64) -> io::Result<()> {
    let name = xml_safe(&case.name);
    let time = format!("{seconds:.3}");
    let element = writer.create_element("testcase").with_attributes([
        ("classname", CLASS),
        ("name", name.as_str()),
        ("time", time.as_str()),
    ]);
    if matches!(case.verdict, Verdict::Passed) && case.output.is_none() {
        element.write_empty()?;
        return Ok(());
    }
    element.write_inner_content(|writer| {
        match &case.verdict {
            Verdict::Passed => {}
            Verdict::Failed {
                message,
                kind,
                text,
            } => {
                writer
                    .create_element("failure")
                    .with_attributes([
                        ("message", xml_safe(message).as_str()),
                        ("type", xml_safe(kind).as_str()),
                    ])
                    .write_text_content(BytesText::new(&xml_safe(text)))?;
            }
            Verdict::Errored { message, text } => {
                writer
                    .create_element("error")
                    .with_attributes([("message", xml_safe(message).as_str()), ("type", "stopped")])
                    .write_text_content(BytesText::new(&xml_safe(text)))?;
            }
            Verdict::Skipped { message } => {
                writer
                    .create_element("skipped")
                    .with_attribute(("message", xml_safe(message).as_str()))
                    .write_empty()?;
            }
        }
        if let Some(output) = &case.output {
            writer
                .create_element("system-out")
                .write_text_content(BytesText::new(&xml_safe(output)))?;
        }
        Ok(())
    })?;
    Ok(())
}

/// The attributes of a suite or of the whole file: its name, the counts and the time.
fn counts(name: &str, cases: &[&Case], seconds: f64) -> Vec<(&'static str, String)> {
    let count = |wanted: fn(&Verdict) -> bool| cases.iter().filter(|c| wanted(&c.verdict)).count();
    vec![
        ("name", xml_safe(name)),
        ("tests", cases.len().to_string()),
        (
            "failures",
            count(|v| matches!(v, Verdict::Failed { .. })).to_string(),
        ),
        (
            "errors",
            count(|v| matches!(v, Verdict::Errored { .. })).to_string(),
        ),
        (
            "skipped",
            count(|v| matches!(v, Verdict::Skipped { .. })).to_string(),
        ),
        ("time", format!("{seconds:.3}")),
    ]
}

/// The text with every character XML 1.0 cannot carry (most control characters, lone
/// surrogates' stand-ins, U+FFFE/U+FFFF) replaced by U+FFFD.
fn xml_safe(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\t' | '\n' | '\r' => c,
            '\u{0}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}' => '\u{fffd}',
            _ => c,
        })
        .collect()
}
