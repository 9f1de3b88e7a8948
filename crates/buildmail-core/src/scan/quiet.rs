//! Which lines the scanner can pass over without parsing them: most of a build log is noise, and
//! parsing every line (a few regex searches each) made a scan four times slower than ripgrep.
//!
//! A line is judged from its bytes, by necessary conditions only: a reply needs a failure code
//! in one of the positions the parser accepts (or one of its markers), a connection failure needs
//! a literal of its wordings. A line that meets neither is quiet: parsing it would change nothing
//! but, perhaps, the mail context (see `Scanner::catch_up_mail_context`). A line may be judged
//! busy and then yield nothing, never the other way round (`tests.rs` checks the scan both ways
//! on generated logs).
//! Lines with bytes outside ASCII are always busy: the patterns read Unicode (case folding,
//! `\s`, `\d`) where these checks read bytes.

use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, AhoCorasickKind};

use super::{
    DOTNET_MARKER, LETTRE_DEBUG_MARKER_TEXT, ends_with_ignoring_case, has_ignoring_case,
    is_enhanced_at, is_space_like, marker_word_ends, text_before_code,
};
use crate::literals::required_literals;

/// What a line may hold, judged from its bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Line {
    /// Nothing the parser looks for, except perhaps a mention of mail (which the scanner checks
    /// only when a later line needs to know).
    Quiet,
    /// Perhaps a reply, a connection failure or text the patterns read differently: parse it.
    Busy,
}

/// Judges a line (without its line break) from its bytes.
pub(super) fn classify(bytes: &[u8]) -> Line {
    let busy = !bytes.is_ascii()
        // Colour codes, which the scanner strips before parsing.
        || memchr::memchr(0x1b, bytes).is_some()
        || reply_possible(bytes)
        || BUSY_WORDS.is_match(bytes);
    if busy { Line::Busy } else { Line::Quiet }
}

/// The connection failures' wordings and the markers of replies without a numeric code, as
/// literals in any case. A wording without literals would make every line busy: a test keeps
/// them all readable.
static BUSY_WORDS: LazyLock<AhoCorasick> = LazyLock::new(|| {
    let literals_of =
        |pattern: &str| required_literals(pattern).unwrap_or_else(|| vec![String::new()]);
    let markers = [DOTNET_MARKER, LETTRE_DEBUG_MARKER_TEXT].map(str::to_owned);
    let literals = markers
        .into_iter()
        .chain(super::connection::wordings().flat_map(literals_of));
    AhoCorasick::builder()
        .ascii_case_insensitive(true)
        // A pass over a short line: the prefilter's restarts cost more than the automaton.
        .prefilter(false)
        .kind(Some(AhoCorasickKind::DFA))
        .build(literals)
        .expect("a few hundred short literals fit an automaton")
});

/// Whether the connection wordings all have literals to look for.
#[cfg(test)]
pub(super) fn every_wording_has_literals() -> bool {
    super::connection::wordings().all(|pattern| required_literals(pattern).is_some())
}

/// Whether the line may hold a reply: a failure code where the parser looks for one, or an
/// enhanced code of a failure class. Each branch names the pattern it stands for.
fn reply_possible(bytes: &[u8]) -> bool {
    let first = bytes.iter().position(|&b| !is_space_like(b));
    let mut any_code = false;
    let mut exim = None;
    let found = memchr::memchr2_iter(b'4', b'5', bytes).any(|at| {
        let next = |n: usize| bytes.get(at + n).copied();
        if next(1) == Some(b'.') {
            // ENHANCED_ONLY: `5.7.1` after a marker.
            return next(2).is_some_and(|b| b.is_ascii_digit()) && is_enhanced_at(&bytes[at + 2..]);
        }
        if !(next(1).is_some_and(|b| b.is_ascii_digit())
            && next(2).is_some_and(|b| b.is_ascii_digit()))
        {
            return false;
        }
        any_code = true;
        let before = at.checked_sub(1).map(|b| bytes[b]);
        // PYTHON_TUPLE: `(550,`.
        let python = before == Some(b'(') && next(3) == Some(b',');
        // JS_CONTINUATION: the line opens with a quote and the code.
        let continuation = matches!(before, Some(b'\'' | b'"')) && first == Some(at - 1);
        // WITH_ENHANCED: `550 5.` or `421-4.`.
        let enhanced = matches!(next(3), Some(b' ' | b'-'))
            && matches!(next(4), Some(b'2' | b'4' | b'5'))
            && next(5) == Some(b'.');
        python || continuation || enhanced || after_marker(bytes, at, &mut exim)
    });
    // LINE_START: the code first on the line, after timestamps, `[...]` prefixes and arrows.
    found || (any_code && line_start_possible(bytes))
}

/// Whether a marker of AFTER_MARKER (or LETTRE's `error (`) comes right before the code at `at`,
/// past an optional quote and spaces. `exim` keeps whether the line says `from remote` once
/// a marker needed to know.
fn after_marker(bytes: &[u8], at: usize, exim: &mut Option<bool>) -> bool {
    let Some(marker) = text_before_code(bytes, at) else {
        return false;
    };
    match marker.last() {
        Some(b'(') => {
            ends_with_ignoring_case(marker, b"error (")
                || ends_with_ignoring_case(marker, b"busy (")
        }
        Some(b'e' | b'E') => ends_with_ignoring_case(marker, b"with message"),
        Some(b':' | b'=') => {
            marker_word_ends(&marker[..marker.len() - 1])
                || *exim.get_or_insert_with(|| has_ignoring_case(bytes, b"from remote"))
        }
        _ => false,
    }
}

/// Whether what opens the line, past spaces and `[...]` prefixes, can start a timestamp, an
/// arrow (`<-`, `<<<`, `S:`, `SMTP<<`) or a code.
fn line_start_possible(bytes: &[u8]) -> bool {
    let mut at = 0;
    loop {
        while bytes.get(at).is_some_and(|&b| is_space_like(b)) {
            at += 1;
        }
        if bytes.get(at) != Some(&b'[') {
            break;
        }
        match memchr::memchr(b']', &bytes[at..]) {
            Some(close) => at += close + 1,
            None => return false,
        }
    }
    matches!(bytes.get(at), Some(b'0'..=b'9' | b'<' | b'S'))
}
