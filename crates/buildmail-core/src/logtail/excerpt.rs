//! The part of a build log a notification shows: the lines that match a pattern with their
//! context (email-ext's `${BUILD_LOG_REGEX}`), or the tail, started earlier at the first line
//! that looks like the failure when the tail alone would miss it.
//!
//! Both stay cheap on a 2 GB log. The failure search reads backwards from the end like the
//! tail, at most [`SEARCH_LINES`] lines or [`SEARCH_BYTES`]. The pattern search reads forwards,
//! one line at a time with a bounded buffer, and stops once it has what it shows.

use std::borrow::Cow;
use std::collections::VecDeque;
use std::io::{self, BufRead, Read, Seek};
use std::sync::LazyLock;

use regex::{Regex, RegexSet};
use serde::Serialize;

use super::{Tail, TailOptions, cap_bytes, fold, read_end, visible};

/// How many lines before the end the failure search looks at.
pub const SEARCH_LINES: usize = 5000;
/// How many raw bytes before the end the failure search reads at most.
pub const SEARCH_BYTES: u64 = 8 * 1024 * 1024;
/// A longer line is cut here while searching with a pattern.
const LONGEST_LINE: usize = 64 * 1024;

/// The lines that look like a failure: compilers, test runners, package managers, CI runners.
static FAILURE_LINES: LazyLock<RegexSet> = LazyLock::new(|| {
    RegexSet::new([
        r"(?i)\berror(\[E\d+\])?:",
        r"\bFAILED\b",
        r"\bFAILURE\b",
        r"panicked at",
        r"\w*(Exception|Error)\b.*\bat\b|\b\w+Exception\b",
        r"npm ERR!",
        r"##\[error\]",
        r"^\[ERROR\]",
        r"Traceback \(most recent call last\)",
    ])
    .expect("the failure patterns are valid")
});

/// Whether a line looks like where a build broke.
pub fn looks_like_failure(line: &str) -> bool {
    FAILURE_LINES.is_match(line)
}

/// What a notification shows of a log.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Excerpt {
    /// The lines shown, in order; gaps between parts are marked by a line of their own.
    pub lines: Vec<String>,
    /// True when the log has lines that are not shown.
    pub truncated: bool,
    /// Which part of the log this is.
    pub kind: ExcerptKind,
    /// What the lines are, for the reader: `Last 50 lines of the build log`.
    pub heading: String,
}

/// Which part of the log an [`Excerpt`] shows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ExcerptKind {
    /// The last lines (or the whole log, when short).
    #[default]
    Tail,
    /// From the first line that looks like the failure, then the last lines.
    FromFailure,
    /// The lines that match the pattern, with context.
    Matches,
    /// The last lines, because nothing matched the pattern.
    NoMatch,
}

impl From<Tail> for Excerpt {
    fn from(tail: Tail) -> Self {
        let heading = tail_heading(&tail);
        Excerpt {
            lines: tail.lines,
            truncated: tail.truncated,
            kind: ExcerptKind::Tail,
            heading,
        }
    }
}

fn tail_heading(tail: &Tail) -> String {
    if tail.truncated {
        format!("Last {} lines of the build log", tail.lines.len())
    } else {
        "The whole of the build log".to_owned()
    }
}

/// Lines that match a pattern, and how many lines around each to show.
#[derive(Debug, Clone)]
pub struct LogMatch {
    /// The pattern, matched against each line as a terminal shows it.
    pub regex: Regex,
    /// Lines shown before and after each match.
    pub context: usize,
    /// The most matches shown; reading stops after them.
    pub max_matches: usize,
}

impl LogMatch {
    /// A pattern with 3 lines of context and at most 20 matches.
    pub fn new(regex: Regex) -> Self {
        LogMatch {
            regex,
            context: 3,
            max_matches: 20,
        }
    }

    /// A pattern as a user writes it (email-ext's `BUILD_LOG_REGEX`), with the defaults of
    /// [`LogMatch::new`]; the error says why it is not a regular expression.
    ///
    /// ```
    /// use buildmail_core::logtail::LogMatch;
    ///
    /// assert_eq!(LogMatch::parse("^error").unwrap().context, 3);
    /// assert!(LogMatch::parse("(").unwrap_err().starts_with("not a regular expression: "));
    /// ```
    pub fn parse(text: &str) -> Result<LogMatch, String> {
        Regex::new(text)
            .map(LogMatch::new)
            .map_err(|error| format!("not a regular expression: {error}"))
    }
}

/// The excerpt of the log file at `path`: the matches of `pattern` when given, else the tail,
/// started at the first failure line when the tail misses it.
///
/// ```
/// use buildmail_core::logtail::{excerpt_file, ExcerptKind, TailOptions};
/// let path = std::env::temp_dir().join("buildmail-doc-excerpt.log");
/// let mut log = String::from("src/main.rs:3:5: error: mismatched types\n");
/// log.extend((0..100).map(|i| format!("note {i}\n")));
/// std::fs::write(&path, log)?;
/// let excerpt = excerpt_file(&path, TailOptions { lines: 10, ..TailOptions::default() }, None)?;
/// assert_eq!(excerpt.kind, ExcerptKind::FromFailure);
/// assert_eq!(excerpt.lines[0], "src/main.rs:3:5: error: mismatched types");
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn excerpt_file(
    path: &std::path::Path,
    options: TailOptions,
    pattern: Option<&LogMatch>,
) -> io::Result<Excerpt> {
    super::check_regular(path)?;
    let mut file = std::fs::File::open(path)?;
    match pattern {
        Some(pattern) => {
            let found = matches(&mut io::BufReader::new(&mut file), pattern, options)?;
            match found {
                Some(excerpt) => Ok(excerpt),
                None => no_match(&mut file, options, pattern),
            }
        }
        None => from_failure(&mut file, options),
    }
}

fn no_match<R: Read + Seek>(
    log: &mut R,
    options: TailOptions,
    pattern: &LogMatch,
) -> io::Result<Excerpt> {
    let tail = super::tail(log, options)?;
    let heading = format!(
        "No line of the build log matches {}; {}",
        pattern.regex.as_str(),
        lower_first(&tail_heading(&tail))
    );
    Ok(Excerpt {
        kind: ExcerptKind::NoMatch,
        heading,
        ..Excerpt::from(tail)
    })
}

fn lower_first(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_lowercase().chain(chars).collect())
        .unwrap_or_default()
}

/// The tail, or, when the first failure line of the last [`SEARCH_LINES`] lines comes before
/// the tail, that line and what follows it, a gap, then the end of the log.
pub fn from_failure<R: Read + Seek>(log: &mut R, options: TailOptions) -> io::Result<Excerpt> {
    let tail = super::tail(log, options)?;
    if !tail.truncated {
        return Ok(Excerpt::from(tail));
    }
    let search = TailOptions {
        lines: SEARCH_LINES,
        max_bytes: usize::try_from(SEARCH_BYTES / super::RAW_PER_KEPT_BYTE).unwrap_or(usize::MAX),
        fold_at: options.fold_at,
    };
    let (raw, at_start) = read_end(log, search)?;
    let mut source: Vec<&[u8]> = raw.split(|&b| b == b'\n').collect();
    if source.last().is_some_and(|last| last.is_empty()) {
        source.pop();
    }
    if !at_start && !source.is_empty() {
        source.remove(0);
    }
    let tail_starts = source.len().saturating_sub(options.lines);
    let Some(first) = source[..tail_starts]
        .iter()
        .position(|line| looks_like_failure(&visible(line)))
    else {
        return Ok(Excerpt::from(tail));
    };
    let before_end = source.len() - first;
    let mut lines = from_line(&source, first, options);
    cap_bytes(&mut lines, options.max_bytes);
    Ok(Excerpt {
        lines,
        truncated: true,
        kind: ExcerptKind::FromFailure,
        heading: format!(
            "The build log from its first line that looks like the failure, {before_end} lines \
             before its end (the last {} lines alone would miss it)",
            options.lines
        ),
    })
}

/// The lines from `first` on: half of what may be shown from there, a marker of the gap, and
/// the end of the log; all of them when the gap would be a line or two.
fn from_line(source: &[&[u8]], first: usize, options: TailOptions) -> Vec<String> {
    let head_count = options.lines / 2;
    let head_end = (first + head_count).min(source.len());
    let end_starts = source.len().saturating_sub(options.lines - head_count);
    // A gap of a line or two is not worth its marker.
    if source.len() - first <= options.lines + 2 {
        return fold_all(&source[first..], options.fold_at);
    }
    let mut lines = fold_all(&source[first..head_end], options.fold_at);
    lines.push(format!("[… {} lines …]", end_starts - head_end));
    lines.extend(fold_all(&source[end_starts..], options.fold_at));
    lines
}

fn fold_all(lines: &[&[u8]], width: usize) -> Vec<String> {
    lines
        .iter()
        .flat_map(|line| fold(&visible(line), width))
        .collect()
}

/// The matches of `pattern` with their context, read forwards; `None` when nothing matches.
/// A line is cleaned (colour codes, progress bars) only when it has control characters or is
/// not UTF-8, and only the lines shown are copied, so most lines cost a match and nothing more.
pub fn matches<R: BufRead>(
    log: &mut R,
    pattern: &LogMatch,
    options: TailOptions,
) -> io::Result<Option<Excerpt>> {
    let mut shown = MatchedLines::new(pattern, options);
    let mut raw = Vec::new();
    while read_line(log, &mut raw)? {
        if !shown.take(&raw) {
            break;
        }
    }
    Ok(shown.into_excerpt())
}

/// What a pattern search has shown so far, and the lines it keeps in case a match follows.
struct MatchedLines<'a> {
    pattern: &'a LogMatch,
    options: TailOptions,
    /// The last lines before the current one, with their numbers, up to the context.
    before: VecDeque<(u64, Vec<u8>)>,
    lines: Vec<String>,
    bytes: usize,
    found: usize,
    /// Lines of context still to show after the last match.
    after: usize,
    last_shown: Option<u64>,
    number: u64,
    stopped_early: bool,
}

impl<'a> MatchedLines<'a> {
    fn new(pattern: &'a LogMatch, options: TailOptions) -> Self {
        MatchedLines {
            pattern,
            options,
            before: VecDeque::with_capacity(pattern.context + 1),
            lines: Vec::new(),
            bytes: 0,
            found: 0,
            after: 0,
            last_shown: None,
            number: 0,
            stopped_early: false,
        }
    }

    /// Takes the log's next line; `false` once the search has shown all it may.
    fn take(&mut self, raw: &[u8]) -> bool {
        self.number += 1;
        let line = as_shown(raw);
        if self.pattern.regex.is_match(&line) {
            if self.found == self.pattern.max_matches || self.bytes > self.options.max_bytes {
                self.stopped_early = true;
                return false;
            }
            self.show_match(&line);
        } else if self.after > 0 {
            self.after -= 1;
            self.show(&line);
            self.last_shown = Some(self.number);
        } else if self.pattern.context > 0 {
            self.remember(raw);
        }
        true
    }

    /// A match, after the lines before it and a `[line N]` marker when it does not follow what
    /// was shown last.
    fn show_match(&mut self, line: &str) {
        self.found += 1;
        let first = self.before.front().map_or(self.number, |(n, _)| *n);
        if self.last_shown.is_none_or(|shown| shown + 1 < first) {
            self.lines.push(format!("[line {}]", self.number));
        }
        let mut before = std::mem::take(&mut self.before);
        for (_, earlier) in before.drain(..) {
            self.show(&as_shown(&earlier));
        }
        self.before = before;
        self.show(line);
        self.last_shown = Some(self.number);
        self.after = self.pattern.context;
    }

    fn show(&mut self, line: &str) {
        self.bytes += line.len() + 1;
        self.lines.extend(fold(line, self.options.fold_at));
    }

    /// Keeps a line that may come before a match, in the buffer of the one it pushes out.
    fn remember(&mut self, raw: &[u8]) {
        let mut kept = match self.before.len() == self.pattern.context {
            true => self.before.pop_front().map(|(_, buffer)| buffer),
            false => None,
        }
        .unwrap_or_default();
        kept.clear();
        kept.extend_from_slice(raw);
        self.before.push_back((self.number, kept));
    }

    fn into_excerpt(mut self) -> Option<Excerpt> {
        if self.found == 0 {
            return None;
        }
        let cut = cap_bytes(&mut self.lines, self.options.max_bytes);
        let heading = self.heading(cut && !self.stopped_early);
        Some(Excerpt {
            lines: self.lines,
            truncated: true,
            kind: ExcerptKind::Matches,
            heading,
        })
    }

    /// `The lines of the build log that match PATTERN (the first 20; there are more), with 3
    /// lines of context (cut to fit)`.
    fn heading(&self, cut_to_fit: bool) -> String {
        let limit = match self.stopped_early {
            true => format!(" (the first {}; there are more)", self.found),
            false => String::new(),
        };
        let context = match self.pattern.context {
            1 => "1 line".to_owned(),
            n => format!("{n} lines"),
        };
        format!(
            "The lines of the build log that match {}{limit}, with {context} of context{}",
            self.pattern.regex.as_str(),
            if cut_to_fit { " (cut to fit)" } else { "" }
        )
    }
}

/// A line as a terminal shows it: borrowed as it is when it is plain UTF-8 text, with only its
/// colour codes cut when those are its only control characters (most coloured CI output), else
/// cleaned in full by `visible`, which is many times slower.
fn as_shown(raw: &[u8]) -> Cow<'_, str> {
    let is_control = |b: &u8| *b < 0x20 || *b == 0x7f;
    if !raw.iter().any(is_control)
        && let Ok(text) = std::str::from_utf8(raw)
    {
        return Cow::Borrowed(text.trim_end());
    }
    if let Some(cut) = without_colours(raw)
        && !cut.iter().any(is_control)
        && let Ok(text) = String::from_utf8(cut)
    {
        return Cow::Owned(text.trim_end().to_owned());
    }
    Cow::Owned(visible(raw))
}

/// `raw` without its CSI sequences (`ESC [ 1;31 m`, ECMA-48 section 5.4: parameters, then one
/// final byte from `@` to `~`); `None` for any other escape, which `visible` handles.
fn without_colours(raw: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(raw.len());
    let mut bytes = raw.iter().copied();
    while let Some(b) = bytes.next() {
        if b != 0x1b {
            out.push(b);
            continue;
        }
        if bytes.next() != Some(b'[') {
            return None;
        }
        loop {
            match bytes.next() {
                Some(0x40..=0x7e) => break,
                Some(0x20..=0x3f) => {}
                _ => return None,
            }
        }
    }
    Some(out)
}

/// Reads one line into `line` (without its break), keeping at most [`LONGEST_LINE`] bytes of
/// it; false at the end of the input.
fn read_line<R: BufRead>(log: &mut R, line: &mut Vec<u8>) -> io::Result<bool> {
    line.clear();
    let mut any = false;
    loop {
        let chunk = log.fill_buf()?;
        if chunk.is_empty() {
            return Ok(any);
        }
        any = true;
        let (part, done) = match chunk.iter().position(|&b| b == b'\n') {
            Some(at) => (&chunk[..at], at + 1),
            None => (chunk, chunk.len()),
        };
        let room = LONGEST_LINE.saturating_sub(line.len());
        line.extend_from_slice(&part[..part.len().min(room)]);
        let ended = done > part.len();
        log.consume(done);
        if ended {
            return Ok(true);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use super::*;

    fn options(lines: usize) -> TailOptions {
        TailOptions {
            lines,
            ..TailOptions::default()
        }
    }

    fn log_with_error_at(total: usize, at: usize, error: &str) -> String {
        (0..total)
            .map(|i| {
                if i == at {
                    format!("{error}\n")
                } else {
                    format!("step {i}\n")
                }
            })
            .collect()
    }

    #[test]
    fn failure_lines_of_every_tool_are_recognised() {
        for line in [
            "error[E0308]: mismatched types",
            "src/app.c:12:5: error: expected ';'",
            "test cart::totals ... FAILED",
            "thread 'main' panicked at src/main.rs:2:5:",
            "Exception in thread \"main\" java.lang.NullPointerException",
            "npm ERR! code ELIFECYCLE",
            "##[error]Process completed with exit code 1.",
            "[ERROR] Failed to execute goal org.apache.maven.plugins",
            "Traceback (most recent call last):",
            "\u{1b}[31merror\u{1b}[0m: could not compile `app`",
        ] {
            assert!(looks_like_failure(&visible(line.as_bytes())), "{line}");
        }
        for line in ["Compiling app v0.1.0", "test cart::adds ... ok", "0 errors"] {
            assert!(!looks_like_failure(line), "{line}");
        }
    }

    #[test]
    fn an_error_above_the_tail_starts_the_excerpt_and_the_heading_says_so() {
        let log = log_with_error_at(400, 100, "error: linker `cc` not found");
        let excerpt = from_failure(&mut Cursor::new(log), options(10)).expect("reads");
        assert_eq!(excerpt.kind, ExcerptKind::FromFailure);
        assert_eq!(
            excerpt.lines,
            [
                "error: linker `cc` not found",
                "step 101",
                "step 102",
                "step 103",
                "step 104",
                "[… 290 lines …]",
                "step 395",
                "step 396",
                "step 397",
                "step 398",
                "step 399",
            ]
        );
        assert!(
            excerpt
                .heading
                .contains("first line that looks like the failure, 300 lines before its end"),
            "{}",
            excerpt.heading
        );
    }

    #[test]
    fn an_error_in_the_tail_keeps_the_plain_tail() {
        let log = log_with_error_at(400, 395, "error: linker `cc` not found");
        let excerpt = from_failure(&mut Cursor::new(log), options(10)).expect("reads");
        assert_eq!(excerpt.kind, ExcerptKind::Tail);
        assert_eq!(excerpt.heading, "Last 10 lines of the build log");
        assert_eq!(excerpt.lines[0], "step 390");
    }

    #[test]
    fn the_first_failure_wins_over_later_ones() {
        let mut log = log_with_error_at(400, 50, "npm ERR! missing script: build");
        log.push_str("error: exit 1\n");
        let excerpt = from_failure(&mut Cursor::new(log), options(10)).expect("reads");
        assert_eq!(excerpt.lines[0], "npm ERR! missing script: build");
    }

    #[test]
    fn an_error_close_to_the_tail_is_shown_without_a_gap() {
        let log = log_with_error_at(100, 88, "FAILED tests/test_cart.py::test_total");
        let excerpt = from_failure(&mut Cursor::new(log), options(10)).expect("reads");
        assert_eq!(excerpt.kind, ExcerptKind::FromFailure);
        assert_eq!(excerpt.lines.len(), 12);
        assert!(!excerpt.lines.iter().any(|l| l.starts_with("[…")));
    }

    #[test]
    fn matches_come_with_context_and_line_numbers() {
        let log = log_with_error_at(100, 10, "WARN disk almost full")
            + "step 100\nWARN disk full\nstep 102\n";
        let pattern = LogMatch {
            context: 1,
            ..LogMatch::new(Regex::new("WARN").expect("regex"))
        };
        let excerpt = matches(&mut Cursor::new(log), &pattern, options(50))
            .expect("reads")
            .expect("matches");
        assert_eq!(
            excerpt.lines,
            [
                "[line 11]",
                "step 9",
                "WARN disk almost full",
                "step 11",
                "[line 102]",
                "step 100",
                "WARN disk full",
                "step 102"
            ]
        );
        assert_eq!(
            excerpt.heading,
            "The lines of the build log that match WARN, with 1 line of context"
        );
    }

    #[test]
    fn reading_stops_after_the_most_matches() {
        let log: String = (0..1000).map(|i| format!("hit {i}\n")).collect();
        let pattern = LogMatch {
            context: 0,
            max_matches: 3,
            ..LogMatch::new(Regex::new("hit").expect("regex"))
        };
        let excerpt = matches(&mut Cursor::new(log), &pattern, options(50))
            .expect("reads")
            .expect("matches");
        assert_eq!(excerpt.lines, ["[line 1]", "hit 0", "hit 1", "hit 2"]);
        assert!(excerpt.heading.contains("the first 3; there are more"));
    }

    #[test]
    fn no_match_falls_back_to_the_tail_and_says_so() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("build.log");
        std::fs::write(&path, log_with_error_at(100, 1, "x")).expect("write");
        let pattern = LogMatch::new(Regex::new("nothing like this").expect("regex"));
        let excerpt = excerpt_file(&path, options(5), Some(&pattern)).expect("reads");
        assert_eq!(excerpt.kind, ExcerptKind::NoMatch);
        assert_eq!(
            excerpt.heading,
            "No line of the build log matches nothing like this; last 5 lines of the build log"
        );
        assert_eq!(excerpt.lines.len(), 5);
    }

    #[test]
    fn colour_codes_are_cut_the_fast_way_and_other_escapes_the_thorough_way() {
        for raw in [
            "\u{1b}[1;31merror\u{1b}[0m: failed",
            "\u{1b}]0;title\u{7}error: failed",
            " 50%\rerror: failed",
            "error:\tfailed",
        ] {
            assert_eq!(as_shown(raw.as_bytes()), visible(raw.as_bytes()), "{raw:?}");
        }
        assert_eq!(as_shown(b"\x1b[32m ok\x1b[0m"), " ok");
    }

    #[test]
    fn a_line_without_breaks_is_read_in_bounded_pieces() {
        let log = format!("{}\nerror here\n", "z".repeat(3 * LONGEST_LINE));
        let pattern = LogMatch::new(Regex::new("error").expect("regex"));
        let excerpt = matches(&mut Cursor::new(log), &pattern, options(50))
            .expect("reads")
            .expect("matches");
        assert_eq!(excerpt.lines.last().map(String::as_str), Some("error here"));
    }
}
