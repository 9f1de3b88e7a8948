//! `buildmail explain`: replies from arguments and stdin, logs with `--scan`, bad input.

use crate::support::buildmail;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");

#[test]
fn explains_a_reply_as_a_short_article_on_stdout() {
    let out = buildmail(["explain", "421 4.7.0 Try again later"]).expect_code(0);
    insta::assert_snapshot!(out.stdout);
    assert_eq!(out.stderr, "");
}

#[test]
fn explains_one_reply_as_a_json_object() {
    let out = buildmail([
        "explain",
        "--output",
        "json",
        "451 4.7.1 Greylisting in action, please come back in 00:05:00",
    ])
    .expect_code(0);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    insta::assert_json_snapshot!(json);
}

#[test]
fn several_replies_are_a_json_array() {
    let out = buildmail([
        "explain",
        "--output",
        "json",
        "550 5.1.1 User unknown",
        "552 5.3.4 Message too big",
    ])
    .expect_code(0);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let codes: Vec<u64> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_u64().unwrap())
        .collect();
    assert_eq!(codes, [550, 552]);
}

#[test]
fn reads_a_multi_line_reply_from_stdin() {
    let out = buildmail(["explain", "--output", "json", "-"])
        .stdin("421-4.7.0 Our system has detected an unusual rate of\r\n421 4.7.0 unsolicited mail originating from your IP address.\r\n")
        .expect_code(0);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(json["category"], "reputation");
    assert_eq!(json["transient"], true);
}

#[test]
fn an_empty_reply_is_bad_input() {
    let out = buildmail(["explain", ""]).expect_code(65);
    assert!(out.stderr.contains("the reply is empty"), "{}", out.stderr);
    let out = buildmail(["explain", "-"]).stdin("  \n").expect_code(65);
    assert!(out.stderr.contains("stdin"), "{}", out.stderr);
}

#[test]
fn a_code_outside_200_to_599_is_bad_input() {
    let out = buildmail(["explain", "600 no such code"]).expect_code(65);
    assert!(
        out.stderr.contains("codes run from 200 to 599"),
        "{}",
        out.stderr
    );
    assert_eq!(out.stdout, "");
}

#[test]
fn text_without_a_code_is_bad_input() {
    let out = buildmail(["explain", "connection refused"]).expect_code(65);
    assert!(
        out.stderr.contains("three-digit SMTP code"),
        "{}",
        out.stderr
    );
}

#[test]
fn an_unreadable_log_is_bad_input() {
    let out = buildmail(["explain", "--scan", "/no/such/build.log"]).expect_code(65);
    assert!(out.stderr.contains("/no/such/build.log"), "{}", out.stderr);
}

#[test]
fn nothing_to_explain_is_a_usage_error() {
    buildmail(["explain"]).expect_code(2);
}

#[test]
fn a_log_without_replies_says_so_on_stderr() {
    let out = buildmail(["explain", "--scan", "-"])
        .stdin("BUILD SUCCESSFUL\n450 tests completed\n")
        .expect_code(0);
    assert_eq!(out.stdout, "");
    assert!(out.stderr.contains("no SMTP reply"), "{}", out.stderr);
}

fn scan_json(fixture: &str) -> serde_json::Value {
    let path = format!("{FIXTURES}/{fixture}");
    let out = buildmail(["explain", "--output", "json", "--scan", path.as_str()]).expect_code(0);
    serde_json::from_str(&out.stdout).expect("--output json prints JSON")
}

fn scan_text(fixture: &str) -> String {
    let path = format!("{FIXTURES}/{fixture}");
    buildmail(["explain", "--scan", path.as_str()])
        .expect_code(0)
        .stdout
}

#[test]
fn scans_a_jenkins_console_log() {
    insta::assert_snapshot!(scan_text("jenkins-console.log"));
    insta::assert_json_snapshot!(scan_json("jenkins-console.log"));
}

#[test]
fn scans_a_nodemailer_failure() {
    insta::assert_snapshot!(scan_text("nodemailer.log"));
    insta::assert_json_snapshot!(scan_json("nodemailer.log"));
}

#[test]
fn scans_a_phpmailer_log() {
    insta::assert_snapshot!(scan_text("phpmailer.log"));
    insta::assert_json_snapshot!(scan_json("phpmailer.log"));
}
