//! The mistakes of a first run that retrying cannot fix (issue 15): a port where nothing
//! listens, and a URL whose TLS mode is the other one than the server's. Each ends quickly with
//! a reason that names the fix, on tokio's paused clock, so the times asserted are exact.

#![allow(clippy::unwrap_used)] // a test helper that fails should panic

mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use buildmail_core::connector::{ConnectFuture, Connector, TlsTrust};
use buildmail_core::deliver::{Delivery, Event, GiveUp, Outgoing};
use buildmail_core::policy::WaitReason;
use buildmail_core::report::{DeliveryStatus, RecipientStatus};
use buildmail_core::transcript::Line;
use buildmail_core::{Category, Phase, Server, Verdict};
use buildmail_sim::{Scenario, Sim, SimHandle, SimTls};
use support::SimNet;

/// Every connection is refused, as on a port where nothing listens.
struct NothingListens;

impl Connector for NothingListens {
    fn connect<'a>(&'a self, _server: &'a Server) -> ConnectFuture<'a> {
        Box::pin(async { Err(std::io::ErrorKind::ConnectionRefused.into()) })
    }
}

/// Refuses the first `refusals` connections, then hands the rest to the sim: a relay restarting.
struct Restarting {
    refusals: Mutex<usize>,
    sim: Arc<SimHandle>,
}

impl Connector for Restarting {
    fn connect<'a>(&'a self, _server: &'a Server) -> ConnectFuture<'a> {
        let refuse = {
            let mut left = self.refusals.lock().unwrap();
            let refuse = *left > 0;
            *left = left.saturating_sub(1);
            refuse
        };
        Box::pin(async move {
            if refuse {
                return Err(std::io::ErrorKind::ConnectionRefused.into());
            }
            SimNet(self.sim.clone()).connect(_server).await
        })
    }
}

fn message() -> Outgoing {
    let bytes = b"Message-ID: <1@example.com>\r\nSubject: build\r\n\r\nthe body\r\n";
    Outgoing::new(
        Some("ci@example.com"),
        ["dev@example.com"],
        "<1@example.com>",
        bytes.to_vec(),
    )
    .unwrap()
}

async fn send(delivery: &Delivery) -> (buildmail_core::Report, Vec<Event>) {
    let events = Arc::new(Mutex::new(Vec::new()));
    let sink = events.clone();
    let report = delivery
        .send(&message(), &mut move |event| {
            sink.lock().unwrap().push(event)
        })
        .await;
    let events = events.lock().unwrap().clone();
    (report, events)
}

/// A sim with a certificate, speaking TLS from the first byte when `implicit`.
async fn sim(implicit: bool) -> (Arc<SimHandle>, TlsTrust) {
    let tls = SimTls::generate().unwrap();
    let trust = TlsTrust::only(tls.ca_pem().as_bytes()).unwrap();
    let sim = Sim::builder()
        .tls(tls)
        .implicit_tls(implicit)
        .start()
        .await
        .unwrap();
    (Arc::new(sim), trust)
}

#[tokio::test(start_paused = true)]
async fn a_port_where_nothing_listens_gets_four_quick_attempts_then_says_so() {
    let delivery = Delivery::new("smtp://127.0.0.1:2599?tls=none".parse().unwrap())
        .connector(Arc::new(NothingListens));
    let (report, events) = send(&delivery).await;
    assert_eq!(report.status, DeliveryStatus::Deferred);
    assert_eq!(report.verdict(), Verdict::Deferred);
    assert_eq!(report.attempts.len(), 4, "{:#?}", report.attempts);
    assert!(
        report.elapsed_ms <= 30_000,
        "gave up after {} ms",
        report.elapsed_ms
    );
    let waits: Vec<Duration> = events
        .iter()
        .filter_map(|e| match e {
            Event::Waiting { wait, reason } => {
                assert_eq!(*reason, WaitReason::Refused);
                Some(*wait)
            }
            _ => None,
        })
        .collect();
    assert_eq!(waits.iter().sum::<Duration>(), Duration::from_secs(23));
    assert!(
        matches!(
            events.last(),
            Some(Event::GaveUp(GiveUp::NothingListens { servers, attempts: 4 }))
                if servers == &["127.0.0.1:2599"]
        ),
        "{:?}",
        events.last()
    );
    let attempt = &report.attempts[0];
    assert_eq!(
        (attempt.phase, attempt.category),
        (Phase::Connect, Some(Category::Network))
    );
    let text = attempt.reply.as_ref().unwrap().text().to_owned();
    assert!(
        text.contains("connection refused: nothing listens on 127.0.0.1:2599"),
        "{text}"
    );
    assert!(!text.contains("lost"), "{text}");
    let explanation = report.explanation.unwrap();
    assert_eq!(explanation.title, "Nothing listens on the server's port");
    assert!(explanation.fix[0].contains("587 for STARTTLS"));
}

#[tokio::test(start_paused = true)]
async fn a_relay_that_restarts_within_seconds_still_gets_the_message() {
    let (sim, _) = sim(false).await;
    let connector = Restarting {
        refusals: Mutex::new(2),
        sim,
    };
    let delivery = Delivery::new("smtp://127.0.0.1:2599?tls=none".parse().unwrap())
        .connector(Arc::new(connector));
    let (report, _) = send(&delivery).await;
    assert_eq!(report.status, DeliveryStatus::Delivered, "{report:#?}");
    assert_eq!(report.attempts.len(), 3);
}

#[tokio::test(start_paused = true)]
async fn smtp_to_an_implicit_tls_port_stops_in_seconds_naming_smtps() {
    let (sim, trust) = sim(true).await;
    let delivery = Delivery::new("smtp://localhost:465?tls=required".parse().unwrap())
        .connector(Arc::new(SimNet(sim)))
        .trust(trust);
    let (report, _) = send(&delivery).await;
    assert_eq!(report.status, DeliveryStatus::Failed, "{report:#?}");
    assert_eq!(report.recipients[0].status, RecipientStatus::NotSent);
    assert_eq!(report.verdict(), Verdict::Misconfigured);
    assert_eq!(report.attempts.len(), 1);
    assert!(report.elapsed_ms < 10_000, "{} ms", report.elapsed_ms);
    let explanation = report.explanation.unwrap();
    assert_eq!(explanation.category, Category::Tls);
    assert!(
        explanation
            .cause
            .starts_with("This server speaks TLS from the first byte: use smtps://"),
        "{}",
        explanation.cause
    );
}

#[tokio::test(start_paused = true)]
async fn smtps_to_a_plain_port_names_smtp_with_starttls() {
    let (sim, trust) = sim(false).await;
    let delivery = Delivery::new("smtps://localhost:587".parse().unwrap())
        .connector(Arc::new(SimNet(sim)))
        .trust(trust);
    let (report, _) = send(&delivery).await;
    assert_eq!(report.status, DeliveryStatus::Failed, "{report:#?}");
    assert_eq!(report.verdict(), Verdict::Misconfigured);
    assert_eq!(report.attempts.len(), 1);
    let explanation = report.explanation.unwrap();
    assert!(
        explanation
            .cause
            .starts_with("This server speaks plain SMTP first: use smtp:// (STARTTLS)"),
        "{}",
        explanation.cause
    );
    assert!(!explanation.cause.contains("InvalidContentType"));
}

/// A certificate the client does not trust, on a port that does speak TLS from the first byte,
/// is a certificate problem: not "use smtp://", which would send the user the wrong way.
#[tokio::test(start_paused = true)]
async fn smtps_to_an_untrusted_certificate_is_not_called_a_wrong_tls_mode() {
    let (sim, _) = sim(true).await;
    let stranger = SimTls::generate().unwrap();
    let delivery = Delivery::new("smtps://localhost:465".parse().unwrap())
        .connector(Arc::new(SimNet(sim)))
        .trust(TlsTrust::only(stranger.ca_pem().as_bytes()).unwrap());
    let (report, _) = send(&delivery).await;
    assert_eq!(report.recipients[0].status, RecipientStatus::NotSent);
    let explanation = report.explanation.unwrap();
    assert_eq!(explanation.category, Category::Tls);
    assert!(
        !explanation.cause.contains("speaks plain SMTP"),
        "{}",
        explanation.cause
    );
    assert!(
        explanation.cause.to_lowercase().contains("certificate"),
        "{}",
        explanation.cause
    );
}

#[tokio::test(start_paused = true)]
async fn a_server_slow_to_greet_in_plain_text_is_not_mistaken_for_tls() {
    let sim = Sim::builder()
        .scenario("stall:greeting:10s".parse::<Scenario>().unwrap())
        .start()
        .await
        .unwrap();
    let delivery = Delivery::new("smtp://127.0.0.1:2525?tls=none".parse().unwrap())
        .connector(Arc::new(SimNet(Arc::new(sim))))
        .timeout(Duration::from_secs(30));
    let (report, _) = send(&delivery).await;
    assert_eq!(report.status, DeliveryStatus::Delivered, "{report:#?}");
}

#[tokio::test(start_paused = true)]
async fn the_transcript_shows_the_dialogue_with_credentials_masked_and_the_body_elided() {
    let tls = SimTls::generate().unwrap();
    let trust = TlsTrust::only(tls.ca_pem().as_bytes()).unwrap();
    let sim = Sim::builder()
        .tls(tls)
        .auth("ci", "s3cret-pass")
        .start()
        .await
        .unwrap();
    let lines = Arc::new(Mutex::new(Vec::new()));
    let sink = lines.clone();
    let delivery = Delivery::new("smtp://ci:s3cret-pass@localhost:587".parse().unwrap())
        .connector(Arc::new(SimNet(Arc::new(sim))))
        .trust(trust)
        .transcript(Arc::new(move |line: &Line| {
            sink.lock().unwrap().push(line.to_string())
        }));
    let (report, _) = send(&delivery).await;
    assert_eq!(report.status, DeliveryStatus::Delivered, "{report:#?}");
    let lines = lines.lock().unwrap().clone();
    let shown = lines.join("\n");
    for expected in [
        "=== Connected to localhost:587",
        "<-  220 ",
        " -> EHLO ",
        " -> STARTTLS",
        "=== TLS started with STARTTLS",
        " ~> AUTH PLAIN ****",
        "<~  235",
        " ~> MAIL FROM:<ci@example.com>",
        " ~> Subject: build",
        "=== (body elided: 10 bytes)",
        " ~> QUIT",
    ] {
        assert!(shown.contains(expected), "{expected:?} missing in\n{shown}");
    }
    assert!(!shown.contains("s3cret"), "{shown}");
    assert!(!shown.contains("AGNp"), "{shown}");
    assert!(!shown.contains("the body"), "{shown}");
}
