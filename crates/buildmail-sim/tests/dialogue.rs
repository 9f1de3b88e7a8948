//! The plain RFC 5321 dialogue: what a well-behaved sim answers, and what it records.

use buildmail_sim::{Close, Event, Sim};
use lettre::transport::smtp::commands::{Data, Mail, Rcpt, Rset};

use crate::support::{Raw, address, connect, message, reply, send, sim};

#[tokio::test]
async fn a_message_is_accepted_and_recorded_with_its_envelope_and_content() {
    let sim = sim(&[]).await;
    let mut smtp = connect(&sim).await.unwrap();
    let replies = send(
        &mut smtp,
        "ci@example.com",
        &["dev@example.com", "ops@example.com"],
        &message("<42@ci>"),
    )
    .await;
    assert_eq!(
        replies,
        [
            "250 2.1.0 Ok",
            "250 2.1.5 Ok",
            "250 2.1.5 Ok",
            "354 End data with <CR><LF>.<CR><LF>",
            "250 2.0.0 Ok: queued as 009E3779B9",
        ]
    );
    smtp.quit().await.unwrap();
    assert_eq!(sim.record().deliveries_to("ops@example.com"), 1);
    sim.shutdown().await;
}

#[tokio::test]
async fn the_record_holds_each_command_and_reply_in_order() {
    let sim = sim(&[]).await;
    let mut smtp = connect(&sim).await.unwrap();
    send(
        &mut smtp,
        "ci@example.com",
        &["dev@example.com"],
        &message("<42@ci>"),
    )
    .await;
    smtp.quit().await.unwrap();
    let record = sim.record();
    sim.shutdown().await;

    let message = &record.messages[0];
    assert_eq!(message.message_id.as_deref(), Some("<42@ci>"));
    assert_eq!(message.mail_from, "ci@example.com");
    assert_eq!(message.rcpt_to, ["dev@example.com"]);
    assert!(
        message
            .text()
            .contains("\r\n\r\nThe build failed.\r\n.hidden line starts with a dot\r\n"),
        "{}",
        message.text()
    );
    assert_eq!(
        (message.connection, message.tls, message.auth_user.clone()),
        (0, false, None)
    );
    assert_eq!(record.deliveries_to("DEV@example.com"), 1);

    let connection = &record.connections[0];
    assert!(
        connection.peer.starts_with("127.0.0.1:"),
        "{}",
        connection.peer
    );
    let commands: Vec<&str> = connection.commands().collect();
    assert_eq!(
        commands,
        [
            "EHLO ci.example.com",
            "MAIL FROM:<ci@example.com>",
            "RCPT TO:<dev@example.com>",
            "DATA",
            "QUIT"
        ]
    );
    assert_eq!(
        connection.replies().next(),
        Some("220 localhost ESMTP buildmail-sim")
    );
    assert_eq!(
        connection.replies().nth(1),
        Some(
            "250-localhost\n250-PIPELINING\n250-SIZE 10485760\n250-ENHANCEDSTATUSCODES\n250 8BITMIME"
        )
    );
    assert!(connection.events.contains(&Event::Data {
        bytes: message.data.len()
    }));
    assert_eq!(connection.closed(), Some(Close::Client));
    assert_eq!(record.to_json_lines().lines().count(), 1);
}

#[tokio::test]
async fn commands_out_of_order_and_unknown_ones_get_5xx_and_the_dialogue_goes_on() {
    let sim = sim(&[]).await;
    let mut raw = Raw::connect(&sim).await;
    assert_eq!(raw.reply().await, "220 localhost ESMTP buildmail-sim");
    assert_eq!(
        raw.command("MAIL FROM:<a@b.c>").await,
        "503 5.5.1 Error: send HELO/EHLO first"
    );
    assert_eq!(raw.command("HELO ci").await, "250 localhost");
    assert_eq!(
        raw.command("RCPT TO:<a@b.c>").await,
        "503 5.5.1 Error: need MAIL command"
    );
    assert_eq!(
        raw.command("DATA").await,
        "503 5.5.1 Error: need RCPT command"
    );
    assert_eq!(
        raw.command("MAIL FROM:a@b.c").await,
        "501 5.5.4 Syntax: MAIL FROM:<address>"
    );
    assert_eq!(raw.command("MAIL FROM:<a@b.c>").await, "250 2.1.0 Ok");
    assert_eq!(
        raw.command("MAIL FROM:<a@b.c>").await,
        "503 5.5.1 Error: nested MAIL command"
    );
    assert_eq!(
        raw.command("DATA").await,
        "554 5.5.1 Error: no valid recipients"
    );
    assert_eq!(raw.command("RSET").await, "250 2.0.0 Ok");
    assert_eq!(raw.command("NOOP").await, "250 2.0.0 Ok");
    assert_eq!(
        raw.command("VRFY dev").await,
        "252 2.0.0 Cannot VRFY user, but will accept message and attempt delivery"
    );
    assert_eq!(
        raw.command("XYZZY").await,
        "500 5.5.2 Error: command not recognized"
    );
    assert_eq!(
        raw.command("STARTTLS").await,
        "502 5.5.1 Error: command not implemented"
    );
    assert_eq!(
        raw.command("AUTH PLAIN AGEAYg==").await,
        "503 5.5.1 Error: authentication not enabled"
    );
    let long = format!("NOOP {}", "x".repeat(5000));
    assert_eq!(raw.command(&long).await, "500 5.5.2 Error: line too long");
    assert_eq!(raw.command("QUIT").await, "221 2.0.0 Bye");
    assert_eq!(raw.reply().await, "", "the server closes after QUIT");
    sim.shutdown().await;
}

#[tokio::test]
async fn pipelined_commands_get_their_replies_in_order() {
    let sim = sim(&[]).await;
    let mut raw = Raw::connect(&sim).await;
    raw.reply().await;
    raw.write(b"EHLO ci\r\nMAIL FROM:<ci@example.com>\r\nRCPT TO:<a@example.com>\r\nRCPT TO:<b@example.com>\r\nDATA\r\n").await;
    assert!(
        raw.reply()
            .await
            .starts_with("250-localhost\n250-PIPELINING")
    );
    for expected in [
        "250 2.1.0 Ok",
        "250 2.1.5 Ok",
        "250 2.1.5 Ok",
        "354 End data with <CR><LF>.<CR><LF>",
    ] {
        assert_eq!(raw.reply().await, expected);
    }
    raw.write(b"Subject: x\r\n\r\n..dot\r\n.\r\nQUIT\r\n").await;
    assert!(raw.reply().await.starts_with("250 2.0.0 Ok: queued as "));
    assert_eq!(raw.reply().await, "221 2.0.0 Bye");
    assert_eq!(sim.record().messages[0].data, b"Subject: x\r\n\r\n.dot\r\n");
    sim.shutdown().await;
}

#[tokio::test]
async fn a_message_over_the_size_limit_is_refused_and_not_recorded() {
    let sim = Sim::builder().max_message_size(100).start().await.unwrap();
    let mut smtp = connect(&sim).await.unwrap();
    let declared = smtp
        .command("MAIL FROM:<ci@example.com> SIZE=101\r\n")
        .await;
    assert_eq!(
        reply(&declared),
        "552 5.3.4 Message size exceeds fixed limit"
    );
    smtp.command(Mail::new(Some(address("ci@example.com")), vec![]))
        .await
        .unwrap();
    smtp.command(Rcpt::new(address("dev@example.com"), vec![]))
        .await
        .unwrap();
    smtp.command(Data).await.unwrap();
    let sent = smtp.message(&[b'x'; 200]).await;
    assert_eq!(reply(&sent), "552 5.3.4 Message size exceeds fixed limit");
    smtp.command(Rset).await.unwrap();
    assert!(sim.record().messages.is_empty());
    assert!(sim.record().replies().contains(
        &"250-localhost\n250-PIPELINING\n250-SIZE 100\n250-ENHANCEDSTATUSCODES\n250 8BITMIME"
    ));
    sim.shutdown().await;
}

#[tokio::test]
async fn shutdown_ends_open_connections_with_a_421() {
    let sim = sim(&[]).await;
    let mut raw = Raw::connect(&sim).await;
    raw.reply().await;
    assert_eq!(raw.command("EHLO ci").await.lines().count(), 5);
    let closing = tokio::spawn(async move { raw.reply().await });
    sim.shutdown().await;
    assert_eq!(
        closing.await.unwrap(),
        "421 4.3.2 System not accepting network messages"
    );
}

#[tokio::test]
async fn a_non_ascii_address_is_refused_without_smtputf8() {
    let sim = sim(&[]).await;
    let mut raw = Raw::connect(&sim).await;
    raw.reply().await;
    assert!(!raw.command("EHLO ci").await.contains("SMTPUTF8"));
    assert_eq!(
        raw.command("MAIL FROM:<josé@example.com>").await,
        "553 5.6.7 Error: a non-ASCII address needs SMTPUTF8"
    );
    assert_eq!(
        raw.command("MAIL FROM:<ci@example.com>").await,
        "250 2.1.0 Ok"
    );
    assert_eq!(
        raw.command("RCPT TO:<josé@example.com>").await,
        "553 5.6.7 Error: a non-ASCII address needs SMTPUTF8"
    );
}

#[tokio::test]
async fn smtputf8_when_offered_and_asked_for_carries_non_ascii_addresses() {
    let sim = Sim::builder().smtputf8(true).start().await.unwrap();
    let mut raw = Raw::connect(&sim).await;
    raw.reply().await;
    assert!(raw.command("EHLO ci").await.ends_with("250 SMTPUTF8"));
    assert_eq!(
        raw.command("MAIL FROM:<ci@example.com>").await,
        "250 2.1.0 Ok"
    );
    assert_eq!(
        raw.command("RCPT TO:<josé@example.com>").await,
        "553 5.6.7 Error: a non-ASCII address needs SMTPUTF8",
        "MAIL did not ask for SMTPUTF8"
    );
    raw.command("RSET").await;
    assert_eq!(
        raw.command("MAIL FROM:<josé@example.com> SMTPUTF8").await,
        "250 2.1.0 Ok"
    );
    assert_eq!(
        raw.command("RCPT TO:<zoë@example.com>").await,
        "250 2.1.5 Ok"
    );
}
