//! `buildmail notify` with what shows what broke and who broke it, end to end through the real
//! binary against buildmail-sim: recipients from a Jenkins-like git history and from a GitHub
//! push payload, test results, log excerpts, the sorting headers, `--priority` and `--header`.

use std::path::Path;
use std::process::Command;

use mail_parser::MessageParser;

use crate::notify::fixture;
use crate::support::{Server, buildmail};

/// Runs git in `dir` as `author`; returns its output.
fn git(dir: &Path, (name, email): (&str, &str), args: &[&str]) -> String {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_AUTHOR_NAME", name)
        .env("GIT_AUTHOR_EMAIL", email)
        .env("GIT_COMMITTER_NAME", "CI")
        .env("GIT_COMMITTER_EMAIL", "ci@example.com")
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

fn commit(dir: &Path, author: (&str, &str), message: &str) -> String {
    git(
        dir,
        author,
        &["commit", "--quiet", "--allow-empty", "-m", message],
    );
    git(dir, author, &["rev-parse", "HEAD"])
}

fn sorted(mut list: Vec<String>) -> Vec<String> {
    list.sort();
    list
}

/// A Jenkins workspace whose history has a last successful build and three changes since, by
/// two people with company addresses, one with a GitHub noreply address and one outside the
/// company; the last successful build's own author is not among them.
#[test]
fn to_authors_on_jenkins_mails_everyone_since_the_last_success_and_no_noreply_address() {
    let workspace = tempfile::tempdir().expect("a workspace");
    let dir = workspace.path();
    git(dir, ("x", "x@example.com"), &["init", "--quiet"]);
    let good = commit(dir, ("Old Hand", "old@example.com"), "last green build");
    let previous = commit(dir, ("Ada", "ada@example.com"), "speed up checkout");
    commit(
        dir,
        ("Octo", "583231+octocat@users.noreply.github.com"),
        "typo",
    );
    commit(dir, ("Grace", "grace@contractor.example.org"), "refactor");
    let head = commit(
        dir,
        ("Ada Again", "Ada@Example.com"),
        "fix it\r\nBcc: evil@example.com",
    );
    let server = Server::start(&[]);
    let out = buildmail([
        "notify",
        "--smtp-url",
        &server.url(),
        "--from",
        "CI <ci@example.com>",
        "--to",
        "team@example.com",
        "--status",
        "FAILURE",
        "--previous-status",
        "FAILURE",
        "--to-authors",
        "--to-requester",
        "--authors-domain",
        "example.com",
        "--output",
        "json",
    ])
    .current_dir(dir)
    .env("JENKINS_URL", "https://ci.example.com/")
    .env("JOB_NAME", "shop")
    .env("BUILD_NUMBER", "812")
    .env("GIT_BRANCH", "origin/main")
    .env("GIT_COMMIT", &head)
    .env("GIT_PREVIOUS_COMMIT", &previous)
    .env("GIT_PREVIOUS_SUCCESSFUL_COMMIT", &good)
    .env("BUILD_USER_EMAIL", "lin@example.com")
    .expect_code(0);
    let report: serde_json::Value = serde_json::from_str(&out.stdout).expect("a JSON report");
    assert_eq!(report["status"], "delivered", "{report}");

    let record = server.record();
    assert_eq!(record.messages.len(), 1);
    assert_eq!(
        sorted(record.messages[0].rcpt_to.clone()),
        ["ada@example.com", "lin@example.com", "team@example.com"],
        "{report}"
    );
    let added = report["added_recipients"]
        .as_array()
        .expect("added recipients");
    assert_eq!(added.len(), 2, "{report}");
    assert_eq!(added[0]["address"], "ada@example.com");
    assert!(
        added[0]["reason"]
            .as_str()
            .is_some_and(|r| r.contains("since the last successful build")),
        "{report}"
    );
    assert_eq!(added[1]["reason"], "started the build");
    let warnings = report["warnings"].to_string();
    assert!(warnings.contains("users.noreply.github.com"), "{warnings}");
    assert!(
        warnings.contains("grace@contractor.example.org"),
        "{warnings}"
    );
    let text = record.messages[0].text();
    let head_block = text.split("\r\n\r\n").next().expect("headers");
    assert!(!head_block.contains("evil@example.com"), "{head_block}");
    let parsed = MessageParser::default()
        .parse(&record.messages[0].data)
        .expect("a message");
    let to: Vec<&str> = parsed
        .to()
        .and_then(|to| to.as_list())
        .expect("a To list")
        .iter()
        .filter_map(|a| a.address())
        .collect();
    assert_eq!(
        to,
        ["team@example.com", "ada@example.com", "lin@example.com"]
    );
}

/// A GitHub push with commits by three people, one of them twice and one through GitHub's
/// noreply address, from the octokit payload with commits added.
#[test]
fn to_authors_on_a_github_push_mails_the_commit_authors_and_no_noreply_address() {
    let base = std::fs::read_to_string(fixture("push.json")).expect("fixture");
    let mut payload: serde_json::Value = serde_json::from_str(&base).expect("JSON");
    let commit = |name: &str, email: &str| {
        serde_json::json!({"id": "6113728f27ae82c7b1a177c8d03f9e96e0adf246", "message": "change",
            "author": {"name": name, "email": email, "username": name}})
    };
    payload["commits"] = serde_json::json!([
        commit("Ada", "ada@example.com"),
        commit("Codertocat", "21031067+Codertocat@users.noreply.github.com"),
        commit("Grace", "grace@example.org"),
        commit("Ada", "ada@example.com"),
        commit("Mallory", "not an address\r\nBcc: evil@example.com"),
    ]);
    payload["head_commit"] = payload["commits"][0].clone();
    let dir = tempfile::tempdir().expect("temp dir");
    let event = dir.path().join("event.json");
    std::fs::write(&event, payload.to_string()).expect("write the payload");

    let server = Server::start(&[]);
    let out = buildmail([
        "notify",
        "--smtp-url",
        &server.url(),
        "--from",
        "ci@example.com",
        "--status",
        "failure",
        "--to-authors",
        "--to-requester",
        "--output",
        "json",
    ])
    .current_dir(dir.path())
    .env("GITHUB_ACTIONS", "true")
    .env("GITHUB_REPOSITORY", "Codertocat/Hello-World")
    .env("GITHUB_EVENT_NAME", "push")
    .env("GITHUB_REF", "refs/heads/main")
    .env("GITHUB_EVENT_PATH", event.to_string_lossy())
    .expect_code(0);
    let report: serde_json::Value = serde_json::from_str(&out.stdout).expect("a JSON report");
    let record = server.record();
    assert_eq!(
        sorted(record.messages[0].rcpt_to.clone()),
        ["ada@example.com", "grace@example.org"],
        "{report}"
    );
    let warnings = report["warnings"].to_string();
    // The pusher of the octokit payload is Codertocat's noreply address too: said once.
    assert_eq!(
        warnings.matches("is a noreply address").count(),
        1,
        "{warnings}"
    );
    assert!(
        !record.messages[0]
            .text()
            .contains("users.noreply.github.com")
    );
    assert!(warnings.contains("is not a valid address"), "{warnings}");
    assert!(!record.messages[0].text().contains("evil@example.com"));
}

/// The octokit push payload as it is (a tag deleted: no commits, a noreply pusher): nobody is
/// added, the report says why, and the mail still goes to `--to`.
#[test]
fn a_push_without_commits_adds_nobody_and_says_why() {
    let server = Server::start(&[]);
    let out = buildmail([
        "notify",
        "--smtp-url",
        &server.url(),
        "--from",
        "ci@example.com",
        "--to",
        "team@example.com",
        "--status",
        "failure",
        "--to-authors",
        "--to-requester",
        "--output",
        "json",
    ])
    .env("GITHUB_ACTIONS", "true")
    .env("GITHUB_REPOSITORY", "Codertocat/Hello-World")
    .env("GITHUB_EVENT_NAME", "push")
    .env("GITHUB_EVENT_PATH", fixture("push.json"))
    .expect_code(0);
    let report: serde_json::Value = serde_json::from_str(&out.stdout).expect("a JSON report");
    assert_eq!(server.record().messages[0].rcpt_to, ["team@example.com"]);
    assert!(report.get("added_recipients").is_none(), "{report}");
    let warnings = report["warnings"].to_string();
    assert!(warnings.contains("no author of the changes"), "{warnings}");
    assert!(warnings.contains("is a noreply address"), "{warnings}");
}

#[test]
fn test_results_and_the_failure_line_reach_both_parts() {
    let dir = tempfile::tempdir().expect("temp dir");
    let reports = dir.path().join("target/surefire-reports");
    std::fs::create_dir_all(&reports).expect("mkdir");
    std::fs::copy(
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../tests/fixtures/junit/surefire.xml"
        ),
        reports.join("TEST-cart.xml"),
    )
    .expect("copy");
    std::fs::write(reports.join("TEST-broken.xml"), "<testsuite><testcase").expect("write");
    let mut log = String::from("[ERROR] Tests run: 6, Failures: 2, Errors: 1\n");
    log.extend((0..300).map(|i| format!("[INFO] coverage of class {i}\n")));
    std::fs::write(dir.path().join("build.log"), log).expect("log");
    let out = buildmail([
        "notify",
        "--from",
        "ci@example.com",
        "--to",
        "team@example.com",
        "--status",
        "unstable",
        "--project",
        "shop",
        "--branch",
        "main",
        "--test-results",
        "target/**/TEST-*.xml",
        "--log",
        "build.log",
        "--log-lines",
        "10",
        "--priority",
        "high",
        "--header",
        "X-Team: checkout",
        "--dry-run",
    ])
    .current_dir(dir.path())
    .expect_code(0);
    assert!(
        out.stderr
            .contains("TEST-broken.xml: it is not well-formed XML"),
        "{}",
        out.stderr
    );
    let parsed = MessageParser::default()
        .parse(out.stdout.as_bytes())
        .expect("a message");
    assert_eq!(
        parsed.subject(),
        Some("[shop] main unstable (3 tests failed)")
    );
    let text = parsed.body_text(0).expect("text");
    let html = parsed.body_html(0).expect("html");
    for part in [&text, &html] {
        assert!(
            part.contains("6 tests: 2 passed, 2 failed, 1 errored, 1 skipped"),
            "{part}"
        );
        assert!(
            part.contains("com.shop.cart.CartTest.totalsWithTax"),
            "{part}"
        );
        assert!(
            part.contains("[ERROR] Tests run: 6"),
            "the failure line, 300 lines up: {part}"
        );
        assert!(
            part.contains("first line that looks like the failure"),
            "{part}"
        );
    }
    let header = |name: &str| parsed.header_raw(name).map(str::trim).map(str::to_owned);
    assert_eq!(header("X-Priority").as_deref(), Some("1 (Highest)"));
    assert_eq!(header("X-Team").as_deref(), Some("checkout"));
    assert_eq!(header("Auto-Submitted").as_deref(), Some("auto-generated"));
    assert_eq!(header("X-Buildmail-Status").as_deref(), Some("unstable"));
    assert_eq!(header("X-Buildmail-Job").as_deref(), Some("shop"));
    assert_eq!(
        header("List-Id").as_deref(),
        Some("\"shop builds\" <shop.buildmail.example.com>")
    );
}

#[test]
fn log_match_shows_the_matching_lines_with_context() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut log: String = (0..500).map(|i| format!("step {i}\n")).collect();
    log.insert_str(0, "warning: deprecated API\n");
    std::fs::write(dir.path().join("build.log"), log).expect("log");
    let out = buildmail([
        "notify",
        "--from",
        "ci@example.com",
        "--to",
        "team@example.com",
        "--status",
        "failure",
        "--log",
        "build.log",
        "--log-match",
        "^warning:",
        "--dry-run",
    ])
    .current_dir(dir.path())
    .expect_code(0);
    let parsed = MessageParser::default()
        .parse(out.stdout.as_bytes())
        .expect("a message");
    let text = parsed.body_text(0).expect("text").replace("\r\n", "\n");
    assert!(
        text.contains(
            "[line 1]\n    warning: deprecated API\n    step 0\n    step 1\n    step 2\n"
        ),
        "{text}"
    );
    assert!(!text.contains("step 499"), "{text}");
    assert!(
        text.contains("match ^warning:, with 3 lines of context"),
        "{text}"
    );

    let bad = buildmail([
        "notify",
        "--from",
        "ci@example.com",
        "--to",
        "team@example.com",
        "--status",
        "failure",
        "--log-match",
        "(unclosed",
        "--dry-run",
    ])
    .expect_code(2);
    assert!(bad.stderr.contains("--log-match"), "{}", bad.stderr);
}
