//! The mistakes of a newcomer's first ten minutes (issue 15), through the real binary against
//! buildmail-sim: each ends quickly with a message that names the fix and the interface's exit code.

#![allow(clippy::unwrap_used)] // test helpers: a failure should panic with the line

use std::time::{Duration, Instant};

use buildmail_sim::SimTls;

use crate::support::{Server, buildmail};

fn send(url: &str, extra: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = [
        "send",
        "--smtp-url",
        url,
        "--from",
        "ci@example.com",
        "--to",
        "dev@example.com",
        "--subject",
        "main: build 42 passed",
        "--body",
        "All green.",
    ]
    .map(String::from)
    .to_vec();
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

/// A loopback port where nothing listens: bound once to find it free, then let go.
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

#[test]
fn a_port_where_nothing_listens_says_connection_refused_and_names_the_usual_ports() {
    // The four-attempt schedule within 25 s is proven on the paused clock in the core's
    // `first_minutes` tests; here two attempts show what the user reads.
    let port = closed_port();
    let url = format!("smtp://127.0.0.1:{port}");
    let out = buildmail(send(&url, &["--max-attempts", "2"])).expect_code(75);
    let server = format!("127.0.0.1:{port}");
    assert!(
        out.stderr
            .contains(&format!("connection refused: nothing listens on {server}")),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("connection lost"), "{}", out.stderr);
    assert!(out.stderr.contains("587 for STARTTLS"), "{}", out.stderr);
    assert!(out.stderr.contains("465 for smtps://"), "{}", out.stderr);
}

#[test]
fn smtp_to_an_implicit_tls_port_stops_in_seconds_naming_smtps() {
    let server = Server::start_with(&[], |b| {
        b.tls(SimTls::generate().unwrap()).implicit_tls(true)
    });
    let url = format!("smtp://localhost:{}", server.sim().addr().port());
    let started = Instant::now();
    let out = buildmail(send(&url, &["--insecure-skip-verify"])).expect_code(78);
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "{:?}",
        started.elapsed()
    );
    assert!(
        out.stderr
            .contains("server speaks TLS from the first byte: use smtps://"),
        "{}",
        out.stderr
    );
    assert!(server.record().messages.is_empty());
}

#[test]
fn smtps_to_a_plain_port_names_smtp_with_starttls() {
    let server = Server::start_with(&[], |b| b.tls(SimTls::generate().unwrap()));
    let url = format!("smtps://localhost:{}", server.sim().addr().port());
    let out = buildmail(send(&url, &["--insecure-skip-verify"])).expect_code(78);
    assert!(
        out.stderr
            .contains("server speaks plain SMTP first: use smtp:// (STARTTLS)"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("InvalidContentType"), "{}", out.stderr);
}

#[test]
fn transcript_shows_the_dialogue_with_the_password_masked_and_the_body_elided() {
    let server = Server::start_with(&[], |b| {
        b.tls(SimTls::generate().unwrap()).auth("ci", "s3cret-pass")
    });
    let url = format!("smtp://ci@localhost:{}", server.sim().addr().port());
    let out = buildmail(send(&url, &["--insecure-skip-verify", "--transcript"]))
        .env("BUILDMAIL_SMTP_PASSWORD", "s3cret-pass")
        .expect_code(0);
    for expected in [
        "<-  220 ",
        " -> EHLO ",
        " -> STARTTLS",
        "=== TLS started with STARTTLS",
        " ~> AUTH PLAIN ****",
        " ~> RCPT TO:<dev@example.com>",
        " ~> Subject: main: build 42 passed",
        "=== (body elided: ",
        "<~  250 ",
    ] {
        assert!(
            out.stderr.contains(expected),
            "{expected:?} in\n{}",
            out.stderr
        );
    }
    assert!(!out.stderr.contains("s3cret"), "{}", out.stderr);
    assert!(!out.stderr.contains("All green."), "{}", out.stderr);
}

#[test]
fn a_display_name_with_a_comma_is_one_recipient() {
    let server = Server::start(&[]);
    let out = buildmail([
        "send",
        "--smtp-url",
        &server.url(),
        "--from",
        "ci@example.com",
        "--to",
        r#""Doe, Jane" <jane@example.com>, ops@example.com"#,
        "--subject",
        "hi",
        "--body",
        "x",
    ])
    .expect_code(0);
    let record = server.record();
    assert_eq!(
        record.messages[0].rcpt_to,
        ["jane@example.com", "ops@example.com"],
        "{}",
        out.stderr
    );
    let parsed = mail_parser::MessageParser::default()
        .parse(&record.messages[0].data)
        .expect("parses");
    let to = parsed.to().and_then(|to| to.first()).expect("a To address");
    assert_eq!(
        (to.name(), to.address()),
        (Some("Doe, Jane"), Some("jane@example.com"))
    );
}
