//! The reports checked against their formats: the warnings JSON against the fields the
//! warnings-ng JSON parser reads, the JUnit XML by an independent XML parser (roxmltree) and the
//! attributes Jenkins' `junit` step reads; plus snapshots of both for a deferred delivery.

use serde_json::Value;

use super::{RunOutcome, junit_xml, warnings_json};
use crate::error::Phase;
use crate::explain::explain;
use crate::reply::Reply;
use crate::report::{
    AttemptOutcome, AttemptReport, DeliveryStatus, RecipientReport, RecipientStatus, Report,
};

/// The fields warnings-ng's JSON parser reads (analysis-model's `JsonBaseParser`).
const ISSUE_FIELDS: [&str; 16] = [
    "additionalProperties",
    "category",
    "columnEnd",
    "columnStart",
    "description",
    "fingerprint",
    "fileName",
    "id",
    "lineEnd",
    "lineRanges",
    "lineStart",
    "message",
    "moduleName",
    "packageName",
    "severity",
    "type",
];
const SEVERITIES: [&str; 4] = ["ERROR", "HIGH", "NORMAL", "LOW"];

fn reply(text: &str) -> Reply {
    Reply::parse(text).expect("a valid reply")
}

fn attempt(number: u32, phase: Phase, outcome: AttemptOutcome, text: &str) -> AttemptReport {
    let reply = reply(text);
    AttemptReport {
        number,
        server: "smtp.example.com:587".into(),
        phase,
        outcome,
        category: Some(explain(&reply).category),
        title: Some(explain(&reply).title),
        reply: Some(reply),
        waited_ms: 0,
        relay_dropped: false,
    }
}

fn recipient(address: &str, status: RecipientStatus, text: &str) -> RecipientReport {
    RecipientReport {
        address: address.into(),
        status,
        reply: Some(reply(text)),
        server: (status == RecipientStatus::Delivered).then(|| "smtp.example.com:587".into()),
    }
}

const GREYLISTED: &str = "451 4.7.1 Greylisting in action, please come back in 00:05:00";

/// A report of a message that was sent, built on `Report::skipped` so that fields added to
/// the report later need no change here.
fn sent(status: DeliveryStatus, message_id: &str, elapsed_ms: u64) -> Report {
    let mut report = Report::skipped("");
    report.status = status;
    report.reason = None;
    report.message_id = message_id.into();
    report.elapsed_ms = elapsed_ms;
    report
}

/// Greylisted three times, then the budget ran out.
fn deferred() -> Report {
    let mut report = sent(
        DeliveryStatus::Deferred,
        "<build.812@ci.example.com>",
        900_500,
    );
    report.attempts = (1..=3)
        .map(|n| attempt(n, Phase::Rcpt, AttemptOutcome::Transient, GREYLISTED))
        .collect();
    report.recipients = vec![recipient(
        "dev@example.com",
        RecipientStatus::Deferred,
        GREYLISTED,
    )];
    report.explanation = Some(explain(&reply(GREYLISTED)));
    report.warnings = vec!["build.log (--attach-log) left out: over 10 MiB".into()];
    report
}

/// A 421 first, then delivered to one recipient and refused for the other.
fn partial() -> Report {
    let refused = "550 5.1.1 <gone@example.com>: Recipient address rejected: User unknown";
    let mut report = sent(DeliveryStatus::Partial, "<build.813@ci.example.com>", 2_000);
    report.recipients = vec![
        recipient(
            "dev@example.com",
            RecipientStatus::Delivered,
            "250 2.0.0 Ok: queued",
        ),
        recipient("gone@example.com", RecipientStatus::Rejected, refused),
    ];
    report.attempts = vec![
        attempt(
            1,
            Phase::Greeting,
            AttemptOutcome::Transient,
            "421 4.3.2 Busy, try later",
        ),
        attempt(
            2,
            Phase::EndOfData,
            AttemptOutcome::Ok,
            "250 2.0.0 Ok: queued",
        ),
    ];
    report.explanation = Some(explain(&reply(refused)));
    report
}

fn delivered_first_time() -> Report {
    let ok = "250 2.0.0 Ok: queued as 4B2F";
    let mut report = sent(DeliveryStatus::Delivered, "<build.814@ci.example.com>", 120);
    report.recipients = vec![recipient("dev@example.com", RecipientStatus::Delivered, ok)];
    report.attempts = vec![attempt(1, Phase::EndOfData, AttemptOutcome::Ok, ok)];
    report
}

/// The parsed warnings report, after checking every issue against the plugin's fields.
fn checked_issues(outcome: RunOutcome<'_>) -> Vec<Value> {
    let json: Value = serde_json::from_str(&warnings_json(outcome)).expect("valid JSON");
    let object = json.as_object().expect("a JSON object");
    assert_eq!(object.keys().collect::<Vec<_>>(), ["issues"], "{json}");
    let issues = object["issues"].as_array().expect("an array").clone();
    for issue in &issues {
        for (field, value) in issue.as_object().expect("an issue is an object") {
            assert!(
                ISSUE_FIELDS.contains(&field.as_str()),
                "unknown field {field}"
            );
            assert!(value.is_string(), "{field} is read as a string: {value}");
        }
        let severity = issue["severity"].as_str().expect("a severity");
        assert!(SEVERITIES.contains(&severity), "{severity}");
    }
    issues
}

/// The parsed JUnit report, after checking the counts and attributes Jenkins reads.
fn junit(outcome: RunOutcome<'_>) -> String {
    let xml = junit_xml(outcome);
    let document = roxmltree::Document::parse(&xml).expect("well-formed XML");
    let root = document.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    let mut total = 0;
    for suite in root.children().filter(|n| n.is_element()) {
        assert_eq!(suite.tag_name().name(), "testsuite");
        let cases: Vec<_> = suite.children().filter(|n| n.is_element()).collect();
        total += cases.len();
        let count = |child: &str| {
            cases
                .iter()
                .filter(|case| case.children().any(|n| n.has_tag_name(child)))
                .count()
                .to_string()
        };
        assert_eq!(
            suite.attribute("tests"),
            Some(cases.len().to_string().as_str())
        );
        assert_eq!(suite.attribute("failures"), Some(count("failure").as_str()));
        assert_eq!(suite.attribute("errors"), Some(count("error").as_str()));
        assert_eq!(suite.attribute("skipped"), Some(count("skipped").as_str()));
        for case in cases {
            assert_eq!(case.tag_name().name(), "testcase");
            for attribute in ["classname", "name", "time"] {
                assert!(case.attribute(attribute).is_some(), "{attribute} missing");
            }
            for verdict in case.children().filter(|n| n.is_element()) {
                if verdict.has_tag_name("failure") || verdict.has_tag_name("error") {
                    assert!(verdict.attribute("message").is_some());
                    assert!(verdict.attribute("type").is_some());
                }
            }
        }
    }
    assert_eq!(root.attribute("tests"), Some(total.to_string().as_str()));
    xml
}

fn failure_of<'a>(
    document: &'a roxmltree::Document<'a>,
    address: &str,
) -> Option<roxmltree::Node<'a, 'a>> {
    document
        .descendants()
        .find(|n| n.has_tag_name("testcase") && n.attribute("name") == Some(address))
        .expect("a test case per recipient")
        .children()
        .find(|n| n.has_tag_name("failure"))
}

#[test]
fn a_deferred_message_is_one_error_issue_with_its_explanation() {
    let report = deferred();
    let issues = checked_issues(RunOutcome::Ran(std::slice::from_ref(&report)));
    let errors: Vec<&Value> = issues.iter().filter(|i| i["severity"] == "ERROR").collect();
    assert_eq!(
        errors.len(),
        1,
        "three identical replies are one failure: {issues:?}"
    );
    let issue = errors[0];
    assert_eq!(issue["type"], "451");
    assert_eq!(issue["category"], "greylisting");
    let title = &report.explanation.as_ref().expect("explained").title;
    assert!(
        issue["message"]
            .as_str()
            .unwrap()
            .starts_with(title.as_str())
    );
    let description = issue["description"].as_str().unwrap();
    assert!(description.contains("Attempts 1, 2 and 3 via smtp.example.com:587, at rcpt"));
    for step in &report.explanation.as_ref().unwrap().fix {
        assert!(description.contains(&quick_xml::escape::partial_escape(step).into_owned()));
    }
    let low: Vec<&Value> = issues.iter().filter(|i| i["severity"] == "LOW").collect();
    assert_eq!(low.len(), 1, "the warning of the run is an issue too");
}

#[test]
fn a_message_delivered_after_retries_is_a_normal_issue_and_a_clean_one_none() {
    let mut retried = partial();
    retried.status = DeliveryStatus::Delivered;
    retried.recipients.truncate(1);
    retried.explanation = None;
    let issues = checked_issues(RunOutcome::Ran(std::slice::from_ref(&retried)));
    assert_eq!(issues.len(), 1);
    assert_eq!(issues[0]["severity"], "NORMAL");
    assert_eq!(issues[0]["type"], "421");
    assert!(checked_issues(RunOutcome::Ran(&[delivered_first_time()])).is_empty());
}

#[test]
fn every_recipient_is_a_test_case_failed_with_its_own_explanation() {
    let report = partial();
    let xml = junit(RunOutcome::Ran(std::slice::from_ref(&report)));
    let document = roxmltree::Document::parse(&xml).unwrap();
    assert!(failure_of(&document, "dev@example.com").is_none());
    let failure = failure_of(&document, "gone@example.com").expect("a failure");
    let title = &explain(&reply(
        &report.recipients[1].reply.as_ref().unwrap().to_string(),
    ))
    .title;
    assert_eq!(
        failure.attribute("message"),
        Some(format!("rejected: {title}").as_str())
    );
    assert_eq!(failure.attribute("type"), Some("mailbox"));
    let text = failure.text().unwrap();
    assert!(
        text.contains("The server said: 550 5.1.1 <gone@example.com>"),
        "{text}"
    );
    assert!(
        text.contains("attempt 1: 421 4.3.2 Busy, try later"),
        "{text}"
    );
    let issues = checked_issues(RunOutcome::Ran(std::slice::from_ref(&report)));
    let severities: Vec<(&str, &str)> = issues
        .iter()
        .map(|i| (i["type"].as_str().unwrap(), i["severity"].as_str().unwrap()))
        .collect();
    assert_eq!(
        severities,
        [("421", "NORMAL"), ("550", "ERROR")],
        "retried past, then refused"
    );
}

#[test]
fn server_text_with_markup_and_control_characters_stays_text() {
    let nasty = "550 5.7.1 <script>alert(1)</script> \u{1b}[31mno\u{7} \"quoted\" & done";
    let mut report = sent(DeliveryStatus::Rejected, "<build.815@ci.example.com>", 120);
    report.recipients = vec![recipient(
        "dev@example.com",
        RecipientStatus::Rejected,
        nasty,
    )];
    report.explanation = Some(explain(&reply(nasty)));
    report.attempts = vec![attempt(1, Phase::Rcpt, AttemptOutcome::Permanent, nasty)];
    let xml = junit(RunOutcome::Ran(std::slice::from_ref(&report)));
    let document = roxmltree::Document::parse(&xml).unwrap();
    let text = failure_of(&document, "dev@example.com")
        .unwrap()
        .text()
        .unwrap();
    assert!(text.contains("<script>alert(1)</script>"), "{text}");
    assert!(text.contains("\"quoted\" & done"), "{text}");
    assert!(!text.contains('\u{1b}'), "{text}");
    let issues = checked_issues(RunOutcome::Ran(std::slice::from_ref(&report)));
    let message = issues[0]["message"].as_str().unwrap();
    assert!(message.contains("&lt;script&gt;"), "{message}");
    assert!(!message.contains("<script>"));
}

#[test]
fn characters_xml_cannot_carry_become_replacement_characters() {
    let skipped = Report::skipped("branch \u{1b}[31mfeature\u{7}\u{0} <x> & \"y\"");
    let xml = junit(RunOutcome::Ran(std::slice::from_ref(&skipped)));
    let document = roxmltree::Document::parse(&xml).unwrap();
    let skipped = document
        .descendants()
        .find(|n| n.has_tag_name("skipped"))
        .unwrap();
    assert_eq!(
        skipped.attribute("message"),
        Some("branch \u{fffd}[31mfeature\u{fffd}\u{fffd} <x> & \"y\"")
    );
}

#[test]
fn a_run_that_stopped_before_sending_is_an_error_in_both_reports() {
    let error = "no SMTP server: pass --smtp-url or set BUILDMAIL_SMTP_URL";
    let issues = checked_issues(RunOutcome::Stopped(error));
    assert_eq!(issues.len(), 1);
    assert_eq!(issues[0]["severity"], "ERROR");
    assert!(issues[0]["message"].as_str().unwrap().contains(error));
    let xml = junit(RunOutcome::Stopped(error));
    assert!(xml.contains(r#"errors="1""#), "{xml}");
    assert!(
        xml.contains(&format!(r#"message="nothing was sent: {error}""#)),
        "{xml}"
    );
}

#[test]
fn a_skipped_notification_is_a_skipped_test_and_no_issue() {
    let skipped = Report::skipped("the build passed and --when is failure");
    assert!(checked_issues(RunOutcome::Ran(std::slice::from_ref(&skipped))).is_empty());
    let xml = junit(RunOutcome::Ran(std::slice::from_ref(&skipped)));
    assert!(
        xml.contains(r#"<skipped message="the build passed and --when is failure"/>"#),
        "{xml}"
    );
}

#[test]
fn an_empty_outbox_flush_is_an_empty_report() {
    assert!(checked_issues(RunOutcome::Ran(&[])).is_empty());
    junit(RunOutcome::Ran(&[]));
}

#[test]
fn snapshots_of_a_deferred_and_a_partial_delivery() {
    let reports = [deferred(), partial()];
    insta::assert_snapshot!("warnings", warnings_json(RunOutcome::Ran(&reports)));
    insta::assert_snapshot!("junit", junit_xml(RunOutcome::Ran(&reports)));
}
