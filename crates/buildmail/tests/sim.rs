//! `buildmail sim`: the real binary, started, read, talked to over TCP, and stopped.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::support::buildmail;

/// A running `buildmail sim`; killed if a test fails before stopping it.
struct Running {
    child: Option<Child>,
    stdout: BufReader<std::process::ChildStdout>,
}

impl Running {
    fn start(args: &[&str]) -> Running {
        let mut child = Command::new(env!("CARGO_BIN_EXE_buildmail"))
            .arg("sim")
            .args(args)
            .env_remove("BUILDMAIL_SIM_AUTH")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("buildmail sim starts");
        let stdout = BufReader::new(child.stdout.take().expect("stdout is piped"));
        Running {
            child: Some(child),
            stdout,
        }
    }

    fn line(&mut self) -> String {
        let mut line = String::new();
        self.stdout
            .read_line(&mut line)
            .expect("stdout is readable");
        line.trim_end().to_owned()
    }

    /// Sends SIGTERM and returns the exit code and stderr.
    fn stop(mut self) -> (Option<i32>, String) {
        let child = self.child.take().expect("the sim is running");
        let pid = child.id().to_string();
        let killed = Command::new("kill").args(["-TERM", &pid]).status();
        assert!(killed.is_ok_and(|s| s.success()), "kill -TERM {pid}");
        let out = child.wait_with_output().expect("buildmail sim exits");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(child) = self.child.as_mut() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A line client over std's TCP, with a timeout so a broken sim fails the test instead of hanging it.
struct Smtp(BufReader<TcpStream>);

impl Smtp {
    fn connect(addr: &str) -> Smtp {
        let stream = TcpStream::connect(addr).expect("the sim accepts connections");
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .expect("timeout is set");
        Smtp(BufReader::new(stream))
    }

    fn reply(&mut self) -> String {
        let mut lines = Vec::new();
        loop {
            let mut line = String::new();
            if self.0.read_line(&mut line).unwrap_or(0) == 0 {
                return lines.join("\n");
            }
            let done = line.as_bytes().get(3) != Some(&b'-');
            lines.push(line.trim_end().to_owned());
            if done {
                return lines.join("\n");
            }
        }
    }

    fn command(&mut self, line: &str) -> String {
        self.0
            .get_mut()
            .write_all(format!("{line}\r\n").as_bytes())
            .expect("the sim reads");
        self.reply()
    }
}

#[test]
fn sim_prints_its_address_serves_scenarios_records_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let record = dir.path().join("sim.jsonl");
    let mut sim = Running::start(&[
        "--listen",
        "127.0.0.1:0",
        "--scenario",
        "busy:1",
        "--scenario",
        "greylist-hint:10m",
        "--record",
        record.to_str().unwrap(),
    ]);
    let line = sim.line();
    let addr = line
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("first line: {line}"))
        .to_owned();

    assert_eq!(
        Smtp::connect(&addr).reply(),
        "421 4.3.2 Service not available"
    );
    let mut smtp = Smtp::connect(&addr);
    assert_eq!(smtp.reply(), "220 localhost ESMTP buildmail-sim");
    assert!(smtp.command("EHLO ci").contains("250-PIPELINING"));
    assert_eq!(smtp.command("MAIL FROM:<ci@example.com>"), "250 2.1.0 Ok");
    assert_eq!(
        smtp.command("RCPT TO:<dev@example.com>"),
        "451 4.7.1 Greylisted, please try again in 600 seconds"
    );
    assert_eq!(
        smtp.command("RCPT TO:<dev@example.com>").get(..4),
        Some("451 ")
    );
    assert_eq!(smtp.command("RSET"), "250 2.0.0 Ok");
    assert_eq!(smtp.command("QUIT"), "221 2.0.0 Bye");

    let (code, stderr) = sim.stop();
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stderr.contains("scenarios: busy:1, greylist-hint:10m"),
        "{stderr}"
    );
    assert!(
        stderr.contains("stopped after 2 connection(s), 0 message(s) accepted"),
        "{stderr}"
    );
}

#[test]
fn sim_records_accepted_messages_as_json_lines_and_writes_the_ca_with_tls() {
    let dir = tempfile::tempdir().unwrap();
    let record = dir.path().join("sim.jsonl");
    let ca = dir.path().join("ca.pem");
    let mut sim = Running::start(&[
        "--listen",
        "127.0.0.1:0",
        "--tls",
        "--ca-out",
        ca.to_str().unwrap(),
        "--record",
        record.to_str().unwrap(),
    ]);
    let addr = sim.line().replace("listening on ", "");
    assert_eq!(sim.line(), format!("ca certificate {}", ca.display()));
    assert!(
        std::fs::read_to_string(&ca)
            .unwrap()
            .starts_with("-----BEGIN CERTIFICATE-----")
    );

    let mut smtp = Smtp::connect(&addr);
    smtp.reply();
    assert!(smtp.command("EHLO ci").contains("250-STARTTLS"));
    smtp.command("MAIL FROM:<ci@example.com>");
    smtp.command("RCPT TO:<dev@example.com>");
    assert_eq!(smtp.command("DATA"), "354 End data with <CR><LF>.<CR><LF>");
    let queued = smtp.command("Message-ID: <cli@ci>\r\nSubject: hi\r\n\r\nbody\r\n.");
    assert!(queued.starts_with("250 2.0.0 Ok: queued as "), "{queued}");
    smtp.command("QUIT");

    let (code, stderr) = sim.stop();
    assert_eq!(code, Some(0), "{stderr}");
    let lines = std::fs::read_to_string(&record).unwrap();
    let message: serde_json::Value = serde_json::from_str(lines.lines().next().unwrap()).unwrap();
    assert_eq!(message["message_id"], "<cli@ci>");
    assert_eq!(message["mail_from"], "ci@example.com");
    assert_eq!(message["rcpt_to"], serde_json::json!(["dev@example.com"]));
    assert_eq!(
        message["data"],
        "Message-ID: <cli@ci>\r\nSubject: hi\r\n\r\nbody\r\n"
    );
}

#[test]
fn help_documents_every_scenario_with_an_example() {
    let out = buildmail(["sim", "--help"]).expect_code(0);
    for help in buildmail_sim::SCENARIO_HELP {
        assert!(out.stdout.contains(help.syntax), "{} missing", help.syntax);
        assert!(
            out.stdout
                .contains(&format!("--scenario '{}'", help.example)),
            "{} missing",
            help.example
        );
    }
    insta::assert_snapshot!(out.stdout);
}

#[test]
fn a_bad_scenario_is_a_usage_error_that_shows_the_grammar() {
    let out = buildmail(["sim", "--scenario", "greylist:soon"]).expect_code(2);
    assert!(
        out.stderr
            .contains("invalid scenario `greylist:soon`: WINDOW `soon` is not a duration"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("ratelimit:N/PERIOD"), "{}", out.stderr);
}

#[test]
fn a_bad_auth_value_is_a_usage_error() {
    let out = buildmail(["sim", "--listen", "127.0.0.1:0", "--auth", "nocolon"]).expect_code(2);
    assert!(
        out.stderr.contains("--auth takes USER:PASS"),
        "{}",
        out.stderr
    );
}

#[test]
fn sim_transcript_shows_each_connection_with_credentials_hidden() {
    let mut sim = Running::start(&[
        "--listen",
        "127.0.0.1:0",
        "--auth",
        "ci:s3cret",
        "--transcript",
    ]);
    let line = sim.line();
    let addr = line.strip_prefix("listening on ").unwrap().to_owned();
    let mut smtp = Smtp::connect(&addr);
    smtp.reply();
    smtp.command("EHLO ci");
    // "\0ci\0s3cret" in base64.
    assert!(
        smtp.command("AUTH PLAIN AGNpAHMzY3JldA==")
            .starts_with("235")
    );
    smtp.command("QUIT");
    let (code, stderr) = sim.stop();
    assert_eq!(code, Some(0), "{stderr}");
    for expected in [
        "#1 <-  220 localhost ESMTP buildmail-sim",
        "#1  -> EHLO ci",
        "#1  -> AUTH PLAIN ***",
        "#1 <-  235 2.7.0 Authentication successful",
        "#1  -> QUIT",
    ] {
        assert!(stderr.contains(expected), "{expected:?} in\n{stderr}");
    }
    assert!(!stderr.contains("AGNp"), "{stderr}");
}
