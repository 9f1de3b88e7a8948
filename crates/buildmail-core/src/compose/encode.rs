//! How the text of a [`super::Draft`] becomes wire-safe: header values RFC 2047-encoded and
//! folded so that no line passes 998 octets (RFC 5322 section 2.1.1), addresses one per line,
//! and text parts with CRLF line endings only (RFC 5321 section 2.3.8), so that no bare CR or
//! LF in a body can end DATA early or smuggle a second message.
//!
//! Text the user typed that a mail client would otherwise reinterpret goes out encoded, so the
//! client shows it as typed: a word that looks like an encoded word (`=?utf-8?B?...?=`), a word
//! too long to fold, a display name with either.

use std::fmt::{self, Write};

use email_encoding::headers::writer::EmailWriter;
use email_encoding::headers::{quoted_string, rfc2047};
use lettre::message::header::{
    ContentDisposition, ContentTransferEncoding, Header, HeaderName, HeaderValue,
};
use lettre::message::{Body, Mailbox};

/// A longer word goes out as encoded words, which can be split over lines; a raw word cannot.
const LONGEST_RAW_WORD: usize = 70;
/// A longer display name is encoded for the same reason.
const LONGEST_QUOTED_NAME: usize = 60;

/// An unstructured header (Subject, X-...): plain words as they are, the rest encoded.
pub(super) fn unstructured(name: HeaderName, text: &str) -> HeaderValue {
    let encoded = encoded_with(&name, |w| write_unstructured(text, w));
    HeaderValue::dangerous_new_pre_encoded(name, text.to_owned(), encoded)
}

/// An address header (From, To, Cc, Reply-To): one address per line, so a list of any length
/// keeps every line short.
pub(super) fn mailboxes(name: HeaderName, list: &[Mailbox]) -> HeaderValue {
    let raw = list
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    let encoded = encoded_with(&name, |w| write_mailboxes(list, w));
    HeaderValue::dangerous_new_pre_encoded(name, raw, encoded)
}

/// `Content-Disposition: attachment` naming a file. lettre quotes a printable ASCII name as it
/// is, and mail clients decode an encoded word even inside quotes (`=?utf-8?B?...?=.exe` shows
/// as `invoice.pdf.exe`); such a name goes out in RFC 2231's percent-encoded form instead, which
/// clients show as typed.
#[derive(Debug, Clone)]
pub(super) struct AttachmentDisposition(HeaderValue);

/// Percent-encoded characters per line of an RFC 2231 continuation: short enough to keep the
/// line under 78 with its `filename*N*=utf-8''` prefix.
const RFC2231_CHUNK: usize = 48;

impl AttachmentDisposition {
    pub(super) fn new(filename: &str) -> Self {
        if !filename.contains("=?") {
            return AttachmentDisposition(ContentDisposition::attachment(filename).display());
        }
        let mut chunks = vec![String::new()];
        for byte in filename.bytes() {
            let piece = if is_attribute_char(byte) {
                char::from(byte).to_string()
            } else {
                format!("%{byte:02X}")
            };
            if chunks
                .last()
                .is_some_and(|chunk| chunk.len() + piece.len() > RFC2231_CHUNK)
            {
                chunks.push(String::new());
            }
            chunks
                .last_mut()
                .expect("one chunk at least")
                .push_str(&piece);
        }
        let parameters: Vec<String> = chunks
            .iter()
            .enumerate()
            .map(|(index, chunk)| {
                let charset = if index == 0 { "utf-8''" } else { "" };
                format!(" filename*{index}*={charset}{chunk}")
            })
            .collect();
        let encoded = format!("attachment;\r\n{}", parameters.join(";\r\n"));
        let raw = format!("attachment; filename=\"{filename}\"");
        AttachmentDisposition(HeaderValue::dangerous_new_pre_encoded(
            Self::name(),
            raw,
            encoded,
        ))
    }
}

impl Header for AttachmentDisposition {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("Content-Disposition")
    }

    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Err("buildmail writes this header and never reads it back".into())
    }

    fn display(&self) -> HeaderValue {
        self.0.clone()
    }
}

/// RFC 2231 section 7's `attribute-char`: what may stand unencoded in an extended value.
fn is_attribute_char(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&byte)
}

/// A text part's body: line endings made CRLF, encoded as lettre chooses (7bit,
/// quoted-printable or base64), and base64 when a line of the chosen form would start a CI
/// workflow command (`::error::`, `##[group]`, `##vso[...]`): `--dry-run` prints the raw message into CI logs.
pub(super) fn text_body(text: &str) -> Body {
    // Every CR and LF becomes LF; lettre then writes each LF as CRLF.
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let body = Body::new(text.clone());
    if starts_a_workflow_command(body.as_ref()) {
        Body::new_with_encoding(text, ContentTransferEncoding::Base64)
            .expect("base64 can carry any text")
    } else {
        body
    }
}

/// GitHub reads `::command::` and `##[command]` lines, Azure `##vso[...]` and `##[section]`; a
/// Markdown heading (`## Tests`) is none of them.
fn starts_a_workflow_command(encoded: &[u8]) -> bool {
    const STARTS: [&[u8]; 3] = [b"::", b"##[", b"##vso["];
    encoded
        .split(|&byte| byte == b'\n')
        .any(|line| STARTS.iter().any(|start| line.starts_with(start)))
}

fn encoded_with(name: &str, write: impl FnOnce(&mut EmailWriter<'_>) -> fmt::Result) -> String {
    let mut encoded = String::new();
    {
        let mut writer = EmailWriter::new(&mut encoded, name.len() + ": ".len(), 0, false);
        write(&mut writer).expect("writing to a String cannot fail");
    }
    encoded
}

fn write_unstructured(text: &str, w: &mut EmailWriter<'_>) -> fmt::Result {
    let mut to_encode = String::new();
    for word in text.split_inclusive(' ') {
        if is_plain_word(word.trim_end_matches(' ')) {
            write_encoded(&mut to_encode, w)?;
            w.folding().write_str(word)?;
        } else {
            to_encode.push_str(word);
        }
    }
    write_encoded(&mut to_encode, w)
}

/// Adjacent words to encode go out as one run: the space between two encoded words is not
/// displayed (RFC 2047 section 6.2), so it must be inside them.
fn write_encoded(words: &mut String, w: &mut EmailWriter<'_>) -> fmt::Result {
    let text = words.trim_end_matches(' ');
    if !text.is_empty() {
        rfc2047::encode(text, w)?;
    }
    for _ in text.len()..words.len() {
        w.space();
    }
    words.clear();
    Ok(())
}

/// A word a mail client shows as it is: printable ASCII, short enough to fold around, and not
/// the start of an encoded word.
fn is_plain_word(word: &str) -> bool {
    word.len() <= LONGEST_RAW_WORD
        && word.bytes().all(|byte| byte.is_ascii_graphic())
        && !word.contains("=?")
}

fn write_mailboxes(list: &[Mailbox], w: &mut EmailWriter<'_>) -> fmt::Result {
    for (index, mailbox) in list.iter().enumerate() {
        if index > 0 {
            w.write_char(',')?;
            w.new_line()?;
            w.space();
        }
        write_mailbox(mailbox, w)?;
    }
    Ok(())
}

fn write_mailbox(mailbox: &Mailbox, w: &mut EmailWriter<'_>) -> fmt::Result {
    let address: &str = mailbox.email.as_ref();
    let name = mailbox.name.as_deref().map(str::trim);
    match name.filter(|name| !name.is_empty()) {
        None => w.folding().write_str(address),
        Some(name) => {
            write_display_name(name, w)?;
            w.space();
            w.folding().write_str(&format!("<{address}>"))
        }
    }
}

fn write_display_name(name: &str, w: &mut EmailWriter<'_>) -> fmt::Result {
    if name.len() <= LONGEST_QUOTED_NAME && !name.contains("=?") {
        quoted_string::encode(name, w)
    } else {
        rfc2047::encode(name, w)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subject(text: &str) -> String {
        let value = unstructured(HeaderName::new_from_ascii_str("Subject"), text);
        let mut headers = lettre::message::header::Headers::new();
        headers.insert_raw(value);
        headers.to_string()
    }

    fn decoded_subject(text: &str) -> String {
        let raw = subject(text);
        let parsed = mail_parser::MessageParser::default()
            .parse(raw.as_bytes())
            .expect("parses");
        parsed.subject().expect("a subject").to_owned()
    }

    #[test]
    fn a_typed_encoded_word_is_shown_as_typed() {
        let typed = "build =?utf-8?B?SGFja2Vk?= passed";
        assert!(!subject(typed).contains("=?utf-8?B?SGFja2Vk?="));
        assert_eq!(decoded_subject(typed), typed);
    }

    #[test]
    fn a_long_unbroken_subject_is_folded_into_short_lines() {
        let long = "x".repeat(2000);
        let raw = subject(&long);
        assert!(raw.split("\r\n").all(|line| line.len() <= 78), "{raw}");
        assert_eq!(decoded_subject(&long), long);
    }

    #[test]
    fn plain_words_stay_readable() {
        assert_eq!(
            subject("[app] main #12 passed"),
            "Subject: [app] main #12 passed\r\n"
        );
    }

    #[test]
    fn lines_that_start_a_workflow_command_make_the_part_base64() {
        let body = text_body("fine\n::error title=pwned::x\n");
        assert_eq!(body.encoding(), ContentTransferEncoding::Base64);
        let body = text_body("fine\n##vso[task.setvariable variable=x]1\n");
        assert_eq!(body.encoding(), ContentTransferEncoding::Base64);
        let body = text_body("## Tests\n  ::error:: indented is harmless\n");
        assert_eq!(body.encoding(), ContentTransferEncoding::SevenBit);
    }

    #[test]
    fn every_line_ending_becomes_crlf() {
        let body = text_body("a\rb\nc\r\nd\r\r\n");
        assert_eq!(body.as_ref(), b"a\r\nb\r\nc\r\nd\r\n\r\n");
    }
}
