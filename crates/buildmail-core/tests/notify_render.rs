//! Snapshots of the default notification (subject, text, HTML) for each outcome worth a mail,
//! on each CI context: what people see every day, reviewed when it changes.

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use buildmail_core::ci::{Build, BuildStatus, Provider, detect};
use buildmail_core::logtail::{Excerpt, Tail};
use buildmail_core::notify::{Evidence, Notification, Templates};
use buildmail_core::testresults::TestResults;

fn fixture(name: &str) -> String {
    format!(
        "{}/../../tests/fixtures/github-events/{name}",
        env!("CARGO_MANIFEST_DIR")
    )
}

fn from_vars(pairs: &[(&str, &str)]) -> Build {
    let vars: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    detect(&|name| vars.get(name).cloned(), Path::new("/nonexistent")).build
}

const GITHUB: [(&str, &str); 8] = [
    ("GITHUB_ACTIONS", "true"),
    ("GITHUB_REPOSITORY", "Codertocat/Hello-World"),
    ("GITHUB_SERVER_URL", "https://github.com"),
    ("GITHUB_RUN_ID", "4242"),
    ("GITHUB_RUN_NUMBER", "812"),
    ("GITHUB_WORKFLOW", "CI"),
    ("GITHUB_ACTOR", "octocat"),
    ("GITHUB_SHA", "6113728f27ae82c7b1a177c8d03f9e96e0adf246"),
];

fn github_push() -> Build {
    let path = fixture("push.with-new-branch.json");
    let mut vars = GITHUB.to_vec();
    vars.extend([
        ("GITHUB_EVENT_NAME", "push"),
        ("GITHUB_EVENT_PATH", path.as_str()),
        ("GITHUB_REF", "refs/heads/master"),
    ]);
    from_vars(&vars)
}

fn github_pull_request() -> Build {
    let path = fixture("pull_request.opened.json");
    let mut vars = GITHUB.to_vec();
    vars.extend([
        ("GITHUB_EVENT_NAME", "pull_request"),
        ("GITHUB_EVENT_PATH", path.as_str()),
        ("GITHUB_REF", "refs/pull/2/merge"),
        ("GITHUB_HEAD_REF", "changes"),
    ]);
    from_vars(&vars)
}

fn jenkins() -> Build {
    from_vars(&[
        ("JENKINS_URL", "https://ci.example.com/"),
        ("JOB_NAME", "team/shop/main"),
        ("BRANCH_NAME", "main"),
        ("BUILD_NUMBER", "57"),
        (
            "BUILD_URL",
            "https://ci.example.com/job/team/job/shop/job/main/57/",
        ),
        ("GIT_COMMIT", "0123456789abcdef0123456789abcdef01234567"),
        ("GIT_BRANCH", "origin/main"),
    ])
}

fn local() -> Build {
    let mut build = Build::new(Provider::Local, "shop");
    build.branch = Some("feature/faster-checkout".into());
    build.commit = Some("89abcdef0123456789abcdef0123456789abcdef".into());
    build.message = Some("Cache the cart between requests\n\nHalves the p99.".into());
    build.author = Some("Ada Lovelace".into());
    build.trigger = Some("local".into());
    build.duration = Some(Duration::from_secs(192));
    build
}

fn log() -> Tail {
    Tail {
        lines: vec![
            "running 3 tests".into(),
            "test cart::keeps_items ... ok".into(),
            "test cart::<script>alert(1)</script> ... FAILED".into(),
            "error: test failed, to rerun pass `--lib`".into(),
        ],
        truncated: true,
    }
}

const OUTCOMES: [(&str, BuildStatus, BuildStatus); 4] = [
    ("success", BuildStatus::Success, BuildStatus::Success),
    ("failure", BuildStatus::Failure, BuildStatus::Success),
    ("fixed", BuildStatus::Success, BuildStatus::Failure),
    ("still_failing", BuildStatus::Failure, BuildStatus::Failure),
];

fn snapshot_all(context: &str, build: Build) {
    for (name, status, previous) in OUTCOMES {
        let mut build = build.clone();
        build.status = Some(status);
        build.previous_status = Some(previous);
        let tail = log();
        let mail = Notification::render(&build, Some(&tail), &Templates::builtin(), "example.com")
            .expect("the built-in templates render");
        let shown = format!(
            "Subject: {}\nThread: {}\n\n----- text/plain -----\n{}\n----- text/html -----\n{}",
            mail.subject, mail.thread_id, mail.text, mail.html
        );
        insta::assert_snapshot!(format!("{context}_{name}"), shown);
    }
}

#[test]
fn github_push_notifications() {
    snapshot_all("github_push", github_push());
}

#[test]
fn github_pull_request_notifications() {
    snapshot_all("github_pull_request", github_pull_request());
}

#[test]
fn jenkins_notifications() {
    snapshot_all("jenkins", jenkins());
}

#[test]
fn local_notifications() {
    snapshot_all("local", local());
}

#[test]
fn subjects_say_it_all() {
    let subject = |build: Build, status, previous| {
        let mut build = build;
        build.status = Some(status);
        build.previous_status = previous;
        Notification::render(&build, None, &Templates::builtin(), "example.com")
            .expect("renders")
            .subject
    };
    assert_eq!(
        subject(jenkins(), BuildStatus::Failure, Some(BuildStatus::Success)),
        "[shop] main #57 failed"
    );
    assert_eq!(
        subject(
            github_push(),
            BuildStatus::Success,
            Some(BuildStatus::Failure)
        ),
        "[Hello-World] master #812 fixed"
    );
    assert_eq!(
        subject(
            github_pull_request(),
            BuildStatus::Failure,
            Some(BuildStatus::Failure)
        ),
        "[Hello-World] changes PR #2 #812 still failing"
    );
    assert_eq!(
        subject(local(), BuildStatus::Success, None),
        "[shop] feature/faster-checkout passed"
    );
}

#[test]
fn the_log_is_shown_only_when_something_is_wrong() {
    let mut build = jenkins();
    build.status = Some(BuildStatus::Success);
    let tail = log();
    let mail = Notification::render(&build, Some(&tail), &Templates::builtin(), "example.com")
        .expect("renders");
    assert!(!mail.text.contains("running 3 tests"), "{}", mail.text);
    build.status = Some(BuildStatus::Unstable);
    let mail = Notification::render(&build, Some(&tail), &Templates::builtin(), "example.com")
        .expect("renders");
    assert!(mail.text.contains("running 3 tests"), "{}", mail.text);
    assert!(mail.html.contains("cart::&lt;script&gt;"), "{}", mail.html);
    assert!(!mail.html.contains("<script"), "{}", mail.html);
}

/// A report's failures in both parts, above the log, and the count in the subject.
fn with_tests(report: &str) -> String {
    let path = format!(
        "{}/../../tests/fixtures/junit/{report}",
        env!("CARGO_MANIFEST_DIR")
    );
    let file = std::fs::File::open(path).expect("fixture");
    let tests = TestResults::parse(std::io::BufReader::new(file)).expect("a report");
    let mut build = jenkins();
    build.status = Some(BuildStatus::Unstable);
    build.previous_status = Some(BuildStatus::Success);
    let log = Excerpt::from(log());
    let evidence = Evidence {
        log: Some(&log),
        tests: Some(&tests),
    };
    let mail = Notification::render_with(&build, evidence, &Templates::builtin(), "example.com")
        .expect("the built-in templates render");
    format!(
        "Subject: {}\n\n----- text/plain -----\n{}\n----- text/html -----\n{}",
        mail.subject, mail.text, mail.html
    )
}

#[test]
fn surefire_failures() {
    let shown = with_tests("surefire.xml");
    assert!(
        shown.starts_with("Subject: [shop] main #57 unstable (3 tests failed)\n"),
        "{shown}"
    );
    insta::assert_snapshot!(shown);
}

#[test]
fn pytest_failures() {
    let shown = with_tests("pytest.xml");
    assert!(shown.contains("tests/test_checkout.py:21"), "{shown}");
    insta::assert_snapshot!(shown);
}

#[test]
fn untrusted_test_names_are_escaped_in_html() {
    let shown = with_tests("jest.xml");
    let html = shown.split("----- text/html -----").nth(1).expect("html");
    assert!(!html.contains("<script>"), "{html}");
    assert!(
        html.contains("Cart totals &lt;script&gt;alert(1)&lt;&#x2f;script&gt;"),
        "{html}"
    );
}
