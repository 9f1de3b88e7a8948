//! The exit codes of `interface.md` (sysexits, as sendmail and msmtp use them): one table for
//! every front end that ends as a process, the CLI and the Action alike, so a log reader sees
//! the same number for the same ending. A front end that is not a process (the Jenkins step)
//! maps these codes to its own terms.

use crate::report::Verdict;

/// How a command ended, as a process exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sysexit {
    /// 0: delivered to every recipient, skipped on purpose, or a failure the user chose not to
    /// fail on (the Action's `fail_on_error: false`).
    Ok = 0,
    /// 2: the command line is wrong (clap also uses 2).
    Usage = 2,
    /// 65: bad input: an address, a file, a header value, a reply to explain.
    DataErr = 65,
    /// 69: permanently rejected for at least one recipient, none left deferred.
    Unavailable = 69,
    /// 75: deferred: a transient failure outlasted the retry budget.
    TempFail = 75,
    /// 77: authentication refused.
    NoPerm = 77,
    /// 78: configuration error: SMTP URL, TLS settings, an input.
    Config = 78,
}

impl Sysexit {
    /// The number the process exits with.
    pub fn code(self) -> u8 {
        self as u8
    }

    /// The code's meaning as the JSON report's `error.kind` names it.
    pub fn kind(self) -> &'static str {
        match self {
            Sysexit::Ok => "ok",
            Sysexit::Usage => "usage",
            Sysexit::DataErr => "bad_input",
            Sysexit::Unavailable => "rejected",
            Sysexit::TempFail => "deferred",
            Sysexit::NoPerm => "auth",
            Sysexit::Config => "config",
        }
    }
}

impl From<Verdict> for Sysexit {
    /// A delivery's verdict as its exit code (the table of `interface.md`).
    ///
    /// ```
    /// use buildmail_core::{Sysexit, Verdict};
    ///
    /// assert_eq!(Sysexit::from(Verdict::Deferred).code(), 75);
    /// ```
    fn from(verdict: Verdict) -> Sysexit {
        match verdict {
            Verdict::Delivered => Sysexit::Ok,
            Verdict::Rejected => Sysexit::Unavailable,
            Verdict::BadAddress => Sysexit::DataErr,
            Verdict::Misconfigured => Sysexit::Config,
            Verdict::AuthRefused => Sysexit::NoPerm,
            Verdict::Deferred => Sysexit::TempFail,
        }
    }
}

/// An error the user can fix, tagged with the exit code it ends with; its message names the
/// input and the fix. Each front end raises it for its own inputs (the CLI's flags, the Action's
/// inputs) and finds it in an error's chain to choose the code.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct ExitError {
    /// The exit code.
    pub exit: Sysexit,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl ExitError {
    /// An error that ends with `exit`.
    pub fn new(exit: Sysexit, message: impl Into<String>) -> Self {
        ExitError {
            exit,
            message: message.into(),
        }
    }

    /// Bad input (exit 65).
    pub fn bad_input(message: impl Into<String>) -> Self {
        ExitError::new(Sysexit::DataErr, message)
    }

    /// A configuration error (exit 78).
    pub fn config(message: impl Into<String>) -> Self {
        ExitError::new(Sysexit::Config, message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The numbers of `interface.md`, which scripts and the Jenkins step compare against.
    #[test]
    fn the_table_of_the_interface() {
        let codes = [
            (Verdict::Delivered, 0),
            (Verdict::Rejected, 69),
            (Verdict::BadAddress, 65),
            (Verdict::Misconfigured, 78),
            (Verdict::AuthRefused, 77),
            (Verdict::Deferred, 75),
        ];
        for (verdict, code) in codes {
            assert_eq!(Sysexit::from(verdict).code(), code, "{verdict:?}");
        }
        assert_eq!(Sysexit::Usage.code(), 2);
    }
}
