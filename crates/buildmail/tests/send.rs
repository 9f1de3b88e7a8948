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
            .contains("\"not an address\" is not a valid to address"),
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
fn markdown_sends_the_text_and_its_rendering_with_raw_html_escaped() {
    let out = buildmail(send(&[
        "--dry-run",
        "--markdown",
        "--body",
        "Build *fixed*\n\n<script>alert(1)</script>",
    ]))
    .expect_code(0);
    assert!(
        out.stdout.contains("multipart/alternative"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("Content-Type: text/plain"));
    assert!(out.stdout.contains("Content-Type: text/html"));
    let html = out.stdout.split("Content-Type: text/html").nth(1).unwrap();
    assert!(html.contains("<em>fixed</em>"), "{html}");
    assert!(html.contains("&lt;script&gt;"), "{html}");
    assert!(!html.contains("<script>"), "{html}");
}

#[test]
fn attachments_come_from_globs_and_a_missing_file_is_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("reports")).unwrap();
    std::fs::write(dir.path().join("reports/junit.xml"), "<testsuite/>").unwrap();
    let glob = format!("{}/reports/*.xml", dir.path().display());
    let out = buildmail(send(&[
        "--dry-run",
        "--body",
        "see attached",
        "--attach",
        &glob,
    ]))
    .current_dir(dir.path())
    .expect_code(0);
    assert!(
        out.stdout.contains("filename=\"junit.xml\""),
        "{}",
        out.stdout
    );
    let empty_glob = format!("{}/nothing/*.xml", dir.path().display());
    let out = buildmail(send(&["--dry-run", "--attach", &empty_glob])).expect_code(0);
    assert!(out.stderr.contains("matched no file"), "{}", out.stderr);
    let missing = format!("{}/reports/missing.xml", dir.path().display());
    let out = buildmail(send(&["--dry-run", "--attach", &missing])).expect_code(65);
    assert!(out.stderr.contains("missing.xml"), "{}", out.stderr);
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
