//! The chaos soak: for many seeds, the sender meets `buildmail-sim` running `chaos:SEED:RATE`
//! (with greylisting, rate limits and refused recipients mixed in) over in-memory pipes on
//! tokio's paused clock, and every promise of the sender is checked against the sim's record.
//!
//! A failure names its seed; re-run just that one with `soak(SEED)` in a scratch test.

#![allow(clippy::unwrap_used)] // a test helper that fails should panic

use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use buildmail_core::connector::{BoxStream, ConnectFuture, Connector};
use buildmail_core::deliver::{Delivery, Event, GiveUp, Outgoing};
use buildmail_core::policy::RetryPolicy;
use buildmail_core::report::{DeliveryStatus, RecipientStatus, Report};
use buildmail_core::{Reply, Server};
use buildmail_sim::{Event as SimEvent, Record, Scenario, Sim, SimHandle};
use tokio::io::{AsyncRead, AsyncWrite, DuplexStream, ReadBuf};
use tokio::time::Instant;

const SEEDS: u64 = 200;
const BUDGET: Duration = Duration::from_secs(600);
const MAX_ATTEMPTS: u32 = 10;
const RECIPIENTS: [&str; 3] = ["a@example.com", "b@example.com", "c@example.com"];
/// A body with a line that needs dot-stuffing and one that looks like the end of data.
const MESSAGE: &[u8] = b"Message-ID: <soak@example.com>\r\nDate: Mon, 1 Jan 2024 00:00:00 +0000\r\nSubject: build\r\n\r\n.dot line\r\n.\r\nbody\r\n";

/// Every connection goes to the sim, over one end of an in-memory pipe, tapped: what the client
/// read and wrote, in order, is kept per connection.
struct SimNet {
    sim: Arc<SimHandle>,
    taps: Arc<Mutex<Vec<Transcript>>>,
}

/// One connection as the client saw it.
type Transcript = Arc<Mutex<Vec<Chunk>>>;

#[derive(Debug, Clone)]
enum Chunk {
    Opened(Instant),
    Read(Instant, Vec<u8>),
    Wrote(Vec<u8>),
}

impl Connector for SimNet {
    fn connect<'a>(&'a self, _server: &'a Server) -> ConnectFuture<'a> {
        Box::pin(async move {
            let (client, server) = tokio::io::duplex(64 * 1024);
            self.sim.serve_stream(server);
            let transcript = Arc::new(Mutex::new(vec![Chunk::Opened(Instant::now())]));
            self.taps.lock().unwrap().push(transcript.clone());
            Ok(Box::new(Tap {
                inner: client,
                transcript,
            }) as BoxStream)
        })
    }
}

struct Tap {
    inner: DuplexStream,
    transcript: Transcript,
}

impl AsyncRead for Tap {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let poll = Pin::new(&mut self.inner).poll_read(cx, buf);
        let read = buf.filled()[before..].to_vec();
        if !read.is_empty() {
            let chunk = Chunk::Read(Instant::now(), read);
            self.transcript.lock().unwrap().push(chunk);
        }
        poll
    }
}

impl AsyncWrite for Tap {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bytes: &[u8],
    ) -> Poll<io::Result<usize>> {
        let poll = Pin::new(&mut self.inner).poll_write(cx, bytes);
        // A write to a connection the server has closed fails, but was still attempted.
        let attempted = match &poll {
            Poll::Ready(Ok(written)) => Some(&bytes[..*written]),
            Poll::Ready(Err(_)) => Some(bytes),
            Poll::Pending => None,
        };
        if let Some(attempted) = attempted {
            let chunk = Chunk::Wrote(attempted.to_vec());
            self.transcript.lock().unwrap().push(chunk);
        }
        poll
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// What one seed runs: the scenarios, the recipients, the per-step timeout.
#[derive(Debug)]
struct Setup {
    scenarios: Vec<String>,
    recipients: Vec<&'static str>,
    timeout: Duration,
}

impl Setup {
    fn of(seed: u64) -> Setup {
        let rate = [0.05, 0.1, 0.2, 0.3][(seed % 4) as usize];
        let mut scenarios = vec![format!("chaos:{seed}:{rate}")];
        match seed % 5 {
            0 => scenarios.push("greylist:60s".into()),
            1 => scenarios.push("greylist-hint:30s".into()),
            2 => scenarios.push("ratelimit:1/2m".into()),
            3 => {
                let refused = if seed % 10 == 3 { "*" } else { "b" };
                scenarios.push(format!(
                    "reject:{refused}@example.com:550 5.1.1 no such user"
                ));
            }
            // A stated delay that fits the budget once, but not what is left of it after.
            4 if seed % 10 == 4 => {
                scenarios.push("fault:mail:451 4.7.1 Try again in 400 seconds:2".into())
            }
            _ => {}
        }
        Setup {
            scenarios,
            recipients: RECIPIENTS[..1 + (seed % 3) as usize].to_vec(),
            // Short enough, for some seeds, that the sim's 2 s and 3 s stalls become timeouts
            // (at end of data: a possible duplicate).
            timeout: Duration::from_secs(if seed.is_multiple_of(7) { 2 } else { 30 }),
        }
    }
}

/// What the sender said while it ran, and when.
#[derive(Default)]
struct Seen {
    connecting_at: Vec<Duration>,
    /// Each wait: when it started, and how long it was.
    waits: Vec<(Duration, Duration)>,
    gave_up: Option<GiveUp>,
}

async fn soak(seed: u64) -> Report {
    let setup = Setup::of(seed);
    let sim = Sim::builder()
        .scenarios(
            setup
                .scenarios
                .iter()
                .map(|s| s.parse::<Scenario>().unwrap()),
        )
        .start()
        .await
        .unwrap();
    let sim = Arc::new(sim);
    let taps = Arc::new(Mutex::new(Vec::new()));
    let net = SimNet {
        sim: sim.clone(),
        taps: taps.clone(),
    };
    let delivery = Delivery::new("smtp://127.0.0.1:2525?tls=none".parse().unwrap())
        .connector(Arc::new(net))
        .timeout(setup.timeout)
        .policy(RetryPolicy {
            budget: BUDGET,
            max_attempts: MAX_ATTEMPTS,
        });
    let message = Outgoing::new(
        Some("ci@example.com"),
        &setup.recipients,
        "<soak@example.com>",
        MESSAGE.to_vec(),
    )
    .unwrap();
    // The jitter of the backoff comes from the thread's generator: seeded, the run repeats.
    fastrand::seed(seed);
    let start = Instant::now();
    let seen = Arc::new(Mutex::new(Seen::default()));
    let sink = seen.clone();
    let report = delivery
        .send(&message, &mut move |event| {
            let mut seen = sink.lock().unwrap();
            match event {
                Event::Connecting { .. } => seen.connecting_at.push(start.elapsed()),
                Event::Waiting { wait, .. } => seen.waits.push((start.elapsed(), wait)),
                Event::GaveUp(why) => seen.gave_up = Some(why),
                Event::Attempt(_) => {}
            }
        })
        .await;
    // Let the sim's sessions record how their connections ended.
    tokio::time::sleep(Duration::from_secs(10)).await;
    let record = sim.record();
    let seen = seen.lock().unwrap();
    let transcripts: Vec<Vec<Chunk>> = taps
        .lock()
        .unwrap()
        .iter()
        .map(|t| t.lock().unwrap().clone())
        .collect();
    let check = Check {
        transcripts: &transcripts,
        seed,
        setup: &setup,
        report: &report,
        record: &record,
        seen: &seen,
    };
    check.every_recipient_has_a_fate_the_sim_agrees_with();
    check.nobody_gets_it_twice_unless_flagged();
    check.every_copy_is_the_same_message();
    check.waits_stay_within_the_budget();
    check.one_connection_per_attempt();
    check.no_rcpt_after_a_permanent_refusal();
    check.nothing_is_said_after_a_421();
    check.no_stated_delay_is_cut_short();
    report
}

struct Check<'a> {
    seed: u64,
    setup: &'a Setup,
    report: &'a Report,
    record: &'a Record,
    seen: &'a Seen,
    transcripts: &'a [Vec<Chunk>],
}

impl Check<'_> {
    #[track_caller]
    fn assert(&self, holds: bool, what: &str) {
        assert!(
            holds,
            "seed {}: {what}\nsetup: {:?}\nreport: {:#?}\nsim record: {:#?}",
            self.seed, self.setup, self.report, self.record.connections
        );
    }

    fn every_recipient_has_a_fate_the_sim_agrees_with(&self) {
        let addresses: Vec<&str> = self
            .report
            .recipients
            .iter()
            .map(|r| r.address.as_str())
            .collect();
        self.assert(
            addresses == self.setup.recipients,
            "one entry per recipient",
        );
        for recipient in &self.report.recipients {
            let copies = self.record.deliveries_to(&recipient.address);
            match recipient.status {
                RecipientStatus::Delivered => {
                    self.assert(copies >= 1, "delivered, but the sim never accepted it");
                    let reply = recipient.reply.as_ref();
                    self.assert(
                        reply.is_some_and(|r| r.code() == 250),
                        "delivered without the server's 250",
                    );
                }
                RecipientStatus::Rejected => {
                    self.assert(
                        copies == 0 || self.report.possible_duplicate,
                        "rejected, but the sim accepted it",
                    );
                    let reply = recipient.reply.as_ref();
                    self.assert(
                        reply.is_some_and(|r| r.is_permanent()),
                        "rejected without a 5xx",
                    );
                }
                RecipientStatus::NotSent => {
                    self.assert(
                        copies == 0 || self.report.possible_duplicate,
                        "never offered, but the sim accepted it",
                    );
                    self.assert(
                        self.report.explanation.is_some(),
                        "not sent without an explanation",
                    );
                }
                RecipientStatus::Deferred => {
                    self.assert(
                        copies == 0 || self.report.possible_duplicate,
                        "deferred, but the sim accepted it",
                    );
                    // Never silently lost: the delivery says why it stopped and explains it.
                    self.assert(self.seen.gave_up.is_some(), "deferred without giving up");
                    self.assert(
                        self.report.explanation.is_some(),
                        "deferred without an explanation",
                    );
                    self.assert(
                        matches!(
                            self.report.status,
                            DeliveryStatus::Deferred | DeliveryStatus::Partial
                        ),
                        "a deferred recipient in a report that is not deferred or partial",
                    );
                }
            }
        }
    }

    fn nobody_gets_it_twice_unless_flagged(&self) {
        if self.report.possible_duplicate {
            return;
        }
        for address in &self.setup.recipients {
            self.assert(
                self.record.deliveries_to(address) <= 1,
                &format!("{address} got it twice without possible_duplicate"),
            );
        }
    }

    fn every_copy_is_the_same_message(&self) {
        for accepted in &self.record.messages {
            self.assert(
                accepted.message_id.as_deref() == Some("<soak@example.com>"),
                "a different Message-ID",
            );
            self.assert(accepted.data == MESSAGE, "different bytes after unstuffing");
        }
        let sizes = self.record.connections.iter().flat_map(|c| &c.events);
        for event in sizes {
            if let SimEvent::Data { bytes } = event {
                self.assert(*bytes == MESSAGE.len(), "a DATA of a different size");
            }
        }
    }

    /// Each wait ends before the budget does (a wait that ends at it would leave no time for the
    /// attempt after it), no attempt starts after it, and the whole delivery, attempts and
    /// their timeouts included, ends by it: the budget is a deadline.
    fn waits_stay_within_the_budget(&self) {
        for (at, wait) in &self.seen.waits {
            self.assert(
                *at + *wait < BUDGET,
                &format!("a {wait:?} wait started at {at:?} ends after the budget"),
            );
        }
        self.assert(
            Duration::from_millis(self.report.elapsed_ms) <= BUDGET,
            "the delivery ran past the budget",
        );
        let reported: Vec<u64> = self.report.attempts[1..]
            .iter()
            .map(|a| a.waited_ms)
            .collect();
        let waits: Vec<u64> = self
            .seen
            .waits
            .iter()
            .map(|(_, w)| w.as_millis() as u64)
            .collect();
        self.assert(
            reported == waits,
            "the report's waits differ from the waits",
        );
        for at in &self.seen.connecting_at {
            self.assert(*at <= BUDGET, "an attempt started after the budget");
        }
    }

    fn one_connection_per_attempt(&self) {
        let attempts = self.report.attempts.len();
        self.assert(
            attempts <= MAX_ATTEMPTS as usize,
            "more attempts than --max-attempts",
        );
        self.assert(
            self.record.connections.len() == attempts,
            "a connection per attempt, never one reused",
        );
    }

    /// RCPT TO for an address after the server refused it for good. A pipelining client sends
    /// its RCPTs with MAIL, so a refused MAIL is followed by RCPTs the server answers with a
    /// 503 "need MAIL command": that is the order of the commands, not a verdict on the address.
    fn no_rcpt_after_a_permanent_refusal(&self) {
        let mut refused: Vec<String> = Vec::new();
        for connection in &self.record.connections {
            let mut pending_rcpt: Option<String> = None;
            let mut pending_mail = false;
            let mut mail_accepted = false;
            for event in &connection.events {
                match event {
                    SimEvent::Command { line } => {
                        let rcpt = rcpt_address(line);
                        if let Some(address) = &rcpt {
                            self.assert(
                                !refused.contains(address),
                                &format!("RCPT TO {address} after a 5xx for it"),
                            );
                        }
                        pending_rcpt = rcpt;
                        pending_mail = line.to_ascii_uppercase().starts_with("MAIL FROM");
                    }
                    SimEvent::Reply { text } => {
                        if std::mem::take(&mut pending_mail) {
                            mail_accepted = text.starts_with('2');
                        }
                        if let Some(address) = pending_rcpt.take()
                            && mail_accepted
                            && text.starts_with('5')
                        {
                            refused.push(address);
                        }
                    }
                    _ => {}
                }
            }
        }
    }

    /// The client's side of each connection: once it has read a 421 (the last line of a
    /// reply), it writes nothing more, not even QUIT (RFC 5321 section 3.8).
    fn nothing_is_said_after_a_421(&self) {
        for (connection, transcript) in self.transcripts.iter().enumerate() {
            let mut unread = Vec::new();
            let mut heard_421 = false;
            for chunk in transcript {
                match chunk {
                    Chunk::Opened(_) => {}
                    Chunk::Read(_, bytes) => {
                        unread.extend_from_slice(bytes);
                        while let Some(end) = unread.iter().position(|&b| b == b'\n') {
                            let line: Vec<u8> = unread.drain(..=end).collect();
                            heard_421 |= line.starts_with(b"421 ");
                        }
                    }
                    Chunk::Wrote(bytes) => self.assert(
                        !heard_421,
                        &format!(
                            "connection {connection}: {:?} written after a 421",
                            String::from_utf8_lossy(bytes)
                        ),
                    ),
                }
            }
        }
    }
}

impl Check<'_> {
    /// After a reply that says "try again in N", the next connection opens N later or more.
    fn no_stated_delay_is_cut_short(&self) {
        let opened: Vec<Instant> = self
            .transcripts
            .iter()
            .filter_map(|t| match t.first() {
                Some(Chunk::Opened(at)) => Some(*at),
                _ => None,
            })
            .collect();
        for (connection, transcript) in self.transcripts.iter().enumerate() {
            let Some(next) = opened.get(connection + 1) else {
                continue;
            };
            let mut unread = Vec::new();
            for chunk in transcript {
                let Chunk::Read(at, bytes) = chunk else {
                    continue;
                };
                unread.extend_from_slice(bytes);
                while let Some(end) = unread.iter().position(|&b| b == b'\n') {
                    let line: Vec<u8> = unread.drain(..=end).collect();
                    let line = String::from_utf8_lossy(&line);
                    let Ok(reply) = Reply::parse(&line) else {
                        continue;
                    };
                    if let Some(delay) = reply.retry_hint().filter(|_| reply.code() >= 400) {
                        self.assert(
                            *next >= *at + delay,
                            &format!("connection {connection}: {line:?} was cut short"),
                        );
                    }
                }
            }
        }
    }
}

fn rcpt_address(line: &str) -> Option<String> {
    let upper = line.to_ascii_uppercase();
    if !upper.starts_with("RCPT TO:") {
        return None;
    }
    let start = line.find('<')? + 1;
    let end = line.find('>')?;
    Some(line[start..end].to_ascii_lowercase())
}

#[tokio::test(start_paused = true)]
async fn the_sender_keeps_its_promises_under_chaos() {
    let mut reports = Vec::new();
    for seed in 0..SEEDS {
        reports.push(soak(seed).await);
    }
    // The soak is only worth its seeds if they reach every kind of ending.
    let count = |f: &dyn Fn(&Report) -> bool| reports.iter().filter(|r| f(r)).count();
    let delivered = count(&|r| r.status == DeliveryStatus::Delivered);
    let partial = count(&|r| r.status == DeliveryStatus::Partial);
    let deferred = count(&|r| r.status == DeliveryStatus::Deferred);
    let rejected = count(&|r| r.status == DeliveryStatus::Rejected);
    let duplicates = count(&|r| r.possible_duplicate);
    let retried = count(&|r| r.attempts.len() > 1);
    eprintln!(
        "{SEEDS} seeds: {delivered} delivered, {partial} partial, {deferred} deferred, \
         {rejected} rejected, {duplicates} possible duplicates, {retried} retried"
    );
    for (kind, seen) in [
        ("delivered", delivered),
        ("partial", partial),
        ("deferred", deferred),
        ("rejected", rejected),
        ("possible duplicate", duplicates),
        ("retried", retried),
    ] {
        assert!(seen > 0, "no seed ended {kind}");
    }
}
