//! The outbox as lines a person reads (a listing, the warning of a flush that skips a file):
//! one line per item, control characters escaped, since file names, and so ids, are anybody's
//! text. What to do about a broken file is the front end's to say (the CLI names its command).

use super::{Broken, EntryInfo};

impl EntryInfo {
    /// `ID  <message-id>  to a@b, c@d  (2 attempts so far, possible duplicate)`.
    pub fn line(&self) -> String {
        let attempts = self.attempts.len();
        escape_controls(&format!(
            "{}  {}  to {}  ({attempts} attempt{} so far{})",
            self.id,
            self.message_id,
            self.to.join(", "),
            if attempts == 1 { "" } else { "s" },
            if self.possible_duplicate {
                ", possible duplicate"
            } else {
                ""
            }
        ))
    }
}

impl Broken {
    /// `PATH: what is wrong with it`.
    pub fn line(&self) -> String {
        escape_controls(&format!("{}: {}", self.path.display(), self.problem))
    }
}

/// `text` with its control characters escaped (`\n`, `\u{1b}`), so no line of ours can be
/// split or recoloured by it.
///
/// ```
/// use buildmail_core::outbox::escape_controls;
///
/// assert_eq!(escape_controls("a\nb\x1b[2J"), "a\\nb\\u{1b}[2J");
/// ```
pub fn escape_controls(text: &str) -> String {
    let mut shown = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() {
            shown.extend(c.escape_debug());
        } else {
            shown.push(c);
        }
    }
    shown
}
