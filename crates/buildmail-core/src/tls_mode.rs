//! Telling the two TLS modes apart when the URL's scheme and the server disagree: `smtp://` to a
//! port that speaks TLS from the first byte (465) waits for a greeting that never comes, and
//! `smtps://` to a port that greets in plain text (587, 25) fails its handshake on "220 ".
//! Neither gets better by retrying, so each is recognised and named (see `session.rs`).

use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use rustls::pki_types::ServerName;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};

use crate::clock;
use crate::connector::{BoxStream, Connector, TlsTrust};
use crate::server::Server;

/// How long a silent `smtp://` server may keep us waiting for its first byte before a second
/// connection asks it, with a TLS hello, whether it speaks TLS. Servers that pause before their
/// greeting on purpose (sendmail's greet_pause, postscreen) do so on their own connection; the
/// probe does not disturb it.
pub(crate) const SILENT_GREETING_PROBE_AFTER: Duration = Duration::from_secs(3);
/// How long the probe waits for the server's answer to its hello.
const PROBE_TIMEOUT: Duration = Duration::from_secs(5);
/// A TLS record header's first bytes: the content type (handshake 22 or alert 21), then the
/// major version, 3 in every TLS version (RFC 8446 section 5.1).
const TLS_HANDSHAKE: u8 = 0x16;
const TLS_ALERT: u8 = 0x15;
const TLS_MAJOR_VERSION: u8 = 0x03;

/// Whether the server at `server` answers a TLS ClientHello with a TLS record, on a connection
/// of its own. Any failure to find out answers no: the ordinary timeout then takes its course.
pub(crate) async fn speaks_tls(connector: &dyn Connector, server: &Server) -> bool {
    let probe = async {
        let mut stream = connector.connect(server).await.ok()?;
        stream.write_all(&client_hello(server.host())?).await.ok()?;
        stream.flush().await.ok()?;
        let mut header = [0u8; 2];
        stream.read_exact(&mut header).await.ok()?;
        Some(matches!(
            header,
            [TLS_HANDSHAKE | TLS_ALERT, TLS_MAJOR_VERSION]
        ))
    };
    clock::within(PROBE_TIMEOUT, probe)
        .await
        .flatten()
        .unwrap_or(false)
}

/// The bytes of a TLS ClientHello for `host`, as rustls would open a connection with them.
fn client_hello(host: &str) -> Option<Vec<u8>> {
    let name = ServerName::try_from(host.to_owned())
        .or_else(|_| ServerName::try_from("localhost"))
        .ok()?;
    let config = TlsTrust::insecure_skip_verify()
        .ok()?
        .client_config()
        .ok()?;
    let mut connection = rustls::ClientConnection::new(config, name).ok()?;
    let mut hello = Vec::new();
    connection.write_tls(&mut hello).ok()?;
    Some(hello)
}

/// Whether the first bytes a server sent look like an SMTP reply ("220 ", "554-") rather than a
/// TLS record: three digits, then a space or a dash.
pub(crate) fn looks_like_smtp(first: &[u8]) -> bool {
    match first {
        [a, b, c, rest @ ..] => {
            [a, b, c].iter().all(|byte| byte.is_ascii_digit())
                && rest.first().is_none_or(|byte| matches!(byte, b' ' | b'-'))
        }
        _ => false,
    }
}

/// The first bytes read from a [`Sniffed`] stream, kept for after a failed TLS handshake.
#[derive(Debug, Clone, Default)]
pub(crate) struct FirstBytes(Arc<Mutex<Vec<u8>>>);

/// How many first bytes are kept: enough for "220 ".
const SNIFF_BYTES: usize = 4;

impl FirstBytes {
    /// The bytes kept so far.
    pub(crate) fn get(&self) -> Vec<u8> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn keep(&self, bytes: &[u8]) {
        let mut first = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let room = SNIFF_BYTES.saturating_sub(first.len());
        first.extend(bytes.iter().take(room));
    }
}

/// A stream that remembers the first bytes the server sent, so a TLS handshake that fails on
/// them can say whether the server spoke plain SMTP.
pub(crate) struct Sniffed {
    inner: BoxStream,
    first: FirstBytes,
}

impl Sniffed {
    /// Wraps `inner`; the returned [`FirstBytes`] fills as the stream is read.
    pub(crate) fn new(inner: BoxStream) -> (Sniffed, FirstBytes) {
        let first = FirstBytes::default();
        let sniffed = Sniffed {
            inner,
            first: first.clone(),
        };
        (sniffed, first)
    }
}

impl AsyncRead for Sniffed {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let poll = Pin::new(&mut self.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = poll {
            self.first.keep(&buf.filled()[before..]);
        }
        poll
    }
}

impl AsyncWrite for Sniffed {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plain_greeting_is_told_from_a_tls_record() {
        assert!(looks_like_smtp(b"220 "));
        assert!(looks_like_smtp(b"554-"));
        assert!(looks_like_smtp(b"220"));
        assert!(!looks_like_smtp(&[
            TLS_HANDSHAKE,
            TLS_MAJOR_VERSION,
            0x03,
            0x00
        ]));
        assert!(!looks_like_smtp(b"22"));
        assert!(!looks_like_smtp(b"HTTP"));
    }

    #[test]
    fn the_probe_sends_a_tls_handshake_record() {
        let hello = client_hello("relay.example.com").unwrap();
        assert_eq!(hello[..2], [TLS_HANDSHAKE, TLS_MAJOR_VERSION]);
        assert!(client_hello("127.0.0.1").is_some());
    }
}
