//! The real `buildmail send` against `buildmail-sim` started in this process: the fault matrix
//! (421, 451 and a dropped connection at every phase, stalls), exactly-once delivery, permanent
//! failures, authentication, budgets, partial delivery, and the text and JSON reports.

#![allow(clippy::unwrap_used)] // test helpers: a failure should panic with the line

use std::time::Duration;

use tokio::time::Instant; // wall time here: no paused clock in a test that runs a process

use buildmail_sim::SimTls;

use buildmail_sim::Record;

use crate::support::{Output, Server, buildmail};

pub(crate) fn send_args(url: &str, extra: &[&str]) -> Vec<String> {
    let mut args = crate::support::send_args(url, &["--timeout", "2s"]);
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

pub(crate) fn send(server: &Server, extra: &[&str], code: i32) -> Output {
    buildmail(send_args(&server.url(), extra)).expect_code(code)
}

pub(crate) fn json(out: &Output) -> serde_json::Value {
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.stdout))
}

/// A transient fault heals: delivered once, after more than one attempt.
fn heals(scenario: &str) {
    let server = Server::start(&[scenario]);
    let out = send(&server, &["--output", "json"], 0);
    let report = json(&out);
    assert_eq!(report["status"], "delivered", "{scenario}: {report:#}");
    assert!(
        report["attempts"].as_array().unwrap().len() >= 2,
        "{scenario}: {report:#}"
    );
    assert_eq!(
        server.record().deliveries_to("dev@example.com"),
        1,
        "{scenario}: exactly once"
    );
    assert_eq!(report["possible_duplicate"], false, "{scenario}");
}

/// Transient faults at every phase, each named for the failure message.
const TRANSIENT_FAULTS: [(&str, &str); 19] = [
    ("a 421 at greeting", "fault:greeting:421 4.3.2 Service busy"),
    ("a 421 at EHLO", "fault:ehlo:421 4.3.2 Shutting down"),
    ("a 421 at MAIL", "fault:mail:421 4.7.0 Try again later"),
    ("a 421 at RCPT", "fault:rcpt:421 4.7.0 Try again later"),
    ("a 421 at DATA", "fault:data:421 4.3.2 Shutting down"),
    (
        "a 421 at end of data",
        "fault:end_of_data:421 4.3.2 Shutting down",
    ),
    ("a 451 at greeting", "fault:greeting:451 4.3.0 Try again"),
    ("a 451 at EHLO", "fault:ehlo:451 4.3.0 Try again"),
    ("a 451 at MAIL", "fault:mail:451 4.3.0 Try again"),
    // A bare 451 at RCPT or DATA is retried on the greylisting schedule, 10 s at first (the
    // paused-clock tests of buildmail-core prove that); here the server states a short window.
    (
        "a 451 at RCPT",
        "fault:rcpt:451 4.3.0 Try again in 1 second",
    ),
    (
        "a 451 at DATA",
        "fault:data:451 4.3.0 Try again in 1 second",
    ),
    (
        "a 451 at end of data",
        "fault:end_of_data:451 4.3.0 Try again",
    ),
    ("a drop at greeting", "drop:greeting"),
    ("a drop at EHLO", "drop:ehlo"),
    ("a drop at MAIL", "drop:mail"),
    ("a drop at RCPT", "drop:rcpt"),
    ("a drop at DATA", "drop:data"),
    ("a stall at greeting", "stall:greeting:10s"),
    (
        "a 552 too many recipients at RCPT, treated as 452",
        "fault:rcpt:552 5.5.3 Too many recipients:1",
    ),
];

/// Every transient fault heals. The faults run side by side, each against its own sim: each
/// spends most of its time waiting out a backoff of up to 2 s in real time, and one after the
/// other they were a third of this binary's run.
#[test]
fn every_transient_fault_heals() {
    let failed: Vec<&str> = std::thread::scope(|scope| {
        let runs: Vec<_> = TRANSIENT_FAULTS
            .iter()
            .map(|&(name, scenario)| (name, scope.spawn(move || heals(scenario))))
            .collect();
        runs.into_iter()
            .filter_map(|(name, run)| run.join().is_err().then_some(name))
            .collect()
    });
    assert!(
        failed.is_empty(),
        "these faults did not heal (each one's panic is printed above): {failed:?}"
    );
}

#[test]
fn a_drop_at_end_of_data_heals_and_is_flagged_when_the_message_may_have_arrived() {
    let server = Server::start(&["drop:end_of_data"]);
    let report = json(&send(&server, &["--output", "json"], 0));
    assert_eq!(report["status"], "delivered");
    assert_eq!(
        report["possible_duplicate"], true,
        "the reply after the dot was lost"
    );
    assert_eq!(report["attempts"][0]["phase"], "end_of_data");
    assert!(server.record().deliveries_to("dev@example.com") >= 1);
}

#[test]
fn a_stall_at_end_of_data_is_retried_and_flagged() {
    let server = Server::start(&["stall:end_of_data:10s"]);
    let report = json(&send(&server, &["--output", "json"], 0));
    assert_eq!(report["status"], "delivered");
    assert_eq!(report["possible_duplicate"], true);
    assert_eq!(
        report["attempts"][0]["reply"]["code"], 451,
        "a timeout reads as 451"
    );
}

#[test]
fn a_lost_ok_is_delivered_and_flagged_as_a_possible_duplicate() {
    let server = Server::start(&["lost-ok"]);
    let report = json(&send(&server, &["--output", "json"], 0));
    assert_eq!(report["status"], "delivered");
    assert_eq!(report["possible_duplicate"], true);
    let record = server.record();
    let ids: Vec<_> = record
        .messages
        .iter()
        .map(|m| m.message_id.clone())
        .collect();
    assert_eq!(ids.len(), 2);
    assert_eq!(ids[0], ids[1], "the same Message-ID on every attempt");
}

#[test]
fn permanent_faults_are_one_attempt_and_exit_69() {
    // A refusal of the session or the sender is no verdict on the recipient: `failed`, and the
    // recipient `not_sent`; a reply about the recipient or the message itself rejects it.
    for (scenario, status, recipient) in [
        (
            "fault:greeting:554 5.7.1 No SMTP service here",
            "failed",
            "not_sent",
        ),
        ("fault:mail:550 5.7.1 Sender blocked", "failed", "not_sent"),
        ("fault:rcpt:550 5.1.1 No such user", "rejected", "rejected"),
        (
            "fault:end_of_data:554 5.7.1 Message refused",
            "rejected",
            "rejected",
        ),
    ] {
        let server = Server::start(&[scenario]);
        let report = json(&send(&server, &["--output", "json"], 69));
        assert_eq!(report["status"], status, "{scenario}");
        assert_eq!(report["recipients"][0]["status"], recipient, "{scenario}");
        assert_eq!(
            report["attempts"].as_array().unwrap().len(),
            1,
            "{scenario}"
        );
        assert_eq!(server.record().connections.len(), 1, "{scenario}");
        assert!(report["explanation"]["title"].is_string(), "{scenario}");
    }
}

/// RFC 5321: a 5xx is final even when it names a delay; the report shows the delay and warns.
#[test]
fn a_final_reply_naming_a_delay_is_not_retried_and_the_report_warns() {
    let server = Server::start(&["fault:mail:550 Too many messages. Try again in 92 seconds.:1"]);
    let report = json(&send(&server, &["--output", "json"], 69));
    assert_eq!(report["status"], "failed");
    assert_eq!(report["attempts"].as_array().unwrap().len(), 1);
    assert_eq!(report["explanation"]["retry_after_s"], 92);
    let warnings = report["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 1, "{report:#}");
    assert!(
        warnings[0]
            .as_str()
            .unwrap()
            .contains("1 minute 32 seconds"),
        "{report:#}"
    );

    let server = Server::start(&["fault:mail:550 Too many messages. Try again in 92 seconds.:1"]);
    let text = send(&server, &[], 69).stderr;
    assert!(
        text.contains(
            "warning: the server's final reply (550) named a delay of 1 minute 32 seconds"
        ),
        "{text}"
    );
}

#[test]
fn three_recipients_one_refused_is_partial_exit_69_and_the_others_get_it_once() {
    let server = Server::start(&["reject:nobody@*:550 5.1.1 <nobody@example.com>: no such user"]);
    let out = send(
        &server,
        &[
            "--to",
            "nobody@example.com,ops@example.com",
            "--output",
            "json",
        ],
        69,
    );
    let report = json(&out);
    assert_eq!(report["status"], "partial");
    let record = server.record();
    assert_eq!(record.deliveries_to("dev@example.com"), 1);
    assert_eq!(record.deliveries_to("ops@example.com"), 1);
    assert_eq!(record.deliveries_to("nobody@example.com"), 0);
}

#[test]
fn a_wrong_password_exits_77_and_never_shows_the_password() {
    let server = Server::start_with(&[], |b| b.auth("ci", "right"));
    let url = format!("smtp://ci:wrong-hunter2@{}?tls=none", server.sim().addr());
    let out = buildmail(send_args(&url, &[])).expect_code(77);
    assert!(!out.stderr.contains("hunter2") && !out.stdout.contains("hunter2"));
    assert!(server.record().messages.is_empty());
}

#[test]
fn a_relay_that_requires_authentication_we_did_not_give_exits_77() {
    let server = Server::start(&["fault:mail:530 5.7.0 Authentication required:100"]);
    let out = send(&server, &[], 77);
    assert!(
        out.stderr.contains("530 5.7.0 Authentication required"),
        "{}",
        out.stderr
    );
    assert_eq!(server.record().connections.len(), 1, "a 5xx is not retried");
}

#[test]
fn the_right_password_over_starttls_with_the_company_ca_delivers() {
    let server = Server::start_with(&[], |b| {
        b.auth("ci", "s3cret").tls(SimTls::generate().unwrap())
    });
    let ca = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(ca.path(), server.sim().tls_ca_pem().unwrap()).unwrap();
    let url = format!("smtp://ci@localhost:{}", server.sim().addr().port());
    let out = buildmail(send_args(&url, &["--ca-file", ca.path().to_str().unwrap()]))
        .env("BUILDMAIL_SMTP_PASSWORD", "s3cret")
        .expect_code(0);
    assert!(!out.stderr.contains("s3cret"));
    let record = server.record();
    assert!(record.messages[0].tls, "STARTTLS was used");
    assert_eq!(record.messages[0].auth_user.as_deref(), Some("ci"));
}

#[test]
fn starttls_required_but_not_offered_is_a_configuration_error() {
    let server = Server::start(&["no-starttls"]);
    let url = format!("smtp://{}?tls=required", server.sim().addr());
    let out = buildmail(send_args(&url, &[])).expect_code(78);
    assert!(out.stderr.contains("STARTTLS"), "{}", out.stderr);
}

#[test]
fn a_one_hour_hint_with_a_ten_minute_budget_exits_75_at_once_with_the_explanation() {
    let server =
        Server::start(&["fault:mail:451 4.7.1 Rate limit exceeded, try again in 1 hour:100"]);
    let started = Instant::now();
    let out = send(&server, &["--retry-budget", "10m"], 75);
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "took {:?}",
        started.elapsed()
    );
    assert!(
        out.stderr
            .contains("giving up: the next try would be in 1h"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("What to do"), "{}", out.stderr);
    assert!(
        out.stderr.contains("not kept anywhere: pass --outbox DIR"),
        "without --outbox the user learns how to keep the message: {}",
        out.stderr
    );
    assert_eq!(server.record().connections.len(), 1);
}

#[test]
fn a_stated_greylist_window_is_waited_for_and_no_longer() {
    // The wait the binary reports, not the wall clock of a loaded machine: at least the stated
    // 2 s (the server refuses until then), and well within a second after it.
    let server = Server::start(&["greylist-hint:2s"]);
    let report = json(&send(&server, &["--output", "json"], 0));
    let attempts = report["attempts"].as_array().unwrap();
    assert_eq!(attempts.len(), 2, "{report:#}");
    let waited = attempts[1]["waited_ms"].as_u64().unwrap();
    assert!((2000..3000).contains(&waited), "waited {waited} ms");
    assert_eq!(server.record().deliveries_to("dev@example.com"), 1);
}

#[test]
fn a_deferred_message_goes_to_the_outbox_and_a_flush_delivers_it_once() {
    let outbox = tempfile::tempdir().unwrap();
    let dir = outbox.path().to_str().unwrap();
    let busy =
        Server::start(&["fault:mail:451 4.7.1 Rate limit exceeded, try again in 1 hour:100"]);
    send(&busy, &["--outbox", dir], 75);
    let list = buildmail(["outbox", "list", "--outbox", dir]).expect_code(0);
    assert!(list.stdout.contains("dev@example.com"), "{}", list.stdout);

    let good = Server::start(&[]);
    let flush = flush_json(dir, &good.url());
    let reports = json(&flush);
    assert_eq!(reports[0]["status"], "delivered");
    assert_eq!(reports[0]["possible_duplicate"], false);
    let again = buildmail([
        "outbox",
        "flush",
        "--outbox",
        dir,
        "--smtp-url",
        &good.url(),
    ])
    .expect_code(0);
    assert_eq!(
        good.record().deliveries_to("dev@example.com"),
        1,
        "{}",
        again.stderr
    );
    assert_eq!(
        buildmail(["outbox", "list", "--outbox", dir])
            .expect_code(0)
            .stdout,
        ""
    );
}

#[test]
fn the_text_report_shows_each_attempt_and_the_wait() {
    let server = Server::start(&["fault:mail:451 4.7.1 Greylisted, try again in 1 second"]);
    let out = send(&server, &["--message-id", "build-42@ci.example.com"], 0);
    insta::assert_snapshot!(redact(&out.stderr, &server));
}

#[test]
fn the_json_report_of_a_deferral() {
    let server = Server::start(&["fault:greeting:421 4.7.0 Try again in 1 hour:100"]);
    let out = send(
        &server,
        &[
            "--message-id",
            "build-42@ci.example.com",
            "--output",
            "json",
        ],
        75,
    );
    json(&out);
    let elapsed = regex::Regex::new(r#""elapsed_ms": \d+"#).unwrap();
    let stdout = elapsed.replace(&out.stdout, r#""elapsed_ms": "[elapsed]""#);
    insta::assert_snapshot!(redact(&stdout, &server));
}

/// The total elapsed time and the sim's port change from run to run; a wait is what the
/// server stated, so it stays.
fn redact(text: &str, server: &Server) -> String {
    let port = server.sim().addr().port().to_string();
    let text = text.replace(&port, "PORT");
    let elapsed = regex::Regex::new(r"(\d+ attempts? in )\d+(\.\d+)?(ms|s),").unwrap();
    elapsed.replace_all(&text, "${1}[elapsed],").into_owned()
}

/// Keeps one message in a fresh outbox, deferred by a server that asks for an hour.
pub(crate) fn outbox_with_one_message() -> tempfile::TempDir {
    let outbox = tempfile::tempdir().unwrap();
    let busy =
        Server::start(&["fault:mail:451 4.7.1 Rate limit exceeded, try again in 1 hour:100"]);
    send(&busy, &["--outbox", outbox.path().to_str().unwrap()], 75);
    outbox
}

/// `buildmail outbox flush --output json` that must succeed, and its reports.
pub(crate) fn flush_json(dir: &str, url: &str) -> Output {
    let args = ["outbox", "flush", "--outbox", dir, "--smtp-url", url];
    buildmail(args.into_iter().chain(["--output", "json"])).expect_code(0)
}

pub(crate) fn flush_process(dir: &str, url: &str) -> std::process::Child {
    std::process::Command::new(env!("CARGO_BIN_EXE_buildmail"))
        .args([
            "outbox",
            "flush",
            "--outbox",
            dir,
            "--smtp-url",
            url,
            "--timeout",
            "30s",
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap()
}

/// Waits (on the condition, not a fixed time) until the sim's record satisfies `reached`.
pub(crate) fn wait_for(server: &Server, reached: impl Fn(&Record) -> bool) {
    server.runtime.block_on(async {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while !reached(&server.record()) {
            assert!(
                tokio::time::Instant::now() < deadline,
                "the flush never got there"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    });
}

#[test]
fn the_outbox_survives_kill_9_of_a_flush_at_the_greeting_and_after_the_final_dot() {
    type Reached = fn(&Record) -> bool;
    let cases: [(&str, Reached); 2] = [
        ("stall:greeting:30s", |r| !r.connections.is_empty()),
        // Killed once the sim has read the final dot (not merely DATA), waiting to reply.
        ("stall:end_of_data:30s", |r| {
            r.connections.iter().any(|c| {
                c.events
                    .iter()
                    .any(|event| matches!(event, buildmail_sim::Event::Data { .. }))
            })
        }),
    ];
    for (stall, reached) in cases {
        let outbox = outbox_with_one_message();
        let dir = outbox.path().to_str().unwrap();
        let stalling = Server::start(&[stall]);
        let mut flush = flush_process(dir, &stalling.url());
        wait_for(&stalling, reached);
        flush.kill().unwrap(); // SIGKILL: no cleanup of any kind
        flush.wait().unwrap();
        let list = buildmail(["outbox", "list", "--outbox", dir]).expect_code(0);
        assert!(
            list.stdout.contains("dev@example.com"),
            "{stall}: the entry is kept"
        );

        let good = Server::start(&[]);
        let out = flush_json(dir, &good.url());
        let reports = json(&out);
        assert_eq!(reports[0]["status"], "delivered", "{stall}");
        assert_eq!(
            reports[0]["possible_duplicate"], true,
            "{stall}: the killed flush may have sent it"
        );
        assert_eq!(good.record().deliveries_to("dev@example.com"), 1, "{stall}");
        assert_eq!(
            buildmail(["outbox", "list", "--outbox", dir])
                .expect_code(0)
                .stdout,
            "",
            "{stall}"
        );
    }
}

#[test]
fn two_flushes_at_once_send_each_message_once() {
    let outbox = tempfile::tempdir().unwrap();
    let dir = outbox.path().to_str().unwrap();
    let busy =
        Server::start(&["fault:mail:451 4.7.1 Rate limit exceeded, try again in 1 hour:100"]);
    for n in 0..4 {
        let id = format!("build-{n}@ci.example.com");
        send(&busy, &["--outbox", dir, "--message-id", &id], 75);
    }
    let slow = Server::start(&["stall:greeting:300ms:100"]);
    let first = flush_process(dir, &slow.url());
    let second = flush_process(dir, &slow.url());
    for child in [first, second] {
        assert!(child.wait_with_output().unwrap().status.success());
    }
    let record = slow.record();
    assert_eq!(record.messages.len(), 4, "every message sent");
    assert!(record.duplicate_message_ids().is_empty(), "none twice");
    assert_eq!(
        buildmail(["outbox", "list", "--outbox", dir])
            .expect_code(0)
            .stdout,
        ""
    );
}

#[test]
fn the_demo_shows_the_421_the_greylist_and_the_delivered_message() {
    let out = buildmail(["demo"]).expect_code(0);
    assert!(out.stderr.contains("greeting: 421"), "{}", out.stderr);
    assert!(out.stderr.contains("Greylisted"), "{}", out.stderr);
    assert!(
        out.stderr.contains("delivered: 3 attempts"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("Subject: [example/app] main #42 fixed"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_flush_that_cannot_set_up_tls_keeps_the_entry() {
    // The server refused nothing: the flush's own settings are wrong (no STARTTLS where it is
    // required). Removing the entry would lose the message.
    let outbox = outbox_with_one_message();
    let dir = outbox.path().to_str().unwrap();
    let plain = Server::start(&[]);
    let required = plain.url().replace("tls=none", "tls=required");
    buildmail(["outbox", "flush", "--outbox", dir, "--smtp-url", &required]).expect_code(78);
    let list = buildmail(["outbox", "list", "--outbox", dir]).expect_code(0);
    assert!(list.stdout.contains("dev@example.com"), "the entry is kept");
    assert_eq!(plain.record().messages.len(), 0);
    let good = Server::start(&[]);
    let out = flush_json(dir, &good.url());
    assert_eq!(
        json(&out)[0]["possible_duplicate"],
        false,
        "nothing was sent before"
    );
}

const EHLO_NOT_IMPLEMENTED: &str = "fault:ehlo:502 5.5.1 Error: command not implemented";

#[test]
fn a_server_that_refuses_ehlo_as_unknown_gets_helo_and_the_message() {
    let server = Server::start(&[EHLO_NOT_IMPLEMENTED]);
    let report = json(&send(&server, &["--output", "json"], 0));
    assert_eq!(report["attempts"].as_array().unwrap().len(), 1);
    let record = server.record();
    let commands: Vec<&str> = record.connections[0].commands().collect();
    assert!(
        commands.iter().any(|c| c.starts_with("HELO ")),
        "{commands:?}"
    );
    assert_eq!(record.deliveries_to("dev@example.com"), 1);
}

#[test]
fn after_helo_required_starttls_is_a_configuration_error() {
    let server = Server::start(&[EHLO_NOT_IMPLEMENTED]);
    let url = format!("smtp://{}?tls=required", server.sim().addr());
    let out = buildmail(send_args(&url, &[])).expect_code(78);
    assert!(out.stderr.contains("STARTTLS"), "{}", out.stderr);
    assert!(server.record().messages.is_empty());
}

#[test]
fn a_relay_that_refuses_the_session_is_left_out_and_the_fallback_delivers() {
    let refusing = Server::start(&["fault:greeting:554 5.7.1 No SMTP service here:100"]);
    let good = Server::start(&[]);
    let out = send(&refusing, &["--fallback-smtp-url", &good.url()], 0);
    assert!(
        out.stderr.contains("554 5.7.1 No SMTP service here")
            && out.stderr.contains("relay left out of this delivery"),
        "{}",
        out.stderr
    );
    let report = json(&send(
        &refusing,
        &["--fallback-smtp-url", &good.url(), "--output", "json"],
        0,
    ));
    assert_eq!(report["attempts"][0]["relay_dropped"], true, "{report:#}");
    assert!(report["attempts"][1].get("relay_dropped").is_none());
    assert_eq!(refusing.record().connections.len(), 2, "once per send");
    assert_eq!(good.record().deliveries_to("dev@example.com"), 2);
}

#[test]
fn when_every_relay_refuses_the_session_the_last_refusal_sets_the_exit_code() {
    let no_tls = Server::start(&["no-starttls"]);
    let no_tls_url = format!("smtp://{}?tls=required", no_tls.sim().addr());
    let auth = Server::start_with(&[], |b| b.auth("ci", "right"));
    let auth_url = format!("smtp://ci:wrong@{}?tls=none", auth.sim().addr());
    let refusing = Server::start(&["fault:greeting:554 5.7.1 No SMTP service here:100"]);
    for (primary, fallback, code) in [
        (&no_tls_url, &auth_url, 77),
        (&auth_url, &no_tls_url, 78),
        (&auth_url, &refusing.url(), 69),
    ] {
        let out =
            buildmail(send_args(primary, &["--fallback-smtp-url", fallback])).expect_code(code);
        assert!(
            out.stderr.contains("failed:") && out.stderr.contains("not sent to: dev@example.com"),
            "{}",
            out.stderr
        );
    }
    assert!(auth.record().messages.is_empty() && refusing.record().messages.is_empty());
}

#[test]
fn a_partial_delivery_names_the_server_that_accepted_it() {
    let server =
        Server::start(&["reject:nobody@*:451 4.7.1 Rate limit exceeded, try again in 1 hour"]);
    let out = send(&server, &["--to", "nobody@example.com"], 75);
    let port = server.sim().addr().port();
    assert!(
        out.stderr
            .contains(&format!("accepted by: 127.0.0.1:{port}\n")),
        "{}",
        out.stderr
    );
    let report = json(&send(
        &server,
        &["--to", "nobody@example.com", "--output", "json"],
        75,
    ));
    assert_eq!(report["status"], "partial");
    assert_eq!(
        report["recipients"][0]["server"],
        format!("127.0.0.1:{port}")
    );
    assert!(
        report["recipients"][1].get("server").is_none(),
        "{report:#}"
    );
}

#[test]
fn recipients_taken_by_different_relays_name_every_server() {
    let primary = Server::start(&["reject:nobody@*:451 4.3.0 Try again later"]);
    let fallback = Server::start(&[]);
    let out = send(
        &primary,
        &[
            "--to",
            "nobody@example.com",
            "--fallback-smtp-url",
            &fallback.url(),
        ],
        0,
    );
    let expected = format!(
        "accepted by: {} (dev@example.com), {} (nobody@example.com)",
        primary.sim().addr(),
        fallback.sim().addr()
    );
    assert!(out.stderr.contains(&expected), "{}", out.stderr);
    assert_eq!(primary.record().deliveries_to("dev@example.com"), 1);
    assert_eq!(fallback.record().deliveries_to("nobody@example.com"), 1);
}
