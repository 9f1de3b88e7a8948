//! What reaches the wire, over arbitrary input: the bytes after DATA, as the session sends
//! them, keep RFC 5321 and RFC 5322's line rules whatever the body, subject, names and header
//! values hold (no bare CR or LF, no line over 998 octets, dots stuffed, one final dot).

use proptest::prelude::*;

use super::Draft;
use crate::session::dot_stuffed;

/// RFC 5322 section 2.1.1: at most 998 characters before the CRLF.
const MAX_LINE: usize = 998;

fn arbitrary_text(max: usize) -> impl Strategy<Value = String> {
    let pieces = prop_oneof![
        Just("\r".to_owned()),
        Just("\n".to_owned()),
        Just("\r\n".to_owned()),
        Just(".".to_owned()),
        Just("\r.\r\n".to_owned()),
        Just("\n.\n".to_owned()),
        Just("=?utf-8?B?SGk=?=".to_owned()),
        Just("\u{202e}".to_owned()),
        Just("::error::".to_owned()),
        Just(" ".to_owned()),
        "[a-z]{1,40}",
        "[a-zA-Z0-9]{300,1200}",
        "\\PC{1,30}",
        any::<char>().prop_map(String::from),
    ];
    proptest::collection::vec(pieces, 0..max).prop_map(|pieces| pieces.concat())
}

fn display_name() -> impl Strategy<Value = String> {
    arbitrary_text(12).prop_map(|name| name.replace(['<', '>', '"', '\\'], "x"))
}

/// Recipients as the user writes them: a name and an address, or an address alone.
fn recipients() -> impl Strategy<Value = Vec<String>> {
    let one = (display_name(), "[a-z]{1,20}", any::<bool>()).prop_map(|(name, local, named)| {
        let name = super::header_text(&name);
        if named && !name.is_empty() && !name.contains(|c: char| c.is_control()) {
            format!("\"{name}\" <{local}@example.com>")
        } else {
            format!("{local}@example.com")
        }
    });
    proptest::collection::vec(one, 1..80)
}

fn draft() -> impl Strategy<Value = Draft> {
    (
        arbitrary_text(30),
        arbitrary_text(20),
        proptest::option::of(arbitrary_text(10)),
        recipients(),
        arbitrary_text(8),
        display_name(),
    )
        .prop_map(|(text, subject, html, to, header, from_name)| Draft {
            from: format!("\"{}\" <ci@example.com>", super::header_text(&from_name)),
            to,
            subject,
            text,
            html,
            headers: vec![("X-Build".into(), header)],
            message_id: Some("id@example.com".into()),
            ..Draft::default()
        })
}

/// Every line problem of `wire`, the bytes after DATA.
fn line_problems(wire: &[u8]) -> Vec<String> {
    let mut problems = Vec::new();
    for (index, &byte) in wire.iter().enumerate() {
        let next = wire.get(index + 1);
        let previous = index.checked_sub(1).map(|i| wire[i]);
        if byte == b'\r' && next != Some(&b'\n') {
            problems.push(format!("a bare CR at {index}"));
        }
        if byte == b'\n' && previous != Some(b'\r') {
            problems.push(format!("a bare LF at {index}"));
        }
    }
    let lines: Vec<&[u8]> = wire.split(|&b| b == b'\n').collect();
    for line in &lines {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.len() > MAX_LINE {
            problems.push(format!("a line of {} octets", line.len()));
        }
    }
    if !wire.ends_with(b"\r\n.\r\n") {
        problems.push("no CRLF.CRLF at the end".to_owned());
    }
    let body_lines = &lines[..lines.len().saturating_sub(2)];
    for line in body_lines {
        if line.starts_with(b".") && !line.starts_with(b"..") {
            problems.push("a line starting with a single dot before the end".to_owned());
        }
    }
    problems
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn the_bytes_after_data_keep_the_line_rules(draft in draft()) {
        let message = draft.build().expect("builds");
        let wire = dot_stuffed(&message.bytes);
        let problems = line_problems(&wire);
        prop_assert!(problems.is_empty(), "{problems:?}\n{}", String::from_utf8_lossy(&wire));
    }
}

#[test]
fn a_cr_dot_cr_in_the_body_is_no_end_of_data() {
    let draft = Draft {
        from: "ci@example.com".into(),
        to: vec!["dev@example.com".into()],
        text: "one\r.\r\nMAIL FROM:<evil@example.com>\r\n".into(),
        ..Draft::default()
    };
    let wire = dot_stuffed(&draft.build().expect("builds").bytes);
    assert_eq!(line_problems(&wire), Vec::<String>::new());
}

/// RFC 5322 section 2.1.1: a line SHOULD be at most 78 characters. Folding counts the header's
/// name on the first line; a long subject of plain and encoded words stays within that.
#[test]
fn a_long_subject_is_folded_within_78_characters_a_line() {
    for subject in [
        "build ".repeat(30),
        "Größe ".repeat(30),
        "pipeline ".repeat(12),
    ] {
        let draft = Draft {
            from: "ci@example.com".into(),
            to: vec!["dev@example.com".into()],
            subject: subject.trim_end().to_owned(),
            ..Draft::default()
        };
        let message = String::from_utf8(draft.build().expect("builds").bytes).expect("ASCII");
        let mut lines = message
            .split("\r\n")
            .skip_while(|line| !line.starts_with("Subject:"));
        let first = lines.next().expect("a Subject header");
        let folded = lines.take_while(|line| line.starts_with(' '));
        for line in std::iter::once(first).chain(folded) {
            assert!(line.len() <= 78, "{} characters: {line:?}", line.len());
        }
    }
}

/// A plain display name reaches the wire as it is, so `--dry-run`, which prints the raw message
/// into a CI log, shows the name and not an encoded word.
#[test]
fn a_plain_display_name_stays_readable_on_the_wire() {
    let draft = Draft {
        from: "\"CI Bot\" <ci@example.com>".into(),
        to: vec!["Dev Team <dev@example.com>".into()],
        subject: "build".into(),
        ..Draft::default()
    };
    let formatted = draft.build().expect("builds").bytes;
    let text = String::from_utf8_lossy(&formatted);
    assert!(text.contains("CI Bot"), "{text}");
    assert!(text.contains("Dev Team"), "{text}");
}
