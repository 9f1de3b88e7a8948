//! `buildmail send`: input and configuration errors, and the message `--dry-run` prints.

use crate::support::buildmail;

const TO: [&str; 4] = ["--from", "CI <ci@example.com>", "--to", "dev@example.com"];

fn send<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec!["send"];
    args.extend(TO);
    args.extend(extra);
    args
}

#[test]
fn a_missing_url_is_a_configuration_error() {
    let out = buildmail(send(&["--body", "hi"])).expect_code(78);
    assert!(out.stderr.contains("--smtp-url"), "{}", out.stderr);
}

#[test]
fn an_invalid_url_is_a_configuration_error_that_hides_the_password() {
    let out = buildmail(send(&[
        "--smtp-url",
        "smtp://ci:hunter2@mail.example.com?tls=maybe",
    ]))
    .expect_code(78);
    assert!(out.stderr.contains("tls=required"), "{}", out.stderr);
    assert!(!out.stderr.contains("hunter2"), "{}", out.stderr);
}

#[test]
fn a_bad_address_is_bad_input() {
    let out = buildmail([
        "send",
        "--smtp-url",
        "smtp://127.0.0.1:1",
        "--from",
        "ci@example.com",
        "--to",
        "not an address",
    ])
    .expect_code(65);
    assert!(
        out.stderr
            .contains("\"not an address\" is not an email address"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_header_that_spans_lines_is_bad_input() {
    let out = buildmail(send(&[
        "--dry-run",
        "--header",
        "X-Build: 1\nBcc: evil@example.com",
    ]))
    .expect_code(65);
    assert!(out.stderr.contains("--header"), "{}", out.stderr);
}

#[test]
fn markdown_is_not_available_yet() {
    buildmail(send(&["--dry-run", "--markdown", "--body", "*hi*"])).expect_code(2);
}

#[test]
fn dry_run_prints_the_whole_message_and_sends_nothing() {
    let out = buildmail(send(&[
        "--dry-run",
        "--subject",
        "main: build 42 passed",
        "--message-id",
        "build-42@ci.example.com",
        "--in-reply-to",
        "build-41@ci.example.com",
        "--header",
        "X-Build: 42",
        "--priority",
        "high",
        "--bcc",
        "hidden@example.com",
        "--body-file",
        "-",
    ]))
    .stdin("All green.\n")
    .expect_code(0);
    let message: String = out
        .stdout
        .lines()
        .map(|line| {
            if line.starts_with("Date: ") {
                "Date: [date]"
            } else {
                line
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        !message.contains("hidden@example.com"),
        "Bcc stays out of the headers"
    );
    insta::assert_snapshot!(message);
}
