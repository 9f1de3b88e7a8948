//! What an SMTP server said: the reply model every other part of buildmail reads.
//!
//! A [`Reply`] is parsed from the wire (`421-4.7.0 first line` / `421 4.7.0 last line`) or from a
//! tool's printout of it, and carries the basic code (RFC 5321), the enhanced status code when the
//! server sent one (RFC 3463), and the text.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An SMTP reply: a three-digit code, an optional enhanced status code, and the text.
///
/// Serialises as the JSON report shows it, `{"code", "enhanced", "text"}`, and reads back from
/// that (the outbox keeps the attempts of a deferred message).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reply {
    code: u16,
    enhanced: Option<EnhancedCode>,
    text: String,
}

/// The class of a reply, from its first digit (RFC 5321 section 4.2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Class {
    /// 2xx: the command succeeded.
    Success,
    /// 3xx: the server waits for more (after DATA, during AUTH).
    Intermediate,
    /// 4xx: refused for now; the same command may succeed later.
    Transient,
    /// 5xx: refused for good; repeating the command will not help.
    Permanent,
}

/// Why a text could not be read as an SMTP reply.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReplyError {
    /// Nothing but white space.
    #[error("the reply is empty: give the server's reply, e.g. \"421 4.7.0 Try again later\"")]
    Empty,
    /// The text does not start with a three-digit code.
    #[error(
        "{0:?} does not start with a three-digit SMTP code, e.g. \"421 4.7.0 Try again later\""
    )]
    MissingCode(String),
    /// A three-digit code that no SMTP server sends.
    #[error("{0} is not an SMTP reply code: codes run from 200 to 599")]
    CodeOutOfRange(u16),
}

impl Reply {
    /// A reply from its parts, as the sender builds it from what it read.
    pub fn new(
        code: u16,
        enhanced: Option<EnhancedCode>,
        text: impl Into<String>,
    ) -> Result<Self, ReplyError> {
        if !(200..=599).contains(&code) {
            return Err(ReplyError::CodeOutOfRange(code));
        }
        Ok(Reply {
            code,
            enhanced,
            text: printable(&text.into()),
        })
    }

    /// Parses a reply as it came over the wire or as a tool printed it.
    ///
    /// Multi-line replies (`250-...` then `250 ...`) are joined with single spaces; the enhanced
    /// code is taken from the first line and removed from the others.
    ///
    /// ```
    /// use buildmail_core::{Class, Reply};
    ///
    /// let reply = Reply::parse("451-4.7.1 Greylisting in action,\r\n451 4.7.1 please come back later").unwrap();
    /// assert_eq!(reply.code(), 451);
    /// assert_eq!(reply.enhanced().unwrap().to_string(), "4.7.1");
    /// assert_eq!(reply.text(), "Greylisting in action, please come back later");
    /// assert_eq!(reply.class(), Class::Transient);
    /// ```
    pub fn parse(input: &str) -> Result<Self, ReplyError> {
        let mut lines = input.lines().map(str::trim).filter(|line| !line.is_empty());
        let first = lines.next().ok_or(ReplyError::Empty)?;
        let (code, rest) = split_code(first)
            .or_else(|| code_from_enhanced(first))
            .ok_or_else(|| ReplyError::MissingCode(shorten(first)))?;
        if !(200..=599).contains(&code) {
            return Err(ReplyError::CodeOutOfRange(code));
        }
        let (enhanced, first_text) = split_enhanced(rest, code);
        let mut text = first_text.to_owned();
        for line in lines {
            // Continuation lines repeat the code and enhanced code; tools sometimes drop both.
            let line_text = match split_code(line) {
                Some((line_code, rest)) if line_code == code => {
                    match (enhanced, split_enhanced(rest, code)) {
                        (Some(ours), (Some(theirs), stripped)) if ours == theirs => stripped,
                        _ => rest,
                    }
                }
                _ => line,
            };
            if !line_text.is_empty() {
                if !text.is_empty() {
                    text.push(' ');
                }
                text.push_str(line_text);
            }
        }
        let enhanced = enhanced.or_else(|| qmail_enhanced(&text, code));
        Ok(Reply {
            code,
            enhanced,
            text: printable(&text),
        })
    }

    /// The basic three-digit code.
    pub fn code(&self) -> u16 {
        self.code
    }

    /// The enhanced status code (RFC 3463), when the server sent one.
    pub fn enhanced(&self) -> Option<EnhancedCode> {
        self.enhanced
    }

    /// The human-readable text, without codes.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The class of the basic code.
    pub fn class(&self) -> Class {
        match self.code / 100 {
            2 => Class::Success,
            3 => Class::Intermediate,
            4 => Class::Transient,
            _ => Class::Permanent,
        }
    }

    /// Whether the same command may succeed later (4xx).
    pub fn is_transient(&self) -> bool {
        self.class() == Class::Transient
    }

    /// Whether this is a `552` that says "too many recipients": RFC 821 gave that condition 552
    /// by mistake, and RFC 5321 section 4.5.3.1.10 asks clients to treat it as the `452` it is
    /// (send those recipients again later).
    pub fn is_misnumbered_452(&self) -> bool {
        self.code == 552
            && self
                .text
                .to_ascii_lowercase()
                .contains("too many recipients")
    }

    /// Whether the command failed for good (5xx).
    pub fn is_permanent(&self) -> bool {
        self.class() == Class::Permanent
    }

    /// Whether the command succeeded or the server waits for more (2xx, 3xx).
    pub fn is_positive(&self) -> bool {
        matches!(self.class(), Class::Success | Class::Intermediate)
    }

    /// The delay the server itself asks for ("try again in 15 minutes"), if its text names one.
    pub fn retry_hint(&self) -> Option<Duration> {
        crate::hint::retry_after(&self.text)
    }
}

impl fmt::Display for Reply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.code)?;
        if let Some(enhanced) = self.enhanced {
            write!(f, " {enhanced}")?;
        }
        if !self.text.is_empty() {
            write!(f, " {}", self.text)?;
        }
        Ok(())
    }
}

impl FromStr for Reply {
    type Err = ReplyError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Reply::parse(s)
    }
}

/// An RFC 3463 enhanced status code: `class.subject.detail`, e.g. `4.7.0`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EnhancedCode {
    /// 2 (success), 4 (persistent transient failure) or 5 (permanent failure).
    pub class: u8,
    /// What the status is about: 1 addressing, 2 mailbox, 3 mail system, 4 network and routing,
    /// 5 mail delivery protocol, 6 message content, 7 security or policy.
    pub subject: u16,
    /// The detail within the subject.
    pub detail: u16,
}

impl EnhancedCode {
    /// An enhanced code from its three parts.
    pub const fn new(class: u8, subject: u16, detail: u16) -> Self {
        EnhancedCode {
            class,
            subject,
            detail,
        }
    }
}

impl fmt::Display for EnhancedCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.class, self.subject, self.detail)
    }
}

impl Serialize for EnhancedCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Reply {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Shown {
            code: u16,
            enhanced: Option<String>,
            text: String,
        }
        let shown = Shown::deserialize(deserializer)?;
        let enhanced = shown
            .enhanced
            .map(|code| code.parse::<EnhancedCode>())
            .transpose()
            .map_err(serde::de::Error::custom)?;
        Reply::new(shown.code, enhanced, shown.text).map_err(serde::de::Error::custom)
    }
}

/// The error of [`EnhancedCode::from_str`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{0:?} is not an enhanced status code such as 4.7.0 (RFC 3463: class 2, 4 or 5, then two numbers of one to three digits)"
)]
pub struct EnhancedCodeError(String);

impl FromStr for EnhancedCode {
    type Err = EnhancedCodeError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_enhanced(s).ok_or_else(|| EnhancedCodeError(shorten(s)))
    }
}

fn parse_enhanced(s: &str) -> Option<EnhancedCode> {
    let mut parts = s.split('.');
    let class = parts.next()?;
    let subject = parts.next()?;
    let detail = parts.next()?;
    if parts.next().is_some() || class.len() != 1 || !is_number(subject) || !is_number(detail) {
        return None;
    }
    let class: u8 = class.parse().ok()?;
    if !matches!(class, 2 | 4 | 5) {
        return None;
    }
    Some(EnhancedCode {
        class,
        subject: subject.parse().ok()?,
        detail: detail.parse().ok()?,
    })
}

fn is_number(s: &str) -> bool {
    (1..=3).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
}

/// Splits `421-text`, `421 text` or a bare `421` into the code and the rest.
fn split_code(line: &str) -> Option<(u16, &str)> {
    let bytes = line.as_bytes();
    if bytes.len() < 3 || !bytes[..3].iter().all(u8::is_ascii_digit) {
        return None;
    }
    let rest = &line[3..];
    let rest = match rest.as_bytes().first() {
        None => rest,
        Some(b' ' | b'-' | b'\t') => &rest[1..],
        Some(_) => return None,
    };
    Some((line[..3].parse().ok()?, rest.trim()))
}

/// A reply quoted with only its enhanced code (Exchange NDRs print `4.3.2 STOREDRV...`): the basic
/// code is the class's generic one (451 or 554, 250 for success), and the text keeps the enhanced
/// code so that [`split_enhanced`] reads it as usual.
fn code_from_enhanced(line: &str) -> Option<(u16, &str)> {
    let token = line.split_whitespace().next()?;
    let enhanced = parse_enhanced(token)?;
    let code = match enhanced.class {
        2 => 250,
        4 => 451,
        _ => 554,
    };
    Some((code, line))
}

/// Splits a leading enhanced code off the text. Servers that send one with a class unlike the
/// basic code's (e.g. `550 4.7.1`) are rare and kept as they are.
fn split_enhanced(text: &str, _code: u16) -> (Option<EnhancedCode>, &str) {
    let token_end = text.find(char::is_whitespace).unwrap_or(text.len());
    match parse_enhanced(&text[..token_end]) {
        Some(enhanced) => (Some(enhanced), text[token_end..].trim_start()),
        None => (None, text),
    }
}

/// qmail writes the enhanced code at the end of its text, `sorry, no mailbox here by that name
/// (#5.1.1)`; it counts when its class is the basic code's.
fn qmail_enhanced(text: &str, code: u16) -> Option<EnhancedCode> {
    let inner = text.trim_end().strip_suffix(')')?;
    let start = inner.rfind("(#")?;
    let enhanced = parse_enhanced(&inner[start + 2..])?;
    (u16::from(enhanced.class) == code / 100).then_some(enhanced)
}

/// The server's text is untrusted: control characters (escape sequences, a bare CR) become
/// spaces here, once, so no report, log line or annotation can be steered by them.
/// Server text as it is kept and shown: tabs become spaces, anything else that could drive a
/// terminal or a CI log is escaped (see [`crate::untrusted`]).
fn printable(text: &str) -> String {
    crate::untrusted::escaped(&text.replace('\t', " ")).into_owned()
}

fn shorten(s: &str) -> String {
    const MAX: usize = 80;
    match s.char_indices().nth(MAX) {
        Some((end, _)) => format!("{}...", &s[..end]),
        None => s.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn qmail_puts_the_enhanced_code_at_the_end() {
        let reply =
            Reply::parse("553 sorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)")
                .unwrap();
        assert_eq!(
            reply.enhanced().map(|e| e.to_string()).as_deref(),
            Some("5.7.1")
        );
        assert_eq!(
            reply.text(),
            "sorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)"
        );
        // Another class than the basic code's is not taken.
        assert_eq!(Reply::parse("550 odd (#4.3.0)").unwrap().enhanced(), None);
    }

    use super::*;

    #[test]
    fn single_line_with_enhanced_code() {
        let reply = Reply::parse("421 4.7.0 Try again later").unwrap();
        assert_eq!((reply.code(), reply.text()), (421, "Try again later"));
        assert_eq!(reply.enhanced(), Some(EnhancedCode::new(4, 7, 0)));
        assert!(reply.is_transient());
    }

    #[test]
    fn multi_line_gmail_reply_joins_lines() {
        let wire = "421-4.7.0 [192.0.2.1] Our system has detected an unusual rate of\r\n\
                    421-4.7.0 unsolicited mail originating from your IP address.\r\n\
                    421 4.7.0 https://support.google.com/mail/?p=UnsolicitedRateLimitError\r\n";
        let reply = Reply::parse(wire).unwrap();
        assert_eq!(
            reply.text(),
            "[192.0.2.1] Our system has detected an unusual rate of unsolicited mail originating \
             from your IP address. https://support.google.com/mail/?p=UnsolicitedRateLimitError"
        );
    }

    #[test]
    fn a_continuation_line_loses_only_the_codes_that_repeat_the_first_line() {
        // Another basic code, or another enhanced code, is part of what the server said.
        let reply = Reply::parse("550-5.1.1 first\r\n421 second").unwrap();
        assert_eq!(reply.text(), "first 421 second");
        let reply = Reply::parse("550-5.1.1 first\r\n550 5.2.2 second").unwrap();
        assert_eq!(reply.text(), "first 5.2.2 second");
        let reply = Reply::parse("550-5.1.1 first\r\n550 5.1.1 second").unwrap();
        assert_eq!(reply.text(), "first second");
    }

    #[test]
    fn an_enhanced_code_is_one_digit_then_two_numbers_of_up_to_three() {
        for text in [
            "5.1.1.1 x",
            "5.1000.1 x",
            "5.1.1000 x",
            "55.1.1 x",
            "5.a.1 x",
        ] {
            let reply = Reply::parse(&format!("550 {text}")).unwrap();
            assert_eq!(reply.enhanced(), None, "{text}");
            assert_eq!(reply.text(), text);
        }
        assert_eq!("5.123.456".parse(), Ok(EnhancedCode::new(5, 123, 456)));
    }

    #[test]
    fn bare_code_has_empty_text() {
        let reply = Reply::parse("421").unwrap();
        assert_eq!(
            (reply.code(), reply.enhanced(), reply.text()),
            (421, None, "")
        );
    }

    #[test]
    fn text_that_looks_like_a_version_is_not_an_enhanced_code() {
        let reply = Reply::parse("220 mail.example.com ESMTP Postfix 3.7.2").unwrap();
        assert_eq!(reply.enhanced(), None);
        let reply = Reply::parse("550 6.1.1 odd").unwrap();
        assert_eq!(reply.enhanced(), None, "class 6 does not exist");
    }

    #[test]
    fn a_reply_quoted_with_only_its_enhanced_code_keeps_its_class() {
        let reply =
            Reply::parse("4.3.2 STOREDRV.ClientSubmit; sender thread limit exceeded.").unwrap();
        assert_eq!(reply.enhanced(), Some(EnhancedCode::new(4, 3, 2)));
        assert!(reply.is_transient());
        assert_eq!(
            reply.text(),
            "STOREDRV.ClientSubmit; sender thread limit exceeded."
        );
    }

    #[test]
    fn a_success_quoted_with_only_its_enhanced_code_is_a_250() {
        let reply = Reply::parse("2.0.0 Ok: queued as 4F1B2").unwrap();
        assert_eq!((reply.code(), reply.class()), (250, Class::Success));
    }

    #[test]
    fn a_line_without_a_code_is_named_in_the_error_up_to_80_characters() {
        assert_eq!(
            Reply::parse("hello there"),
            Err(ReplyError::MissingCode("hello there".into()))
        );
        let long = "x".repeat(200);
        assert_eq!(
            Reply::parse(&long),
            Err(ReplyError::MissingCode(format!("{}...", "x".repeat(80))))
        );
    }

    #[test]
    fn bad_input_is_an_error_not_a_panic() {
        assert_eq!(Reply::parse("  \n"), Err(ReplyError::Empty));
        assert_eq!(
            Reply::parse("600 nope"),
            Err(ReplyError::CodeOutOfRange(600))
        );
        assert_eq!(
            Reply::parse("199 nope"),
            Err(ReplyError::CodeOutOfRange(199))
        );
        assert!(matches!(
            Reply::parse("hello"),
            Err(ReplyError::MissingCode(_))
        ));
        assert!(matches!(
            Reply::parse("4210 x"),
            Err(ReplyError::MissingCode(_))
        ));
    }

    #[test]
    fn a_552_too_many_recipients_is_the_misnumbered_452_of_rfc_821() {
        assert!(
            Reply::parse("552 5.5.3 Too many recipients")
                .unwrap()
                .is_misnumbered_452()
        );
        assert!(
            !Reply::parse("552 5.3.4 Message too big")
                .unwrap()
                .is_misnumbered_452()
        );
        assert!(
            !Reply::parse("452 4.5.3 Too many recipients")
                .unwrap()
                .is_misnumbered_452()
        );
    }

    #[test]
    fn control_characters_in_the_text_are_escaped_and_tabs_become_spaces() {
        let reply = Reply::parse("421 4.7.0 busy\r\x1b[2J ::error::pwned\x07").unwrap();
        assert_eq!(reply.text(), "busy\\r\\u{1b}[2J \\u{3a}:error::pwned\\u{7}");
        let reply = Reply::new(451, None, "a\tb").unwrap();
        assert_eq!(reply.text(), "a b");
    }

    #[test]
    fn serializes_as_interface_json() {
        let reply = Reply::parse("250 2.0.0 OK").unwrap();
        assert_eq!(
            serde_json::to_value(&reply).unwrap(),
            serde_json::json!({"code": 250, "enhanced": "2.0.0", "text": "OK"})
        );
    }

    #[test]
    fn reads_back_what_it_wrote() {
        for text in ["451 4.7.1 Greylisted", "554 No SMTP service here"] {
            let reply = Reply::parse(text).unwrap();
            let json = serde_json::to_string(&reply).unwrap();
            assert_eq!(serde_json::from_str::<Reply>(&json).unwrap(), reply);
        }
        let bad = serde_json::json!({"code": 999, "enhanced": null, "text": ""});
        assert!(serde_json::from_value::<Reply>(bad).is_err());
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..300)) {
            let text = String::from_utf8_lossy(&bytes);
            if let Ok(reply) = Reply::parse(&text) {
                proptest::prop_assert!((200..=599).contains(&reply.code()));
            }
        }
    }
}
