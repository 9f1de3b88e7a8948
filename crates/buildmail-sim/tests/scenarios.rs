//! Every scenario that does not depend on time, driven by lettre's low-level connection over TCP.

use buildmail_sim::{Close, Sim, SimTls};
use lettre::transport::smtp::commands::{Data, Mail, Rcpt};

use crate::support::{Raw, address, connect, message, reply, send, sim};

const FROM: &str = "ci@example.com";
const TO: &str = "dev@example.com";

fn connect_error(
    result: Result<
        lettre::transport::smtp::client::AsyncSmtpConnection,
        lettre::transport::smtp::Error,
    >,
) -> String {
    match result {
        Ok(_) => "connected".into(),
        Err(error) => reply(&Err(error)),
    }
}

#[tokio::test]
async fn busy_turns_away_the_first_connections_at_the_greeting() {
    let sim = sim(&["busy:2"]).await;
    for _ in 0..2 {
        assert_eq!(
            connect_error(connect(&sim).await),
            "421 4.3.2 Service not available"
        );
    }
    assert_eq!(connect_error(connect(&sim).await), "connected");
    let record = sim.record();
    assert_eq!(record.connections[0].closed(), Some(Close::Server));
    assert_eq!(record.connections[0].commands().count(), 0);
    sim.shutdown().await;
}

#[tokio::test]
async fn fault_replies_at_its_phase_for_count_times_and_a_421_closes() {
    let sim = sim(&[
        "fault:mail:421 4.7.0 Try again later, closing connection.",
        "fault:rcpt:451 4.3.0 Mail server temporarily rejected message.:2",
    ])
    .await;
    let mut smtp = connect(&sim).await.unwrap();
    assert_eq!(
        send(&mut smtp, FROM, &[TO], &message("<1@ci>")).await,
        ["421 4.7.0 Try again later, closing connection."]
    );
    let mut smtp = connect(&sim).await.unwrap();
    let replies = send(&mut smtp, FROM, &[TO, TO, TO], &message("<1@ci>")).await;
    assert_eq!(
        replies[1..3],
        ["451 4.3.0 Mail server temporarily rejected message."; 2]
    );
    assert_eq!(replies[3], "250 2.1.5 Ok");
    assert_eq!(sim.record().connections[0].closed(), Some(Close::Server));
    assert_eq!(sim.record().messages[0].rcpt_to, [TO]);
    sim.shutdown().await;
}

#[tokio::test]
async fn fault_at_the_greeting_with_a_554_answers_503_until_quit() {
    let sim = sim(&["fault:greeting:554 5.7.1 No SMTP service here"]).await;
    let mut raw = Raw::connect(&sim).await;
    assert_eq!(raw.reply().await, "554 5.7.1 No SMTP service here");
    assert_eq!(raw.command("EHLO ci").await, "503 5.5.1 Error: no service");
    assert_eq!(raw.command("QUIT").await, "221 2.0.0 Bye");
    sim.shutdown().await;
}

#[tokio::test]
async fn fault_at_every_phase_replaces_that_reply() {
    for phase in ["ehlo", "mail", "rcpt", "data", "end_of_data"] {
        let sim = sim(&[&format!(
            "fault:{phase}:452 4.3.1 Insufficient system storage"
        )])
        .await;
        let replies = match connect(&sim).await {
            Err(error) => vec![reply(&Err(error))],
            Ok(mut smtp) => send(&mut smtp, FROM, &[TO], &message("<1@ci>")).await,
        };
        assert_eq!(
            replies.last().map(String::as_str),
            Some("452 4.3.1 Insufficient system storage"),
            "{phase}: {replies:?}"
        );
        assert!(sim.record().messages.is_empty(), "{phase}");
        sim.shutdown().await;
    }
}

#[tokio::test]
async fn drop_closes_without_a_reply_and_nothing_is_accepted() {
    let sim = sim(&["drop:end_of_data"]).await;
    let mut smtp = connect(&sim).await.unwrap();
    let replies = send(&mut smtp, FROM, &[TO], &message("<1@ci>")).await;
    assert!(replies[3].starts_with("no reply"), "{replies:?}");
    assert!(sim.record().messages.is_empty());
    assert_eq!(sim.record().connections[0].closed(), Some(Close::Dropped));
    sim.shutdown().await;
}

#[tokio::test]
async fn lost_ok_records_the_message_then_closes_so_a_retry_duplicates_it() {
    let sim = sim(&["lost-ok"]).await;
    for _ in 0..2 {
        let mut smtp = connect(&sim).await.unwrap();
        send(&mut smtp, FROM, &[TO], &message("<once@ci>")).await;
    }
    let record = sim.record();
    assert_eq!(record.deliveries_to(TO), 2);
    assert_eq!(record.duplicate_message_ids(), ["<once@ci>"]);
    assert_eq!(record.connections[0].closed(), Some(Close::Dropped));
    assert_eq!(
        record.connections[0].replies().last(),
        Some("354 End data with <CR><LF>.<CR><LF>")
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn reject_refuses_matching_recipients_only() {
    let sim = sim(&["reject:nobody@*:550 5.1.1 <nobody>: Recipient address rejected: User unknown in local recipient table"]).await;
    let mut smtp = connect(&sim).await.unwrap();
    let replies = send(
        &mut smtp,
        FROM,
        &["Nobody@example.com", TO],
        &message("<1@ci>"),
    )
    .await;
    assert_eq!(
        replies[1],
        "550 5.1.1 <nobody>: Recipient address rejected: User unknown in local recipient table"
    );
    assert_eq!(replies[2], "250 2.1.5 Ok");
    assert_eq!(sim.record().messages[0].rcpt_to, [TO]);
    sim.shutdown().await;
}

#[tokio::test]
async fn shutdown_after_sends_an_unprompted_421_after_n_commands() {
    let sim = sim(&["shutdown-after:3"]).await;
    let mut smtp = connect(&sim).await.unwrap();
    smtp.command(Mail::new(Some(address(FROM)), vec![]))
        .await
        .unwrap();
    smtp.command(Rcpt::new(address(TO), vec![])).await.unwrap();
    let data = smtp.command(Data).await;
    assert_eq!(
        reply(&data),
        "421 4.3.2 System not accepting network messages"
    );
    assert_eq!(
        sim.record().connections[0].commands().count(),
        3,
        "DATA was never read"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn conn_limit_turns_away_connections_beyond_the_limit_like_postfix_anvil() {
    let sim = sim(&["conn-limit:1"]).await;
    let first = connect(&sim).await.unwrap();
    assert_eq!(
        connect_error(connect(&sim).await),
        "421 4.7.0 localhost Error: too many connections from 127.0.0.1"
    );
    drop(first);
    let mut raw = Raw::connect(&sim).await;
    let mut greeting = raw.reply().await;
    while greeting.starts_with("421") {
        // The first connection's close reaches the sim asynchronously.
        tokio::task::yield_now().await;
        raw = Raw::connect(&sim).await;
        greeting = raw.reply().await;
    }
    assert_eq!(greeting, "220 localhost ESMTP buildmail-sim");
    sim.shutdown().await;
}

#[tokio::test]
async fn no_starttls_hides_starttls_even_with_a_certificate() {
    let sim = Sim::builder()
        .tls(SimTls::generate().unwrap())
        .scenario("no-starttls".parse().unwrap())
        .start()
        .await
        .unwrap();
    let mut raw = Raw::connect(&sim).await;
    raw.reply().await;
    assert!(!raw.command("EHLO ci").await.contains("STARTTLS"));
    assert_eq!(
        raw.command("STARTTLS").await,
        "502 5.5.1 Error: command not implemented"
    );
    sim.shutdown().await;
}
