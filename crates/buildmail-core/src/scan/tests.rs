//! Tests of the log scanner: each log format, false positives, streaming.

use super::*;

fn found(log: &str) -> Vec<(u64, String)> {
    scan(log.as_bytes())
        .map(|item| item.unwrap())
        .filter_map(|f| Some((f.line, f.reply()?.to_string())))
        .collect()
}

#[test]
fn raw_multi_line_reply_is_one_reply_at_its_first_line() {
    let log = "connecting\n421-4.7.0 [192.0.2.1] Our system has detected\n421-4.7.0 unsolicited mail.\n421 4.7.0 https://support.google.com/mail/?p=UnsolicitedRateLimitError\ndone\n";
    assert_eq!(found(log), [(2, "421 4.7.0 [192.0.2.1] Our system has detected unsolicited mail. https://support.google.com/mail/?p=UnsolicitedRateLimitError".to_owned())]);
}

#[test]
fn java_mail_exceptions_as_jenkins_prints_them() {
    let log = "javax.mail.SendFailedException: Invalid Addresses;\n  nested exception is:\n\tcom.sun.mail.smtp.SMTPAddressFailedException: 550 5.1.1 <bob@example.com>: Recipient address rejected: User unknown\n\n\tat com.sun.mail.smtp.SMTPTransport.rcptTo(SMTPTransport.java:2064)\nCaused by: com.sun.mail.smtp.SMTPAddressFailedException: 550 5.1.1 <bob@example.com>: Recipient address rejected: User unknown\n";
    assert_eq!(
        found(log),
        [(
            3,
            "550 5.1.1 <bob@example.com>: Recipient address rejected: User unknown".to_owned()
        )]
    );
}

#[test]
fn nodemailer_error_and_its_response_field_are_one_reply() {
    let log = "Error: Invalid login: 535-5.7.8 Username and Password not accepted. Learn more at\n535 5.7.8  https://support.google.com/mail/?p=BadCredentials a1sm gsmtp\n    at SMTPConnection._formatError (/app/node_modules/nodemailer/lib/smtp-connection/index.js:798:19)\n  code: 'EAUTH',\n  response: '535-5.7.8 Username and Password not accepted. Learn more at\\n535 5.7.8  https://support.google.com/mail/?p=BadCredentials a1sm gsmtp',\n  responseCode: 535,\n  command: 'AUTH PLAIN'\n";
    let got = found(log);
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].0, 1);
    assert!(
        got[0].1.starts_with(
            "535 5.7.8 Username and Password not accepted. Learn more at https://support.google.com"
        ),
        "{got:?}"
    );
}

#[test]
fn phpmailer_debug_and_error_lines() {
    let log = "2024-05-01 10:00:00 SERVER -> CLIENT: 220 smtp.example.com ESMTP\n2024-05-01 10:00:01 SERVER -> CLIENT: 421 4.7.0 Try again later, closing connection.\n2024-05-01 10:00:01 SMTP ERROR: RCPT TO command failed: 550 5.1.1 <bob@example.com> User unknown\n";
    assert_eq!(
        found(log),
        [
            (
                2,
                "421 4.7.0 Try again later, closing connection.".to_owned()
            ),
            (3, "550 5.1.1 <bob@example.com> User unknown".to_owned()),
        ]
    );
}

#[test]
fn python_smtplib_exceptions() {
    let log = "smtplib.SMTPRecipientsRefused: {'a@example.com': (450, b'4.2.0 <a@example.com>: Recipient address rejected: Greylisted'), 'b@example.com': (550, b'5.1.1 <b@example.com>: User unknown')}\nsmtplib.SMTPAuthenticationError: (535, b'5.7.8 Username and Password not accepted. Learn more at\\n5.7.8  https://support.google.com/mail/?p=BadCredentials')\n";
    let got = found(log);
    assert_eq!(
        got[0],
        (
            1,
            "450 4.2.0 <a@example.com>: Recipient address rejected: Greylisted".to_owned()
        )
    );
    assert_eq!(
        got[1],
        (1, "550 5.1.1 <b@example.com>: User unknown".to_owned())
    );
    assert_eq!(got[2].0, 2);
    assert!(got[2].1.starts_with("535 5.7.8 Username"), "{got:?}");
}

#[test]
fn lettre_swaks_and_msmtp() {
    let log = "Error: permanent error (550): 5.1.1 <bob@example.com>: Recipient address rejected\n<~  421 4.7.0 Too many connections\n<** 554 5.7.1 Relay access denied\nmsmtp: envelope from address ci@example.com not accepted by the server\nmsmtp: server message: 553 5.7.1 Sender address rejected: not owned by user\n";
    let codes: Vec<u64> = found(log).iter().map(|(line, _)| *line).collect();
    assert_eq!(codes, [1, 2, 3, 5]);
}

#[test]
fn postfix_log_said_with_in_reply_to_suffix() {
    let log = "postfix/smtp[123]: 4BX2: to=<bob@example.org>, relay=mx.example.org[192.0.2.9]:25, status=deferred (host mx.example.org[192.0.2.9] said: 450 4.2.0 <bob@example.org>: Recipient address rejected: Greylisted (in reply to RCPT TO command))\n";
    assert_eq!(
        found(log),
        [(
            1,
            "450 4.2.0 <bob@example.org>: Recipient address rejected: Greylisted".to_owned()
        )]
    );
}

#[test]
fn numbers_that_are_not_replies_are_ignored() {
    let log = "2024-05-01T10:00:00Z connecting to smtp.example.com port: 587\nHTTP/1.1 503 Service Unavailable\nresponse: 404 Not Found\nDownloaded 450 files in 4.2.1 seconds\nBuild #421 finished\n550 tests passed\nversion 4.7.0 released\n250 2.0.0 Ok: queued\n";
    assert_eq!(found(log), []);
}

#[test]
fn an_overlong_line_is_cut_not_buffered() {
    let log = format!("{}\n421 4.7.0 Try again later\n", "x".repeat(MAX_LINE * 4));
    assert_eq!(found(&log), [(2, "421 4.7.0 Try again later".to_owned())]);
}

#[test]
fn symfony_with_message_quotes_the_reply_and_repeats_it() {
    let log = "production.ERROR: Expected response code \"250\" but got code \"550\", with message \"550 \"envelope sender not allowed ci@example.com\"\". {\"exception\":\"[object] (TransportException(code: 550))\"}\nAuthenticator \"LOGIN\" returned \"Expected response code \"235\" but got code \"535\", with message \"535-5.7.8 Username and Password not accepted.\n535 5.7.8  https://support.google.com/mail/?p=BadCredentials - gsmtp\".\". Authenticator \"PLAIN\" returned \"Expected response code \"235\" but got code \"535\", with message \"535-5.7.8 Username and Password not accepted.\n535 5.7.8  https://support.google.com/mail/?p=BadCredentials - gsmtp\".\".\n";
    assert_eq!(
        found(log),
        [
            (
                1,
                "550 \"envelope sender not allowed ci@example.com\"".to_owned()
            ),
            (2, "535 5.7.8 Username and Password not accepted. https://support.google.com/mail/?p=BadCredentials - gsmtp".to_owned()),
        ]
    );
}

#[test]
fn ruby_net_smtp_errors_without_an_enhanced_code() {
    let log = "Net::SMTPServerBusy: 421 Too many concurrent SMTP connections; please try again later\nNet::SMTPAuthenticationError (535 Authentication failed: Bad username / password\n):\n";
    let lines: Vec<u64> = found(log).iter().map(|(line, _)| *line).collect();
    assert_eq!(lines, [1, 2]);
}

#[test]
fn dotnet_server_response_with_only_an_enhanced_code() {
    let log = "System.Net.Mail.SmtpException: Mailbox unavailable. The server response was: 5.7.1 Client does not have permissions to send as this sender\nMailKit.Net.Smtp.SmtpCommandException: 4.3.2 Service not available\n";
    assert_eq!(
        found(log),
        [
            (
                1,
                "550 5.7.1 Client does not have permissions to send as this sender".to_owned()
            ),
            // MailKit prints no basic code: the class's generic one stands in.
            (2, "451 4.3.2 Service not available".to_owned()),
        ]
    );
}

/// .NET names the status by its message (dotnet/runtime's `SmtpException.GetMessageForStatus`).
#[test]
fn dotnet_status_messages_give_the_basic_code() {
    let log = "System.Net.Mail.SmtpException: Service not available, closing transmission channel. The server response was: 4.3.2 Service not available\n\
               System.Net.Mail.SmtpException: Mailbox unavailable. The server response was: If MAIL FROM is local then you must authenticate\n\
               System.Net.Mail.SmtpException: Mailbox unavailable. The server response was: 4.2.1 Mailbox busy\n\
               System.Net.Mail.SmtpException: The SMTP server requires a secure connection or the client was not authenticated. The server response was: 5.7.57 Client not authenticated\n";
    assert_eq!(
        found(log),
        [
            (1, "421 4.3.2 Service not available".to_owned()),
            (
                2,
                "550 If MAIL FROM is local then you must authenticate".to_owned()
            ),
            (3, "450 4.2.1 Mailbox busy".to_owned()),
            (4, "530 5.7.57 Client not authenticated".to_owned()),
        ]
    );
}

#[test]
fn postfix_joins_a_multi_line_reply_on_one_line() {
    let log = "status=bounced (host mx.example.com[192.0.2.27] said: 550-5.7.26 This mail has been blocked. 550-5.7.26 Gmail requires all senders to authenticate. 550 5.7.26 Learn more (in reply to end of DATA command))\npostfix/smtpd[1432]: NOQUEUE: reject: RCPT from unknown[192.0.2.200]: 554 5.7.1 <a@example.com>: Relay access denied; from=<b@example.com> to=<a@example.com> proto=ESMTP helo=<x>\n";
    assert_eq!(
        found(log),
        [
            (1, "550 5.7.26 This mail has been blocked. Gmail requires all senders to authenticate. Learn more".to_owned()),
            (2, "554 5.7.1 <a@example.com>: Relay access denied".to_owned()),
        ]
    );
}

#[test]
fn exim_escaped_line_breaks_and_the_older_host_form() {
    let log = "** qa@example.com R=dnslookup T=remote_smtp H=mx.example.com [192.0.2.26]: SMTP error from remote mail server after pipelined end of data: 550-5.7.1 Our system has detected\\n550 5.7.1 unsolicited mail.\n** jill@example.net R=lookuphost T=smtp: SMTP error from remote mailer after RCPT TO:<jill@example.net>: host mx.example.net [192.0.2.7]: 550 User unknown\n";
    assert_eq!(
        found(log),
        [
            (
                1,
                "550 5.7.1 Our system has detected unsolicited mail.".to_owned()
            ),
            (2, "550 User unknown".to_owned()),
        ]
    );
}

#[test]
fn go_log_timestamps_and_phpmailer_run_together_lines() {
    let log = "2024/05/01 07:00:05 535 Error: terminal limit\n2024/05/01 07:00:08 failed to issue MAIL command: 502 Invalid input from 192.0.2.8\nSERVER -&gt; CLIENT: 535-5.7.8 Username and Password not accepted. Learn more at535 5.7.8 https://support.google.com/mail/?p=BadCredentials<br>\n";
    assert_eq!(
        found(log),
        [
            (1, "535 Error: terminal limit".to_owned()),
            (2, "502 Invalid input from 192.0.2.8".to_owned()),
            (3, "535 5.7.8 Username and Password not accepted. Learn more at https://support.google.com/mail/?p=BadCredentials<br>".to_owned()),
        ]
    );
}

#[test]
fn python_sender_refused_has_a_third_member() {
    let log = "smtplib.SMTPSenderRefused: (530, b'5.7.0 Must issue a STARTTLS command first.', 'ci@example.com')\n";
    assert_eq!(
        found(log),
        [(
            1,
            "530 5.7.0 Must issue a STARTTLS command first.".to_owned()
        )]
    );
}

#[test]
fn a_version_number_is_not_an_enhanced_code_reply() {
    let log = "Exception: 4.2.1 is the minimum version\nRunning with Spring Boot v3.2.5, Spring v6.1.6, Gradle 5.4.1\n";
    assert_eq!(found(log), []);
}

proptest::proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..2000)) {
        for item in scan(bytes.as_slice()) {
            let found = item.unwrap();
            proptest::prop_assert!((400..=599).contains(&found.reply().map_or(400, Reply::code)));
        }
    }

    #[test]
    fn reply_like_lines_never_panic(lines in proptest::collection::vec("[ <~*\\-'(]{0,3}[2-6][0-9]{2}[ -]?[245]?\\.?[0-9]{0,3}\\.?[0-9]{0,2} ?[a-z'\\\\(),]{0,12}", 0..20)) {
        let log = lines.join("\n");
        for item in scan(log.as_bytes()) {
            proptest::prop_assert!(item.is_ok());
        }
    }
}

#[test]
fn a_reply_right_after_an_ansi_colour_code_is_found() {
    let log = "\x1b[31m550 5.1.1 <bob@example.com>: Recipient address rejected: User unknown\x1b[0m\n\x1b[1;33m[WARN]\x1b[0m 421 4.7.0 Try again later, closing connection.\n\x1b[32m250 2.0.0 OK\x1b[0m\n";
    assert_eq!(
        found(log),
        [
            (
                1,
                "550 5.1.1 <bob@example.com>: Recipient address rejected: User unknown".to_owned()
            ),
            (
                2,
                "421 4.7.0 Try again later, closing connection.".to_owned()
            ),
        ]
    );
}

#[test]
fn the_byte_gates_let_through_every_spelling_their_patterns_accept() {
    // Each line gets past a byte-level gate only by a detail the gate must not miss: a Unicode
    // space before the code, a marker in capitals, a quote, a Python tuple, lettre's wording.
    let log = "smtp error:\u{a0}550 no such user here\n\
               SMTPSendFailedException:   \"421 Try again later\"\n\
               SMTP ERROR FROM REMOTE MAIL SERVER AFTER RCPT TO:<a@b.c>: host mx.b.c [192.0.2.1]: 451 Temporary local problem\n\
               smtplib.SMTPRecipientsRefused: {'a@b.c': (450, b'4.2.0 Greylisted')}\n\
               Transient Error (421): Service not available\n";
    let lines: Vec<u64> = found(log).into_iter().map(|(line, _)| line).collect();
    assert_eq!(lines, [1, 2, 3, 4, 5]);
}

#[test]
fn numbers_in_build_noise_are_not_replies() {
    let log = "[2024-05-01T02:00:04.114Z] Tests: 450 passed, 0 failed, port: 587 pid: 4212\n\
               [2024-05-01T02:00:04.113Z] GET https://repo.example.com/b-1.2.3.pom HTTP/1.1 200 OK 552 bytes\n";
    assert_eq!(found(log), []);
}

/// Lines of every shape the scanner reads, and noise close to them: the material of the
/// generated logs below.
const SAMPLE_LINES: &[&str] = &[
    "[2024-05-01T02:00:04.112Z] > Task :compileJava UP-TO-DATE 4521 files in 3.2s",
    "[2024-05-01T02:00:04.113Z] GET https://repo.example.com/a/b/1.2.3/b-1.2.3.pom HTTP/1.1 200 OK 552 bytes",
    "[2024-05-01T02:00:04.114Z] Tests: 450 passed, 0 failed, port: 587 pid: 4212",
    "com.sun.mail.smtp.SMTPSendFailedException: 421 4.7.0 Try again later, closing connection.",
    "421-4.7.0 [192.0.2.1] Our system has detected",
    "421-4.7.0 unsolicited mail.",
    "421 4.7.0 https://support.google.com/mail/?p=UnsolicitedRateLimitError",
    "Error: Invalid login: 535-5.7.8 Username and Password not accepted. Learn more at",
    "535 5.7.8  https://support.google.com/mail/?p=BadCredentials a1sm gsmtp",
    "  response: '535-5.7.8 Username and Password not accepted. Learn more at\\n' +",
    "  '535 5.7.8  https://support.google.com/mail/?p=BadCredentials a1sm gsmtp',",
    "  responseCode: 535,",
    "2024-05-01 10:00:01 SERVER -> CLIENT: 421 4.7.0 Try again later, closing connection.",
    "2024-05-01 10:00:01 SMTP ERROR: RCPT TO command failed: 550 5.1.1 <bob@example.com> User unknown",
    "smtplib.SMTPAuthenticationError: (535, b'5.7.8 Username and Password not accepted.')",
    "smtplib.SMTPSenderRefused: (530, b'5.7.0 Must issue a STARTTLS command first.', 'ci@example.com')",
    "Error: permanent error (550): 5.1.1 <bob@example.com>: Recipient address rejected",
    "Error { kind: Permanent(Code { severity: PermanentNegativeCompletion, category: MailSystem, detail: Zero }), source: \"5.1.1 unknown\" }",
    "<~  421 4.7.0 Too many connections",
    "<** 554 5.7.1 Relay access denied",
    "S: 550 5.7.1 Relay denied",
    "SMTP<< 451 Temporary local problem",
    "<<< 452 4.3.1 Insufficient system storage",
    "postfix/smtp[123]: 4BX2: to=<bob@example.org>, relay=mx.example.org[192.0.2.9]:25, status=deferred (host mx.example.org[192.0.2.9] said: 450 4.2.0 <bob@example.org>: Recipient address rejected: Greylisted (in reply to RCPT TO command))",
    "production.ERROR: Expected response code \"250\" but got code \"550\", with message \"550 \"envelope sender not allowed ci@example.com\"\".",
    "with message \"535-5.7.8 Username and Password not accepted.",
    "535 5.7.8 https://support.google.com/mail/?p=BadCredentials\".",
    "Net::SMTPServerBusy: 421 Too many concurrent SMTP connections",
    "System.Net.Mail.SmtpException: Mailbox unavailable. The server response was: 5.7.1 Client does not have permissions to send as this sender",
    "MailKit.Net.Smtp.SmtpCommandException: 4.3.2 Service not available",
    "** qa@example.com R=dnslookup T=remote_smtp H=mx.example.com [192.0.2.26]: SMTP error from remote mail server after pipelined end of data: 550-5.7.1 Our system has detected\\n550 5.7.1 unsolicited mail.",
    "2024/05/01 07:00:08 failed to issue MAIL command: 502 Invalid input from 192.0.2.8",
    "Exception: 4.2.1 is the minimum version",
    "HTTP/1.1 503 Service Unavailable",
    "Downloaded 450 files in 4.2.1 seconds",
    "550 tests passed",
    "550 5.1.1 <bob@example.com>: Recipient address rejected: User unknown",
    "\u{1b}[31m550 5.1.1 <bob@example.com>: Recipient address rejected\u{1b}[0m",
    "smtp error:\u{a0}550 no such user here",
    "Error: connect ECONNREFUSED 127.0.0.1:587",
    "Caused by: java.net.ConnectException: Connection refused",
    "SMTP Error: Could not connect to SMTP host.",
    "javax.net.ssl.SSLHandshakeException: PKIX path building failed",
    "getaddrinfo ENOTFOUND smtp.example.com",
    "Connection timed out while fetching https://repo.example.com",
    "sending the notification e-mail",
    "    at SMTPConnection._formatError (/app/node_modules/nodemailer/lib/smtp-connection/index.js:798:19)",
    "",
    "   ",
    "Ünïcödé build step 5.7.1 → ok",
];

/// The real logs the CLI's tests scan, one per format (`crates/buildmail/tests/fixtures/scan`).
fn real_logs() -> Vec<(String, String)> {
    let dir = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../buildmail/tests/fixtures/scan"
    );
    let mut logs: Vec<(String, String)> = std::fs::read_dir(dir)
        .expect("the CLI's scan fixtures")
        .map(|entry| entry.expect("a fixture").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "log"))
        .map(|path| {
            let text = std::fs::read_to_string(&path).expect("a readable fixture");
            (path.display().to_string(), text)
        })
        .collect();
    logs.sort();
    logs
}

/// [`SAMPLE_LINES`] and every line of the real logs.
static LINE_POOL: LazyLock<Vec<String>> = LazyLock::new(|| {
    let real: Vec<String> = real_logs()
        .iter()
        .flat_map(|(_, text)| text.lines().map(str::to_owned).collect::<Vec<_>>())
        .collect();
    SAMPLE_LINES
        .iter()
        .map(|l| (*l).to_owned())
        .chain(real)
        .collect()
});

/// A log of `picks` from [`LINE_POOL`], each whole, cut short or joined to the next one.
fn generated_log(picks: &[(usize, usize, u8)]) -> String {
    let mut log = String::new();
    for &(index, cut, how) in picks {
        let line = &LINE_POOL[index % LINE_POOL.len()];
        let cut = line
            .char_indices()
            .nth(cut % (line.len() + 1))
            .map_or(line.len(), |(at, _)| at);
        match how % 4 {
            0 => log.push_str(&line[cut..]),
            1 => log.push_str(&line[..cut]),
            _ => log.push_str(line),
        }
        if how % 4 != 3 {
            log.push('\n');
        }
    }
    log
}

fn scanned(scanner: Scanner<&[u8]>) -> Vec<Found> {
    scanner
        .map(|item| item.expect("reading from memory"))
        .collect()
}

#[test]
fn every_connection_wording_has_literals_to_look_for() {
    assert!(quiet::every_wording_has_literals());
}

#[test]
fn the_benchmark_noise_is_quiet_and_its_replies_busy() {
    // Numbers everywhere, a mail port: none of it is parsed.
    assert_eq!(
        quiet::classify(SAMPLE_LINES[0].as_bytes()),
        quiet::Line::Quiet
    );
    assert_eq!(
        quiet::classify(SAMPLE_LINES[1].as_bytes()),
        quiet::Line::Quiet
    );
    assert_eq!(
        quiet::classify(SAMPLE_LINES[2].as_bytes()),
        quiet::Line::Quiet
    );
    assert_eq!(
        quiet::classify(SAMPLE_LINES[3].as_bytes()),
        quiet::Line::Busy
    );
}

#[test]
fn a_quiet_line_that_mentions_mail_still_makes_a_generic_wording_count() {
    let log = "Tests: 450 passed, port: 587\nok\nok\nok\nok\nCaused by: java.net.ConnectException: Connection refused\n";
    let found = scanned(scan(log.as_bytes()));
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].line, 6);
    // One line further, the mention is too far away.
    let log = log.replacen("ok\n", "ok\nok\n", 1);
    assert_eq!(scanned(scan(log.as_bytes())), []);
}

#[test]
fn passing_over_quiet_lines_finds_what_parsing_every_line_finds_in_real_logs() {
    let logs = real_logs();
    assert!(logs.len() >= 18, "{} logs", logs.len());
    for (name, text) in logs {
        let fast = scanned(scan(text.as_bytes()));
        assert!(!fast.is_empty(), "{name}");
        assert_eq!(fast, scanned(scan_line_by_line(text.as_bytes())), "{name}");
    }
}

#[test]
fn passing_over_quiet_lines_finds_what_parsing_every_line_finds_in_the_samples() {
    let log = SAMPLE_LINES.join("\n");
    let fast = scanned(scan(log.as_bytes()));
    assert!(fast.len() > 20, "{fast:?}");
    assert_eq!(fast, scanned(scan_line_by_line(log.as_bytes())));
}

proptest::proptest! {
    #[test]
    fn passing_over_quiet_lines_finds_what_parsing_every_line_finds(
        picks in proptest::collection::vec((0usize..100_000, 0usize..200, 0u8..8), 1..60),
    ) {
        let log = generated_log(&picks);
        proptest::prop_assert_eq!(
            scanned(scan(log.as_bytes())),
            scanned(scan_line_by_line(log.as_bytes())),
            "{:?}",
            log
        );
    }
}
