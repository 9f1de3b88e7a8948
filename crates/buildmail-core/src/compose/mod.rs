//! Composing a mail from parts: shared by `send` and `notify`.
//!
//! - [`address_list`]: address lists split as RFC 5322 does, `"Doe, Jane" <j@b>` staying whole.
//! - [`Addressing`]: from, to, threading, headers and priority as a front end reads them, made
//!   into a [`Draft`] in one place.
//! - [`markdown`]: Markdown to HTML, raw HTML in untrusted input escaped.
//! - [`attach`]: attachments from paths and globs, under a total size cap, logs gzip-compressed.
//! - [`draft`]: a [`Draft`] (addresses, subject, text, HTML, attachments, threading) built into an
//!   [`Outgoing`](crate::Outgoing), so untrusted text never becomes a header line.
//! - `encode`: header values and text bodies made wire-safe (encoded, folded, CRLF only).

mod address_list;
mod addressing;
pub mod attach;
pub mod draft;
mod encode;
pub mod gather;
pub mod markdown;
#[cfg(test)]
mod wire_tests;

pub use address_list::address_list;
pub use addressing::{Addressing, split_headers};
pub use attach::{AttachError, Attacher, Attachment, Collected, LeftOut, SizePolicy};
pub use draft::{ComposeError, Draft, Priority, new_message_id, sender_domain};

/// Makes untrusted text fit for one header value: control characters (CR, LF, TAB, NUL, ...)
/// become spaces and runs of white space collapse to one, so no text can start a header line;
/// a bidirectional override or isolate (U+202E, ...) is written out as `[U+202E]`, so it cannot
/// reverse what a mail client shows (a subject, a display name, a file name).
pub fn header_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text
        .split(|c: char| c.is_control() || c.is_whitespace())
        .filter(|word| !word.is_empty())
    {
        if !out.is_empty() {
            out.push(' ');
        }
        for c in word.chars() {
            if is_bidi_control(c) {
                out.push_str(&format!("[U+{:04X}]", u32::from(c)));
            } else {
                out.push(c);
            }
        }
    }
    out
}

/// The embeddings, overrides and isolates of Unicode's bidirectional algorithm (UAX #9): they
/// change the order in which the text after them is shown.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::header_text;

    #[test]
    fn control_characters_never_survive_into_a_header_value() {
        assert_eq!(
            header_text("fix\r\nBcc: victim@example.com\0\tend"),
            "fix Bcc: victim@example.com end"
        );
    }

    #[test]
    fn a_bidi_override_is_shown_not_obeyed() {
        assert_eq!(
            header_text("invoice\u{202E}fdp.exe"),
            "invoice[U+202E]fdp.exe"
        );
    }

    #[test]
    fn non_ascii_text_is_kept() {
        assert_eq!(header_text("  Größe  ändern ✓ "), "Größe ändern ✓");
    }
}
