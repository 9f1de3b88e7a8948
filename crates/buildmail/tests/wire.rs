//! What reaches the wire from `buildmail send`, seen by the sim and in `--dry-run`'s output:
//! no smuggled end of data, no over-long line, one RCPT per address, no workflow command.

use crate::support::{Server, buildmail};

fn send_to(server: &Server, extra: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = [
        "send",
        "--smtp-url",
        &server.url(),
        "--from",
        "ci@example.com",
        "--subject",
        "main: build 42 passed",
        "--timeout",
        "2s",
    ]
    .map(String::from)
    .to_vec();
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

fn dry_run(extra: &[&str]) -> String {
    let mut args = vec!["send", "--dry-run", "--smtp-url", "smtp://127.0.0.1:1"];
    args.extend(extra);
    buildmail(args).expect_code(0).stdout
}

fn bare_line_ends(data: &[u8]) -> usize {
    let bare_cr = data.windows(2).filter(|w| w[0] == b'\r' && w[1] != b'\n');
    let bare_lf = data.windows(2).filter(|w| w[0] != b'\r' && w[1] == b'\n');
    bare_cr.count() + bare_lf.count() + usize::from(data.ends_with(b"\r"))
}

#[test]
fn a_cr_dot_cr_in_the_body_cannot_smuggle_a_second_message() {
    let server = Server::start(&[]);
    let body = "one\r.\r\nMAIL FROM:<evil@example.com>\r\nRCPT TO:<victim@example.com>\r\nDATA\r\nsmuggled\r\n.\r\n";
    buildmail(send_to(
        &server,
        &["--to", "dev@example.com", "--body", body],
    ))
    .expect_code(0);
    let record = server.record();
    assert_eq!(record.messages.len(), 1);
    let message = &record.messages[0];
    assert_eq!(message.rcpt_to, ["dev@example.com"]);
    assert_eq!(bare_line_ends(&message.data), 0, "{}", message.text());
    let parsed = mail_parser::MessageParser::default()
        .parse(&message.data)
        .expect("parses");
    let text = parsed.body_text(0).expect("a text part");
    assert!(text.contains("one\r\n.\r\nMAIL FROM:"), "{text:?}");
}

#[test]
fn an_address_given_twice_is_one_rcpt() {
    let server = Server::start(&[]);
    let addresses = [
        "--to",
        "dev@example.com,Dev Team <dev@EXAMPLE.com>",
        "--cc",
        "dev@example.com",
        "--bcc",
        "ops@example.com,dev@Example.com",
        "--body",
        "hi",
    ];
    buildmail(send_to(&server, &addresses)).expect_code(0);
    let record = server.record();
    assert_eq!(record.messages.len(), 1);
    assert_eq!(
        record.messages[0].rcpt_to,
        ["dev@example.com", "ops@example.com"]
    );
}

#[test]
fn long_subjects_names_and_to_lists_keep_every_line_short() {
    let to: Vec<String> = (0..300).map(|n| format!("dev{n}@example.com")).collect();
    let subject = "x".repeat(3000);
    let from = format!("{} <ci@example.com>", "Build Bot ".repeat(200));
    let raw = dry_run(&[
        "--from",
        &from,
        "--to",
        &to.join(","),
        "--subject",
        &subject,
        "--body",
        "hi",
    ]);
    let longest = raw.split("\r\n").map(str::len).max().unwrap_or(0);
    assert!(longest <= 998, "a line of {longest} octets");
    let parsed = mail_parser::MessageParser::default()
        .parse(raw.as_bytes())
        .expect("parses");
    assert_eq!(parsed.subject(), Some(subject.as_str()));
    assert_eq!(parsed.to().expect("a To header").iter().count(), 300);
}

#[test]
fn dry_run_output_cannot_start_a_workflow_command() {
    let body = "build failed\n::error title=pwned::x\n##[group]hidden\n";
    let raw = dry_run(&[
        "--from",
        "ci@example.com",
        "--to",
        "dev@example.com",
        "--body",
        body,
    ]);
    let commands: Vec<&str> = raw
        .lines()
        .filter(|line| line.starts_with("::") || line.starts_with("##["))
        .collect();
    assert!(commands.is_empty(), "{commands:?}\n{raw}");
    let parsed = mail_parser::MessageParser::default()
        .parse(raw.as_bytes())
        .expect("parses");
    assert_eq!(
        parsed.body_text(0).as_deref(),
        Some(body.replace('\n', "\r\n").as_str())
    );
}

#[test]
fn an_international_domain_goes_out_as_punycode() {
    let server = Server::start(&[]);
    let to = ["--to", "Dev <dev@bücher.example>", "--body", "hi"];
    buildmail(send_to(&server, &to)).expect_code(0);
    let record = server.record();
    assert_eq!(record.messages[0].rcpt_to, ["dev@xn--bcher-kva.example"]);
    assert!(
        record.messages[0].data.is_ascii(),
        "{}",
        record.messages[0].text()
    );
}

#[test]
fn a_non_ascii_local_part_uses_smtputf8_when_the_server_offers_it() {
    let server = Server::start_with(&[], |sim| sim.smtputf8(true));
    let to = ["--to", "josé@example.com", "--body", "hi"];
    buildmail(send_to(&server, &to)).expect_code(0);
    let record = server.record();
    assert_eq!(record.messages[0].rcpt_to, ["josé@example.com"]);
    let commands = format!("{:?}", record.connections[0]);
    let mail = commands.split("MAIL FROM:").nth(1).expect("a MAIL command");
    let mail = mail.split('"').next().unwrap_or_default();
    assert!(mail.ends_with(" SMTPUTF8"), "{commands}");
}

#[test]
fn a_non_ascii_local_part_without_smtputf8_is_bad_input_that_names_the_address() {
    let server = Server::start(&[]);
    let to = ["--to", "josé@example.com", "--body", "hi"];
    let out = buildmail(send_to(&server, &to)).expect_code(65);
    assert!(out.stderr.contains("josé@example.com"), "{}", out.stderr);
    assert!(out.stderr.contains("SMTPUTF8"), "{}", out.stderr);
    let record = server.record();
    assert!(record.messages.is_empty());
    let commands = format!("{:?}", record.connections);
    assert!(!commands.contains("MAIL FROM"), "nothing sent: {commands}");
}
