//! The delivery loop against a scripted SMTP server over in-memory pipes, on tokio's paused clock:
//! minutes of greylisting run in milliseconds, and the times the report shows are exact.

#![allow(clippy::unwrap_used)] // a test helper that fails should panic

use std::sync::{Arc, Mutex};
use std::time::Duration;

use buildmail_core::connector::{BoxStream, ConnectFuture, Connector, UnknownHost};
use buildmail_core::deliver::{Delivery, Event, GiveUp, Outgoing};
use buildmail_core::outbox::Outbox;
use buildmail_core::policy::{RetryPolicy, WaitReason};
use buildmail_core::report::{AttemptOutcome, DeliveryStatus, RecipientStatus};
use buildmail_core::{Category, Phase, Server};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, DuplexStream};
use tokio::time::Instant;

/// What the scripted server does at a step.
enum Act {
    Say(String),
    /// Says it and goes on listening, even after a 421: whatever the client says after is heard.
    SayStayingOpen(String),
    Drop,
    Stall,
}

fn say(text: &str) -> Act {
    Act::Say(text.to_owned())
}

/// Where the server is in a connection when it decides.
struct Ctx<'a> {
    connection: usize,
    /// Time since the first connection.
    since_first: Duration,
    step: &'a str,
    argument: &'a str,
}

type Script = dyn Fn(&Ctx) -> Option<Act> + Send + Sync;

/// A scripted server: `script` overrides the normal replies where it returns `Some`.
struct Fake {
    script: Box<Script>,
    first: Mutex<Option<Instant>>,
    connections: Mutex<usize>,
    delivered: Mutex<Vec<(Vec<String>, String)>>,
    /// Every line the client sent, in order, over all connections, with its connection.
    heard: Mutex<Vec<(usize, String)>>,
    /// Replies to MAIL and RCPT are held until this many of those commands were read, then
    /// sent together: a client that waits for each reply before the next command gets none.
    hold_envelope: Option<usize>,
    /// Connections the server has finished with (the client hung up or it closed).
    ended: Mutex<usize>,
}

impl Fake {
    fn new(script: impl Fn(&Ctx) -> Option<Act> + Send + Sync + 'static) -> Arc<Fake> {
        Arc::new(Fake {
            script: Box::new(script),
            first: Mutex::new(None),
            connections: Mutex::new(0),
            delivered: Mutex::new(Vec::new()),
            heard: Mutex::new(Vec::new()),
            hold_envelope: None,
            ended: Mutex::new(0),
        })
    }

    /// A server that answers MAIL and `recipients` RCPTs only once it has read all of them.
    fn holding_envelope(
        recipients: usize,
        script: impl Fn(&Ctx) -> Option<Act> + Send + Sync + 'static,
    ) -> Arc<Fake> {
        let mut fake = Arc::into_inner(Fake::new(script)).unwrap();
        fake.hold_envelope = Some(recipients + 1);
        Arc::new(fake)
    }

    fn deliveries(&self) -> Vec<(Vec<String>, String)> {
        self.delivered.lock().unwrap().clone()
    }

    fn connections(&self) -> usize {
        *self.connections.lock().unwrap()
    }

    /// The lines the client sent that start with `prefix` (case-insensitive).
    fn heard(&self, prefix: &str) -> Vec<String> {
        self.heard
            .lock()
            .unwrap()
            .iter()
            .map(|(_, line)| line)
            .filter(|line| line.to_ascii_uppercase().starts_with(prefix))
            .cloned()
            .collect()
    }

    /// Every line the client sent on `connection` (1 for the first), in order.
    fn heard_on(&self, connection: usize) -> Vec<String> {
        self.heard
            .lock()
            .unwrap()
            .iter()
            .filter(|(on, _)| *on == connection)
            .map(|(_, line)| line.clone())
            .collect()
    }

    /// The command verbs heard on `connection` (`MAIL`, `RCPT`, ...), in order.
    fn verbs_on(&self, connection: usize) -> Vec<String> {
        self.heard_on(connection)
            .iter()
            .map(|line| line.split([' ', ':']).next().unwrap().to_owned())
            .collect()
    }

    /// Waits until the server has finished with `connections` connections: all they carried was
    /// heard.
    async fn ended(&self, connections: usize) {
        while *self.ended.lock().unwrap() < connections {
            tokio::task::yield_now().await;
        }
    }

    async fn serve(self: Arc<Self>, stream: DuplexStream) {
        self.clone().converse(stream).await;
        *self.ended.lock().unwrap() += 1;
    }

    async fn converse(self: Arc<Self>, stream: DuplexStream) {
        let connection = {
            let mut count = self.connections.lock().unwrap();
            *count += 1;
            *count
        };
        let first = *self.first.lock().unwrap().get_or_insert_with(Instant::now);
        let act = |step: &str, argument: &str, normal: &str| {
            let ctx = Ctx {
                connection,
                since_first: Instant::now() - first,
                step,
                argument,
            };
            (self.script)(&ctx).unwrap_or_else(|| say(normal))
        };
        let mut stream = BufReader::new(stream);
        let mut rcpts = Vec::new();
        let mut held = Vec::new();
        // After a 334 the next line answers the challenge: it is part of AUTH, not a command.
        let mut in_auth = false;
        if !reply(&mut stream, act("greeting", "", "220 fake ESMTP")).await {
            return;
        }
        loop {
            let mut line = String::new();
            if stream.read_line(&mut line).await.unwrap_or(0) == 0 {
                return;
            }
            let line = line.trim_end().to_owned();
            self.heard.lock().unwrap().push((connection, line.clone()));
            let verb = line
                .split([' ', ':'])
                .next()
                .unwrap_or_default()
                .to_ascii_uppercase();
            let next = match verb.as_str() {
                _ if in_auth => act("auth", &line, "235 2.7.0 ok"),
                "EHLO" => act("ehlo", "", "250-fake\r\n250 8BITMIME"),
                "HELO" => act("helo", "", "250 fake"),
                "AUTH" => act("auth", &line, "235 2.7.0 ok"),
                "MAIL" => act("mail", &line, "250 2.1.0 ok"),
                "RCPT" => {
                    let address =
                        line[line.find('<').unwrap() + 1..line.find('>').unwrap()].to_owned();
                    let said = act("rcpt", &address, "250 2.1.5 ok");
                    if matches!(&said, Act::Say(text) if text.starts_with('2')) {
                        rcpts.push(address);
                    }
                    said
                }
                "DATA" => {
                    let said = act("data", "", "354 go ahead");
                    let go = matches!(&said, Act::Say(text) if text.starts_with("354"));
                    if !reply(&mut stream, said).await {
                        return;
                    }
                    if !go {
                        continue;
                    }
                    let mut data = String::new();
                    loop {
                        let mut l = String::new();
                        if stream.read_line(&mut l).await.unwrap_or(0) == 0 {
                            return;
                        }
                        if l == ".\r\n" {
                            break;
                        }
                        data.push_str(&l);
                    }
                    let said = act("end_of_data", "", "250 2.0.0 queued as 1");
                    if matches!(&said, Act::Say(text) if text.starts_with('2'))
                        || matches!(said, Act::Drop)
                    {
                        self.delivered
                            .lock()
                            .unwrap()
                            .push((std::mem::take(&mut rcpts), data));
                    }
                    said
                }
                "RSET" => {
                    rcpts.clear();
                    act("rset", "", "250 2.0.0 reset")
                }
                "QUIT" => {
                    reply(&mut stream, act("quit", "", "221 bye")).await;
                    return;
                }
                _ => say("500 unknown"),
            };
            in_auth = verb == "AUTH" || in_auth;
            in_auth &= matches!(&next, Act::Say(text) if text.starts_with("334"));
            if let Some(hold) = self
                .hold_envelope
                .filter(|_| verb == "MAIL" || verb == "RCPT")
            {
                held.push(next);
                if held.len() < hold {
                    continue;
                }
                for next in held.drain(..) {
                    if !reply(&mut stream, next).await {
                        return;
                    }
                }
                continue;
            }
            if !reply(&mut stream, next).await {
                return;
            }
        }
    }
}

/// Sends a reply; false when the connection is to end.
async fn reply(stream: &mut BufReader<DuplexStream>, act: Act) -> bool {
    match act {
        Act::Say(text) => {
            let closes = text.starts_with("421");
            let wire = format!("{}\r\n", text);
            stream.get_mut().write_all(wire.as_bytes()).await.is_ok() && !closes
        }
        Act::SayStayingOpen(text) => {
            let wire = format!("{}\r\n", text);
            stream.get_mut().write_all(wire.as_bytes()).await.is_ok()
        }
        Act::Drop => false,
        Act::Stall => std::future::pending().await,
    }
}

/// Connects every server to one of the fakes, by port.
struct FakeNet(Vec<(u16, Arc<Fake>)>);

impl Connector for FakeNet {
    fn connect<'a>(&'a self, server: &'a Server) -> ConnectFuture<'a> {
        let fake = self
            .0
            .iter()
            .find(|(port, _)| *port == server.port())
            .map(|(_, f)| f.clone());
        Box::pin(async move {
            let fake =
                fake.ok_or_else(|| std::io::Error::from(std::io::ErrorKind::ConnectionRefused))?;
            let (client, server) = tokio::io::duplex(64 * 1024);
            tokio::spawn(fake.serve(server));
            Ok(Box::new(client) as BoxStream)
        })
    }
}

fn message(to: &[&str]) -> Outgoing {
    let bytes = b"Message-ID: <1@example.com>\r\nSubject: build\r\n\r\n.dot line\r\nbody\r\n";
    Outgoing::new(
        Some("ci@example.com"),
        to,
        "<1@example.com>",
        bytes.to_vec(),
    )
    .unwrap()
}

fn delivery(fake: &Arc<Fake>) -> Delivery {
    Delivery::new("smtp://127.0.0.1:2525?tls=none".parse().unwrap())
        .connector(Arc::new(FakeNet(vec![(2525, fake.clone())])))
        .timeout(Duration::from_secs(5))
}

async fn send(delivery: &Delivery, message: &Outgoing) -> (buildmail_core::Report, Vec<Event>) {
    let events = Arc::new(Mutex::new(Vec::new()));
    let sink = events.clone();
    let report = delivery
        .send(message, &mut move |event| sink.lock().unwrap().push(event))
        .await;
    let events = events.lock().unwrap().clone();
    (report, events)
}

/// Greylists at RCPT until `window` has passed since the first connection.
fn greylist(window: Duration, text: &'static str) -> Arc<Fake> {
    Fake::new(move |ctx| (ctx.step == "rcpt" && ctx.since_first < window).then(|| say(text)))
}

async fn greylist_without_stated_window_is_delivered_within(window: u64, limit: u64) {
    let fake = greylist(
        Duration::from_secs(window),
        "450 4.2.0 <a@example.com>: Recipient address rejected: Greylisted",
    );
    let (report, _) = send(&delivery(&fake), &message(&["a@example.com"])).await;
    assert_eq!(report.status, DeliveryStatus::Delivered, "{report:#?}");
    assert!(
        report.elapsed_ms <= limit * 1000,
        "{window} s greylist took {} ms",
        report.elapsed_ms
    );
    assert_eq!(fake.deliveries().len(), 1);
}

#[tokio::test(start_paused = true)]
async fn an_8s_greylist_is_delivered_within_15s() {
    greylist_without_stated_window_is_delivered_within(8, 15).await;
}

#[tokio::test(start_paused = true)]
async fn a_60s_greylist_is_delivered_within_70s() {
    greylist_without_stated_window_is_delivered_within(60, 70).await;
}

#[tokio::test(start_paused = true)]
async fn a_300s_greylist_is_delivered_within_330s() {
    greylist_without_stated_window_is_delivered_within(300, 330).await;
}

#[tokio::test(start_paused = true)]
async fn a_stated_5s_window_is_honoured_and_not_exceeded_by_much() {
    let fake = greylist(
        Duration::from_secs(5),
        "451 4.7.1 Greylisted, please try again in 5 seconds",
    );
    let (report, _) = send(&delivery(&fake), &message(&["a@example.com"])).await;
    assert_eq!(report.status, DeliveryStatus::Delivered);
    assert_eq!(report.attempts.len(), 2);
    assert_eq!(report.attempts[1].waited_ms, 5000);
    assert!(report.elapsed_ms < 6000, "{}", report.elapsed_ms);
}

#[tokio::test(start_paused = true)]
async fn a_one_hour_hint_with_ten_minutes_of_budget_stops_at_once() {
    let fake = Fake::new(|ctx| {
        (ctx.step == "mail").then(|| say("451 4.7.1 Rate limit exceeded, try again in 1 hour"))
    });
    let delivery = delivery(&fake).policy(RetryPolicy {
        budget: Duration::from_secs(600),
        max_attempts: 10,
    });
    let (report, events) = send(&delivery, &message(&["a@example.com"])).await;
    assert_eq!(report.status, DeliveryStatus::Deferred);
    assert_eq!(report.attempts.len(), 1);
    assert_eq!(report.elapsed_ms, 0, "no waiting at all");
    let explanation = report.explanation.as_ref().unwrap();
    assert_eq!(explanation.retry_after, Some(Duration::from_secs(3600)));
    assert!(events.iter().any(|e| matches!(e, Event::GaveUp(GiveUp::Budget { wait, .. }) if *wait == Duration::from_secs(3600))));
    assert!(fake.deliveries().is_empty());
}

/// RFC 5321: a 5xx is final, even when its text names a delay; the report says so instead.
#[tokio::test(start_paused = true)]
async fn a_final_reply_that_names_a_delay_is_not_retried_but_warned_about() {
    let fake = Fake::new(|ctx| {
        (ctx.step == "mail").then(|| say("550 Too many messages. Try again in 92 seconds."))
    });
    let (report, _) = send(&delivery(&fake), &message(&["a@example.com"])).await;
    assert_eq!(report.status, DeliveryStatus::Failed);
    assert_eq!(report.attempts.len(), 1);
    assert_eq!(report.elapsed_ms, 0, "no waiting");
    let explanation = report.explanation.as_ref().unwrap();
    assert_eq!(explanation.retry_after, Some(Duration::from_secs(92)));
    assert_eq!(report.warnings.len(), 1, "{:?}", report.warnings);
    assert!(
        report.warnings[0].contains("1 minute 32 seconds"),
        "{:?}",
        report.warnings
    );
}

#[tokio::test(start_paused = true)]
async fn a_421_greeting_is_retried_on_a_new_connection() {
    let fake = Fake::new(|ctx| {
        (ctx.step == "greeting" && ctx.connection == 1)
            .then(|| say("421 4.3.2 Service busy, closing"))
    });
    let (report, _) = send(&delivery(&fake), &message(&["a@example.com"])).await;
    assert_eq!(report.status, DeliveryStatus::Delivered);
    assert_eq!(fake.connections(), 2);
    assert_eq!(report.attempts[0].phase, Phase::Greeting);
    assert_eq!(report.attempts[0].outcome, AttemptOutcome::Transient);
    assert_eq!(report.attempts[0].reply.as_ref().unwrap().code(), 421);
    assert!(report.attempts[1].waited_ms <= 2000);
}

#[tokio::test(start_paused = true)]
async fn one_refused_recipient_of_three_is_partial_and_the_others_get_it_once() {
    let fake = Fake::new(|ctx| {
        (ctx.step == "rcpt" && ctx.argument == "b@example.com")
            .then(|| say("550 5.1.1 <b@example.com>: no such user"))
    });
    let (report, _) = send(
        &delivery(&fake),
        &message(&["a@example.com", "b@example.com", "c@example.com"]),
    )
    .await;
    assert_eq!(report.status, DeliveryStatus::Partial);
    let statuses: Vec<_> = report.recipients.iter().map(|r| r.status).collect();
    assert_eq!(
        statuses,
        [
            RecipientStatus::Delivered,
            RecipientStatus::Rejected,
            RecipientStatus::Delivered
        ]
    );
    assert_eq!(
        fake.deliveries(),
        [(
            vec!["a@example.com".to_owned(), "c@example.com".to_owned()],
            fake.deliveries()[0].1.clone()
        )]
    );
    assert_eq!(report.attempts.len(), 1);
    assert!(!report.explanation.as_ref().unwrap().transient);
}

#[tokio::test(start_paused = true)]
async fn later_attempts_go_only_to_deferred_recipients() {
    let fake = Fake::new(|ctx| {
        (ctx.step == "rcpt" && ctx.argument == "b@example.com" && ctx.connection == 1)
            .then(|| say("450 4.2.0 Greylisted"))
    });
    let (report, _) = send(
        &delivery(&fake),
        &message(&["a@example.com", "b@example.com"]),
    )
    .await;
    assert_eq!(report.status, DeliveryStatus::Delivered);
    let recipients: Vec<Vec<String>> = fake.deliveries().into_iter().map(|(r, _)| r).collect();
    assert_eq!(
        recipients,
        [
            vec!["a@example.com".to_owned()],
            vec!["b@example.com".to_owned()]
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn a_reply_lost_after_the_final_dot_is_retried_and_flagged() {
    let fake =
        Fake::new(|ctx| (ctx.step == "end_of_data" && ctx.connection == 1).then_some(Act::Drop));
    let (report, _) = send(&delivery(&fake), &message(&["a@example.com"])).await;
    assert_eq!(report.status, DeliveryStatus::Delivered);
    assert!(report.possible_duplicate);
    assert_eq!(report.attempts[0].phase, Phase::EndOfData);
    let bodies: Vec<String> = fake
        .deliveries()
        .into_iter()
        .map(|(_, data)| data)
        .collect();
    assert_eq!(bodies.len(), 2);
    assert_eq!(
        bodies[0], bodies[1],
        "the same bytes, Message-ID and Date, on every attempt"
    );
    assert!(
        bodies[0].contains("\r\n..dot line\r\n"),
        "dot-stuffed on the wire"
    );
}

#[tokio::test(start_paused = true)]
async fn a_stalled_greeting_times_out_and_is_retried() {
    let fake =
        Fake::new(|ctx| (ctx.step == "greeting" && ctx.connection == 1).then_some(Act::Stall));
    let (report, _) = send(&delivery(&fake), &message(&["a@example.com"])).await;
    assert_eq!(report.status, DeliveryStatus::Delivered);
    assert_eq!(report.attempts[0].phase, Phase::Greeting);
    assert_eq!(
        report.attempts[0].reply.as_ref().unwrap().code(),
        451,
        "treated as 451"
    );
    assert!(!report.possible_duplicate);
}

#[tokio::test(start_paused = true)]
async fn a_permanent_refusal_is_one_attempt() {
    let fake = Fake::new(|ctx| (ctx.step == "mail").then(|| say("554 5.7.1 Sender blocked")));
    let (report, _) = send(&delivery(&fake), &message(&["a@example.com"])).await;
    // A refusal of the sender is no verdict on the recipient: it was never offered.
    assert_eq!(report.status, DeliveryStatus::Failed);
    assert_eq!(report.recipients[0].status, RecipientStatus::NotSent);
    assert_eq!(report.attempts.len(), 1);
    assert_eq!(report.attempts[0].outcome, AttemptOutcome::Permanent);
    assert_eq!(report.recipients[0].reply.as_ref().unwrap().code(), 554);
}

#[tokio::test(start_paused = true)]
async fn a_fallback_relay_takes_over_while_the_primary_is_busy() {
    let busy = Fake::new(|ctx| (ctx.step == "greeting").then(|| say("421 4.3.2 busy")));
    let good = Fake::new(|_| None);
    let delivery = Delivery::new("smtp://127.0.0.1:2525?tls=none".parse().unwrap())
        .fallback("smtp://127.0.0.1:2526?tls=none".parse().unwrap())
        .connector(Arc::new(FakeNet(vec![
            (2525, busy.clone()),
            (2526, good.clone()),
        ])));
    let (report, _) = send(&delivery, &message(&["a@example.com"])).await;
    assert_eq!(report.status, DeliveryStatus::Delivered);
    assert_eq!(report.delivered_by(), Some("127.0.0.1:2526"));
    assert_eq!(report.attempts[1].waited_ms, 0);
    assert_eq!(good.deliveries().len(), 1);
}

#[tokio::test(start_paused = true)]
async fn attempts_stop_at_the_limit_deferred() {
    let fake = Fake::new(|ctx| (ctx.step == "greeting").then(|| say("421 4.3.2 busy")));
    let delivery = delivery(&fake).policy(RetryPolicy {
        budget: Duration::from_secs(3600),
        max_attempts: 3,
    });
    let (report, events) = send(&delivery, &message(&["a@example.com"])).await;
    assert_eq!(report.status, DeliveryStatus::Deferred);
    assert_eq!(report.attempts.len(), 3);
    assert!(matches!(
        events.last(),
        Some(Event::GaveUp(GiveUp::MaxAttempts(3)))
    ));
}

#[tokio::test(start_paused = true)]
async fn the_json_report_has_the_interface_shape() {
    let fake = Fake::new(|ctx| {
        (ctx.step == "rcpt" && ctx.connection == 1)
            .then(|| say("451 4.7.1 Greylisted, try again in 5 seconds"))
    });
    let (report, _) = send(&delivery(&fake), &message(&["a@example.com"])).await;
    insta::assert_json_snapshot!(report);
}

#[tokio::test(start_paused = true)]
async fn a_stated_delay_at_rcpt_is_honoured_when_another_recipient_is_refused_for_good() {
    // Every recipient refused, one for now (with a stated delay), one for good: the attempt is
    // about the one still pending, and its delay is not cut short.
    let fake = Fake::new(|ctx| match (ctx.step, ctx.argument) {
        ("rcpt", "a@example.com") if ctx.connection == 1 => {
            Some(say("451 4.7.1 Greylisted, please try again in 30 seconds"))
        }
        ("rcpt", "b@example.com") => Some(say("550 5.1.1 no such user")),
        _ => None,
    });
    let (report, _) = send(
        &delivery(&fake),
        &message(&["a@example.com", "b@example.com"]),
    )
    .await;
    assert_eq!(report.status, DeliveryStatus::Partial);
    assert_eq!(report.attempts[0].outcome, AttemptOutcome::Transient);
    assert_eq!(report.attempts[0].reply.as_ref().unwrap().code(), 451);
    assert_eq!(report.attempts[1].waited_ms, 30_000, "as the server asked");
}

#[tokio::test(start_paused = true)]
async fn the_longest_stated_delay_among_deferred_recipients_is_honoured() {
    let fake = Fake::new(|ctx| match (ctx.step, ctx.argument) {
        ("rcpt", "a@example.com") if ctx.connection == 1 => Some(say("450 4.2.0 Greylisted")),
        ("rcpt", "b@example.com") if ctx.connection == 1 => {
            Some(say("451 4.7.1 Greylisted, please try again in 30 seconds"))
        }
        _ => None,
    });
    let (report, _) = send(
        &delivery(&fake),
        &message(&["a@example.com", "b@example.com", "c@example.com"]),
    )
    .await;
    assert_eq!(report.status, DeliveryStatus::Delivered);
    assert_eq!(
        report.attempts[1].waited_ms, 30_000,
        "b's delay, not a's probe"
    );
}

#[tokio::test(start_paused = true)]
async fn a_fallback_relay_does_not_cut_short_the_primarys_stated_delay() {
    let primary = Fake::new(|ctx| {
        (ctx.step == "mail" && ctx.since_first < Duration::from_secs(60))
            .then(|| say("451 4.7.1 Rate limit exceeded, try again in 60 seconds"))
    });
    let busy = Fake::new(|ctx| (ctx.step == "greeting").then(|| say("421 4.3.2 busy")));
    let delivery = Delivery::new("smtp://127.0.0.1:2525?tls=none".parse().unwrap())
        .fallback("smtp://127.0.0.1:2526?tls=none".parse().unwrap())
        .connector(Arc::new(FakeNet(vec![
            (2525, primary.clone()),
            (2526, busy.clone()),
        ])));
    let (report, _) = send(&delivery, &message(&["a@example.com"])).await;
    assert_eq!(report.status, DeliveryStatus::Delivered, "{report:#?}");
    assert_eq!(
        primary.connections(),
        2,
        "the primary again only after 60 s"
    );
    assert_eq!(report.attempts.len(), 3);
    assert_eq!(report.attempts[2].waited_ms, 60_000);
}

#[tokio::test(start_paused = true)]
async fn a_timeout_is_not_read_as_the_server_asking_for_a_delay() {
    // Our own words for a timeout ("no reply ... within 5s") name a duration; it is not a hint.
    let fake =
        Fake::new(|ctx| (ctx.step == "greeting" && ctx.connection == 1).then_some(Act::Stall));
    let (report, events) = send(&delivery(&fake), &message(&["a@example.com"])).await;
    assert_eq!(report.status, DeliveryStatus::Delivered);
    let waits: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            Event::Waiting { reason, .. } => Some(*reason),
            _ => None,
        })
        .collect();
    assert_eq!(waits, [WaitReason::Backoff]);
    assert!(
        report.attempts[1].waited_ms <= 2000,
        "backoff, not the 5 s timeout"
    );
}

/// The first attempt is told to come back in 30 s.
fn back_in_30s() -> Arc<Fake> {
    Fake::new(|ctx| {
        (ctx.step == "mail" && ctx.connection == 1)
            .then(|| say("451 4.7.1 Rate limit exceeded, try again in 30 seconds"))
    })
}

#[tokio::test(start_paused = true)]
async fn a_stated_delay_that_ends_inside_the_budget_is_waited_for() {
    let fake = back_in_30s();
    let delivery = delivery(&fake).policy(RetryPolicy {
        budget: Duration::from_secs(31),
        max_attempts: 10,
    });
    let (report, _) = send(&delivery, &message(&["a@example.com"])).await;
    assert_eq!(report.status, DeliveryStatus::Delivered);
    assert_eq!(report.elapsed_ms, 30_000);
}

#[tokio::test(start_paused = true)]
async fn a_stated_delay_that_ends_exactly_at_the_budget_leaves_no_time_and_stops_at_once() {
    // The budget is a deadline: an attempt that would start at it could not wait for a reply.
    let fake = back_in_30s();
    let delivery = delivery(&fake).policy(RetryPolicy {
        budget: Duration::from_secs(30),
        max_attempts: 10,
    });
    let (report, _) = send(&delivery, &message(&["a@example.com"])).await;
    assert_eq!(report.status, DeliveryStatus::Deferred);
    assert_eq!(report.elapsed_ms, 0);
    assert_eq!(fake.connections(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_stated_delay_at_rcpt_outlasts_a_failure_at_end_of_data() {
    let fake = Fake::new(|ctx| match (ctx.step, ctx.argument) {
        ("rcpt", "a@example.com") if ctx.connection == 1 => {
            Some(say("451 4.7.1 Greylisted, please try again in 30 seconds"))
        }
        ("end_of_data", _) if ctx.connection == 1 => {
            Some(say("451 4.3.0 Mail server temporarily rejected message."))
        }
        _ => None,
    });
    let (report, _) = send(
        &delivery(&fake),
        &message(&["a@example.com", "b@example.com"]),
    )
    .await;
    assert_eq!(report.status, DeliveryStatus::Delivered);
    assert_eq!(report.attempts[1].waited_ms, 30_000, "a's delay holds");
}

#[tokio::test(start_paused = true)]
async fn a_fallback_relay_is_not_tried_once_a_slow_primary_has_spent_the_budget() {
    // The primary greets, then never answers EHLO: its attempt costs a 5 s timeout, more than
    // the 4 s budget. The fallback must not start after the budget is gone.
    let slow = Fake::new(|ctx| (ctx.step == "ehlo").then_some(Act::Stall));
    let good = Fake::new(|_| None);
    let delivery = Delivery::new("smtp://127.0.0.1:2525?tls=none".parse().unwrap())
        .fallback("smtp://127.0.0.1:2526?tls=none".parse().unwrap())
        .connector(Arc::new(FakeNet(vec![
            (2525, slow.clone()),
            (2526, good.clone()),
        ])))
        .timeout(Duration::from_secs(5))
        .policy(RetryPolicy {
            budget: Duration::from_secs(4),
            max_attempts: 10,
        });
    let (report, events) = send(&delivery, &message(&["a@example.com"])).await;
    assert_eq!(report.status, DeliveryStatus::Deferred, "{report:#?}");
    assert_eq!(good.connections(), 0, "no attempt after the budget");
    assert_eq!(report.attempts.len(), 1);
    assert!(
        matches!(
            events.last(),
            Some(Event::GaveUp(GiveUp::BudgetSpent { budget, .. })) if *budget == Duration::from_secs(4)
        ),
        "{events:?}"
    );
    assert!(report.explanation.is_some());
}

/// An old server: EHLO is a command it does not know (RFC 5321 section 3.2).
fn ehlo_unknown(ctx: &Ctx) -> Option<Act> {
    (ctx.step == "ehlo").then(|| say("502 5.5.2 Error: command not recognized"))
}

#[tokio::test(start_paused = true)]
async fn a_server_that_does_not_know_ehlo_is_greeted_with_helo() {
    let fake = Fake::new(ehlo_unknown);
    let (report, _) = send(&delivery(&fake), &message(&["a@example.com"])).await;
    assert_eq!(report.status, DeliveryStatus::Delivered, "{report:#?}");
    assert_eq!(report.attempts.len(), 1);
    assert_eq!(fake.deliveries().len(), 1);
}

#[tokio::test(start_paused = true)]
async fn after_helo_required_starttls_is_a_tls_failure() {
    // HELO brings no extensions, so no STARTTLS: required TLS cannot be had.
    let fake = Fake::new(ehlo_unknown);
    let delivery = Delivery::new("smtp://127.0.0.1:2525?tls=required".parse().unwrap())
        .connector(Arc::new(FakeNet(vec![(2525, fake.clone())])));
    let (report, _) = send(&delivery, &message(&["a@example.com"])).await;
    assert_eq!(report.status, DeliveryStatus::Failed, "{report:#?}");
    assert_eq!(report.attempts.len(), 1);
    assert_eq!(report.attempts[0].phase, Phase::Starttls);
    assert!(report.setup_failed());
    assert!(fake.deliveries().is_empty());
}

/// Two relays, the primary on 2525, the fallback on 2526 (with credentials when `user` is set).
fn two_relays(primary: &Arc<Fake>, fallback: &Arc<Fake>, user: &str) -> Delivery {
    Delivery::new("smtp://127.0.0.1:2525?tls=none".parse().unwrap())
        .fallback(
            format!("smtp://{user}127.0.0.1:2526?tls=none")
                .parse()
                .unwrap(),
        )
        .connector(Arc::new(FakeNet(vec![
            (2525, primary.clone()),
            (2526, fallback.clone()),
        ])))
        .timeout(Duration::from_secs(5))
}

#[tokio::test(start_paused = true)]
async fn a_relay_that_wants_authentication_is_left_out_and_the_fallback_delivers() {
    let primary =
        Fake::new(|ctx| (ctx.step == "mail").then(|| say("530 5.7.0 Authentication required")));
    let good = Fake::new(|_| None);
    let (report, _) = send(
        &two_relays(&primary, &good, ""),
        &message(&["a@example.com"]),
    )
    .await;
    assert_eq!(report.status, DeliveryStatus::Delivered, "{report:#?}");
    assert_eq!(report.attempts.len(), 2);
    assert_eq!(report.attempts[0].outcome, AttemptOutcome::Permanent);
    assert!(report.attempts[0].relay_dropped);
    assert!(!report.attempts[1].relay_dropped);
    assert_eq!(good.deliveries().len(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_relay_left_out_is_not_tried_again_while_another_defers() {
    let refusing =
        Fake::new(|ctx| (ctx.step == "greeting").then(|| say("554 5.7.1 No SMTP service here")));
    let busy_once = Fake::new(|ctx| {
        (ctx.step == "greeting" && ctx.connection == 1).then(|| say("421 4.3.2 busy"))
    });
    let (report, _) = send(
        &two_relays(&refusing, &busy_once, ""),
        &message(&["a@example.com"]),
    )
    .await;
    assert_eq!(report.status, DeliveryStatus::Delivered, "{report:#?}");
    assert_eq!(refusing.connections(), 1, "left out after its 554");
    let servers: Vec<&str> = report.attempts.iter().map(|a| a.server.as_str()).collect();
    assert_eq!(
        servers,
        ["127.0.0.1:2525", "127.0.0.1:2526", "127.0.0.1:2526"]
    );
    assert!(report.attempts[2].waited_ms > 0, "the fallback's 421 waits");
}

#[tokio::test(start_paused = true)]
async fn when_no_relay_is_left_the_last_refusal_is_final() {
    let refusing =
        Fake::new(|ctx| (ctx.step == "greeting").then(|| say("554 5.7.1 No SMTP service here")));
    let wrong_password = Fake::new(|ctx| match ctx.step {
        "ehlo" => Some(say("250-fake\r\n250 AUTH PLAIN")),
        "auth" => Some(say("535 5.7.8 Authentication credentials invalid")),
        _ => None,
    });
    let (report, _) = send(
        &two_relays(&refusing, &wrong_password, "ci:wrong@"),
        &message(&["a@example.com"]),
    )
    .await;
    assert_eq!(report.status, DeliveryStatus::Failed, "{report:#?}");
    assert_eq!(report.attempts.len(), 2);
    assert!(report.attempts[0].relay_dropped);
    assert!(
        !report.attempts[1].relay_dropped,
        "the last relay's refusal is final"
    );
    assert!(
        report.auth_refused(),
        "the final failure is the credentials"
    );
    assert_eq!(report.recipients[0].status, RecipientStatus::NotSent);
    assert_eq!(report.recipients[0].reply.as_ref().unwrap().code(), 535);
    assert_eq!(
        report.explanation.as_ref().unwrap().category,
        Category::Auth
    );
}

#[tokio::test(start_paused = true)]
async fn a_5xx_to_rcpt_from_a_fallback_is_final_for_that_recipient() {
    let busy = Fake::new(|ctx| (ctx.step == "greeting").then(|| say("421 4.3.2 busy")));
    let refusing_b = Fake::new(|ctx| {
        (ctx.step == "rcpt" && ctx.argument == "b@example.com")
            .then(|| say("550 5.1.1 no such user"))
    });
    let (report, _) = send(
        &two_relays(&busy, &refusing_b, ""),
        &message(&["a@example.com", "b@example.com"]),
    )
    .await;
    assert_eq!(report.status, DeliveryStatus::Partial, "{report:#?}");
    assert_eq!(report.attempts.len(), 2);
    assert!(report.attempts.iter().all(|a| !a.relay_dropped));
    assert_eq!(busy.connections(), 1, "b is not tried again anywhere");
}

#[tokio::test(start_paused = true)]
async fn each_delivered_recipient_names_the_relay_that_accepted_it() {
    // The primary takes a and defers b at RCPT; the fallback takes b.
    let primary = Fake::new(|ctx| {
        (ctx.step == "rcpt" && ctx.argument == "b@example.com")
            .then(|| say("451 4.3.0 Try again later"))
    });
    let good = Fake::new(|_| None);
    let (report, _) = send(
        &two_relays(&primary, &good, ""),
        &message(&["a@example.com", "b@example.com"]),
    )
    .await;
    assert_eq!(report.status, DeliveryStatus::Delivered, "{report:#?}");
    let servers: Vec<Option<&str>> = report
        .recipients
        .iter()
        .map(|r| r.server.as_deref())
        .collect();
    assert_eq!(servers, [Some("127.0.0.1:2525"), Some("127.0.0.1:2526")]);
    assert_eq!(report.accepted_by(), ["127.0.0.1:2525", "127.0.0.1:2526"]);
}

#[tokio::test(start_paused = true)]
async fn a_partial_delivery_names_the_server_that_accepted_it() {
    // a is accepted in the attempt where b is deferred for longer than the budget.
    let fake = Fake::new(|ctx| {
        (ctx.step == "rcpt" && ctx.argument == "b@example.com")
            .then(|| say("451 4.7.1 Rate limit exceeded, try again in 1 hour"))
    });
    let (report, _) = send(
        &delivery(&fake),
        &message(&["a@example.com", "b@example.com"]),
    )
    .await;
    assert_eq!(report.status, DeliveryStatus::Partial, "{report:#?}");
    assert_eq!(
        report.recipients[0].server.as_deref(),
        Some("127.0.0.1:2525")
    );
    assert_eq!(report.recipients[1].server, None, "not delivered");
    assert_eq!(report.delivered_by(), Some("127.0.0.1:2525"));
}

/// A network whose resolver knows no host at all, or fails for now.
struct NoDns {
    temporary: bool,
}

impl Connector for NoDns {
    fn connect<'a>(&'a self, server: &'a Server) -> ConnectFuture<'a> {
        let unknown = UnknownHost {
            host: server.host().to_owned(),
            detail: if self.temporary {
                "Temporary failure in name resolution".to_owned()
            } else {
                "Name or service not known".to_owned()
            },
            temporary: self.temporary,
        };
        Box::pin(async move { Err(std::io::Error::new(std::io::ErrorKind::NotFound, unknown)) })
    }
}

#[tokio::test(start_paused = true)]
async fn a_host_that_does_not_resolve_is_a_configuration_error_not_retried() {
    let delivery = Delivery::new("smtp://relay.example.invalid?tls=none".parse().unwrap())
        .connector(Arc::new(NoDns { temporary: false }));
    let (report, _) = send(&delivery, &message(&["a@example.com"])).await;
    assert_eq!(report.attempts.len(), 1, "a typo does not heal by waiting");
    assert_eq!(report.attempts[0].category, Some(Category::Dns));
    assert!(
        report.setup_failed(),
        "exit 78, like any --smtp-url mistake"
    );
    let explanation = report.explanation.expect("explained");
    assert!(
        explanation.cause.contains("relay.example.invalid"),
        "{explanation:?}"
    );
    assert_eq!(explanation.title, "The server's host name does not resolve");
    assert!(explanation.fix[0].contains("{smtp_url}"), "{explanation:?}");
}

#[tokio::test(start_paused = true)]
async fn a_resolver_that_fails_for_now_is_retried() {
    let delivery = Delivery::new("smtp://relay.example.com?tls=none".parse().unwrap())
        .connector(Arc::new(NoDns { temporary: true }))
        .policy(RetryPolicy {
            budget: Duration::from_secs(60),
            max_attempts: 3,
        });
    let (report, _) = send(&delivery, &message(&["a@example.com"])).await;
    assert_eq!(report.attempts.len(), 3, "{report:#?}");
    assert_eq!(report.status, DeliveryStatus::Deferred);
}

#[tokio::test(start_paused = true)]
async fn a_stated_delay_longer_than_what_is_left_of_the_budget_stops_at_once() {
    // 400 s fits the 600 s budget once; at 400 s only 200 s are left, so the second 400 s
    // hint ends the delivery there, deferred, rather than sleeping to 800 s.
    let fake = Fake::new(|ctx| {
        (ctx.step == "mail").then(|| say("451 4.7.1 Rate limit exceeded, try again in 400 seconds"))
    });
    let delivery = delivery(&fake).policy(RetryPolicy {
        budget: Duration::from_secs(600),
        max_attempts: 10,
    });
    let (report, events) = send(&delivery, &message(&["a@example.com"])).await;
    assert_eq!(report.status, DeliveryStatus::Deferred, "{report:#?}");
    assert_eq!(report.attempts.len(), 2);
    assert_eq!(report.attempts[1].waited_ms, 400_000);
    assert_eq!(report.elapsed_ms, 400_000, "stops at once at 400 s");
    assert!(
        events.iter().any(|e| matches!(
            e,
            Event::GaveUp(GiveUp::Budget { wait, left })
                if *wait == Duration::from_secs(400) && *left == Duration::from_secs(200)
        )),
        "{events:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_silent_server_does_not_keep_the_delivery_past_its_budget() {
    // A 60 s timeout against a 5 s budget: the greeting wait ends with the budget.
    let silent = Fake::new(|ctx| (ctx.step == "greeting").then_some(Act::Stall));
    let delivery = delivery(&silent)
        .timeout(Duration::from_secs(60))
        .policy(RetryPolicy {
            budget: Duration::from_secs(5),
            max_attempts: 10,
        });
    let (report, events) = send(&delivery, &message(&["a@example.com"])).await;
    assert_eq!(report.status, DeliveryStatus::Deferred, "{report:#?}");
    assert_eq!(report.elapsed_ms, 5_000, "the budget is a deadline");
    assert!(
        matches!(
            events.last(),
            Some(Event::GaveUp(GiveUp::BudgetSpent { elapsed, .. })) if elapsed.as_secs() == 5
        ),
        "{events:?}"
    );
    assert_eq!(report.attempts.len(), 1);
    assert_eq!(report.attempts[0].phase, Phase::Greeting);
    let explanation = report.explanation.unwrap();
    assert!(
        explanation.cause.contains("{retry_budget}"),
        "{explanation:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_server_that_stalls_after_the_data_ends_within_the_budget() {
    // A retry starts inside the budget and meets a stall late in the dialogue: it still ends
    // at the deadline, not a whole --timeout after it.
    let fake = Fake::new(|ctx| match (ctx.step, ctx.connection) {
        ("mail", 1) => Some(say("451 4.3.0 Try again in 3 seconds")),
        ("end_of_data", _) => Some(Act::Stall),
        _ => None,
    });
    let delivery = delivery(&fake)
        .timeout(Duration::from_secs(60))
        .policy(RetryPolicy {
            budget: Duration::from_secs(10),
            max_attempts: 10,
        });
    let (report, _) = send(&delivery, &message(&["a@example.com"])).await;
    assert_eq!(report.status, DeliveryStatus::Deferred, "{report:#?}");
    assert_eq!(report.elapsed_ms, 10_000);
    assert_eq!(report.attempts.len(), 2);
    assert_eq!(report.attempts[1].phase, Phase::EndOfData);
}

#[tokio::test(start_paused = true)]
async fn a_zero_budget_is_one_attempt_bounded_by_the_timeout_and_no_retry() {
    let busy = Fake::new(|ctx| (ctx.step == "mail").then(|| say("451 4.3.0 Try again later")));
    let delivery = delivery(&busy).policy(RetryPolicy {
        budget: Duration::ZERO,
        max_attempts: 10,
    });
    let (report, events) = send(&delivery, &message(&["a@example.com"])).await;
    assert_eq!(report.status, DeliveryStatus::Deferred, "{report:#?}");
    assert_eq!(busy.connections(), 1, "one attempt");
    assert!(
        matches!(events.last(), Some(Event::GaveUp(GiveUp::BudgetSpent { budget, .. })) if budget.is_zero()),
        "{events:?}"
    );

    let good = Fake::new(|_| None);
    let delivery = crate::delivery(&good).policy(RetryPolicy {
        budget: Duration::ZERO,
        max_attempts: 10,
    });
    let (report, _) = send(&delivery, &message(&["a@example.com"])).await;
    assert_eq!(report.status, DeliveryStatus::Delivered, "{report:#?}");

    // Its one attempt is bounded by --timeout alone, not cut at once by a zero deadline.
    let slow = Fake::new(|ctx| (ctx.step == "greeting").then_some(Act::Stall));
    let delivery = crate::delivery(&slow).policy(RetryPolicy {
        budget: Duration::ZERO,
        max_attempts: 10,
    });
    let (report, _) = send(&delivery, &message(&["a@example.com"])).await;
    assert_eq!(report.elapsed_ms, 5_000, "the 5 s timeout");
    // One attempt; the second connection is the probe that asks a silent server for TLS.
    assert_eq!(report.attempts.len(), 1);
}

/// A relay that offers only `mechanisms` and answers AUTH with `script`'s replies.
fn auth_server(
    mechanisms: &'static str,
    script: impl Fn(&Ctx) -> Option<Act> + Send + Sync + 'static,
) -> Arc<Fake> {
    Fake::new(move |ctx| match ctx.step {
        "ehlo" => Some(say(&format!("250-fake\r\n250 AUTH {mechanisms}"))),
        "auth" => script(ctx),
        _ => None,
    })
}

fn with_user(fake: &Arc<Fake>, url: &str) -> Delivery {
    Delivery::new(url.parse().unwrap())
        .connector(Arc::new(FakeNet(vec![(2525, fake.clone())])))
        .timeout(Duration::from_secs(5))
}

#[tokio::test(start_paused = true)]
async fn a_server_that_offers_only_login_gets_login() {
    use base64::Engine as _;
    let b64 = |text: &str| base64::engine::general_purpose::STANDARD.encode(text);
    let fake = auth_server("LOGIN", move |ctx| {
        let line = ctx.argument;
        Some(if line.eq_ignore_ascii_case("AUTH LOGIN") {
            say("334 VXNlcm5hbWU6")
        } else if line == b64("ci") {
            say("334 UGFzc3dvcmQ6")
        } else if line == b64("s3cret") {
            say("235 2.7.0 Authentication successful")
        } else {
            say("535 5.7.8 Authentication failed")
        })
    });
    let delivery = with_user(&fake, "smtp://ci:s3cret@127.0.0.1:2525?tls=none");
    let (report, _) = send(&delivery, &message(&["a@example.com"])).await;
    assert_eq!(report.status, DeliveryStatus::Delivered, "{report:#?}");
    assert_eq!(fake.heard("AUTH"), ["AUTH LOGIN"]);
    assert_eq!(fake.deliveries().len(), 1);
}

#[tokio::test(start_paused = true)]
async fn endless_auth_challenges_are_a_protocol_error_not_a_loop() {
    for mechanisms in ["LOGIN", "PLAIN"] {
        // Challenges without end; after 20 the fake hangs up, so that a client caught in the
        // loop ends (deferred, a lost connection) and this test fails instead of hanging.
        let answers = std::sync::atomic::AtomicUsize::new(0);
        let fake = auth_server(mechanisms, move |_| {
            let n = answers.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            Some(if n < 20 {
                say("334 UGFzc3dvcmQ6")
            } else {
                Act::Drop
            })
        });
        let delivery = with_user(&fake, "smtp://ci:s3cret@127.0.0.1:2525?tls=none");
        let (report, _) = send(&delivery, &message(&["a@example.com"])).await;
        assert_eq!(
            report.status,
            DeliveryStatus::Failed,
            "{mechanisms}: {report:#?}"
        );
        assert_eq!(report.attempts.len(), 1, "{mechanisms}: not retried");
        assert_eq!(report.attempts[0].phase, Phase::Auth);
        assert!(
            !report.auth_refused(),
            "exit 69, not 77: the credentials may be right"
        );
        let answers = fake.heard("").len() - fake.heard("EHLO").len() - fake.heard("QUIT").len();
        assert!(answers <= 3, "{mechanisms}: {:?}", fake.heard(""));
        assert!(fake.deliveries().is_empty());
        let explanation = report.explanation.unwrap();
        assert!(explanation.cause.contains("334"), "{explanation:?}");
        assert_eq!(explanation.title, "The server broke the SMTP protocol");
    }
}

#[tokio::test(start_paused = true)]
async fn opportunistic_tls_without_starttls_sends_no_credentials_to_a_remote_host() {
    // The fake network reaches the fake under any host name: mail.example.com is remote.
    let fake = auth_server("PLAIN LOGIN", |_| None);
    let remote = with_user(
        &fake,
        "smtp://ci:s3cret@mail.example.com:2525?tls=opportunistic",
    );
    let (report, _) = send(&remote, &message(&["a@example.com"])).await;
    assert_eq!(report.status, DeliveryStatus::Failed, "{report:#?}");
    assert!(fake.heard("AUTH").is_empty(), "{:?}", fake.heard(""));
    assert!(report.setup_failed(), "exit 78: a configuration matter");
    let explanation = report.explanation.unwrap();
    assert!(
        explanation.cause.contains("{allow_plaintext_auth}"),
        "{explanation:?}"
    );

    let allowed = remote.clone().allow_plaintext_auth(true);
    let (report, _) = send(&allowed, &message(&["a@example.com"])).await;
    assert_eq!(report.status, DeliveryStatus::Delivered, "{report:#?}");
    assert_eq!(fake.heard("AUTH").len(), 1);

    let loopback = with_user(&fake, "smtp://ci:s3cret@127.0.0.1:2525?tls=opportunistic");
    let (report, _) = send(&loopback, &message(&["a@example.com"])).await;
    assert_eq!(report.status, DeliveryStatus::Delivered, "{report:#?}");
}

#[tokio::test(start_paused = true)]
async fn a_successful_attempt_has_no_category() {
    let fake = Fake::new(|_| None);
    let (report, _) = send(&delivery(&fake), &message(&["a@example.com"])).await;
    assert_eq!(report.attempts[0].outcome, AttemptOutcome::Ok);
    assert_eq!(report.attempts[0].category, None);
    let json = serde_json::to_value(&report).unwrap();
    assert!(json["attempts"][0].get("category").is_none(), "{json:#}");
}

#[tokio::test(start_paused = true)]
async fn a_bare_451_at_rcpt_or_data_heals_on_the_greylisting_schedule() {
    for step in ["rcpt", "data"] {
        let fake = Fake::new(move |ctx| {
            (ctx.step == step && ctx.connection == 1).then(|| say("451 4.3.0 Try again"))
        });
        let (report, events) = send(&delivery(&fake), &message(&["a@example.com"])).await;
        assert_eq!(
            report.status,
            DeliveryStatus::Delivered,
            "{step}: {report:#?}"
        );
        assert_eq!(
            report.attempts[1].waited_ms, 10_000,
            "{step}: the first probe"
        );
        assert!(
            events.iter().any(|e| matches!(
                e,
                Event::Waiting {
                    reason: WaitReason::Greylisting,
                    ..
                }
            )),
            "{step}: {events:?}"
        );
        assert_eq!(fake.deliveries().len(), 1);
    }
}

/// Only a 450 or 451 that the catalog cannot place, at RCPT or DATA, is read as greylisting
/// (`docs/decisions.md`): the same bare 451 at MAIL FROM, an unplaced 452 at RCPT and a rate
/// limit's 451 at RCPT back off with jitter, so they neither wait for the 10 s greylisting probe
/// nor come back in step with every other job the server refused.
#[tokio::test(start_paused = true)]
async fn only_an_unplaced_450_or_451_at_rcpt_or_data_is_treated_as_greylisting() {
    for (step, text) in [
        ("mail", "451 4.3.0 Try again"),
        ("rcpt", "452 4.3.0 Try again"),
        ("rcpt", "451 4.7.1 Rate limit exceeded, slow down"),
    ] {
        let fake =
            Fake::new(move |ctx| (ctx.step == step && ctx.connection == 1).then(|| say(text)));
        let (report, events) = send(&delivery(&fake), &message(&["a@example.com"])).await;
        assert_eq!(
            report.status,
            DeliveryStatus::Delivered,
            "{text}: {report:#?}"
        );
        let reasons: Vec<WaitReason> = events
            .iter()
            .filter_map(|event| match event {
                Event::Waiting { reason, .. } => Some(*reason),
                _ => None,
            })
            .collect();
        assert_eq!(reasons, [WaitReason::Backoff], "{step}: {text}");
        // The first backoff step is at most 2 s; greylisting's first probe would be 10 s.
        assert!(
            report.attempts[1].waited_ms <= 2_000,
            "{text}: waited {} ms",
            report.attempts[1].waited_ms
        );
        assert_eq!(fake.deliveries().len(), 1);
    }
}

// The outbox flush as a batch: one connection for many messages, paced to a learned rate.

/// An outbox in a fresh directory holding `count` messages to a@ (Message-IDs `<N@example.com>`),
/// kept the way `send --outbox` keeps them: after a deferral.
async fn outbox_of(count: usize) -> (tempfile::TempDir, Outbox) {
    let dir = tempfile::tempdir().unwrap();
    let deferring = Fake::new(|ctx| (ctx.step == "mail").then(|| say("451 4.3.0 Try later")));
    let once = delivery(&deferring).policy(RetryPolicy {
        budget: Duration::ZERO,
        max_attempts: 1,
    });
    for n in 0..count {
        let mut outgoing = message(&["a@example.com"]);
        outgoing.message_id = format!("<{n}@example.com>");
        outgoing.bytes = format!("Message-ID: <{n}@example.com>\r\n\r\nbody {n}\r\n").into_bytes();
        let (mut report, _) = send(&once, &outgoing).await;
        Outbox::keep_unsettled(dir.path(), &outgoing, &mut report);
        assert_eq!(report.kept, Some(true), "{report:#?}");
        // Distinct save times keep the entries in the order they were made.
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let outbox = Outbox::open(dir.path()).unwrap();
    (dir, outbox)
}

async fn flush(outbox: &Outbox, delivery: &Delivery) -> Vec<buildmail_core::Report> {
    outbox.flush(delivery, &mut |_| {}).await.unwrap()
}

fn attempts(reports: &[buildmail_core::Report]) -> Vec<&buildmail_core::report::AttemptReport> {
    reports.iter().flat_map(|r| &r.attempts).collect()
}

#[tokio::test(start_paused = true)]
async fn a_flush_sends_every_entry_over_one_connection_and_quits_once() {
    let (_dir, outbox) = outbox_of(5).await;
    let fake = Fake::new(|_| None);
    let reports = flush(&outbox, &delivery(&fake)).await;
    assert_eq!(reports.len(), 5);
    assert!(
        reports
            .iter()
            .all(|r| r.status == DeliveryStatus::Delivered)
    );
    assert_eq!(fake.deliveries().len(), 5);
    assert_eq!(fake.connections(), 1);
    let heard: Vec<String> = fake
        .verbs_on(1)
        .into_iter()
        .filter(|verb| verb != "RCPT")
        .collect();
    let mut expected = vec!["EHLO"];
    expected.extend(["MAIL", "DATA"].repeat(5));
    expected.push("QUIT");
    assert_eq!(
        heard, expected,
        "a new MAIL after each completed transaction"
    );
    assert!(outbox.list().unwrap().is_empty());
}

#[tokio::test(start_paused = true)]
async fn a_421_ends_the_shared_connection_and_nothing_is_said_after_it() {
    let (_dir, outbox) = outbox_of(4).await;
    let mails = Mutex::new(0);
    let fake = Fake::new(move |ctx| {
        if ctx.step != "mail" {
            return None;
        }
        let mut count = mails.lock().unwrap();
        *count += 1;
        (*count == 3).then(|| say("421 4.7.0 Too many messages, try again in 5 seconds"))
    });
    let reports = flush(&outbox, &delivery(&fake)).await;
    assert!(
        reports
            .iter()
            .all(|r| r.status == DeliveryStatus::Delivered),
        "{reports:#?}"
    );
    assert_eq!(fake.deliveries().len(), 4, "each once");
    assert_eq!(fake.connections(), 2);
    let first = fake.heard_on(1);
    assert!(
        first.last().unwrap().starts_with("MAIL"),
        "the 421 to the third MAIL is the last word: {first:?}"
    );
    assert_eq!(reports[2].attempts.len(), 2);
    assert_eq!(
        reports[2].attempts[1].waited_ms, 5_000,
        "as the server asked"
    );
}

#[tokio::test(start_paused = true)]
async fn an_entry_refused_for_good_is_followed_by_rset_on_the_same_connection() {
    let (_dir, outbox) = outbox_of(2).await;
    let rcpts = Mutex::new(0);
    let fake = Fake::new(move |ctx| {
        let mut count = rcpts.lock().unwrap();
        *count += usize::from(ctx.step == "rcpt");
        (ctx.step == "rcpt" && *count == 1).then(|| say("550 5.1.1 No such user"))
    });
    let reports = flush(&outbox, &delivery(&fake)).await;
    assert_eq!(reports[0].status, DeliveryStatus::Rejected);
    assert_eq!(reports[1].status, DeliveryStatus::Delivered);
    assert_eq!(fake.connections(), 1);
    let verbs = fake.verbs_on(1);
    assert_eq!(
        verbs,
        [
            "EHLO", "MAIL", "RCPT", "RSET", "MAIL", "RCPT", "DATA", "QUIT"
        ]
    );
    assert!(outbox.list().unwrap().is_empty(), "both settled");
}

#[tokio::test(start_paused = true)]
async fn a_kept_connection_that_died_while_idle_is_replaced_within_the_same_attempt() {
    let (_dir, outbox) = outbox_of(3).await;
    let mails = Mutex::new(0);
    // The server hangs up on the second MAIL of the first connection without a word: nothing of
    // that transaction was accepted, so the message goes over a new connection at once.
    let fake = Fake::new(move |ctx| {
        let mut count = mails.lock().unwrap();
        *count += usize::from(ctx.step == "mail");
        (ctx.step == "mail" && ctx.connection == 1 && *count == 2).then_some(Act::Drop)
    });
    let reports = flush(&outbox, &delivery(&fake)).await;
    assert!(
        reports
            .iter()
            .all(|r| r.status == DeliveryStatus::Delivered),
        "{reports:#?}"
    );
    assert!(
        reports.iter().all(|r| r.attempts.len() == 1),
        "no attempt lost to a stale connection: {reports:#?}"
    );
    assert!(reports.iter().all(|r| !r.possible_duplicate));
    assert_eq!(fake.deliveries().len(), 3, "each once");
    assert_eq!(fake.connections(), 2);
}

#[tokio::test(start_paused = true)]
async fn a_connection_lost_after_the_final_dot_is_not_reused_and_flags_a_possible_duplicate() {
    let (_dir, outbox) = outbox_of(2).await;
    let fake =
        Fake::new(|ctx| (ctx.step == "end_of_data" && ctx.connection == 1).then_some(Act::Drop));
    let reports = flush(&outbox, &delivery(&fake)).await;
    assert_eq!(reports[0].status, DeliveryStatus::Delivered, "{reports:#?}");
    assert!(reports[0].possible_duplicate);
    assert!(!reports[1].possible_duplicate);
    assert_eq!(fake.connections(), 2);
}

/// A sliding-window rate limit at MAIL, like `buildmail-sim`'s `ratelimit:N/PERIOD`: beyond
/// `messages` in any `period`, a 421 naming the whole seconds until a place frees.
fn rate_limited(messages: usize, period: Duration) -> Arc<Fake> {
    let accepted = Mutex::new(std::collections::VecDeque::<Duration>::new());
    Fake::new(move |ctx| {
        if ctx.step != "mail" {
            return None;
        }
        let now = ctx.since_first;
        let mut accepted = accepted.lock().unwrap();
        while accepted.front().is_some_and(|at| now - *at >= period) {
            accepted.pop_front();
        }
        if accepted.len() < messages {
            accepted.push_back(now);
            return None;
        }
        let left = (period - (now - accepted[0])).as_secs_f64().ceil().max(1.0);
        Some(say(&format!(
            "421 4.7.0 Sender rate limit exceeded, try again in {left} seconds"
        )))
    })
}

#[tokio::test(start_paused = true)]
async fn a_rate_limit_that_states_its_delay_paces_the_rest_of_the_flush() {
    let (_dir, outbox) = outbox_of(30).await;
    let fake = rate_limited(5, Duration::from_secs(10));
    let start = Instant::now();
    let reports = flush(&outbox, &delivery(&fake)).await;
    let elapsed = start.elapsed();
    assert_eq!(reports.len(), 30);
    assert!(
        reports
            .iter()
            .all(|r| r.status == DeliveryStatus::Delivered),
        "{reports:#?}"
    );
    let refused = attempts(&reports)
        .iter()
        .filter(|a| a.outcome != AttemptOutcome::Ok)
        .count();
    assert_eq!(refused, 1, "only the refusal that taught the rate");
    assert_eq!(fake.deliveries().len(), 30);
    // 5 at once, then 5 per window: the last 5 go at 50 s; as fast as allowed, give or take
    // the second the server rounds its delay to.
    assert!(
        elapsed >= Duration::from_secs(50) && elapsed <= Duration::from_secs(56),
        "{elapsed:?}"
    );
    // The 421 ends the first connection; the paced rest share one.
    assert_eq!(fake.connections(), 2);
}

#[tokio::test(start_paused = true)]
async fn pacing_that_would_outlast_the_budget_leaves_the_rest_for_the_next_flush() {
    let (_dir, outbox) = outbox_of(8).await;
    let fake = rate_limited(3, Duration::from_secs(60));
    let short = delivery(&fake).policy(RetryPolicy {
        budget: Duration::from_secs(90),
        max_attempts: 10,
    });
    let reports = flush(&outbox, &short).await;
    let delivered = reports
        .iter()
        .filter(|r| r.status == DeliveryStatus::Delivered)
        .count();
    // 3 at once, the refusal teaches 3 per 60 s, 3 more at 60 s; the next place frees at 120 s,
    // after the budget: the flush stops there, deferred, the rest kept.
    assert_eq!(delivered, 6, "{reports:#?}");
    assert_eq!(reports.last().unwrap().status, DeliveryStatus::Deferred);
    assert_eq!(outbox.list().unwrap().len(), 2);
    let refused = attempts(&reports)
        .iter()
        .filter(|a| a.outcome != AttemptOutcome::Ok)
        .count();
    assert_eq!(refused, 1);
}

#[tokio::test(start_paused = true)]
async fn a_connection_is_not_held_idle_through_a_pacing_wait_of_minutes() {
    let (_dir, outbox) = outbox_of(8).await;
    // 3 messages per 2 minutes: 3 at once, the refusal of the 4th teaches the rate, 3 more on a
    // new connection at 120 s, then a wait of about 2 minutes before the last 2.
    let fake = rate_limited(3, Duration::from_secs(120));
    let reports = flush(&outbox, &delivery(&fake)).await;
    assert!(
        reports
            .iter()
            .all(|r| r.status == DeliveryStatus::Delivered),
        "{reports:#?}"
    );
    assert_eq!(fake.deliveries().len(), 8);
    // The second connection is ended with QUIT before the wait, not left holding one of the
    // server's slots (a server times an idle connection out long before that).
    assert_eq!(fake.connections(), 3);
    assert_eq!(fake.heard_on(2).last().unwrap(), "QUIT");
}

#[tokio::test(start_paused = true)]
async fn a_flush_does_not_send_to_the_primary_over_the_fallbacks_kept_connection() {
    let (_dir, outbox) = outbox_of(2).await;
    // The primary is busy for its first connection only: the first entry goes to the fallback,
    // the second to the primary again.
    let primary = Fake::new(|ctx| {
        (ctx.step == "greeting" && ctx.connection == 1).then(|| say("421 4.3.2 busy"))
    });
    let fallback = Fake::new(|_| None);
    let reports = flush(&outbox, &two_relays(&primary, &fallback, "")).await;
    assert!(
        reports
            .iter()
            .all(|r| r.status == DeliveryStatus::Delivered),
        "{reports:#?}"
    );
    assert_eq!(reports[0].delivered_by(), Some("127.0.0.1:2526"));
    assert_eq!(reports[1].delivered_by(), Some("127.0.0.1:2525"));
    // What the report says is what the relays saw.
    assert_eq!(fallback.deliveries().len(), 1);
    assert_eq!(primary.deliveries().len(), 1);
    assert_eq!(fallback.heard_on(1).last().unwrap(), "QUIT");
}

#[tokio::test(start_paused = true)]
async fn a_connection_refused_for_now_at_rcpt_is_closed_and_the_retry_opens_a_new_one() {
    let (_dir, outbox) = outbox_of(2).await;
    // One message per connection: the second RCPT of a connection is refused for now. Sent
    // again over the same connection, it would be refused until the budget ran out.
    let rcpts = Mutex::new(std::collections::HashMap::<usize, usize>::new());
    let fake = Fake::new(move |ctx| {
        if ctx.step != "rcpt" {
            return None;
        }
        let mut rcpts = rcpts.lock().unwrap();
        let on_this_connection = rcpts.entry(ctx.connection).or_default();
        *on_this_connection += 1;
        (*on_this_connection > 1).then(|| say("451 4.7.0 Too many messages on this connection"))
    });
    let reports = flush(&outbox, &delivery(&fake)).await;
    assert!(
        reports
            .iter()
            .all(|r| r.status == DeliveryStatus::Delivered),
        "{reports:#?}"
    );
    assert_eq!(reports[1].attempts.len(), 2, "{reports:#?}");
    assert_eq!(fake.connections(), 2);
    assert_eq!(fake.heard_on(1).last().unwrap(), "QUIT");
}

#[tokio::test(start_paused = true)]
async fn a_message_refused_for_good_after_its_final_dot_leaves_the_connection_to_the_next() {
    let (_dir, outbox) = outbox_of(2).await;
    let dots = Mutex::new(0);
    let fake = Fake::new(move |ctx| {
        let mut count = dots.lock().unwrap();
        *count += usize::from(ctx.step == "end_of_data");
        (ctx.step == "end_of_data" && *count == 1).then(|| say("554 5.6.0 Message refused"))
    });
    let reports = flush(&outbox, &delivery(&fake)).await;
    assert_eq!(reports[0].status, DeliveryStatus::Rejected, "{reports:#?}");
    assert_eq!(reports[1].status, DeliveryStatus::Delivered, "{reports:#?}");
    assert_eq!(fake.connections(), 1);
}

#[tokio::test(start_paused = true)]
async fn after_a_reply_that_is_not_smtp_nothing_more_is_said_not_even_quit() {
    // The server's state is unknown: a QUIT could be read as anything (a password).
    let fake = Fake::new(|ctx| {
        (ctx.step == "mail").then(|| Act::SayStayingOpen("what is this".to_owned()))
    });
    let once = delivery(&fake).policy(RetryPolicy {
        budget: Duration::ZERO,
        max_attempts: 1,
    });
    let (report, _) = send(&once, &message(&["a@example.com"])).await;
    assert_eq!(report.status, DeliveryStatus::Deferred, "{report:#?}");
    let heard = fake.heard_on(1);
    assert!(heard.last().unwrap().starts_with("MAIL"), "{heard:?}");
}

#[tokio::test(start_paused = true)]
async fn replies_of_a_bare_code_without_text_are_understood() {
    let fake = Fake::new(|ctx| match ctx.step {
        "mail" | "rcpt" | "end_of_data" => Some(say("250")),
        "data" => Some(say("354")),
        _ => None,
    });
    let (report, _) = send(&delivery(&fake), &message(&["a@example.com"])).await;
    assert_eq!(report.status, DeliveryStatus::Delivered, "{report:#?}");
    assert_eq!(fake.deliveries().len(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_reply_line_shorter_than_a_code_is_a_garbled_reply() {
    let fake = Fake::new(|ctx| (ctx.step == "mail").then(|| say("OK")));
    let once = delivery(&fake).policy(RetryPolicy {
        budget: Duration::ZERO,
        max_attempts: 1,
    });
    let (report, _) = send(&once, &message(&["a@example.com"])).await;
    assert_eq!(report.status, DeliveryStatus::Deferred, "{report:#?}");
    assert_eq!(report.attempts[0].phase, Phase::Mail);
    let cause = &report.explanation.as_ref().unwrap().cause;
    assert!(cause.contains("Not an SMTP reply at mail: OK"), "{cause}");
}

#[tokio::test(start_paused = true)]
async fn a_server_that_never_answers_quit_costs_five_seconds_not_the_command_timeout() {
    let fake = Fake::new(|ctx| (ctx.step == "quit").then_some(Act::Stall));
    let patient = delivery(&fake).timeout(Duration::from_secs(60));
    let start = Instant::now();
    let (report, _) = send(&patient, &message(&["a@example.com"])).await;
    assert_eq!(report.status, DeliveryStatus::Delivered, "{report:#?}");
    assert_eq!(start.elapsed(), Duration::from_secs(5));
}

#[tokio::test(start_paused = true)]
async fn of_two_recipients_deferred_alike_the_report_shows_the_later_reply() {
    let fake = Fake::new(|ctx| match (ctx.step, ctx.argument) {
        ("rcpt", "a@example.com") => Some(say("451 4.3.0 Mailbox a busy")),
        ("rcpt", "b@example.com") => Some(say("451 4.3.0 Mailbox b busy")),
        _ => None,
    });
    let once = delivery(&fake).policy(RetryPolicy {
        budget: Duration::ZERO,
        max_attempts: 1,
    });
    let (report, _) = send(&once, &message(&["a@example.com", "b@example.com"])).await;
    assert_eq!(report.status, DeliveryStatus::Deferred, "{report:#?}");
    let reply = report.attempts[0].reply.as_ref().unwrap();
    assert!(reply.text().contains("Mailbox b busy"), "{reply:?}");
}

const THREE: [&str; 3] = ["a@example.com", "b@example.com", "c@example.com"];

/// The EHLO of a server that offers PIPELINING (RFC 2920).
fn offers_pipelining(ctx: &Ctx) -> Option<Act> {
    (ctx.step == "ehlo").then(|| say("250-fake\r\n250-PIPELINING\r\n250 8BITMIME"))
}

/// A delivery of one attempt with a one-second timeout: a client that waits for a reply the
/// server holds fails within it.
fn one_quick_attempt(fake: &Arc<Fake>) -> Delivery {
    delivery(fake)
        .timeout(Duration::from_secs(1))
        .policy(RetryPolicy {
            budget: Duration::ZERO,
            max_attempts: 1,
        })
}

#[tokio::test(start_paused = true)]
async fn a_pipelining_server_gets_mail_and_every_rcpt_before_it_answers_any() {
    let fake = Fake::holding_envelope(3, offers_pipelining);
    let (report, _) = send(&one_quick_attempt(&fake), &message(&THREE)).await;
    assert_eq!(report.status, DeliveryStatus::Delivered, "{report:#?}");
    assert_eq!(fake.deliveries()[0].0, THREE);
    let heard = fake.heard_on(1);
    assert_eq!(
        heard[1..6],
        [
            "MAIL FROM:<ci@example.com>",
            "RCPT TO:<a@example.com>",
            "RCPT TO:<b@example.com>",
            "RCPT TO:<c@example.com>",
            "DATA"
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn without_pipelining_each_command_waits_for_its_reply() {
    // The same holding server, not offering PIPELINING: the client sends MAIL and waits.
    let fake = Fake::holding_envelope(3, |_| None);
    let (report, _) = send(&one_quick_attempt(&fake), &message(&THREE)).await;
    assert_eq!(report.status, DeliveryStatus::Deferred, "{report:#?}");
    assert_eq!(report.attempts[0].phase, Phase::Mail);
    assert_eq!(fake.heard_on(1)[1..], ["MAIL FROM:<ci@example.com>"]);
}

/// A server that refuses MAIL for good and answers each RCPT after it with a 503.
fn refuses_mail(pipelining: bool) -> Arc<Fake> {
    Fake::new(move |ctx| match ctx.step {
        "ehlo" if pipelining => offers_pipelining(ctx),
        "mail" => Some(say("550 5.7.1 Sender address rejected: not permitted")),
        "rcpt" => Some(say("503 5.5.1 Error: need MAIL command")),
        _ => None,
    })
}

#[tokio::test(start_paused = true)]
async fn a_refused_mail_reads_the_same_pipelined_or_not() {
    let pipelined = refuses_mail(true);
    let one_by_one = refuses_mail(false);
    let (report, events) = send(&delivery(&pipelined), &message(&THREE)).await;
    let (expected, expected_events) = send(&delivery(&one_by_one), &message(&THREE)).await;
    assert_eq!(report, expected);
    assert_eq!(format!("{events:?}"), format!("{expected_events:?}"));
    assert_eq!(report.status, DeliveryStatus::Failed, "{report:#?}");
    assert_eq!(report.attempts[0].phase, Phase::Mail);
    assert_eq!(report.attempts[0].reply.as_ref().unwrap().code(), 550);
    // The 503s were read, so the QUIT after them was answered in step.
    assert_eq!(pipelined.heard_on(1).last().unwrap(), "QUIT");
    assert_eq!(pipelined.heard("RCPT").len(), 3);
    assert!(one_by_one.heard("RCPT").is_empty());
}

#[tokio::test(start_paused = true)]
async fn a_421_among_the_replies_to_a_refused_mail_ends_the_connection_without_quit() {
    let fake = Fake::new(|ctx| match ctx.step {
        "ehlo" => offers_pipelining(ctx),
        "mail" => Some(say("550 5.7.1 Sender address rejected")),
        "rcpt" => Some(Act::SayStayingOpen("421 4.3.2 Shutting down".to_owned())),
        _ => None,
    });
    let (report, _) = send(&delivery(&fake), &message(&THREE)).await;
    assert_eq!(report.attempts[0].reply.as_ref().unwrap().code(), 550);
    fake.ended(1).await;
    assert!(fake.heard("QUIT").is_empty(), "{:?}", fake.heard_on(1));
}

#[tokio::test(start_paused = true)]
async fn one_pipelined_rcpt_of_three_refused_is_partial_and_the_others_get_it_once() {
    let fake = Fake::new(|ctx| {
        offers_pipelining(ctx).or_else(|| {
            (ctx.step == "rcpt" && ctx.argument == "b@example.com")
                .then(|| say("550 5.1.1 <b@example.com>: no such user"))
        })
    });
    let (report, _) = send(&delivery(&fake), &message(&THREE)).await;
    assert_eq!(report.status, DeliveryStatus::Partial);
    let statuses: Vec<_> = report.recipients.iter().map(|r| r.status).collect();
    assert_eq!(
        statuses,
        [
            RecipientStatus::Delivered,
            RecipientStatus::Rejected,
            RecipientStatus::Delivered
        ]
    );
    let delivered: Vec<_> = fake.deliveries().into_iter().map(|(to, _)| to).collect();
    assert_eq!(delivered, [["a@example.com", "c@example.com"]]);
    assert_eq!(report.attempts.len(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_421_in_the_middle_of_a_pipelined_batch_is_the_last_word_read() {
    let fake = Fake::holding_envelope(3, |ctx| {
        offers_pipelining(ctx).or_else(|| {
            (ctx.step == "rcpt" && ctx.argument == "b@example.com" && ctx.connection == 1)
                .then(|| say("421 4.7.0 Too many connections, try again in 5 seconds"))
        })
    });
    let (report, _) = send(&delivery(&fake), &message(&THREE)).await;
    assert_eq!(report.status, DeliveryStatus::Delivered, "{report:#?}");
    assert_eq!(report.attempts[0].phase, Phase::Rcpt);
    assert_eq!(report.attempts[0].reply.as_ref().unwrap().code(), 421);
    assert_eq!(report.attempts[1].waited_ms, 5_000, "as the server asked");
    assert_eq!(
        fake.heard_on(1).last().unwrap(),
        "RCPT TO:<c@example.com>",
        "the batch went in one write; nothing after it, not even QUIT"
    );
    assert_eq!(fake.deliveries().len(), 1, "once");
    assert_eq!(fake.deliveries()[0].0, THREE);
}

#[tokio::test(start_paused = true)]
async fn a_421_to_a_pipelined_mail_ends_the_connection_without_quit() {
    let fake = Fake::new(|ctx| {
        offers_pipelining(ctx)
            .or_else(|| (ctx.step == "mail" && ctx.connection == 1).then(|| say("421 4.3.2 busy")))
    });
    let (report, _) = send(&delivery(&fake), &message(&THREE)).await;
    assert_eq!(report.status, DeliveryStatus::Delivered, "{report:#?}");
    assert_eq!(report.attempts[0].phase, Phase::Mail);
    assert_eq!(report.attempts[0].reply.as_ref().unwrap().code(), 421);
    assert_eq!(
        fake.deliveries().len(),
        1,
        "once, over the second connection"
    );
    assert_eq!(fake.connections(), 2);
}

#[tokio::test(start_paused = true)]
async fn a_connection_lost_mid_batch_is_lost_at_the_reply_awaited() {
    let fake = Fake::new(|ctx| {
        offers_pipelining(ctx).or_else(|| {
            (ctx.step == "rcpt" && ctx.argument == "b@example.com" && ctx.connection == 1)
                .then_some(Act::Drop)
        })
    });
    let (report, _) = send(&delivery(&fake), &message(&THREE)).await;
    assert_eq!(report.status, DeliveryStatus::Delivered, "{report:#?}");
    assert_eq!(report.attempts[0].phase, Phase::Rcpt);
    assert_eq!(report.attempts[0].outcome, AttemptOutcome::Transient);
}

#[tokio::test(start_paused = true)]
async fn a_silent_reply_mid_batch_times_out_at_that_reply() {
    let fake = Fake::new(|ctx| {
        offers_pipelining(ctx).or_else(|| {
            (ctx.step == "rcpt" && ctx.argument == "c@example.com").then_some(Act::Stall)
        })
    });
    let started = Instant::now();
    let (report, _) = send(&one_quick_attempt(&fake), &message(&THREE)).await;
    assert_eq!(report.status, DeliveryStatus::Deferred, "{report:#?}");
    assert_eq!(report.attempts[0].phase, Phase::Rcpt);
    assert_eq!(started.elapsed(), Duration::from_secs(1), "the timeout");
}

#[tokio::test(start_paused = true)]
async fn a_flush_pipelines_each_message_over_one_connection() {
    let (_dir, outbox) = outbox_of(3).await;
    let fake = Fake::holding_envelope(1, offers_pipelining);
    let reports = flush(&outbox, &delivery(&fake).timeout(Duration::from_secs(1))).await;
    assert!(
        reports
            .iter()
            .all(|r| r.status == DeliveryStatus::Delivered),
        "{reports:#?}"
    );
    assert_eq!(fake.deliveries().len(), 3);
    assert_eq!(fake.connections(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_pipelined_flush_rsets_after_an_entry_refused_for_good() {
    let (_dir, outbox) = outbox_of(2).await;
    let rcpts = Mutex::new(0);
    let fake = Fake::new(move |ctx| {
        let mut count = rcpts.lock().unwrap();
        *count += usize::from(ctx.step == "rcpt");
        offers_pipelining(ctx)
            .or_else(|| (ctx.step == "rcpt" && *count == 1).then(|| say("550 5.1.1 No such user")))
    });
    let reports = flush(&outbox, &delivery(&fake)).await;
    assert_eq!(reports[0].status, DeliveryStatus::Rejected);
    assert_eq!(reports[1].status, DeliveryStatus::Delivered);
    assert_eq!(fake.connections(), 1);
    let verbs = fake.verbs_on(1);
    assert_eq!(
        verbs,
        [
            "EHLO", "MAIL", "RCPT", "RSET", "MAIL", "RCPT", "DATA", "QUIT"
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn a_kept_connection_that_died_before_a_pipelined_mail_is_replaced_within_the_attempt() {
    let (_dir, outbox) = outbox_of(3).await;
    let mails = Mutex::new(0);
    let fake = Fake::new(move |ctx| {
        let mut count = mails.lock().unwrap();
        *count += usize::from(ctx.step == "mail");
        offers_pipelining(ctx).or_else(|| {
            (ctx.step == "mail" && ctx.connection == 1 && *count == 2).then_some(Act::Drop)
        })
    });
    let reports = flush(&outbox, &delivery(&fake)).await;
    assert!(
        reports.iter().all(|r| r.status == DeliveryStatus::Delivered
            && r.attempts.len() == 1
            && !r.possible_duplicate),
        "{reports:#?}"
    );
    assert_eq!(fake.deliveries().len(), 3, "each once");
    assert_eq!(fake.connections(), 2);
}

#[tokio::test(start_paused = true)]
async fn a_421_to_a_pipelined_mail_ends_the_attempt_at_once() {
    // The server says 421 and then neither closes nor answers the RCPTs already sent: nothing
    // after a 421 is waited for.
    let fake = Fake::new(|ctx| match ctx.step {
        "mail" => Some(Act::SayStayingOpen("421 4.3.2 Shutting down".to_owned())),
        "rcpt" => Some(Act::Stall),
        _ => offers_pipelining(ctx),
    });
    let start = Instant::now();
    let (report, _) = send(&one_quick_attempt(&fake), &message(&THREE)).await;
    assert_eq!(report.status, DeliveryStatus::Deferred, "{report:#?}");
    assert_eq!(report.attempts[0].reply.as_ref().unwrap().code(), 421);
    assert_eq!(start.elapsed(), Duration::ZERO);
}

#[tokio::test(start_paused = true)]
async fn a_421_to_the_rset_of_a_kept_connection_is_its_last_word() {
    let (_dir, outbox) = outbox_of(2).await;
    let rcpts = Mutex::new(0);
    let fake = Fake::new(move |ctx| {
        let mut count = rcpts.lock().unwrap();
        *count += usize::from(ctx.step == "rcpt");
        match ctx.step {
            "rcpt" if *count == 1 => Some(say("550 5.1.1 No such user")),
            "rset" => Some(Act::SayStayingOpen("421 4.3.2 Shutting down".to_owned())),
            _ => None,
        }
    });
    let reports = flush(&outbox, &delivery(&fake)).await;
    assert_eq!(reports[0].status, DeliveryStatus::Rejected, "{reports:#?}");
    assert_eq!(reports[1].status, DeliveryStatus::Delivered, "{reports:#?}");
    assert_eq!(fake.heard_on(1).last().unwrap(), "RSET");
    assert_eq!(fake.connections(), 2);
}

#[tokio::test(start_paused = true)]
async fn a_kept_connection_the_server_closed_while_idle_gets_no_further_command() {
    let (_dir, outbox) = outbox_of(2).await;
    // The server takes the first message and says 421 at once, before the next MAIL.
    let fake = Fake::new(|ctx| {
        (ctx.step == "end_of_data" && ctx.connection == 1)
            .then(|| say("250 2.0.0 queued\r\n421 4.4.2 Idle timeout, closing"))
    });
    let reports = flush(&outbox, &delivery(&fake)).await;
    assert!(
        reports
            .iter()
            .all(|r| r.status == DeliveryStatus::Delivered),
        "{reports:#?}"
    );
    let mails = fake
        .heard_on(1)
        .iter()
        .filter(|line| line.starts_with("MAIL"))
        .count();
    assert_eq!(mails, 1, "nothing after the 421: {:?}", fake.heard_on(1));
    assert_eq!(fake.connections(), 2);
}

#[test]
fn the_warning_about_unchecked_certificates_is_given_only_when_tls_is_used() {
    use buildmail_core::connector::TlsTrust;
    let insecure = || TlsTrust::insecure_skip_verify().unwrap();
    let encrypted = || Delivery::new("smtps://relay.example.com".parse().unwrap());
    let plain = || Delivery::new("smtp://relay.example.com?tls=none".parse().unwrap());
    assert_eq!(encrypted().trust(insecure()).warnings().len(), 1);
    assert!(encrypted().warnings().is_empty());
    // Nothing is encrypted, so no certificate goes unchecked: a warning would be noise.
    assert!(plain().trust(insecure()).warnings().is_empty());
}

#[tokio::test(start_paused = true)]
async fn a_connection_is_held_through_a_pacing_wait_of_a_minute() {
    let (_dir, outbox) = outbox_of(8).await;
    // 3 messages a minute: the paced wait before the 7th is the minute a kept connection may
    // idle through (RFC 5321 has servers wait 5 minutes for a command).
    let fake = rate_limited(3, Duration::from_secs(60));
    let reports = flush(&outbox, &delivery(&fake)).await;
    assert!(
        reports
            .iter()
            .all(|r| r.status == DeliveryStatus::Delivered),
        "{reports:#?}"
    );
    assert_eq!(fake.connections(), 2);
}

/// The EHLO of a server that offers SMTPUTF8 and 8BITMIME.
fn offers_smtputf8(ctx: &Ctx) -> Option<Act> {
    (ctx.step == "ehlo").then(|| say("250-fake\r\n250-SMTPUTF8\r\n250 8BITMIME"))
}

#[tokio::test(start_paused = true)]
async fn an_address_only_smtputf8_can_carry_is_sent_with_it_and_an_ascii_one_without() {
    let fake = Fake::new(offers_smtputf8);
    let (report, _) = send(&delivery(&fake), &message(&["jöran@example.com"])).await;
    assert_eq!(report.status, DeliveryStatus::Delivered, "{report:#?}");
    let (report, _) = send(&delivery(&fake), &message(&["a@example.com"])).await;
    assert_eq!(report.status, DeliveryStatus::Delivered, "{report:#?}");
    let mail = |connection| {
        fake.heard_on(connection)
            .into_iter()
            .find(|line| line.starts_with("MAIL"))
            .unwrap()
    };
    assert!(mail(1).ends_with(" SMTPUTF8"), "{}", mail(1));
    assert_eq!(mail(2), "MAIL FROM:<ci@example.com>");
}

#[tokio::test(start_paused = true)]
async fn an_eight_bit_body_is_announced_to_a_server_that_offers_8bitmime() {
    let fake = Fake::new(offers_smtputf8);
    let bytes = "Message-ID: <1@example.com>\r\n\r\nBuild grün\r\n"
        .as_bytes()
        .to_vec();
    let message = Outgoing::new(
        Some("ci@example.com"),
        ["a@example.com"],
        "<1@example.com>",
        bytes,
    )
    .unwrap();
    let (report, _) = send(&delivery(&fake), &message).await;
    assert_eq!(report.status, DeliveryStatus::Delivered, "{report:#?}");
    let heard = fake.heard_on(1);
    assert!(
        heard
            .iter()
            .any(|line| line == "MAIL FROM:<ci@example.com> BODY=8BITMIME"),
        "{heard:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn the_server_receives_the_message_exactly_with_or_without_a_final_line_break() {
    let fake = Fake::new(|_| None);
    for bytes in ["Subject: a\r\n\r\nbody\r\n", "Subject: a\r\n\r\nbody"] {
        let message = Outgoing::new(
            Some("ci@example.com"),
            ["a@example.com"],
            "<1@example.com>",
            bytes.as_bytes().to_vec(),
        )
        .unwrap();
        let (report, _) = send(&one_quick_attempt(&fake), &message).await;
        assert_eq!(
            report.status,
            DeliveryStatus::Delivered,
            "{bytes:?}: {report:#?}"
        );
    }
    let data: Vec<String> = fake
        .deliveries()
        .into_iter()
        .map(|(_, data)| data)
        .collect();
    assert_eq!(data, ["Subject: a\r\n\r\nbody\r\n"; 2]);
}

#[tokio::test(start_paused = true)]
async fn a_delay_named_in_a_line_that_is_not_smtp_is_not_a_stated_delay() {
    let fake = Fake::new(|ctx| (ctx.step == "mail").then(|| say("please try again in 30 minutes")));
    let (report, _) = send(&one_quick_attempt(&fake), &message(&["a@example.com"])).await;
    assert_eq!(report.status, DeliveryStatus::Deferred, "{report:#?}");
    let explanation = report.explanation.as_ref().unwrap();
    assert!(
        explanation.cause.contains("try again in 30 minutes"),
        "{explanation:?}"
    );
    assert_eq!(explanation.retry_after, None, "{explanation:?}");
    assert!(
        !explanation.when_to_retry.contains("as the server asked"),
        "no server reply asked for a delay: {}",
        explanation.when_to_retry
    );
}

#[tokio::test(start_paused = true)]
async fn an_address_only_smtputf8_can_carry_is_explained_when_the_server_lacks_it() {
    let fake = Fake::new(|_| None);
    let (report, _) = send(&one_quick_attempt(&fake), &message(&["jöran@example.com"])).await;
    assert!(fake.deliveries().is_empty());
    let explanation = report.explanation.as_ref().expect("explained");
    assert_eq!(
        explanation.title,
        "An address needs SMTPUTF8, which the server does not offer"
    );
}
