//! The SMTP dialogue as a person debugging a relay reads it, as swaks and `msmtp --debug` show
//! it: each command and reply, TLS and AUTH marked, credentials masked, the message's body
//! elided past its headers. The session emits [`Line`]s through a [`Transcript`] hook; each
//! front end prints them where it wants (the CLI on stderr with `--transcript`).

use std::fmt;
use std::sync::Arc;

use crate::untrusted::escaped;

/// Receives each line of the dialogue as it happens.
pub type Transcript = Arc<dyn Fn(&Line) + Send + Sync>;

/// What a credential looks like in a transcript.
pub const MASK: &str = "****";

/// Who said a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// We sent it.
    Sent,
    /// The server sent it.
    Received,
    /// What happened around the dialogue: a connection, a TLS handshake.
    Note,
}

/// One line of the dialogue, safe to print: credentials masked, server text escaped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// Who said it.
    pub direction: Direction,
    /// Whether it went over TLS.
    pub encrypted: bool,
    /// The text, without its line end.
    pub text: String,
}

impl Line {
    pub(crate) fn note(text: impl Into<String>) -> Line {
        Line {
            direction: Direction::Note,
            encrypted: false,
            text: text.into(),
        }
    }

    /// A line from the server: its text escaped, since it is untrusted.
    pub(crate) fn received(text: &str, encrypted: bool) -> Line {
        Line {
            direction: Direction::Received,
            encrypted,
            text: escaped(text).into_owned(),
        }
    }
}

impl fmt::Display for Line {
    /// swaks's arrows: `->` and `<-` in clear text, `~>` and `<~` over TLS, `===` for notes.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let arrow = match (self.direction, self.encrypted) {
            (Direction::Sent, false) => " -> ",
            (Direction::Sent, true) => " ~> ",
            (Direction::Received, false) => "<-  ",
            (Direction::Received, true) => "<~  ",
            (Direction::Note, _) => "=== ",
        };
        write!(f, "{arrow}{}", self.text)
    }
}

/// The lines of a command as shown: an AUTH command keeps its mechanism and loses its initial
/// response, an answer to an AUTH challenge is masked whole.
pub(crate) fn command_lines(wire: &str, in_auth: bool, encrypted: bool) -> Vec<Line> {
    let sent = |text: String| Line {
        direction: Direction::Sent,
        encrypted,
        text,
    };
    let line = wire.trim_end_matches(['\r', '\n']);
    if !in_auth {
        return vec![sent(line.to_owned())];
    }
    let mut words = line.split(' ');
    match (words.next(), words.next()) {
        (Some(verb), Some(mechanism)) if verb.eq_ignore_ascii_case("AUTH") => match words.next() {
            Some(_) => vec![sent(format!("{verb} {mechanism} {MASK}"))],
            None => vec![sent(format!("{verb} {mechanism}"))],
        },
        _ => vec![sent(MASK.to_owned())],
    }
}

/// The message (as composed, before dot-stuffing) as shown after DATA: its header lines, then how much body was left out, then the
/// final dot. Headers are what one debugs (From, To, Subject, Message-ID); the body may be long
/// and is the user's own.
pub(crate) fn message_lines(message: &[u8], encrypted: bool) -> Vec<Line> {
    let text = String::from_utf8_lossy(message);
    let mut lines: Vec<Line> = Vec::new();
    let mut rest = text.as_ref();
    while let Some((line, after)) = rest.split_once('\n') {
        let line = line.trim_end_matches('\r');
        rest = after;
        if line.is_empty() {
            break;
        }
        lines.push(Line {
            direction: Direction::Sent,
            encrypted,
            text: escaped(line).into_owned(),
        });
    }
    lines.push(Line {
        direction: Direction::Sent,
        encrypted,
        text: String::new(),
    });
    lines.push(Line::note(format!("(body elided: {} bytes)", rest.len())));
    lines.push(Line {
        direction: Direction::Sent,
        encrypted,
        text: ".".to_owned(),
    });
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(lines: &[Line]) -> Vec<String> {
        lines.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn credentials_never_show() {
        let plain = command_lines("AUTH PLAIN AGNpAHNlY3JldA==\r\n", true, true);
        assert_eq!(shown(&plain), [" ~> AUTH PLAIN ****"]);
        let login = command_lines("AUTH LOGIN\r\n", true, true);
        assert_eq!(shown(&login), [" ~> AUTH LOGIN"]);
        let answer = command_lines("c2VjcmV0\r\n", true, true);
        assert_eq!(shown(&answer), [" ~> ****"]);
        let mail = command_lines("MAIL FROM:<ci@example.com>\r\n", false, false);
        assert_eq!(shown(&mail), [" -> MAIL FROM:<ci@example.com>"]);
    }

    #[test]
    fn the_body_is_elided_past_the_headers() {
        let message = b"Subject: build\r\nTo: a@example.com\r\n\r\nsecret body";
        let lines = shown(&message_lines(message, false));
        assert_eq!(
            lines,
            [
                " -> Subject: build",
                " -> To: a@example.com",
                " -> ",
                "=== (body elided: 11 bytes)",
                " -> ."
            ]
        );
    }

    #[test]
    fn server_text_is_escaped() {
        let line = Line::received("250 ok\u{1b}[31m", false);
        assert!(!line.to_string().contains('\u{1b}'));
    }
}
