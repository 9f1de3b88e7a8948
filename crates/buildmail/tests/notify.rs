//! `buildmail notify` end to end, through `--dry-run`: the CI context from environment
//! variables, triggers, templates, and the exit codes of bad input.

use crate::support::{Server, buildmail};

const ADDRESSES: [&str; 4] = ["--from", "CI <ci@example.com>", "--to", "dev@example.com"];

fn notify<'a>(args: &[&'a str]) -> Vec<&'a str> {
    let mut all = vec!["notify"];
    all.extend(ADDRESSES);
    all.extend(args);
    all
}

fn jenkins(run: crate::support::Run) -> crate::support::Run {
    run.env("JENKINS_URL", "https://ci.example.com/")
        .env("JOB_NAME", "shop")
        .env("BUILD_NUMBER", "812")
        .env("BUILD_URL", "https://ci.example.com/job/shop/812/")
        .env("GIT_BRANCH", "origin/main")
}

fn fixture(name: &str) -> String {
    format!(
        "{}/../../tests/fixtures/github-events/{name}",
        env!("CARGO_MANIFEST_DIR")
    )
}

#[test]
fn a_jenkins_failure_prints_the_whole_message() {
    let dir = tempfile::tempdir().expect("temp dir");
    let log = dir.path().join("build.log");
    std::fs::write(&log, "compiling\n\x1b[31merror\x1b[0m: linker failed\n").expect("log");
    let log = log.to_string_lossy().into_owned();
    let args = notify(&[
        "--status",
        "FAILURE",
        "--previous-status",
        "SUCCESS",
        "--log",
        &log,
        "--dry-run",
    ]);
    let out = jenkins(buildmail(args)).expect_code(0);
    assert!(
        out.stdout
            .contains("\r\nSubject: [shop] main #812 failed\r\n"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("References: <buildmail."),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("Content-Type: multipart/alternative"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("    error: linker failed"),
        "{}",
        out.stdout
    );
    assert!(!out.stdout.contains("\x1b["), "ANSI codes are stripped");
    assert_eq!(out.stderr, "");
}

#[test]
fn a_github_pull_request_names_the_pull_request() {
    let out = buildmail(notify(&[
        "--status",
        "success",
        "--previous-status",
        "failure",
        "--dry-run",
    ]))
    .env("GITHUB_ACTIONS", "true")
    .env("GITHUB_REPOSITORY", "Codertocat/Hello-World")
    .env("GITHUB_RUN_ID", "4242")
    .env("GITHUB_RUN_NUMBER", "9")
    .env("GITHUB_EVENT_NAME", "pull_request")
    .env("GITHUB_EVENT_PATH", fixture("pull_request.opened.json"))
    .env("GITHUB_HEAD_REF", "changes")
    .expect_code(0);
    assert!(
        out.stdout
            .contains("Subject: [Hello-World] changes PR #2 #9 fixed\r\n"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("Update the README with new information."),
        "{}",
        out.stdout
    );
}

#[test]
fn flags_override_the_detected_context() {
    let args = notify(&[
        "--status",
        "unstable",
        "--project",
        "billing",
        "--branch",
        "release/2.x",
        "--run-number",
        "77",
        "--dry-run",
    ]);
    let out = jenkins(buildmail(args)).expect_code(0);
    assert!(
        out.stdout
            .contains("Subject: [billing] release/2.x #77 unstable\r\n"),
        "{}",
        out.stdout
    );
}

#[test]
fn a_trigger_that_does_not_match_skips_with_exit_0_and_says_why() {
    let args = notify(&[
        "--status",
        "success",
        "--previous-status",
        "success",
        "--when",
        "fixed",
        "--output",
        "json",
    ]);
    let out = jenkins(buildmail(args)).expect_code(0);
    let report: serde_json::Value = serde_json::from_str(&out.stdout).expect("one JSON object");
    assert_eq!(report["status"], "skipped");
    assert_eq!(report["attempts"], serde_json::json!([]), "{report}");
    assert!(
        report["reason"]
            .as_str()
            .is_some_and(|reason| reason.starts_with("--when fixed")),
        "{report}"
    );
    assert!(
        out.stderr
            .contains("notification skipped: --when fixed wants a success after a failed"),
        "{}",
        out.stderr
    );
}

#[test]
fn without_a_status_it_is_a_usage_error() {
    let out = jenkins(buildmail(notify(&["--dry-run"]))).expect_code(2);
    assert!(out.stderr.contains("give --status"), "{}", out.stderr);
}

#[test]
fn a_bad_address_exits_65_and_names_it() {
    let out = jenkins(buildmail([
        "notify",
        "--from",
        "ci@example.com",
        "--to",
        "dev@@example",
        "--status",
        "failure",
        "--dry-run",
    ]))
    .expect_code(65);
    assert!(
        out.stderr
            .contains("\"dev@@example\" is not a valid to address"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_broken_template_exits_65_and_names_its_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    let template = dir.path().join("mail.txt");
    std::fs::write(
        &template,
        "Build {{ project }}\n{{ outcome.label | nosuchfilter }}\n",
    )
    .expect("template");
    let template = template.to_string_lossy().into_owned();
    let out = jenkins(buildmail(notify(&[
        "--status",
        "failure",
        "--template",
        &template,
        "--dry-run",
    ])))
    .expect_code(65);
    assert!(
        out.stderr.contains(&format!("{template} line 2:")),
        "{}",
        out.stderr
    );
}

#[test]
fn a_custom_template_shapes_the_text_part() {
    let dir = tempfile::tempdir().expect("temp dir");
    let template = dir.path().join("mail.txt");
    std::fs::write(
        &template,
        "{{ project }} is {{ outcome.label }} on {{ ref }}\n",
    )
    .expect("template");
    let template = template.to_string_lossy().into_owned();
    let out = jenkins(buildmail(notify(&[
        "--status",
        "failure",
        "--previous-status",
        "failure",
        "--template",
        &template,
        "--dry-run",
    ])))
    .expect_code(0);
    assert!(
        out.stdout.contains("shop is still failing on main"),
        "{}",
        out.stdout
    );
}

#[test]
fn a_missing_attachment_exits_65_and_names_it() {
    let out = jenkins(buildmail(notify(&[
        "--status",
        "failure",
        "--attach",
        "/nonexistent/report.xml",
        "--dry-run",
    ])))
    .expect_code(65);
    assert!(
        out.stderr.contains("/nonexistent/report.xml"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_failure_is_delivered_through_a_greylisting_server_once() {
    let server = Server::start(&["greylist-hint:1s"]);
    let url = server.url();
    let out = jenkins(buildmail(notify(&[
        "--smtp-url",
        &url,
        "--status",
        "failure",
        "--previous-status",
        "failure",
        "--log",
        "/nonexistent/build.log",
        "--output",
        "json",
    ])))
    .expect_code(0);
    let report: serde_json::Value = serde_json::from_str(&out.stdout).expect("a JSON report");
    assert_eq!(report["status"], "delivered", "{report}");
    assert!(
        report["warnings"][0]
            .as_str()
            .is_some_and(|w| w.contains("/nonexistent/build.log (--log)")),
        "an unreadable log does not stop the mail, and the report says so: {report}"
    );
    assert_eq!(report["attempts"][0]["category"], "greylisting", "{report}");
    let record = server.record();
    assert_eq!(record.deliveries_to("dev@example.com"), 1);
    let accepted = record.messages[0].text();
    assert!(
        accepted.contains("Subject: [shop] main #812 still failing"),
        "{accepted}"
    );
    assert!(accepted.contains(report["message_id"].as_str().unwrap()));
}
