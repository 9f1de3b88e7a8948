//! The CLI as a Jenkins `sh` step runs it: a recorded Jenkins environment (no terminal), a
//! simulator for a relay, and what Jenkins shows: the console text, the report files and the
//! exit code. Also the trigger table in Jenkins' status words.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::support::{Output, Server, buildmail, run};

/// A branch and a change title as an attacker would name them.
const HOSTILE_BRANCH: &str = "feature/$(touch pwned-branch);`touch pwned-tick`'\"";
const HOSTILE_TITLE: &str = "Fix \"quotes\" $(id) `uname`; rm -rf / #";

/// `buildmail notify` with the variables a Jenkins multibranch pipeline sets, as recorded from
/// a build (only the ones buildmail may read, and some it must ignore).
fn jenkins_notify(server: &Server, dir: &Path) -> Command {
    let mut command = buildmail();
    command.current_dir(dir).arg("notify");
    for (key, value) in [
        ("JENKINS_URL", "https://ci.example.com/"),
        ("JENKINS_HOME", "/var/jenkins_home"),
        ("JOB_NAME", "shop/PR-42"),
        ("JOB_BASE_NAME", "PR-42"),
        ("BUILD_NUMBER", "812"),
        ("BUILD_ID", "812"),
        ("BUILD_TAG", "jenkins-shop-PR-42-812"),
        (
            "BUILD_URL",
            "https://ci.example.com/job/shop/job/PR-42/812/",
        ),
        ("BUILD_DISPLAY_NAME", "#812"),
        ("NODE_NAME", "agent-3"),
        ("EXECUTOR_NUMBER", "1"),
        ("WORKSPACE", "/home/jenkins/workspace/shop_PR-42"),
        ("GIT_BRANCH", HOSTILE_BRANCH),
        ("GIT_COMMIT", "4f2a1c9e8b7d6a5f4e3d2c1b0a9f8e7d6c5b4a39"),
        ("CHANGE_ID", "42"),
        ("CHANGE_TITLE", HOSTILE_TITLE),
        ("CHANGE_URL", "https://git.example.com/shop/pull/42"),
        ("CHANGE_AUTHOR", "dev"),
        ("TERM", "dumb"),
        ("BUILDMAIL_SMTP_URL", &server.url()),
        ("BUILDMAIL_FROM", "Jenkins <ci@example.com>"),
        ("BUILDMAIL_TO", "dev@example.com"),
        ("BUILDMAIL_STATUS", "FAILURE"),
        ("BUILDMAIL_PREVIOUS_STATUS", "SUCCESS"),
        ("BUILDMAIL_RETRY_BUDGET", "30s"),
        ("BUILDMAIL_WARNINGS_REPORT", "reports/buildmail-issues.json"),
        ("BUILDMAIL_JUNIT_REPORT", "reports/buildmail-junit.xml"),
    ] {
        command.env(key, value);
    }
    std::fs::create_dir_all(dir.join("reports")).expect("a reports directory");
    command
}

/// The console text as Jenkins stores it: plain lines, nothing a terminal would interpret.
fn assert_plain_console(out: &Output) {
    for (stream, text) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
        assert!(
            !text.contains('\x1b'),
            "{stream} has an escape sequence:\n{text}"
        );
        assert!(!text.contains('\r'), "{stream} redraws a line:\n{text}");
    }
}

fn issues(dir: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(dir.join("reports/buildmail-issues.json"))
        .expect("the warnings report is written");
    let json: Value = serde_json::from_str(&text).expect("the warnings report is JSON");
    json["issues"].as_array().expect("an issues array").clone()
}

/// (test case name, failure message) for each test case of the JUnit report.
fn test_cases(dir: &Path) -> Vec<(String, Option<String>)> {
    let text = std::fs::read_to_string(dir.join("reports/buildmail-junit.xml"))
        .expect("the JUnit report is written");
    let document = roxmltree::Document::parse(&text).expect("the JUnit report is XML");
    document
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .map(|case| {
            let failure = case
                .children()
                .find(|n| n.has_tag_name("failure") || n.has_tag_name("error"))
                .and_then(|f| f.attribute("message").map(str::to_owned));
            (
                case.attribute("name").unwrap_or_default().to_owned(),
                failure,
            )
        })
        .collect()
}

#[test]
fn a_greylisted_notification_is_retried_on_its_own_console_lines_and_delivered() {
    let server = Server::start(&["fault:rcpt:451 4.7.1 Greylisted, try again in 1 second"]);
    let dir = tempfile::tempdir().expect("a workspace");
    let out = run(&mut jenkins_notify(&server, dir.path())).expect_code(0);
    assert_plain_console(&out);
    let lines: Vec<&str> = out.stderr.lines().collect();
    assert!(
        lines[0].starts_with("attempt 1 via 127.0.0.1:")
            && lines[0].contains("451 4.7.1 Greylisted")
            && lines[0].contains("next try in"),
        "the retry and its wait on one line: {}",
        out.stderr
    );
    assert!(lines[1].starts_with("attempt 2 via"), "{}", out.stderr);
    assert!(
        lines.iter().any(|l| l.starts_with("delivered: 2 attempts")),
        "{}",
        out.stderr
    );

    let issues = issues(dir.path());
    assert_eq!(issues.len(), 1, "{issues:?}");
    assert_eq!(issues[0]["severity"], "NORMAL", "delivered after a retry");
    assert_eq!(issues[0]["type"], "451");
    assert_eq!(
        test_cases(dir.path()),
        [("dev@example.com".to_owned(), None)]
    );
}

#[test]
fn a_deferred_notification_exits_75_and_both_reports_explain_it() {
    let server =
        Server::start(&["fault:mail:451 4.7.1 Rate limit exceeded, try again in 1 hour:100"]);
    let dir = tempfile::tempdir().expect("a workspace");
    let out = run(&mut jenkins_notify(&server, dir.path())).expect_code(75);
    assert_plain_console(&out);
    assert!(
        out.stderr
            .lines()
            .any(|l| l.starts_with("attempt 1 via") && l.contains("; giving up: the next try")),
        "{}",
        out.stderr
    );
    let issues = issues(dir.path());
    assert_eq!(issues[0]["severity"], "ERROR", "{issues:?}");
    assert_eq!(issues[0]["category"], "rate_limit");
    let title = issues[0]["message"]
        .as_str()
        .expect("a message")
        .split(": 451")
        .next();
    let title = title.expect("a headline");
    assert!(
        out.stderr.lines().any(|l| l == title),
        "the console shows the explanation {title:?} on its own line:\n{}",
        out.stderr
    );
    let cases = test_cases(dir.path());
    assert_eq!(cases.len(), 1);
    assert_eq!(
        cases[0].1.as_deref(),
        Some(format!("deferred: {title}").as_str())
    );
}

#[test]
fn a_rejected_recipient_exits_69_and_is_a_failed_test_case() {
    let server = Server::start(&["reject:nobody@*:550 5.1.1 <nobody@example.com>: no such user"]);
    let dir = tempfile::tempdir().expect("a workspace");
    let mut command = jenkins_notify(&server, dir.path());
    command.env("BUILDMAIL_TO", "dev@example.com,nobody@example.com");
    let out = run(&mut command).expect_code(69);
    assert_plain_console(&out);
    let cases = test_cases(dir.path());
    assert_eq!(cases[0], ("dev@example.com".to_owned(), None));
    assert_eq!(cases[1].0, "nobody@example.com");
    assert!(
        cases[1]
            .1
            .as_deref()
            .is_some_and(|m| m.starts_with("rejected: ")),
        "{cases:?}"
    );
    let issues = issues(dir.path());
    assert!(
        issues
            .iter()
            .any(|i| i["severity"] == "ERROR" && i["type"] == "550"),
        "{issues:?}"
    );
}

#[test]
fn a_missing_setting_exits_78_and_the_reports_still_say_why() {
    let server = Server::start(&[]);
    let dir = tempfile::tempdir().expect("a workspace");
    let mut command = jenkins_notify(&server, dir.path());
    command.env_remove("BUILDMAIL_SMTP_URL");
    let out = run(&mut command).expect_code(78);
    assert_plain_console(&out);
    assert!(out.stderr.contains("--smtp-url"), "{}", out.stderr);
    let issues = issues(dir.path());
    assert_eq!(issues[0]["severity"], "ERROR");
    assert!(
        issues[0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("--smtp-url"))
    );
    let cases = test_cases(dir.path());
    assert!(
        cases[0]
            .1
            .as_deref()
            .is_some_and(|m| m.contains("nothing was sent")),
        "{cases:?}"
    );
}

#[test]
fn a_notification_skipped_by_when_leaves_clean_reports() {
    let server = Server::start(&[]);
    let dir = tempfile::tempdir().expect("a workspace");
    let mut command = jenkins_notify(&server, dir.path());
    command
        .env("BUILDMAIL_STATUS", "SUCCESS")
        .env("BUILDMAIL_WHEN", "failure");
    let out = run(&mut command).expect_code(0);
    assert!(
        out.stderr.starts_with("buildmail: notification skipped: "),
        "{}",
        out.stderr
    );
    assert!(issues(dir.path()).is_empty());
    assert_eq!(test_cases(dir.path()), [("notification".to_owned(), None)]);
    assert!(server.record().messages.is_empty());
}

#[test]
fn a_hostile_branch_and_title_reach_the_mail_unchanged_and_run_nothing() {
    let server = Server::start(&[]);
    let dir = tempfile::tempdir().expect("a workspace");
    run(&mut jenkins_notify(&server, dir.path())).expect_code(0);
    let record = server.record();
    let mail = String::from_utf8_lossy(&record.messages[0].data).into_owned();
    assert!(mail.contains(HOSTILE_TITLE), "{mail}");
    assert!(
        mail.contains("$(touch pwned-branch);`touch pwned-tick`"),
        "{mail}"
    );
    for file in ["pwned-branch", "pwned-tick"] {
        assert!(!dir.path().join(file).exists(), "{file} was created");
    }
}

#[test]
fn an_outbox_flush_reports_every_message() {
    let dir = tempfile::tempdir().expect("a workspace");
    let outbox = dir.path().join("outbox");
    {
        let busy =
            Server::start(&["fault:mail:451 4.7.1 Rate limit exceeded, try again in 1 hour:100"]);
        let mut command = jenkins_notify(&busy, dir.path());
        command.env("BUILDMAIL_OUTBOX", &outbox);
        run(&mut command).expect_code(75);
    }
    let server = Server::start(&[]);
    let mut flush = buildmail();
    flush
        .current_dir(dir.path())
        .args(["outbox", "flush"])
        .env("BUILDMAIL_SMTP_URL", server.url())
        .env("BUILDMAIL_OUTBOX", &outbox)
        .env("BUILDMAIL_WARNINGS_REPORT", "reports/buildmail-issues.json")
        .env("BUILDMAIL_JUNIT_REPORT", "reports/buildmail-junit.xml");
    let out = run(&mut flush).expect_code(0);
    assert_plain_console(&out);
    assert!(
        issues(dir.path()).is_empty(),
        "the flush delivered at the first try"
    );
    assert_eq!(
        test_cases(dir.path()),
        [("dev@example.com".to_owned(), None)]
    );
}

/// Jenkins' result words and the status each stands for in the table below.
const STATUSES: [&str; 5] = ["SUCCESS", "FAILURE", "UNSTABLE", "ABORTED", "NOT_BUILT"];

/// Whether email-ext's trigger of the same name would send for this build (`None` is a first
/// build).
fn expected(when: &str, status: &str, previous: Option<&str>) -> bool {
    let broken = |s: Option<&str>| matches!(s, Some("FAILURE" | "UNSTABLE"));
    match when {
        "always" => true,
        "failure" => status == "FAILURE",
        "first-failure" => status == "FAILURE" && previous != Some("FAILURE"),
        "still-failing" => status == "FAILURE" && previous == Some("FAILURE"),
        "fixed" => status == "SUCCESS" && broken(previous),
        "unstable" => status == "UNSTABLE",
        "changed" => previous != Some(status),
        "not-success" => status != "SUCCESS",
        "success" => status == "SUCCESS",
        "aborted" => status == "ABORTED",
        "not-built" => status == "NOT_BUILT",
        "first-unstable" => status == "UNSTABLE" && previous != Some("UNSTABLE"),
        "still-unstable" => status == "UNSTABLE" && previous == Some("UNSTABLE"),
        other => panic!("no expectation for --when {other}"),
    }
}

#[test]
fn the_trigger_table_in_jenkins_words() {
    let whens = [
        "always",
        "failure",
        "first-failure",
        "still-failing",
        "fixed",
        "unstable",
        "changed",
        "not-success",
        "success",
        "aborted",
        "not-built",
        "first-unstable",
        "still-unstable",
    ];
    let mut cases = Vec::new();
    for when in whens {
        for status in STATUSES {
            for previous in std::iter::once(None).chain(STATUSES.map(Some)) {
                cases.push((when, status, previous));
            }
        }
    }
    let dir = tempfile::tempdir().expect("a workspace");
    // 390 runs of the binary, spread over a few threads to keep the test short.
    let wrong: Vec<String> = std::thread::scope(|scope| {
        let workers: Vec<_> = cases
            .chunks(cases.len().div_ceil(4))
            .map(|chunk| {
                scope.spawn(|| {
                    chunk
                        .iter()
                        .filter_map(|c| mismatch(dir.path(), *c))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|worker| worker.join().expect("a worker finishes"))
            .collect()
    });
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// How a dry run of `--when` for this build differs from email-ext's trigger, if it does.
fn mismatch(dir: &Path, (when, status, previous): (&str, &str, Option<&str>)) -> Option<String> {
    let mut command = buildmail();
    command.current_dir(dir).args([
        "notify",
        "--from",
        "ci@example.com",
        "--to",
        "dev@example.com",
        "--dry-run",
        "--when",
        when,
        "--status",
        status,
    ]);
    command
        .env("JENKINS_URL", "https://ci.example.com/")
        .env("JOB_NAME", "shop");
    if let Some(previous) = previous {
        command.args(["--previous-status", previous]);
    }
    let out = run(&mut command).expect_code(0);
    let sent = out.stdout.contains("Subject: ");
    (sent != expected(when, status, previous))
        .then(|| format!("--when {when} {status} after {previous:?}: sent {sent}"))
}
