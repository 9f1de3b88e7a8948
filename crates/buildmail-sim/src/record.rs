//! What the sim saw: every connection with its commands and replies in order, and every accepted
//! message, queryable from tests and written as JSON lines.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A snapshot of everything a sim has seen so far.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use buildmail_sim::Sim;
///
/// let sim = Sim::builder().start().await?;
/// let record = sim.record();
/// assert_eq!(record.deliveries_to("ops@example.com"), 0);
/// assert!(record.duplicate_message_ids().is_empty());
/// sim.shutdown().await;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// Every connection, in the order they were accepted (or handed to `serve_stream`).
    pub connections: Vec<ConnectionLog>,
    /// Every message the sim accepted (including those of `lost-ok`), in order.
    pub messages: Vec<AcceptedMessage>,
}

impl Record {
    /// How many accepted messages went to `address` (compared case-insensitively).
    pub fn deliveries_to(&self, address: &str) -> usize {
        self.messages
            .iter()
            .filter(|m| m.rcpt_to.iter().any(|r| r.eq_ignore_ascii_case(address)))
            .count()
    }

    /// The Message-IDs accepted more than once: the duplicates a client's retry created.
    pub fn duplicate_message_ids(&self) -> Vec<String> {
        let mut seen = std::collections::HashSet::new();
        let mut duplicates = Vec::new();
        for id in self.messages.iter().filter_map(|m| m.message_id.as_deref()) {
            if !seen.insert(id) && !duplicates.iter().any(|d| d == id) {
                duplicates.push(id.to_owned());
            }
        }
        duplicates
    }

    /// Every reply the sim sent, over all connections, in order.
    pub fn replies(&self) -> Vec<&str> {
        self.connections
            .iter()
            .flat_map(ConnectionLog::replies)
            .collect()
    }

    /// The accepted messages as JSON lines, the format of `buildmail sim --record`.
    pub fn to_json_lines(&self) -> String {
        self.messages
            .iter()
            .map(|m| m.to_json_line() + "\n")
            .collect()
    }
}

/// One connection: where it came from and what was said, in order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ConnectionLog {
    /// The client's address, or `stream` for a connection given to `serve_stream`.
    pub peer: String,
    /// Commands, replies and what happened to the connection, in order.
    pub events: Vec<Event>,
}

impl ConnectionLog {
    /// The replies sent on this connection, in order; multi-line replies as lines joined by `\n`.
    pub fn replies(&self) -> impl Iterator<Item = &str> {
        self.events.iter().filter_map(|event| match event {
            Event::Reply { text } => Some(text.as_str()),
            _ => None,
        })
    }

    /// The commands received on this connection, credentials shown as `***`.
    pub fn commands(&self) -> impl Iterator<Item = &str> {
        self.events.iter().filter_map(|event| match event {
            Event::Command { line } => Some(line.as_str()),
            _ => None,
        })
    }

    /// How the connection ended, if it has.
    pub fn closed(&self) -> Option<Close> {
        self.events.iter().find_map(|event| match event {
            Event::Closed { by } => Some(*by),
            _ => None,
        })
    }
}

/// One thing that happened on a connection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// A command line from the client, without its CRLF; AUTH credentials replaced by `***`.
    Command {
        /// The line as received (lossy UTF-8).
        line: String,
    },
    /// A reply from the sim, without CRLF; the lines of a multi-line reply joined by `\n`.
    Reply {
        /// The reply as sent.
        text: String,
    },
    /// Message content after `354`, up to the final dot.
    Data {
        /// Its size after dot-unstuffing.
        bytes: usize,
    },
    /// The TLS handshake completed (implicit TLS or after STARTTLS).
    TlsEstablished,
    /// The connection ended.
    Closed {
        /// Who ended it.
        by: Close,
    },
}

/// Who ended a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Close {
    /// The client: after QUIT, or by closing its side.
    Client,
    /// The sim, after a reply: a 421, QUIT's 221 excepted, the shutdown of the sim, an idle timeout.
    Server,
    /// The sim, without a reply: `drop`, `lost-ok`, a failed TLS handshake.
    Dropped,
}

/// A message the sim accepted at the end of DATA.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AcceptedMessage {
    /// The `Message-ID` header, as written (usually with its angle brackets), if there is one.
    pub message_id: Option<String>,
    /// The envelope sender (`MAIL FROM`), without angle brackets; empty for a bounce.
    pub mail_from: String,
    /// The envelope recipients that were accepted, in order.
    pub rcpt_to: Vec<String>,
    /// The message content after dot-unstuffing, with CRLF line ends (JSON: a string, lossy UTF-8).
    #[serde(serialize_with = "bytes_as_text", deserialize_with = "text_as_bytes")]
    pub data: Vec<u8>,
    /// The index of its connection in [`Record::connections`].
    pub connection: usize,
    /// Whether the connection was encrypted when the message was accepted.
    pub tls: bool,
    /// The user name the client authenticated as, if it did.
    pub auth_user: Option<String>,
}

impl AcceptedMessage {
    /// One line of JSON without a line end.
    pub fn to_json_line(&self) -> String {
        serde_json::to_string(self).expect("a message serialises to JSON")
    }

    /// The message content as text (lossy UTF-8).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.data).into_owned()
    }
}

fn bytes_as_text<S: Serializer>(data: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&String::from_utf8_lossy(data))
}

fn text_as_bytes<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<u8>, D::Error> {
    String::deserialize(deserializer).map(String::into_bytes)
}

/// The `Message-ID` header of a message, unfolded and trimmed.
pub(crate) fn message_id(data: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(data);
    let lines = text.split('\n').map(|l| l.trim_end_matches('\r'));
    let mut found: Option<String> = None;
    for line in lines {
        if line.is_empty() {
            break;
        }
        if let Some(value) = found.as_mut() {
            if line.starts_with([' ', '\t']) {
                value.push_str(line.trim());
                continue;
            }
            break;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.trim().eq_ignore_ascii_case("message-id")
        {
            found = Some(value.trim().to_owned());
        }
    }
    found.filter(|id| !id.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_id_is_read_from_the_headers_only() {
        let data = b"Subject: hi\r\nMessage-ID:\r\n <abc@example.com>\r\nTo: a@b\r\n\r\nMessage-ID: <body@x>\r\n";
        assert_eq!(message_id(data).as_deref(), Some("<abc@example.com>"));
        assert_eq!(
            message_id(b"Subject: hi\r\n\r\nMessage-ID: <body@x>\r\n"),
            None
        );
    }

    #[test]
    fn duplicates_and_deliveries_count_accepted_messages() {
        let message = |id: &str, to: &str| AcceptedMessage {
            message_id: Some(id.into()),
            mail_from: "ci@example.com".into(),
            rcpt_to: vec![to.into()],
            data: b"x".to_vec(),
            connection: 0,
            tls: false,
            auth_user: None,
        };
        let record = Record {
            connections: Vec::new(),
            messages: vec![
                message("<1@x>", "A@b.c"),
                message("<1@x>", "a@b.c"),
                message("<2@x>", "d@e.f"),
            ],
        };
        assert_eq!(record.deliveries_to("a@B.c"), 2);
        assert_eq!(record.duplicate_message_ids(), vec!["<1@x>".to_owned()]);
        let line = record.messages[0].to_json_line();
        assert_eq!(
            serde_json::from_str::<AcceptedMessage>(&line).unwrap(),
            record.messages[0]
        );
    }
}
