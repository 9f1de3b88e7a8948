//! The runner's escaping rules, as the toolkit writes them (`packages/core/src/command.ts`):
//! data escapes `%`, CR and LF; a property also escapes `:` and `,`. Lines of untrusted text
//! that are not commands are escaped so that the runner never sees a command in them: not the
//! `::name::` form (recognised after leading whitespace) and not the old `##[name]` form
//! (recognised anywhere in a line).

/// A command's message, escaped as the runner unescapes it (`%25`, `%0D`, `%0A`).
pub fn data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A command's property value (`title=`, `file=`): data, plus `:` and `,` which would end it.
pub fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}

/// One line of untrusted text for the log, which the runner will never read as a command.
///
/// Data escaping keeps it on one line; a `::` at its start (after whitespace, which the runner
/// skips) becomes `%3A:`, and every `##[` becomes `##%5B`. [`unescape_line`] gives the text back.
pub fn line(text: &str) -> String {
    let escaped = data(text).replace("##[", "##%5B");
    match escaped.find("::") {
        Some(at) if escaped[..at].chars().all(is_blank) => {
            format!("{}%3A{}", &escaped[..at], &escaped[at + 1..])
        }
        _ => escaped,
    }
}

/// Whether the runner may skip this character before a command: its trim knows more blanks
/// than Rust's (the Mongolian vowel separator in older .NET), and invisible characters are
/// counted too, so no text that merely looks like a command gets through.
fn is_blank(ch: char) -> bool {
    ch.is_whitespace()
        || ch.is_control()
        || matches!(
            ch,
            '\u{180E}' | '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}'
        )
}

/// The text of a line written by [`line()`], as a reader of the log recovers it.
pub fn unescape_line(text: &str) -> String {
    percent_decode(
        text,
        &[("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%5B", "[")],
    )
}

/// A command's message as the runner unescapes it.
pub fn unescape_data(text: &str) -> String {
    percent_decode(text, &[("%0D", "\r"), ("%0A", "\n")])
}

/// A property value as the runner unescapes it.
pub fn unescape_property(text: &str) -> String {
    percent_decode(
        text,
        &[("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ",")],
    )
}

/// Decodes the given escapes and `%25` in one left-to-right pass, so `%250A` stays `%0A`.
fn percent_decode(text: &str, escapes: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('%') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let known = escapes
            .iter()
            .chain(&[("%25", "%")])
            .find(|(escape, _)| rest.starts_with(escape));
        match known {
            Some((escape, plain)) => {
                out.push_str(plain);
                rest = &rest[escape.len()..];
            }
            None => {
                out.push('%');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// A fresh unguessable token (128 bits as hex) for `::stop-commands::` and heredoc delimiters:
/// untrusted text cannot contain what it cannot guess.
pub fn random_token() -> String {
    let mut bytes = [0u8; 16];
    // The OS's generator; failing it is a broken system, and a guessable token is worse.
    getrandom::fill(&mut bytes).expect("the operating system's random number generator failed");
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_escapes_percent_cr_lf_and_nothing_else() {
        assert_eq!(data("50% a\r\nb: c, d"), "50%25 a%0D%0Ab: c, d");
    }

    #[test]
    fn property_also_escapes_colon_and_comma() {
        assert_eq!(property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
    }

    #[test]
    fn a_line_cannot_start_either_command_form() {
        assert_eq!(line("::error::x"), "%3A:error::x");
        assert_eq!(
            line("  \t::set-output name=a::b"),
            "  \t%3A:set-output name=a::b"
        );
        assert_eq!(line("log ##[add-path]/evil"), "log ##%5Badd-path]/evil");
        assert_eq!(line("a\n::warning::b"), "a%0A::warning::b");
        assert_eq!(line("already %0A escaped"), "already %250A escaped");
        assert_eq!(line("\u{feff}::error::x"), "\u{feff}%3A:error::x");
        assert_eq!(line("a::b"), "a::b");
    }

    #[test]
    fn unescaping_decodes_each_escape_once() {
        assert_eq!(unescape_data("%250A"), "%0A");
        assert_eq!(unescape_line("%3A:x ##%5B %25"), "::x ##[ %");
        assert_eq!(unescape_property("100%"), "100%");
    }

    #[test]
    fn tokens_are_fresh_and_long() {
        let (a, b) = (random_token(), random_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 32);
    }
}
