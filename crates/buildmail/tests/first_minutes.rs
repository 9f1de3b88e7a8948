//! The mistakes of a newcomer's first ten minutes (issue 15), through the real binary against
//! buildmail-sim: each ends quickly with a message that names the fix and the interface's exit code.

#![allow(clippy::unwrap_used)] // test helpers: a failure should panic with the line

use std::time::Duration;

use tokio::time::Instant; // wall time here: no paused clock in a test that runs a process

use buildmail_sim::SimTls;

use crate::support::send_args as send;
use crate::support::{Server, buildmail};

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
    assert!(
        out.stderr
            .contains("greeting: The server speaks TLS from the first byte (tls, permanent)"),
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

fn json(out: &crate::support::Output) -> serde_json::Value {
    let objects: Vec<serde_json::Value> = serde_json::Deserializer::from_str(&out.stdout)
        .into_iter()
        .collect::<Result<_, _>>()
        .unwrap_or_else(|e| panic!("stdout is JSON ({e}):\n{}", out.stdout));
    assert_eq!(objects.len(), 1, "exactly one object:\n{}", out.stdout);
    objects.into_iter().next().unwrap()
}

#[test]
fn host_and_port_without_a_scheme_suggests_the_url() {
    let out = buildmail(send("smtp.example.com:587", &[])).expect_code(78);
    assert!(
        out.stderr.contains("write smtp://smtp.example.com:587"),
        "{}",
        out.stderr
    );
}

#[test]
fn smtp_plus_starttls_is_smtp_with_starttls_required() {
    let server = Server::start_with(&[], |b| b.tls(SimTls::generate().unwrap()));
    let url = format!("smtp+starttls://localhost:{}", server.sim().addr().port());
    buildmail(send(&url, &["--insecure-skip-verify"])).expect_code(0);
    assert!(server.record().messages[0].tls);

    let plain = Server::start(&[]);
    let url = format!("smtp+starttls://127.0.0.1:{}", plain.sim().addr().port());
    let out = buildmail(send(&url, &[])).expect_code(78);
    assert!(out.stderr.contains("STARTTLS"), "{}", out.stderr);
    assert!(plain.record().messages.is_empty());
}

#[test]
fn a_user_name_without_a_password_names_the_variable_to_set() {
    let server = Server::start_with(&[], |b| b.auth("ci", "s3cret"));
    let url = format!("smtp://ci@127.0.0.1:{}", server.sim().addr().port());
    let out = buildmail(send(&url, &[])).expect_code(77);
    assert!(
        out.stderr
            .contains("a user name but no password: set BUILDMAIL_SMTP_PASSWORD"),
        "{}",
        out.stderr
    );
    assert!(server.record().connections.is_empty(), "nothing was tried");

    let out = buildmail(send(&url, &[]))
        .env("BUILDMAIL_SMTP_PASSWORD", "")
        .expect_code(77);
    assert!(
        out.stderr.contains("the password is empty"),
        "{}",
        out.stderr
    );

    buildmail(send(&url, &[]))
        .env("BUILDMAIL_PASSWORD", "s3cret")
        .expect_code(0);
    assert_eq!(server.record().messages[0].auth_user.as_deref(), Some("ci"));
}

#[test]
fn tls_dns_and_login_failures_are_not_sent_not_rejected() {
    // Login refused.
    let server = Server::start_with(&[], |b| b.auth("ci", "right"));
    let url = format!("smtp://ci:wrong@127.0.0.1:{}", server.sim().addr().port());
    let out = buildmail(send(&url, &["--output", "json"])).expect_code(77);
    let report = json(&out);
    assert_eq!(report["status"], "failed", "{report:#}");
    assert_eq!(report["recipients"][0]["status"], "not_sent");
    // TLS required, not offered.
    let plain = Server::start(&[]);
    let url = format!(
        "smtp://127.0.0.1:{}?tls=required",
        plain.sim().addr().port()
    );
    let out = buildmail(send(&url, &["--output", "json"])).expect_code(78);
    let report = json(&out);
    assert_eq!(report["status"], "failed", "{report:#}");
    assert_eq!(report["recipients"][0]["status"], "not_sent");
    assert_eq!(report["explanation"]["category"], "tls");
    // A host that does not resolve (.invalid never does, RFC 2606).
    let out = buildmail(send(
        "smtp://relay.buildmail.invalid:587",
        &["--output", "json"],
    ))
    .expect_code(78);
    let report = json(&out);
    assert_eq!(report["status"], "failed", "{report:#}");
    assert_eq!(report["recipients"][0]["status"], "not_sent");
    assert_eq!(report["explanation"]["category"], "dns");
    assert!(!out.stderr.contains("rejected for"), "{}", out.stderr);
}

#[test]
fn send_with_nothing_is_a_usage_error_naming_the_flags() {
    let out = buildmail(["send"]).expect_code(2);
    for flag in ["--from", "--to", "--smtp-url"] {
        assert!(out.stderr.contains(flag), "{flag} in {}", out.stderr);
    }
    assert!(out.stderr.contains("for example"), "{}", out.stderr);
    let out = buildmail(["send", "--from", "ci@example.com"]).expect_code(2);
    assert!(
        out.stderr.contains("missing --to ADDR, --smtp-url URL"),
        "{}",
        out.stderr
    );
}

#[test]
fn json_output_is_one_object_for_errors_before_sending_too() {
    let out = buildmail(["send", "--output", "json"]).expect_code(2);
    let report = json(&out);
    assert_eq!(report["status"], "failed");
    assert_eq!(report["error"]["kind"], "usage");
    assert!(
        report["error"]["message"]
            .as_str()
            .unwrap()
            .contains("--from")
    );

    let out = buildmail(send("smtp.example.com:587", &["--output", "json"])).expect_code(78);
    let report = json(&out);
    assert_eq!(report["error"]["kind"], "config");

    let out = buildmail([
        "send",
        "--smtp-url",
        "smtp://127.0.0.1:1?tls=none",
        "--from",
        "not an address",
        "--to",
        "dev@example.com",
        "--output",
        "json",
    ])
    .expect_code(65);
    assert_eq!(json(&out)["error"]["kind"], "bad_input");
}

/// The JSON error and the Jenkins report name the flag to give as stderr does, never the core's
/// `{status}`.
#[test]
fn a_json_error_names_the_flag_not_a_placeholder() {
    let dir = tempfile::tempdir().unwrap();
    let junit = dir.path().join("junit.xml");
    let out = buildmail([
        "notify",
        "--junit-report",
        junit.to_str().unwrap(),
        "--smtp-url",
        "smtp://127.0.0.1:1?tls=none",
        "--from",
        "ci@example.com",
        "--to",
        "dev@example.com",
        "--output",
        "json",
    ])
    .expect_code(2);
    let message = json(&out)["error"]["message"].as_str().unwrap().to_owned();
    assert!(message.contains("give --status "), "{message}");
    assert!(out.stderr.contains("give --status "), "{}", out.stderr);
    let report = std::fs::read_to_string(&junit).unwrap();
    assert!(report.contains("give --status "), "{report}");
}

#[test]
fn json_output_keeps_attempt_lines_on_stderr_and_names_the_outbox_entry() {
    let dir = tempfile::tempdir().unwrap();
    let outbox = dir.path().join("ob");
    let server = Server::start(&["greylist-hint:10m"]);
    let out = buildmail(send(
        &server.url(),
        &[
            "--output",
            "json",
            "--retry-budget",
            "3s",
            "--outbox",
            outbox.to_str().unwrap(),
        ],
    ))
    .expect_code(75);
    let report = json(&out);
    assert_eq!(report["status"], "deferred");
    assert!(report["outbox_id"].is_string(), "{report:#}");
    assert!(out.stderr.contains("attempt 1 via"), "{}", out.stderr);
}

#[test]
fn the_outbox_hint_can_be_followed() {
    let dir = tempfile::tempdir().unwrap();
    let outbox = dir.path().join("ob");
    let server = Server::start(&["greylist-hint:10m"]);
    let out = buildmail(send(
        &server.url(),
        &["--retry-budget", "3s", "--outbox", outbox.to_str().unwrap()],
    ))
    .expect_code(75);
    assert!(
        out.stderr.contains(&format!(
            "buildmail outbox flush --outbox {} --smtp-url URL",
            outbox.display()
        )),
        "{}",
        out.stderr
    );
}

#[test]
fn help_shows_the_way() {
    let out = buildmail(Vec::<String>::new()).expect_code(2);
    assert!(out.stderr.contains("buildmail demo"), "{}", out.stderr);
    let explain = buildmail(["explain", "--help"]).expect_code(0).stdout;
    assert!(!explain.contains("on stderr"), "{explain}");
    assert!(explain.contains("on stdout"), "{explain}");
    let list = buildmail(["outbox", "list", "--help"])
        .expect_code(0)
        .stdout;
    assert!(!list.contains("on stderr"), "{list}");
    for command in ["send", "notify"] {
        let help = buildmail([command, "--help"]).expect_code(0).stdout;
        assert!(help.contains("Examples:\n  "), "{help}");
        assert!(
            help.contains(&format!("buildmail {command} --smtp-url")),
            "{help}"
        );
    }
    let bash = buildmail(["completions", "bash"]).expect_code(0).stdout;
    for words in [
        "always failure first-failure still-failing fixed unstable changed not-success",
        "success failure unstable aborted cancelled",
        "text json",
        "high normal low",
    ] {
        assert!(bash.contains(words), "{words} not completed");
    }
}

/// A config file in its own XDG directory, with `mode`.
fn config_home(text: &str, mode: u32) -> tempfile::TempDir {
    use std::os::unix::fs::PermissionsExt as _;
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join("buildmail");
    std::fs::create_dir(&dir).unwrap();
    let path = dir.join("config.toml");
    std::fs::write(&path, text).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
    home
}

#[test]
fn a_config_file_account_sends_and_flags_beat_it() {
    let server = Server::start_with(&[], |b| b.auth("ci", "s3cret"));
    let port = server.sim().addr().port();
    let home = config_home(
        &format!(
            r#"
            [defaults]
            account = "work"
            from = "CI <ci@example.com>"

            [accounts.work]
            url = "smtp://127.0.0.1:{port}"
            user = "ci"
            password_command = "echo s3cret"

            [accounts.broken]
            url = "smtp://127.0.0.1:1"
            "#
        ),
        0o644,
    );
    let xdg = home.path().to_str().unwrap();
    let bare = [
        "send",
        "--to",
        "dev@example.com",
        "--subject",
        "hi",
        "--body",
        "x",
    ];
    buildmail(bare).env("XDG_CONFIG_HOME", xdg).expect_code(0);
    let message = &server.record().messages[0];
    assert_eq!(message.auth_user.as_deref(), Some("ci"));
    assert_eq!(message.mail_from, "ci@example.com");

    // A flag beats the account; an unknown account names the ones there.
    let mut with_flag = bare.map(String::from).to_vec();
    with_flag.extend(["--from".into(), "ops@example.com".into()]);
    buildmail(with_flag)
        .env("XDG_CONFIG_HOME", xdg)
        .expect_code(0);
    assert_eq!(server.record().messages[1].mail_from, "ops@example.com");
    let out = buildmail(bare)
        .env("XDG_CONFIG_HOME", xdg)
        .env("BUILDMAIL_ACCOUNT", "wrok")
        .expect_code(78);
    assert!(out.stderr.contains("it has broken, work"), "{}", out.stderr);

    // config check shows the resolution, the password masked.
    let out = buildmail(["config", "check"])
        .env("XDG_CONFIG_HOME", xdg)
        .expect_code(0);
    for expected in [
        "(account: work)",
        &format!("server: 127.0.0.1:{port}"),
        "user: ci (account)",
        "password: ****",
        "from: CI <ci@example.com> (config defaults)",
    ] {
        assert!(
            out.stdout.contains(expected),
            "{expected:?} in\n{}",
            out.stdout
        );
    }
    assert!(!out.stdout.contains("s3cret"), "{}", out.stdout);
}

#[test]
fn a_password_in_a_config_file_others_can_read_is_refused() {
    let text =
        "[accounts.work]\nurl = \"smtp://127.0.0.1:1\"\nuser = \"ci\"\npassword = \"s3cret\"\n";
    let open = config_home(text, 0o644);
    let out = buildmail(["config", "check", "--account", "work"])
        .env("XDG_CONFIG_HOME", open.path().to_str().unwrap())
        .expect_code(78);
    assert!(out.stderr.contains("chmod 600"), "{}", out.stderr);
    assert!(!out.stderr.contains("s3cret"), "{}", out.stderr);

    let private = config_home(text, 0o600);
    let out = buildmail(["config", "check", "--account", "work"])
        .env("XDG_CONFIG_HOME", private.path().to_str().unwrap())
        .expect_code(0);
    assert!(out.stdout.contains("password: ****"), "{}", out.stdout);
}
