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

/// A whole log line pasted as the reply: the reply inside it is explained.
#[test]
fn a_pasted_java_exception_or_nodemailer_error_explains_the_reply_inside() {
    let out = buildmail([
        "explain",
        "--output",
        "json",
        "com.sun.mail.smtp.SMTPSendFailedException: 550 5.7.1 Client does not have permissions to send as this sender",
    ])
    .expect_code(0);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(json["code"], 550);
    assert_eq!(json["enhanced"], "5.7.1");
    assert_eq!(json["category"], "auth");

    let out = buildmail([
        "explain",
        "Error: Invalid login: 535-5.7.8 Username and Password not accepted. Learn more at",
    ])
    .expect_code(0);
    assert!(
        out.stdout
            .starts_with("535 5.7.8 Username and Password not accepted"),
        "{}",
        out.stdout
    );
}

/// A pasted line without any reply: the user is pointed at `--scan -`.
#[test]
fn a_pasted_line_without_a_reply_points_to_scan() {
    let out = buildmail(["explain", "Error: connect ECONNREFUSED 127.0.0.1:587"]).expect_code(65);
    assert!(out.stderr.contains("--scan -"), "{}", out.stderr);
    assert_eq!(out.stdout, "");
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

/// One finding a scan reports: its line, basic code and enhanced code (`-` when none), and for a
/// failure without a reply (code `-`) its category: `9 - - network`.
type Sighting = (u64, String, String, String);

fn expected_sightings(path: &std::path::Path) -> std::collections::BTreeSet<Sighting> {
    let text = std::fs::read_to_string(path).expect("each fixture log has its .expected file");
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let fields: Vec<&str> = l.split_whitespace().collect();
            assert!(
                fields.len() == 3 || (fields.len() == 4 && fields[1] == "-"),
                "{}: bad line {l:?}",
                path.display()
            );
            (
                fields[0].parse().expect("a line number"),
                fields[1].to_owned(),
                fields[2].to_owned(),
                fields.get(3).unwrap_or(&"-").to_string(),
            )
        })
        .collect()
}

fn scanned_sightings(log: &std::path::Path) -> std::collections::BTreeSet<Sighting> {
    let path = log.to_str().expect("fixture paths are UTF-8");
    let out = buildmail(["explain", "--output", "json", "--scan", path]).expect_code(0);
    let json: serde_json::Value =
        serde_json::from_str(&out.stdout).expect("--output json prints JSON");
    json.as_array()
        .expect("--scan prints an array")
        .iter()
        .map(|e| {
            let code = e["code"].as_u64();
            let category = match code {
                Some(_) => "-".to_owned(),
                None => e["category"]
                    .as_str()
                    .expect("each finding has a category")
                    .to_owned(),
            };
            (
                e["line"].as_u64().expect("each finding has its line"),
                code.map_or("-".to_owned(), |c| c.to_string()),
                e["enhanced"].as_str().unwrap_or("-").to_owned(),
                category,
            )
        })
        .collect()
}

/// The real logs under `fixtures/scan/`, one per format `--scan` understands, and logs of the
/// connection-level failures (no reply: network, TLS, DNS) of the commonest CI mail clients.
const REAL_LOG_FORMATS: &[&str] = &[
    "dotnet-connection",
    "dotnet-smtpclient",
    "exim-mainlog",
    "github-action-send-mail",
    "github-actions-nodemailer",
    "go-net-smtp",
    "jenkins-angus",
    "jenkins-connection",
    "laravel-symfony-mailer",
    "lettre-rust",
    "msmtp",
    "phpmailer-connection",
    "phpmailer-debug",
    "postfix-maillog",
    "python-smtplib",
    "rails-actionmailer",
    "spring-boot",
    "swaks",
];

/// Real logs of each ecosystem (trimmed, anonymised) with the replies a person finds in them:
/// every one must be found, at its line, and nothing else (the noise is build output full of
/// numbers).
#[test]
fn scans_real_logs_of_every_ecosystem_finding_exactly_their_replies() {
    let dir = std::path::Path::new(FIXTURES).join("scan");
    let mut logs: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "log"))
        .collect();
    logs.sort();
    let names: Vec<_> = logs
        .iter()
        .map(|log| log.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    // Every format the README lists is here; a log that goes missing fails the test.
    for format in REAL_LOG_FORMATS {
        assert!(
            names.iter().any(|name| name == format),
            "{format}.log is missing"
        );
    }
    let mut report = String::new();
    let (mut expected_total, mut missed_total, mut extra_total) = (0, 0, 0);
    for log in &logs {
        let expected = expected_sightings(&log.with_extension("expected"));
        let found = scanned_sightings(log);
        let missed: Vec<_> = expected.difference(&found).collect();
        let extra: Vec<_> = found.difference(&expected).collect();
        expected_total += expected.len();
        missed_total += missed.len();
        extra_total += extra.len();
        if !missed.is_empty() || !extra.is_empty() {
            let name = log.file_name().unwrap().to_string_lossy();
            report.push_str(&format!(
                "{name}: missed {missed:?}, not replies {extra:?}\n"
            ));
        }
    }
    assert!(
        report.is_empty(),
        "{missed_total} of {expected_total} replies missed, {extra_total} false positives:\n{report}"
    );
}
