//! Bounds and credentials, through the real binary against `buildmail-sim`: the retry budget is a
//! deadline, AUTH has a fixed number of steps, credentials never go in clear text beyond loopback
//! (or to a fallback they were not meant for), and turning certificate checks off is reported.

#![allow(clippy::unwrap_used)] // test helpers: a failure should panic with the line

use std::time::Duration;

use buildmail_sim::{Event, Record, SimTls};
use tokio::time::Instant; // wall time here: no paused clock in a test that runs a process

use crate::support::send_args as send_to;
use crate::support::{Output, Server, buildmail};

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.stdout))
}

/// The command lines the sim received, over every connection (credentials read `***`).
fn commands(record: &Record) -> Vec<String> {
    record
        .connections
        .iter()
        .flat_map(|connection| &connection.events)
        .filter_map(|event| match event {
            Event::Command { line } => Some(line.clone()),
            _ => None,
        })
        .collect()
}

fn sim_with_auth(scenarios: &[&str]) -> Server {
    Server::start_with(scenarios, |b| b.auth("ci", "s3cret"))
}

/// `smtp://ci:s3cret@HOST:PORT?tls=MODE` for the sim, under a host name of the test's choosing.
fn url_with_password(server: &Server, host: &str, tls: &str) -> String {
    let port = server.sim().addr().port();
    format!("smtp://ci:s3cret@{host}:{port}?tls={tls}")
}

#[test]
fn a_server_that_offers_only_auth_login_gets_login() {
    let server = sim_with_auth(&["auth-mechanisms:LOGIN"]);
    let url = url_with_password(&server, "127.0.0.1", "none");
    buildmail(send_to(&url, &[])).expect_code(0);
    let record = server.record();
    assert_eq!(record.messages[0].auth_user.as_deref(), Some("ci"));
    let auth: Vec<String> = commands(&record)
        .into_iter()
        .filter(|line| line.starts_with("AUTH"))
        .collect();
    assert_eq!(auth, ["AUTH LOGIN"]);
}

#[test]
fn endless_auth_challenges_are_a_protocol_error_exit_69_not_an_endless_password() {
    for mechanism in ["LOGIN", "PLAIN"] {
        let server = sim_with_auth(&[&format!("auth-mechanisms:{mechanism}"), "auth-endless"]);
        let url = url_with_password(&server, "127.0.0.1", "none");
        let started = Instant::now();
        // A client caught in the loop would run until the budget's deadline: 3 s, then exit 75.
        let out =
            buildmail(send_to(&url, &["--output", "json", "--retry-budget", "3s"])).expect_code(69);
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{mechanism}: no timeout needed"
        );
        let report = json(&out);
        assert_eq!(
            report["attempts"].as_array().unwrap().len(),
            1,
            "{report:#}"
        );
        assert_eq!(report["attempts"][0]["phase"], "auth");
        assert!(
            report["explanation"]["cause"]
                .as_str()
                .unwrap()
                .contains("334"),
            "{report:#}"
        );
        let answers = commands(&server.record())
            .iter()
            .filter(|line| *line == "***")
            .count();
        // LOGIN: the user name and the password once each; PLAIN: nothing after its command.
        // Then the connection is dropped: the exchange is broken, so not even a QUIT.
        let expected = if mechanism == "LOGIN" { 2 } else { 0 };
        assert_eq!(
            answers,
            expected,
            "{mechanism}: {:?}",
            commands(&server.record())
        );
        assert!(!out.stdout.contains("s3cret") && !out.stderr.contains("s3cret"));
    }
}

#[test]
fn a_silent_server_is_given_up_on_when_the_budget_ends_not_a_timeout_later() {
    let server = Server::start(&["stall:greeting:1h"]);
    let started = Instant::now();
    let out = buildmail(send_to(
        &server.url(),
        &["--timeout", "60s", "--retry-budget", "1s"],
    ))
    .expect_code(75);
    let took = started.elapsed();
    assert!(
        (Duration::from_secs(1)..Duration::from_secs(3)).contains(&took),
        "took {took:?}: {}",
        out.stderr
    );
    assert!(out.stderr.contains("--retry-budget"), "{}", out.stderr);
}

#[test]
fn a_stated_delay_longer_than_what_is_left_of_the_budget_stops_at_once() {
    // 1 s fits a 1.9 s budget once; after it only 0.9 s are left, so the second "1 second"
    // ends the delivery at about 1 s instead of sleeping to 2 s.
    let server = Server::start(&["fault:mail:451 4.7.1 Rate limit, try again in 1 second:100"]);
    let started = Instant::now();
    let out = buildmail(send_to(&server.url(), &["--retry-budget", "1900ms"])).expect_code(75);
    assert_eq!(server.record().connections.len(), 2);
    // The reason names the wait that did not fit: sleeping on would have ended the delivery at
    // about 2 s with "the 1.9s of --retry-budget are spent" instead.
    assert!(
        out.stderr
            .contains("giving up: the next try would be in 1s, after the 0."),
        "{}",
        out.stderr
    );
    let took = started.elapsed();
    assert!(
        took < Duration::from_millis(1900),
        "took {took:?}: {}",
        out.stderr
    );
}

#[test]
fn a_zero_retry_budget_is_one_attempt_and_no_retry() {
    let good = Server::start(&[]);
    buildmail(send_to(&good.url(), &["--retry-budget", "0"])).expect_code(0);
    assert_eq!(good.record().messages.len(), 1);

    let busy = Server::start(&["fault:mail:451 4.3.0 Try again later:100"]);
    let out = buildmail(send_to(&busy.url(), &["--retry-budget", "0"])).expect_code(75);
    assert_eq!(busy.record().connections.len(), 1, "one attempt");
    assert!(
        out.stderr.contains("no retry (--retry-budget 0)"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_zero_timeout_is_a_usage_error_naming_the_flag() {
    let url = "smtp://127.0.0.1:9?tls=none";
    let out = buildmail(send_to(url, &["--timeout", "0"])).expect_code(2);
    assert!(out.stderr.contains("--timeout"), "{}", out.stderr);
    let out = buildmail(send_to(url, &[]))
        .env("BUILDMAIL_TIMEOUT", "0s")
        .expect_code(2);
    assert!(out.stderr.contains("--timeout"), "{}", out.stderr);
}

// 0.0.0.0 is not a loopback address, so buildmail treats it as any remote host; Linux still
// connects it to the sim on 127.0.0.1, which lets a test see what would reach the wire.

#[test]
fn credentials_in_clear_text_to_a_remote_host_are_refused_before_connecting() {
    let server = sim_with_auth(&[]);
    let url = url_with_password(&server, "0.0.0.0", "none");
    let out = buildmail(send_to(&url, &[])).expect_code(78);
    assert!(
        out.stderr.contains("--allow-plaintext-auth"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("0.0.0.0"), "{}", out.stderr);
    assert!(!out.stderr.contains("s3cret"));
    assert!(server.record().connections.is_empty(), "nothing was sent");

    buildmail(send_to(&url, &["--allow-plaintext-auth"])).expect_code(0);
    assert_eq!(server.record().messages[0].auth_user.as_deref(), Some("ci"));
}

#[test]
fn opportunistic_tls_without_starttls_sends_no_credentials_to_a_remote_host() {
    let server = sim_with_auth(&[]);
    let url = url_with_password(&server, "0.0.0.0", "opportunistic");
    let out = buildmail(send_to(&url, &["--output", "json"])).expect_code(78);
    let report = json(&out);
    assert_eq!(report["attempts"][0]["phase"], "starttls", "{report:#}");
    assert!(
        !commands(&server.record())
            .iter()
            .any(|line| line.starts_with("AUTH")),
        "no AUTH in clear text: {:?}",
        commands(&server.record())
    );
    assert!(server.record().messages.is_empty());

    let loopback = url_with_password(&server, "127.0.0.1", "opportunistic");
    buildmail(send_to(&loopback, &[])).expect_code(0);
}

#[test]
fn turning_certificate_checks_off_is_warned_about_in_text_and_json() {
    let server = Server::start_with(&[], |b| b.tls(SimTls::generate().unwrap()));
    let url = format!("smtp://localhost:{}", server.sim().addr().port());
    let out = buildmail(send_to(&url, &["--insecure-skip-verify"])).expect_code(0);
    assert!(
        out.stderr
            .contains("warning: TLS certificate checks are off"),
        "{}",
        out.stderr
    );
    let out = buildmail(send_to(
        &url,
        &["--insecure-skip-verify", "--output", "json"],
    ))
    .expect_code(0);
    let warnings = json(&out)["warnings"].to_string();
    assert!(warnings.contains("--insecure-skip-verify"), "{warnings}");
    assert!(server.record().messages.iter().all(|m| m.tls));
}

#[test]
fn the_password_reaches_only_fallbacks_on_the_same_host_or_naming_their_user() {
    // The primary (as `localhost`) is always busy; each fallback is on 127.0.0.1, which is
    // another host name: it gets the flags' password only when its URL names a user.
    let busy = Server::start(&["busy:1000"]);
    let primary = format!("smtp://localhost:{}", busy.sim().addr().port());
    let flags = ["--username", "ci", "--password", "s3cret"];

    // A fallback that takes mail without AUTH: offering none, it would fail a client that
    // brought credentials (exit 77), so delivery shows they were not sent.
    let open = Server::start(&[]);
    let fallback = format!("smtp://127.0.0.1:{}?tls=none", open.sim().addr().port());
    let mut extra = flags.to_vec();
    extra.extend(["--fallback-smtp-url", &fallback]);
    buildmail(send_to(&primary, &extra)).expect_code(0);
    assert_eq!(open.record().messages[0].auth_user, None);

    let named = sim_with_auth(&[]);
    let fallback = format!("smtp://ci@127.0.0.1:{}?tls=none", named.sim().addr().port());
    let mut extra = flags.to_vec();
    extra.extend(["--fallback-smtp-url", &fallback]);
    buildmail(send_to(&primary, &extra)).expect_code(0);
    assert_eq!(named.record().messages[0].auth_user.as_deref(), Some("ci"));

    let same_host = sim_with_auth(&[]);
    let fallback = format!(
        "smtp://localhost:{}?tls=none",
        same_host.sim().addr().port()
    );
    let mut extra = flags.to_vec();
    extra.extend(["--fallback-smtp-url", &fallback]);
    buildmail(send_to(&primary, &extra)).expect_code(0);
    assert_eq!(
        same_host.record().messages[0].auth_user.as_deref(),
        Some("ci")
    );
}
