//! Hostile input against the terminal, the CI log and the files (docs/security.md): server text
//! and file names are shown escaped, only files from the workspace are attached, special files
//! neither hang nor leak, a closed stdout or stderr does not change the outcome, and templates
//! and the CI context cannot stop or stall a notification.

use std::io::{Read as _, Write as _};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use tokio::time::Instant; // wall time here: no paused clock in a test that runs a process

use crate::support::{Server, buildmail};

const ADDRESSES: [&str; 4] = ["--from", "CI <ci@example.com>", "--to", "dev@example.com"];

fn with_addresses<'a>(command: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut all = vec![command];
    all.extend(ADDRESSES);
    all.extend(extra);
    all
}

/// No control character but line ends, and no line a GitHub runner would take for a command.
fn assert_safe_to_print(output: &str) {
    for line in output.lines() {
        assert!(
            !line.chars().any(buildmail_core::untrusted::is_hidden),
            "a hidden character reached the output: {line:?}"
        );
        assert!(
            !buildmail_core::untrusted::is_workflow_command(line),
            "a workflow command reached the output: {line:?}"
        );
    }
}

/// A server on 127.0.0.1 whose greeting is `greeting`, for one connection.
fn garbled_server(greeting: &'static [u8]) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    let addr = listener.local_addr().expect("an address");
    std::thread::spawn(move || {
        if let Ok((mut stream, _)) = listener.accept() {
            let _ = stream.write_all(greeting);
            let mut sink = Vec::new();
            let _ = stream.read_to_end(&mut sink);
        }
    });
    format!("smtp://{addr}?tls=none")
}

#[test]
fn a_garbled_server_line_reaches_neither_the_text_report_nor_the_json_escaped() {
    let greeting = b"\x1b]0;pwned\x07\x1b[2J ::error title=x::boom\r\n";
    for output in ["text", "json"] {
        let url = garbled_server(greeting);
        let args = with_addresses(
            "send",
            &[
                "--smtp-url",
                &url,
                "--body",
                "hi",
                "--max-attempts",
                "1",
                "--output",
                output,
            ],
        );
        let out = buildmail(args).expect_code(75);
        assert_safe_to_print(&out.stderr);
        assert_safe_to_print(&out.stdout);
        let shown = if output == "json" {
            let report: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON");
            let cause = report["explanation"]["cause"].as_str().expect("a cause");
            assert_safe_to_print(cause);
            cause.to_owned()
        } else {
            out.stderr
        };
        assert!(
            shown.contains("\\u{1b}]0;pwned\\u{7}"),
            "the text is shown, escaped: {shown}"
        );
    }
}

#[test]
fn a_file_name_in_a_warning_is_escaped_and_starts_no_workflow_command() {
    let dir = tempfile::tempdir().expect("temp dir");
    let name = "big\n::error title=pwned::x\u{202e}lmx.xml";
    let file = std::fs::File::create(dir.path().join(name)).expect("create");
    // Over the 10 MiB cap without writing it: a sparse file.
    file.set_len(11 * 1024 * 1024).expect("grow");
    let args = with_addresses("send", &["--dry-run", "--body", "hi", "--attach", "*.xml"]);
    let out = buildmail(args).current_dir(dir.path()).expect_code(0);
    assert_safe_to_print(&out.stderr);
    assert!(
        out.stderr
            .contains("big\\n\\u{3a}:error title=pwned::x\\u{202e}lmx.xml"),
        "{}",
        out.stderr
    );
}

#[cfg(unix)]
#[test]
fn a_link_planted_in_the_repository_never_mails_the_environment() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir(dir.path().join("reports")).expect("mkdir");
    std::fs::write(dir.path().join("reports/a.xml"), "<testsuite/>").expect("write");
    std::os::unix::fs::symlink("/proc/self/environ", dir.path().join("reports/junit.xml"))
        .expect("symlink");
    std::os::unix::fs::symlink("/etc", dir.path().join("etc")).expect("symlink");
    for pattern in ["reports/junit.xml", "reports/*.xml", "etc/host*"] {
        let args = with_addresses("send", &["--dry-run", "--body", "hi", "--attach", pattern]);
        let out = buildmail(args)
            .current_dir(dir.path())
            .env("BUILDMAIL_SMTP_PASSWORD", "hunter2-secret")
            .expect_code(0);
        assert!(!out.stdout.contains("junit.xml"), "{}", out.stdout);
        assert!(!out.stdout.contains("filename=\"host"), "{}", out.stdout);
        assert!(
            out.stderr.contains("was not attached"),
            "each refusal is a warning ({pattern}): {}",
            out.stderr
        );
    }
    // A directory the user names is allowed.
    let outside = tempfile::tempdir().expect("temp dir");
    std::fs::write(outside.path().join("extra.txt"), "more").expect("write");
    let extra = outside.path().join("extra.txt");
    let extra = extra.to_string_lossy();
    let allowed = outside.path().to_string_lossy();
    let args = with_addresses("send", &["--dry-run", "--body", "hi", "--attach", &extra]);
    let out = buildmail(args.clone())
        .current_dir(dir.path())
        .expect_code(0);
    assert!(out.stderr.contains("--allow-attach-from"), "{}", out.stderr);
    let mut typo = args.clone();
    typo.extend(["--allow-attach-from", "no-such-dir"]);
    let out = buildmail(typo).current_dir(dir.path()).expect_code(65);
    assert!(
        out.stderr
            .contains("--allow-attach-from no-such-dir: no such directory"),
        "{}",
        out.stderr
    );
    let mut args = args;
    args.extend(["--allow-attach-from", &allowed]);
    let out = buildmail(args).current_dir(dir.path()).expect_code(0);
    assert!(
        out.stdout.contains("filename=\"extra.txt\""),
        "{}",
        out.stdout
    );
}

#[test]
fn a_glob_of_thousands_attaches_a_hundred_and_says_so() {
    let dir = tempfile::tempdir().expect("temp dir");
    for n in 0..150 {
        std::fs::write(dir.path().join(format!("r{n:03}.txt")), "x").expect("write");
    }
    let args = with_addresses("send", &["--dry-run", "--body", "hi", "--attach", "*.txt"]);
    let out = buildmail(args).current_dir(dir.path()).expect_code(0);
    assert_eq!(out.stdout.matches("filename=").count(), 100);
    assert!(
        out.stderr
            .contains("50 more files were not attached: a mail carries at most 100"),
        "{}",
        out.stderr
    );
}

#[cfg(unix)]
fn fifo(path: &Path) {
    let status = Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("mkfifo runs");
    assert!(status.success());
}

#[cfg(unix)]
#[test]
fn special_files_are_named_and_never_waited_on() {
    let dir = tempfile::tempdir().expect("temp dir");
    let pipe = dir.path().join("build.log");
    fifo(&pipe);
    std::fs::create_dir(dir.path().join("reports")).expect("mkdir");
    let started = Instant::now();
    let args = with_addresses(
        "notify",
        &["--status", "failure", "--log", "build.log", "--dry-run"],
    );
    let out = within(
        buildmail_command(&args, dir.path()),
        Duration::from_secs(20),
    );
    assert_eq!(out.0, Some(0), "{}", out.2);
    assert!(out.2.contains("named pipe (FIFO)"), "{}", out.2);
    assert!(started.elapsed() < Duration::from_secs(20));

    for (path, kind) in [
        ("build.log", "a named pipe (FIFO)"),
        ("reports", "a directory"),
    ] {
        let args = with_addresses("send", &["--dry-run", "--body", "hi", "--attach", path]);
        let out = within(
            buildmail_command(&args, dir.path()),
            Duration::from_secs(20),
        );
        assert_eq!(out.0, Some(65), "{}", out.2);
        assert!(
            out.2.contains(&format!("is {kind}, not a regular file")),
            "{}",
            out.2
        );
    }
}

#[test]
fn a_missing_log_to_attach_is_a_warning_and_the_notification_goes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let args = with_addresses(
        "notify",
        &[
            "--status",
            "failure",
            "--log",
            "gone.log",
            "--attach-log",
            "--dry-run",
        ],
    );
    let out = buildmail(args)
        .current_dir(dir.path())
        .env("JENKINS_URL", "https://ci.example.com/")
        .expect_code(0);
    assert!(out.stderr.contains("gone.log"), "{}", out.stderr);
    assert!(out.stderr.contains("(--attach-log)"), "{}", out.stderr);
}

fn buildmail_command(args: &[&str], dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_buildmail"));
    command
        .args(args)
        .current_dir(dir)
        .env_remove("BUILDMAIL_SMTP_URL")
        .env_remove("GITHUB_ACTIONS")
        .env("JENKINS_URL", "https://ci.example.com/")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

/// Runs `command` and kills it after `limit`: (exit code, stdout, stderr).
fn within(mut command: Command, limit: Duration) -> (Option<i32>, String, String) {
    let child = command.spawn().expect("runs");
    let pid = child.id().to_string();
    let (done, finished) = std::sync::mpsc::channel::<()>();
    let watchdog = std::thread::spawn(move || {
        if finished.recv_timeout(limit).is_err() {
            let _ = Command::new("kill").args(["-9", &pid]).status();
        }
    });
    let out = child.wait_with_output().expect("output");
    let _ = done.send(());
    watchdog.join().expect("the watchdog ends");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_delivered_message_exits_0_when_stderr_is_full() {
    let server = Server::start(&[]);
    let url = server.url();
    let args = with_addresses("send", &["--smtp-url", &url, "--body", "hi"]);
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("/dev/full");
    let status = Command::new(env!("CARGO_BIN_EXE_buildmail"))
        .args(&args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(full)
        .status()
        .expect("runs");
    assert_eq!(status.code(), Some(0));
    assert_eq!(server.record().deliveries_to("dev@example.com"), 1);
}

/// Runs with stdout a pipe nobody reads (`| head` after it has enough): (code, stderr).
fn with_stdout_closed(args: &[&str]) -> (Option<i32>, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_buildmail"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("runs");
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("output");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_reader_that_stops_early_is_no_error() {
    let replies = vec!["421 4.7.0 Try again later"; 300];
    let mut args = vec!["explain"];
    args.extend(replies);
    for args in [args, vec!["completions", "bash"]] {
        let (code, stderr) = with_stdout_closed(&args);
        assert_eq!(code, Some(0), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
    let log = format!(
        "{}/tests/fixtures/jenkins-console.log",
        env!("CARGO_MANIFEST_DIR")
    );
    let (code, stderr) = with_stdout_closed(&["explain", "--scan", &log]);
    assert_eq!(code, Some(0), "{stderr}");
    // `--dry-run | head`: the message was made, and whoever read it has enough.
    let dry_run = with_addresses("send", &["--subject", "s", "--body", "b", "--dry-run"]);
    let (code, stderr) = with_stdout_closed(&dry_run);
    assert_eq!(code, Some(0), "{stderr}");
}

#[test]
fn explain_stdin_is_one_reply_not_a_stream_without_end() {
    let endless = "421 4.7.0 Try again later\n".repeat(100_000);
    let out = buildmail(["explain", "-"]).stdin(endless).expect_code(65);
    assert!(out.stderr.contains("longer than 64 KiB"), "{}", out.stderr);
    assert!(out.stderr.contains("--scan -"), "{}", out.stderr);
}

fn jenkins_notify<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = with_addresses("notify", &["--status", "failure", "--dry-run"]);
    args.extend(extra);
    args
}

#[test]
fn notify_subject_is_plain_text_and_a_subject_template_cannot_run_away() {
    let out = buildmail(jenkins_notify(&["--subject", "{{ 7 * 7 }} done"]))
        .env("JENKINS_URL", "https://ci.example.com/")
        .expect_code(0);
    assert!(
        out.stdout.contains("\r\nSubject: {{ 7 * 7 }} done\r\n"),
        "{}",
        out.stdout
    );
    let out = buildmail(jenkins_notify(&[]))
        .env("JENKINS_URL", "https://ci.example.com/")
        .env("BUILDMAIL_SUBJECT", "{{ 6 * 7 }}")
        .expect_code(0);
    assert!(
        out.stdout.contains("\r\nSubject: {{ 6 * 7 }}\r\n"),
        "{}",
        out.stdout
    );
    let out = buildmail(jenkins_notify(&["--subject-template", "{{ 7 * 7 }} done"]))
        .env("JENKINS_URL", "https://ci.example.com/")
        .expect_code(0);
    assert!(
        out.stdout.contains("\r\nSubject: 49 done\r\n"),
        "{}",
        out.stdout
    );

    let started = Instant::now();
    let runaway =
        "{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}";
    let out = buildmail(jenkins_notify(&["--subject-template", runaway]))
        .env("JENKINS_URL", "https://ci.example.com/")
        .expect_code(65);
    assert!(out.stderr.contains("--subject-template"), "{}", out.stderr);
    assert!(out.stderr.contains("too much work"), "{}", out.stderr);
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[test]
fn a_github_payload_that_cannot_be_read_is_a_warning_not_an_abort() {
    let dir = tempfile::tempdir().expect("temp dir");
    let binary = dir.path().join("event.json");
    std::fs::write(&binary, b"{\"ref\": \"\xff\xfe\"}").expect("write");
    let deep = dir.path().join("deep.json");
    std::fs::write(&deep, "[".repeat(100_000)).expect("write");
    let missing = dir.path().join("missing.json");
    for payload in [binary, deep, missing] {
        let out = buildmail(jenkins_notify(&[]))
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_REPOSITORY", "octo/shop")
            .env("GITHUB_EVENT_NAME", "push")
            .env("GITHUB_REF", "refs/heads/main")
            .env("GITHUB_EVENT_PATH", payload.to_string_lossy())
            .expect_code(0);
        assert!(
            out.stdout.contains("Subject: [shop] main"),
            "{}",
            out.stdout
        );
        assert!(
            out.stderr.contains("GITHUB_* variables alone"),
            "{}",
            out.stderr
        );
    }
}
