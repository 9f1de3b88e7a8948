//! Untrusted text for display: the one place that makes a server's reply, a file name from the
//! workspace or a value from the CI context safe to print on a terminal, in a CI log, or in a
//! JSON report that something else will print.
//!
//! Three things can go wrong when such text is printed as it is:
//! - control characters (ESC, BEL, CR, LF, NUL, DEL, C1) drive the terminal or start a new line;
//! - bidi controls (U+202E ...) and line separators make the text read differently than it is;
//! - a line that starts with `::` (after white space), or holds `##[`, is a GitHub Actions
//!   workflow command: the runner acts on it (`::add-mask::`, `::error::`, `::stop-commands::`).
//!
//! [`escaped`] escapes all three, Rust-style (`\u{1b}`), so the text still reads as what it was.
//! It is idempotent: escaping escaped text changes nothing.

use std::borrow::Cow;
use std::path::Path;

/// `text` made safe to show: control and bidi characters escaped (`\u{1b}`, `\n`, `\u{202e}`),
/// a word that starts with `::` starts with `\u{3a}:` instead, and `##[` reads `\u{23}#[`.
/// No line of output can then start a GitHub workflow command from this text, wherever it is
/// placed or wrapped.
///
/// ```
/// use buildmail_core::untrusted::escaped;
///
/// assert_eq!(escaped("421 busy\x1b[2J\x07"), "421 busy\\u{1b}[2J\\u{7}");
/// assert_eq!(escaped("big\n::error title=x::y.xml"), "big\\n\\u{3a}:error title=x::y.xml");
/// assert_eq!(escaped("Größe ändern ✓"), "Größe ändern ✓");
/// ```
pub fn escaped(text: &str) -> Cow<'_, str> {
    if !needs_escaping(text) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    let mut word_start = true;
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        let after = &rest[c.len_utf8()..];
        if is_hidden(c) {
            out.extend(c.escape_debug_or_unicode());
        } else if (word_start && c == ':' && after.starts_with(':'))
            || (c == '#' && after.starts_with("#["))
        {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
        word_start = c.is_whitespace() || is_hidden(c);
        rest = after;
    }
    Cow::Owned(out)
}

/// A path from the workspace (or typed by a user), escaped like [`escaped`] text.
pub fn path(path: &Path) -> String {
    escaped(&path.to_string_lossy()).into_owned()
}

/// Whether `c` must not reach a terminal or log as it is: C0 and C1 controls and DEL, the
/// bidi controls of Unicode's UAX #9, and the line and paragraph separators.
pub fn is_hidden(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061c}'
                | '\u{200e}'
                | '\u{200f}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
                | '\u{2028}'
                | '\u{2029}'
        )
}

/// Whether a line, as printed, would be taken for a GitHub workflow command (the runner trims
/// leading white space before looking for `::`, and finds the old `##[` form anywhere).
pub fn is_workflow_command(line: &str) -> bool {
    line.trim_start().starts_with("::") || line.contains("##[")
}

fn needs_escaping(text: &str) -> bool {
    text.chars().any(is_hidden) || text.contains("::") || text.contains("##[")
}

/// `\n`, `\t` and `\r` as people know them, every other hidden character as `\u{..}`.
trait EscapeHidden {
    fn escape_debug_or_unicode(self) -> std::vec::IntoIter<char>;
}

impl EscapeHidden for char {
    fn escape_debug_or_unicode(self) -> std::vec::IntoIter<char> {
        let chars: Vec<char> = match self {
            '\n' | '\r' | '\t' | '\0' => self.escape_debug().collect(),
            _ => self.escape_unicode().collect(),
        };
        chars.into_iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn terminal_escapes_are_shown_not_run() {
        assert_eq!(
            escaped("\x1b]0;owned\x07 \u{9b}2J \x7f"),
            "\\u{1b}]0;owned\\u{7} \\u{9b}2J \\u{7f}"
        );
    }

    #[test]
    fn bidi_overrides_are_shown_not_applied() {
        assert_eq!(escaped("report\u{202e}lmx.exe"), "report\\u{202e}lmx.exe");
        assert_eq!(escaped("a\u{2066}b\u{2069}"), "a\\u{2066}b\\u{2069}");
    }

    #[test]
    fn workflow_commands_cannot_start_anywhere_a_line_could() {
        assert_eq!(escaped("::add-mask::x"), "\\u{3a}:add-mask::x");
        assert_eq!(escaped("a ::error::x"), "a \\u{3a}:error::x");
        assert_eq!(escaped("a\n::error::x"), "a\\n\\u{3a}:error::x");
        assert_eq!(escaped("x ##[error]y"), "x \\u{23}#[error]y");
        // Colons inside a word are no command: IPv6 addresses and times stay as they are.
        assert_eq!(escaped("[::1] at 10:00"), "[::1] at 10:00");
    }

    /// The oracle of every test that says "no workflow command" (here, the CLI's and the
    /// Action's): if it recognised nothing, those tests could not fail.
    #[test]
    fn both_forms_of_a_workflow_command_are_recognised() {
        assert!(is_workflow_command("::error::x"));
        assert!(is_workflow_command(" \t::add-mask::x"), "after white space");
        assert!(
            is_workflow_command("text ##[error]x"),
            "the old form, anywhere"
        );
        assert!(!is_workflow_command("a ::error::x"), "not after other text");
        assert!(!is_workflow_command("[::1] ##x"));
    }

    #[test]
    fn ordinary_text_is_borrowed_unchanged() {
        assert!(matches!(
            escaped("550 5.1.1 user unknown"),
            Cow::Borrowed(_)
        ));
    }

    proptest! {
        #[test]
        fn escaped_text_shows_nothing_hidden_and_no_command(text in any::<String>(), prefix in "[a-z]{0,3}[:#]?") {
            let shown = escaped(&text);
            prop_assert!(!shown.chars().any(is_hidden), "{shown:?}");
            // Wherever the text lands after a trusted prefix that ends a word, and wherever a
            // renderer wraps it at white space, no line becomes a workflow command.
            let line = format!("{prefix} {shown}");
            for piece in line.split_whitespace() {
                prop_assert!(!is_workflow_command(piece), "{piece:?} in {line:?}");
            }
            prop_assert!(!is_workflow_command(&shown));
            prop_assert_eq!(escaped(&shown), shown.clone(), "idempotent");
        }
    }

    proptest! {
        #[test]
        fn server_text_and_file_names_reach_no_explanation_or_note_unescaped(text in any::<String>()) {
            let reply = crate::Reply::parse(&format!("550 5.7.1 {text}")).expect("a code");
            let garbled = crate::Error::garbled(crate::Phase::Greeting, &text).to_string();
            let left_out = crate::compose::LeftOut {
                path: std::path::PathBuf::from(&text),
                bytes: 1,
                room_bytes: 0,
            };
            let explanation = crate::explain(&reply);
            let rendered = [
                explanation.to_text(),
                explanation.to_markdown(),
                serde_json::to_string(&explanation).expect("json"),
                garbled,
                left_out.to_string(),
            ];
            for output in rendered {
                prop_assert!(!output.chars().any(|c| is_hidden(c) && c != '\n'), "{output:?}");
                for line in output.lines() {
                    prop_assert!(!is_workflow_command(line), "{line:?}");
                }
            }
        }
    }
}
