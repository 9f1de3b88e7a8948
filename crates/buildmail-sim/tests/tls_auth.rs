//! STARTTLS, implicit TLS and AUTH, with lettre trusting the sim's generated CA.

use buildmail_sim::{Event, Sim, SimHandle, SimTls};
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, Certificate, TlsParameters};
use lettre::transport::smtp::commands::Mail;

use crate::support::{Raw, address, client_id, connect, message, reply, send};

async fn tls_sim(scenarios: &[&str]) -> SimHandle {
    Sim::builder()
        .tls(SimTls::generate().unwrap())
        .auth("ci-bot", "s3cret-pass")
        .scenarios(scenarios.iter().map(|s| s.parse().unwrap()))
        .start()
        .await
        .unwrap()
}

fn trusting(sim: &SimHandle) -> TlsParameters {
    let ca = Certificate::from_pem(sim.tls_ca_pem().unwrap().as_bytes()).unwrap();
    TlsParameters::builder("localhost".into())
        .add_root_certificate(ca)
        .build_rustls()
        .unwrap()
}

fn credentials(password: &str) -> Credentials {
    Credentials::new("ci-bot".into(), password.into())
}

#[tokio::test]
async fn starttls_then_auth_plain_then_a_message() {
    let sim = tls_sim(&[]).await;
    let mut smtp = connect(&sim).await.unwrap();
    assert!(smtp.can_starttls());
    smtp.starttls(trusting(&sim), &client_id()).await.unwrap();
    let auth = smtp
        .auth(&[Mechanism::Plain], &credentials("s3cret-pass"))
        .await;
    assert_eq!(reply(&auth), "235 2.7.0 Authentication successful");
    let replies = send(
        &mut smtp,
        "ci@example.com",
        &["dev@example.com"],
        &message("<tls@ci>"),
    )
    .await;
    assert!(replies[3].starts_with("250 2.0.0 Ok"), "{replies:?}");

    let record = sim.record();
    let accepted = &record.messages[0];
    assert!(accepted.tls);
    assert_eq!(accepted.auth_user.as_deref(), Some("ci-bot"));
    let events = &record.connections[0].events;
    assert!(events.contains(&Event::TlsEstablished));
    let replies: Vec<&str> = record.connections[0].replies().collect();
    assert!(
        replies[1].contains("250-STARTTLS") && !replies[1].contains("AUTH"),
        "no AUTH before TLS: {}",
        replies[1]
    );
    assert!(
        replies[3].contains("250-AUTH PLAIN LOGIN") && !replies[3].contains("STARTTLS"),
        "{}",
        replies[3]
    );
    let json = serde_json::to_string(&record).unwrap();
    assert!(
        !json.contains("s3cret") && !json.contains("czNjcmV0"),
        "credentials leaked into the record"
    );
    assert!(json.contains("AUTH PLAIN ***"));
    sim.shutdown().await;
}

#[tokio::test]
async fn auth_login_works_and_a_wrong_password_gets_535() {
    let sim = tls_sim(&[]).await;
    let mut smtp = connect(&sim).await.unwrap();
    smtp.starttls(trusting(&sim), &client_id()).await.unwrap();
    let wrong = smtp.auth(&[Mechanism::Login], &credentials("guess")).await;
    assert_eq!(
        reply(&wrong),
        "535 5.7.8 Error: authentication failed: authentication failure"
    );
    // lettre aborts the connection after a failed AUTH.
    let mut smtp = connect(&sim).await.unwrap();
    smtp.starttls(trusting(&sim), &client_id()).await.unwrap();
    let right = smtp
        .auth(&[Mechanism::Login], &credentials("s3cret-pass"))
        .await;
    assert_eq!(reply(&right), "235 2.7.0 Authentication successful");
    let commands: Vec<String> = sim.record().connections[0]
        .commands()
        .map(str::to_owned)
        .collect();
    assert_eq!(
        commands[3..],
        ["AUTH LOGIN", "***", "***", "QUIT"],
        "{commands:?}"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn auth_fail_refuses_even_the_right_credentials() {
    let sim = tls_sim(&["auth-fail"]).await;
    let mut smtp = connect(&sim).await.unwrap();
    smtp.starttls(trusting(&sim), &client_id()).await.unwrap();
    let auth = smtp
        .auth(&[Mechanism::Plain], &credentials("s3cret-pass"))
        .await;
    assert_eq!(
        reply(&auth),
        "535 5.7.8 Error: authentication failed: authentication failure"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn auth_and_mail_before_tls_are_refused() {
    let sim = tls_sim(&[]).await;
    let mut raw = Raw::connect(&sim).await;
    raw.reply().await;
    raw.command("EHLO ci").await;
    assert_eq!(
        raw.command("AUTH PLAIN AGNpLWJvdABzM2NyZXQtcGFzcw==").await,
        "538 5.7.11 Encryption required for requested authentication mechanism"
    );
    assert_eq!(
        raw.command("MAIL FROM:<ci@example.com>").await,
        "530 5.7.0 Authentication required"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn implicit_tls_speaks_tls_from_the_first_byte() {
    let sim = Sim::builder()
        .tls(SimTls::generate().unwrap())
        .implicit_tls(true)
        .start()
        .await
        .unwrap();
    let mut smtp = AsyncSmtpConnection::connect_tokio1(
        sim.addr(),
        None,
        &client_id(),
        Some(trusting(&sim)),
        None,
    )
    .await
    .unwrap();
    assert!(!smtp.can_starttls(), "no STARTTLS inside TLS");
    assert!(
        smtp.command(Mail::new(Some(address("ci@example.com")), vec![]))
            .await
            .is_ok()
    );
    assert_eq!(sim.record().connections[0].events[0], Event::TlsEstablished);
    sim.shutdown().await;
}

#[tokio::test]
async fn a_client_that_does_not_trust_the_test_ca_fails_the_handshake() {
    let sim = tls_sim(&[]).await;
    let mut smtp = connect(&sim).await.unwrap();
    let untrusting = TlsParameters::builder("localhost".into())
        .certificate_store(lettre::transport::smtp::client::CertificateStore::None)
        .build_rustls()
        .unwrap();
    assert!(smtp.starttls(untrusting, &client_id()).await.is_err());
    let other_ca = SimTls::generate().unwrap();
    let wrong_ca = TlsParameters::builder("localhost".into())
        .add_root_certificate(Certificate::from_pem(other_ca.ca_pem().as_bytes()).unwrap())
        .build_rustls()
        .unwrap();
    let mut smtp = connect(&sim).await.unwrap();
    assert!(smtp.starttls(wrong_ca, &client_id()).await.is_err());
    sim.shutdown().await;
}
