//! Writing to stdout and stderr when either may be closed or full (`| head`, `2>/dev/full`).
//!
//! buildmail's outcome is the delivery's, not the terminal's: a message that was delivered stays
//! delivered (exit 0) when nobody reads the report, and `explain --scan log | head` has done its
//! job when `head` has enough. So nothing here panics: a note that cannot be written is dropped,
//! and output that cannot be written ends the command with [`Closed`], which `exit` maps to the
//! command's own outcome.

use std::io::{self, Write as _};

/// stdout was closed or could not be written: whoever read it has stopped reading.
#[derive(Debug, thiserror::Error)]
#[error("stdout is closed or full: {0}")]
pub struct Closed(#[source] pub io::Error);

/// One line for the person watching, on stderr; dropped when stderr cannot be written.
pub fn note(text: &str) {
    let mut stderr = io::stderr().lock();
    let _ = writeln!(stderr, "{text}");
}

/// Writes all of `bytes` to stdout and flushes.
pub fn stdout(bytes: &[u8]) -> Result<(), Closed> {
    let mut stdout = io::stdout().lock();
    stdout
        .write_all(bytes)
        .and_then(|()| stdout.flush())
        .map_err(Closed)
}
