//! PIPELINING (RFC 2920) end to end against `buildmail-sim`, which offers it: MAIL FROM and every
//! RCPT TO leave in one write, the replies are read in order, and what the user sees (the report,
//! the transcript) is what it is without pipelining. The client's side of each connection is
//! tapped, so the tests see its writes and reads in the order they happened.

#![allow(clippy::unwrap_used)] // a test helper that fails should panic

use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use buildmail_core::connector::{BoxStream, ConnectFuture, Connector};
use buildmail_core::deliver::{Delivery, Outgoing};
use buildmail_core::report::{DeliveryStatus, RecipientStatus, Report};
use buildmail_core::transcript::{Direction, Line};
use buildmail_core::{Phase, Server};
use buildmail_sim::{Event as SimEvent, Record, Scenario, Sim, SimHandle};
use tokio::io::{AsyncRead, AsyncWrite, DuplexStream, ReadBuf};

const THREE: [&str; 3] = ["a@example.com", "b@example.com", "c@example.com"];

/// What the client did on one connection, in order.
#[derive(Debug, Clone)]
enum Chunk {
    Read(Vec<u8>),
    Wrote(Vec<u8>),
}

type Tapped = Arc<Mutex<Vec<Vec<Chunk>>>>;

/// Every connection goes to the sim over an in-memory pipe, tapped.
struct SimNet {
    sim: Arc<SimHandle>,
    taps: Tapped,
}

impl Connector for SimNet {
    fn connect<'a>(&'a self, _server: &'a Server) -> ConnectFuture<'a> {
        Box::pin(async move {
            let (client, server) = tokio::io::duplex(64 * 1024);
            self.sim.serve_stream(server);
            let connection = {
                let mut taps = self.taps.lock().unwrap();
                taps.push(Vec::new());
                taps.len() - 1
            };
            Ok(Box::new(Tap {
                inner: client,
                taps: self.taps.clone(),
                connection,
            }) as BoxStream)
        })
    }
}

struct Tap {
    inner: DuplexStream,
    taps: Tapped,
    connection: usize,
}

impl Tap {
    fn keep(&self, chunk: Chunk) {
        self.taps.lock().unwrap()[self.connection].push(chunk);
    }
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
            self.keep(Chunk::Read(read));
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
        let attempted = match &poll {
            Poll::Ready(Ok(written)) => Some(&bytes[..*written]),
            Poll::Ready(Err(_)) => Some(bytes),
            Poll::Pending => None,
        };
        if let Some(attempted) = attempted {
            let chunk = Chunk::Wrote(attempted.to_vec());
            self.keep(chunk);
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

/// One send of a message to `to` through a sim running `scenarios`.
struct Run {
    report: Report,
    record: Record,
    taps: Vec<Vec<Chunk>>,
    transcript: Vec<Line>,
}

async fn run(scenarios: &[&str], to: &[&str]) -> Run {
    let mut builder = Sim::builder();
    for scenario in scenarios {
        builder = builder.scenario(scenario.parse::<Scenario>().unwrap());
    }
    let sim = Arc::new(builder.start().await.unwrap());
    let taps = Tapped::default();
    let lines = Arc::new(Mutex::new(Vec::new()));
    let sink = lines.clone();
    let delivery = Delivery::new("smtp://127.0.0.1:2525?tls=none".parse().unwrap())
        .connector(Arc::new(SimNet {
            sim: sim.clone(),
            taps: taps.clone(),
        }))
        .timeout(Duration::from_secs(5))
        .transcript(Arc::new(move |line: &Line| {
            sink.lock().unwrap().push(line.clone())
        }));
    let bytes = b"Message-ID: <1@example.com>\r\nSubject: build\r\n\r\nbody\r\n".to_vec();
    let message = Outgoing::new(Some("ci@example.com"), to, "<1@example.com>", bytes).unwrap();
    let report = delivery.send(&message, &mut |_| {}).await;
    let record = sim.record();
    let taps = taps.lock().unwrap().clone();
    let transcript = lines.lock().unwrap().clone();
    Run {
        report,
        record,
        taps,
        transcript,
    }
}

/// The client's writes on a connection, each as text.
fn writes(chunks: &[Chunk]) -> Vec<String> {
    chunks
        .iter()
        .filter_map(|chunk| match chunk {
            Chunk::Wrote(bytes) => Some(String::from_utf8_lossy(bytes).into_owned()),
            Chunk::Read(_) => None,
        })
        .collect()
}

/// Round trips: the times the client wrote after reading (it then waits for a reply).
fn round_trips(chunks: &[Chunk]) -> usize {
    let mut count = 0;
    let mut after_read = false;
    for chunk in chunks {
        match chunk {
            Chunk::Read(_) => after_read = true,
            Chunk::Wrote(_) if after_read => {
                count += 1;
                after_read = false;
            }
            Chunk::Wrote(_) => {}
        }
    }
    count
}

/// Nothing written on any connection once a 421 was read (RFC 5321 section 3.8).
fn assert_nothing_written_after_a_421(taps: &[Vec<Chunk>]) {
    for (connection, chunks) in taps.iter().enumerate() {
        let mut unread = Vec::new();
        let mut heard_421 = false;
        for chunk in chunks {
            match chunk {
                Chunk::Read(bytes) => {
                    unread.extend_from_slice(bytes);
                    while let Some(end) = unread.iter().position(|&b| b == b'\n') {
                        let line: Vec<u8> = unread.drain(..=end).collect();
                        heard_421 |= line.starts_with(b"421 ");
                    }
                }
                Chunk::Wrote(bytes) => assert!(
                    !heard_421,
                    "connection {connection}: {:?} written after a 421",
                    String::from_utf8_lossy(bytes)
                ),
            }
        }
    }
}

/// The replies the sim sent to RCPT commands on `connection`.
fn rcpt_replies(record: &Record, connection: usize) -> Vec<String> {
    let events = &record.connections[connection].events;
    let mut replies = Vec::new();
    let mut commands = Vec::new();
    for event in events {
        match event {
            SimEvent::Command { line } => commands.push(line.clone()),
            SimEvent::Reply { text } => {
                // The sim answers in command order: the nth reply after the greeting is the
                // reply to the nth command.
                replies.push(text.clone());
            }
            _ => {}
        }
    }
    commands
        .iter()
        .zip(replies.iter().skip(1))
        .filter(|(command, _)| command.starts_with("RCPT"))
        .map(|(_, reply)| reply.clone())
        .collect()
}

#[tokio::test(start_paused = true)]
async fn mail_and_three_rcpts_leave_in_one_write_saving_three_round_trips() {
    let run = run(&[], &THREE).await;
    assert_eq!(
        run.report.status,
        DeliveryStatus::Delivered,
        "{:#?}",
        run.report
    );
    assert_eq!(run.record.messages.len(), 1);
    let [connection] = run.taps.as_slice() else {
        panic!("one connection: {:#?}", run.taps);
    };
    let writes = writes(connection);
    assert!(writes[0].starts_with("EHLO "), "{writes:?}");
    assert_eq!(
        writes[1..],
        [
            "MAIL FROM:<ci@example.com>\r\nRCPT TO:<a@example.com>\r\n\
             RCPT TO:<b@example.com>\r\nRCPT TO:<c@example.com>\r\n",
            "DATA\r\n",
            "Message-ID: <1@example.com>\r\nSubject: build\r\n\r\nbody\r\n.\r\n",
            "QUIT\r\n",
        ]
    );
    // Without pipelining: EHLO, MAIL, three RCPTs, DATA, the message, QUIT.
    assert_eq!(round_trips(connection), 5, "not 8");
}

#[tokio::test(start_paused = true)]
async fn the_transcript_shows_the_lines_in_the_order_sent() {
    let run = run(&[], &THREE).await;
    let dialogue: Vec<String> = run
        .transcript
        .iter()
        .filter(|line| line.direction != Direction::Note)
        .map(ToString::to_string)
        .skip_while(|line| !line.contains("MAIL FROM"))
        .take(9)
        .collect();
    assert_eq!(
        dialogue,
        [
            " -> MAIL FROM:<ci@example.com>",
            " -> RCPT TO:<a@example.com>",
            " -> RCPT TO:<b@example.com>",
            " -> RCPT TO:<c@example.com>",
            "<-  250 2.1.0 Ok",
            "<-  250 2.1.5 Ok",
            "<-  250 2.1.5 Ok",
            "<-  250 2.1.5 Ok",
            " -> DATA",
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn a_refused_mail_is_the_refusal_and_the_503s_after_it_are_not_the_recipients() {
    let run = run(&["fault:mail:550 5.7.1 Sender rejected"], &THREE).await;
    let report = &run.report;
    assert_eq!(report.status, DeliveryStatus::Failed, "{report:#?}");
    assert_eq!(report.attempts.len(), 1);
    assert_eq!(report.attempts[0].phase, Phase::Mail);
    for recipient in &report.recipients {
        assert_eq!(recipient.status, RecipientStatus::NotSent, "{report:#?}");
        assert_eq!(recipient.reply.as_ref().unwrap().code(), 550, "{report:#?}");
    }
    assert_eq!(
        rcpt_replies(&run.record, 0),
        ["503 5.5.1 Error: need MAIL command"; 3]
    );
    // The replies were read in step: the QUIT after them was answered.
    let last = writes(&run.taps[0]).pop().unwrap();
    assert_eq!(last, "QUIT\r\n");
}

#[tokio::test(start_paused = true)]
async fn one_pipelined_rcpt_of_three_refused_is_partial() {
    let run = run(&["reject:b@*:550 5.1.1 no such user"], &THREE).await;
    let statuses: Vec<_> = run.report.recipients.iter().map(|r| r.status).collect();
    assert_eq!(
        statuses,
        [
            RecipientStatus::Delivered,
            RecipientStatus::Rejected,
            RecipientStatus::Delivered
        ]
    );
    assert_eq!(
        run.record.messages[0].rcpt_to,
        ["a@example.com", "c@example.com"]
    );
    assert_eq!(run.report.attempts.len(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_421_in_the_middle_of_the_batch_is_the_last_word() {
    let run = run(&["fault:rcpt:421 4.7.0 Try again later"], &THREE).await;
    assert_eq!(
        run.report.status,
        DeliveryStatus::Delivered,
        "{:#?}",
        run.report
    );
    assert_eq!(run.report.attempts[0].phase, Phase::Rcpt);
    assert_eq!(run.report.attempts[0].reply.as_ref().unwrap().code(), 421);
    assert_eq!(run.taps.len(), 2, "the connection was not used again");
    assert_nothing_written_after_a_421(&run.taps);
    assert_eq!(run.record.deliveries_to("a@example.com"), 1);
}

#[tokio::test(start_paused = true)]
async fn a_421_to_mail_ends_the_connection_though_the_rcpts_were_already_written() {
    let run = run(&["fault:mail:421 4.7.0 Try again later"], &THREE).await;
    assert_eq!(
        run.report.status,
        DeliveryStatus::Delivered,
        "{:#?}",
        run.report
    );
    assert_eq!(run.report.attempts[0].phase, Phase::Mail);
    let first = writes(&run.taps[0]);
    assert!(
        first.last().unwrap().starts_with("MAIL FROM"),
        "the batch is the last write: {first:?}"
    );
    assert_nothing_written_after_a_421(&run.taps);
}
