//! The tail of a build log: the last lines, as a reader of the mail should see them; and
//! [`Excerpt`]s that start at the failure or show the lines that match a pattern.
//!
//! The file is read backwards from its end in blocks, with seeks, until enough lines are in
//! hand, so a 2 GB log costs a few blocks of memory and time. ANSI colour codes are stripped,
//! carriage-return progress bars keep only what a terminal would show last, other control
//! characters go, long lines are folded, and the result is capped in bytes (oldest lines go
//! first).

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;

use serde::Serialize;

mod excerpt;

pub use excerpt::{
    Excerpt, ExcerptKind, LogMatch, SEARCH_BYTES, SEARCH_LINES, excerpt_file, from_failure,
    looks_like_failure, matches,
};

/// How much of the log to keep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TailOptions {
    /// The most lines (after folding).
    pub lines: usize,
    /// The most bytes of text kept, counting line breaks.
    pub max_bytes: usize,
    /// Lines longer than this many characters are folded onto the next lines.
    pub fold_at: usize,
}

impl Default for TailOptions {
    /// 50 lines, 16 KiB, folded at 160 characters.
    fn default() -> Self {
        TailOptions {
            lines: 50,
            max_bytes: 16 * 1024,
            fold_at: 160,
        }
    }
}

/// The end of a log.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Tail {
    /// The lines kept, oldest first, without line breaks.
    pub lines: Vec<String>,
    /// True when the log has more before the first line kept.
    pub truncated: bool,
}

impl Tail {
    /// The lines joined with `\n`.
    pub fn text(&self) -> String {
        self.lines.join("\n")
    }
}

/// How far back to read, in raw bytes, per byte of kept text: escape codes and progress bars
/// make raw logs much longer than what is shown, but a limit keeps a log without line breaks
/// from being read whole.
const RAW_PER_KEPT_BYTE: u64 = 16;
const BLOCK: u64 = 64 * 1024;

/// Tails the log file at `path`.
///
/// ```
/// use buildmail_core::logtail::{tail_file, TailOptions};
/// let path = std::env::temp_dir().join("buildmail-doc-tail.log");
/// std::fs::write(&path, "one\n\x1b[31mtwo\x1b[0m\nthree\n")?;
/// let tail = tail_file(&path, TailOptions { lines: 2, ..TailOptions::default() })?;
/// assert_eq!(tail.lines, ["two", "three"]);
/// assert!(tail.truncated);
/// # Ok::<(), std::io::Error>(())
/// ```
///
/// Only a regular file is read: a named pipe would block forever and a directory has no lines,
/// so either is an error that says what the path is.
pub fn tail_file(path: &Path, options: TailOptions) -> io::Result<Tail> {
    check_regular(path)?;
    tail(&mut File::open(path)?, options)
}

fn check_regular(path: &Path) -> io::Result<()> {
    match crate::compose::attach::file_kind(&std::fs::metadata(path)?.file_type()) {
        Some(kind) => Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("it is {kind}, not a regular file"),
        )),
        None => Ok(()),
    }
}

/// Tails anything that can seek: a file, or a cursor in tests.
pub fn tail<R: Read + Seek>(log: &mut R, options: TailOptions) -> io::Result<Tail> {
    let (raw, starts_at_beginning) = read_end(log, options)?;
    let mut source_lines: Vec<&[u8]> = raw.split(|&b| b == b'\n').collect();
    if source_lines.last().is_some_and(|last| last.is_empty()) {
        source_lines.pop();
    }
    // Without the start of the file, the first line read is likely a fragment.
    let dropped_fragment = !starts_at_beginning && source_lines.len() > options.lines;
    if dropped_fragment {
        source_lines.remove(0);
    }
    let wanted_from = source_lines.len().saturating_sub(options.lines);
    let mut lines: Vec<String> = source_lines[wanted_from..]
        .iter()
        .flat_map(|line| fold(&visible(line), options.fold_at))
        .collect();
    let mut truncated = !starts_at_beginning || wanted_from > 0;
    let excess_lines = lines.len().saturating_sub(options.lines);
    lines.drain(..excess_lines);
    truncated |= excess_lines > 0;
    truncated |= cap_bytes(&mut lines, options.max_bytes);
    Ok(Tail { lines, truncated })
}

/// Reads blocks backwards until the bytes hold `lines + 1` line breaks (the extra one marks
/// where the first wanted line starts) or the raw limit is reached. Returns the bytes and
/// whether they start at the beginning of the file.
fn read_end<R: Read + Seek>(log: &mut R, options: TailOptions) -> io::Result<(Vec<u8>, bool)> {
    let len = log.seek(SeekFrom::End(0))?;
    let limit = (options.max_bytes as u64)
        .saturating_mul(RAW_PER_KEPT_BYTE)
        .max(BLOCK);
    let mut start = len;
    let mut buffer: Vec<u8> = Vec::new();
    let mut breaks = 0;
    while start > 0 && breaks <= options.lines && len - start < limit {
        let size = BLOCK.min(start);
        start -= size;
        let mut block = vec![0; usize::try_from(size).expect("a block fits in memory")];
        log.seek(SeekFrom::Start(start))?;
        log.read_exact(&mut block)?;
        breaks += block.iter().filter(|&&b| b == b'\n').count();
        block.extend_from_slice(&buffer);
        buffer = block;
    }
    Ok((buffer, start == 0))
}

/// What a terminal shows of a line: the text after the last carriage return (progress bars
/// redraw themselves), no colour codes, tabs as spaces, no other control characters.
fn visible(line: &[u8]) -> String {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let shown = line.rsplit(|&b| b == b'\r').next().unwrap_or_default();
    let tabs_as_spaces: Vec<u8> = shown
        .iter()
        .map(|&b| if b == b'\t' { b' ' } else { b })
        .collect();
    let plain = strip_ansi_escapes::strip(&tabs_as_spaces);
    String::from_utf8_lossy(&plain)
        .chars()
        .filter_map(|c| match c {
            c if c.is_control() => None,
            c => Some(c),
        })
        .collect::<String>()
        .trim_end()
        .to_owned()
}

fn fold(line: &str, width: usize) -> Vec<String> {
    if width == 0 || line.chars().count() <= width {
        return vec![line.to_owned()];
    }
    let chars: Vec<char> = line.chars().collect();
    chars
        .chunks(width)
        .map(|chunk| chunk.iter().collect())
        .collect()
}

/// Drops the oldest lines until the text fits; a single line longer than the cap keeps its
/// end. Returns whether anything was dropped.
fn cap_bytes(lines: &mut Vec<String>, max_bytes: usize) -> bool {
    let mut total = 0;
    let mut keep_from = lines.len();
    for line in lines.iter().rev() {
        let size = line.len() + 1;
        if total + size > max_bytes {
            break;
        }
        total += size;
        keep_from -= 1;
    }
    if keep_from == 0 {
        return false;
    }
    if keep_from == lines.len() {
        if let Some(last) = lines.last_mut() {
            let mut cut = last.len().saturating_sub(max_bytes.saturating_sub(1));
            while !last.is_char_boundary(cut) {
                cut += 1;
            }
            *last = last[cut..].to_owned();
        }
        keep_from = lines.len() - 1;
    }
    lines.drain(..keep_from);
    true
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use super::*;

    fn tail_of(text: &str, options: TailOptions) -> Tail {
        tail(&mut Cursor::new(text.as_bytes().to_vec()), options).expect("in memory")
    }

    fn lines(n: usize) -> TailOptions {
        TailOptions {
            lines: n,
            ..TailOptions::default()
        }
    }

    #[test]
    fn keeps_the_last_lines_and_says_there_was_more() {
        let log: String = (1..=100).map(|i| format!("line {i}\n")).collect();
        let tail = tail_of(&log, lines(3));
        assert_eq!(tail.lines, ["line 98", "line 99", "line 100"]);
        assert!(tail.truncated);
    }

    #[test]
    fn a_short_log_is_whole_and_not_truncated() {
        let tail = tail_of("a\nb\n", lines(10));
        assert_eq!(tail.lines, ["a", "b"]);
        assert!(!tail.truncated);
    }

    #[test]
    fn the_last_line_without_a_line_break_counts() {
        assert_eq!(tail_of("a\nb\nc", lines(2)).lines, ["b", "c"]);
    }

    #[test]
    fn ansi_colours_and_progress_bars_are_what_a_terminal_shows() {
        let log = "\x1b[1;31merror\x1b[0m: \x1b[33mfailed\x1b[0m\n 10%\r 50%\r100% done\r\n\x07bell\tend\n";
        assert_eq!(
            tail_of(log, lines(5)).lines,
            ["error: failed", "100% done", "bell end"]
        );
    }

    #[test]
    fn long_lines_are_folded_and_count_as_lines() {
        let log = format!("first\n{}\n", "x".repeat(25));
        let options = TailOptions {
            lines: 3,
            max_bytes: 1024,
            fold_at: 10,
        };
        let tail = tail_of(&log, options);
        assert_eq!(tail.lines, ["x".repeat(10), "x".repeat(10), "x".repeat(5)]);
        assert!(tail.truncated);
    }

    #[test]
    fn the_byte_cap_drops_the_oldest_lines() {
        let log: String = (1..=10).map(|i| format!("line {i:02}\n")).collect();
        let options = TailOptions {
            lines: 10,
            max_bytes: 20,
            fold_at: 160,
        };
        let tail = tail_of(&log, options);
        assert_eq!(tail.lines, ["line 09", "line 10"]);
        assert!(tail.text().len() <= 20);
        assert!(tail.truncated);
    }

    #[test]
    fn lines_across_block_boundaries_are_whole() {
        // Lines of 1000 bytes put block edges (64 KiB) in the middle of lines.
        let log: String = (0..300)
            .map(|i| format!("{i:04}{}\n", "y".repeat(995)))
            .collect();
        let options = TailOptions {
            lines: 100,
            max_bytes: 1 << 20,
            fold_at: 2000,
        };
        let tail = tail_of(&log, options);
        assert_eq!(tail.lines.len(), 100);
        assert!(tail.lines.iter().all(|line| line.len() == 999));
        assert!(tail.lines[0].starts_with("0200"));
    }

    #[test]
    fn a_huge_line_without_breaks_is_read_only_up_to_the_limit() {
        let log = "z".repeat(3 * 1024 * 1024);
        let options = TailOptions {
            lines: 5,
            max_bytes: 1000,
            fold_at: 0,
        };
        let tail = tail_of(&log, options);
        assert_eq!(tail.lines.len(), 1);
        assert!(tail.lines[0].len() < 1000);
        assert!(tail.truncated);
    }

    #[test]
    fn invalid_utf8_does_not_stop_the_tail() {
        let mut log = b"ok\n".to_vec();
        log.extend_from_slice(&[0xff, 0xfe, b'!', b'\n']);
        let tail = tail(&mut Cursor::new(log), lines(5)).expect("in memory");
        assert_eq!(tail.lines, ["ok", "\u{fffd}\u{fffd}!"]);
    }
}
