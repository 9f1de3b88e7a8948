//! Clients for the tests: lettre's low-level connection over TCP or an in-memory stream, and a
//! raw line client for what lettre would not send.

#![allow(dead_code)] // each module uses the helpers it needs
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};

use buildmail_sim::{Scenario, Sim, SimHandle};
use lettre::Address;
use lettre::transport::smtp::client::{AsyncSmtpConnection, AsyncTokioStream};
use lettre::transport::smtp::commands::{Data, Mail, Rcpt};
use lettre::transport::smtp::extension::ClientId;
use lettre::transport::smtp::response::Response;
use tokio::io::{
    AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader, DuplexStream, ReadBuf,
};
use tokio::net::TcpStream;

pub type SmtpResult = Result<Response, lettre::transport::smtp::Error>;

/// A sim with these scenario specs on a free loopback port.
pub async fn sim(specs: &[&str]) -> SimHandle {
    Sim::builder()
        .scenarios(specs.iter().map(|spec| spec.parse::<Scenario>().unwrap()))
        .start()
        .await
        .unwrap()
}

pub fn client_id() -> ClientId {
    ClientId::Domain("ci.example.com".into())
}

/// Connects over TCP; lettre reads the greeting and sends EHLO.
pub async fn connect(
    sim: &SimHandle,
) -> Result<AsyncSmtpConnection, lettre::transport::smtp::Error> {
    AsyncSmtpConnection::connect_tokio1(sim.addr(), None, &client_id(), None, None).await
}

/// Connects over an in-memory stream served by `serve_stream`, for tests on the paused clock.
pub async fn connect_stream(
    sim: &SimHandle,
) -> Result<AsyncSmtpConnection, lettre::transport::smtp::Error> {
    let (client, server) = tokio::io::duplex(64 * 1024);
    sim.serve_stream(server);
    AsyncSmtpConnection::connect_with_transport(Box::new(Piped(client)), &client_id()).await
}

/// A reply as text: `250 2.1.0 Ok`; the lines of a multi-line reply joined by spaces.
pub fn reply(result: &SmtpResult) -> String {
    match result {
        Ok(response) => {
            let code = response.code();
            format!(
                "{code} {}",
                response.message().collect::<Vec<_>>().join(" ")
            )
        }
        Err(error) => match (error.status(), std::error::Error::source(error)) {
            (Some(code), Some(text)) => format!("{code} {text}"),
            _ => format!("no reply: {error}"),
        },
    }
}

pub fn address(text: &str) -> Address {
    text.parse().unwrap()
}

/// A small message with this Message-ID.
pub fn message(id: &str) -> Vec<u8> {
    format!(
        "From: ci@example.com\r\nTo: dev@example.com\r\nMessage-ID: {id}\r\nSubject: build 42 failed\r\n\r\nThe build failed.\r\n.hidden line starts with a dot\r\n"
    )
    .into_bytes()
}

/// The replies to MAIL, each RCPT, DATA and the content, stopping at the first refusal.
pub async fn send(
    connection: &mut AsyncSmtpConnection,
    from: &str,
    to: &[&str],
    content: &[u8],
) -> Vec<String> {
    let mut replies = Vec::new();
    let mail = connection
        .command(Mail::new(Some(address(from)), vec![]))
        .await;
    replies.push(reply(&mail));
    if mail.is_err() {
        return replies;
    }
    let mut accepted = 0;
    for rcpt in to {
        let result = connection.command(Rcpt::new(address(rcpt), vec![])).await;
        accepted += usize::from(result.is_ok());
        replies.push(reply(&result));
        if result.as_ref().is_err_and(|e| e.status().is_none()) {
            return replies;
        }
    }
    if accepted == 0 {
        return replies;
    }
    let data = connection.command(Data).await;
    replies.push(reply(&data));
    if data.is_ok() {
        replies.push(reply(&connection.message(content).await));
    }
    replies
}

/// lettre wants a stream that can name its peer; an in-memory stream has none of its own.
#[derive(Debug)]
pub struct Piped(pub DuplexStream);

impl AsyncTokioStream for Piped {
    fn peer_addr(&self) -> io::Result<SocketAddr> {
        Ok(SocketAddr::from(([127, 0, 0, 1], 25)))
    }
}

impl AsyncRead for Piped {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl AsyncWrite for Piped {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }
}

/// A line client that sends exactly what a test says, for commands lettre would not send.
pub struct Raw {
    stream: BufReader<TcpStream>,
}

impl Raw {
    pub async fn connect(sim: &SimHandle) -> Raw {
        Raw {
            stream: BufReader::new(TcpStream::connect(sim.addr()).await.unwrap()),
        }
    }

    pub async fn write(&mut self, bytes: &[u8]) {
        self.stream.get_mut().write_all(bytes).await.unwrap();
    }

    /// Sends one command line and reads its reply.
    pub async fn command(&mut self, line: &str) -> String {
        self.write(format!("{line}\r\n").as_bytes()).await;
        self.reply().await
    }

    /// One reply, lines joined by `\n`, without CRLF; empty when the server closed.
    pub async fn reply(&mut self) -> String {
        let mut lines = Vec::new();
        loop {
            let mut line = String::new();
            if self.stream.read_line(&mut line).await.unwrap_or(0) == 0 {
                return lines.join("\n");
            }
            let line = line.trim_end_matches(['\r', '\n']).to_owned();
            let last = line.as_bytes().get(3) != Some(&b'-');
            lines.push(line);
            if last {
                return lines.join("\n");
            }
        }
    }
}
