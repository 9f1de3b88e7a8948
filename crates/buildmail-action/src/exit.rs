//! The step's exit code, mapped in one place: the sysexits of `interface.md` (as the CLI), so
//! a log reader sees the same numbers; any non-zero code fails the step.

use std::process::ExitCode;

use buildmail_core::Verdict;

use crate::workflow::{Annotation, Annotations, Commands, Level};

/// How the step ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// 0: delivered, skipped on purpose, or failed with `fail_on_error: false`.
    Ok = 0,
    /// 65: bad input: an address, a file, a header value.
    DataErr = 65,
    /// 69: permanently rejected for at least one recipient.
    Unavailable = 69,
    /// 75: deferred: a transient failure outlasted the retry budget.
    TempFail = 75,
    /// 77: authentication refused.
    NoPerm = 77,
    /// 78: configuration: an input, the SMTP server, TLS.
    Config = 78,
}

impl From<Verdict> for Exit {
    /// The core's verdict on a delivery as the step's exit code (the table of `interface.md`).
    fn from(verdict: Verdict) -> Exit {
        match verdict {
            Verdict::Delivered => Exit::Ok,
            Verdict::Rejected => Exit::Unavailable,
            Verdict::BadAddress => Exit::DataErr,
            Verdict::Misconfigured => Exit::Config,
            Verdict::AuthRefused => Exit::NoPerm,
            Verdict::Deferred => Exit::TempFail,
        }
    }
}

/// An error the user can fix, with its exit code; the message names the input.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct StepError {
    /// The exit code.
    pub exit: Exit,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl StepError {
    /// A configuration error (exit 78).
    pub fn config(message: impl Into<String>) -> Self {
        StepError {
            exit: Exit::Config,
            message: message.into(),
        }
    }

    /// Bad input (exit 65).
    pub fn bad_input(message: impl Into<String>) -> Self {
        StepError {
            exit: Exit::DataErr,
            message: message.into(),
        }
    }
}

/// Prints an error once, as an annotation (its text may hold untrusted parts: it is escaped),
/// and turns the result into the process's exit code.
pub fn report(result: anyhow::Result<Exit>) -> ExitCode {
    let exit = match result {
        Ok(exit) => exit,
        Err(error) => {
            let exit = error
                .downcast_ref::<StepError>()
                .map_or(Exit::Config, |e| e.exit);
            let mut annotations = Annotations::default();
            annotations.push(Annotation::new(
                Level::Error,
                "buildmail",
                buildmail_core::settings::spell_placeholders(
                    &format!("{error:#}"),
                    crate::spelling::spell,
                ),
            ));
            let mut stdout = Commands::new(std::io::stdout().lock());
            // Nothing more can be done if stdout is gone; the exit code still says it.
            let _ = stdout.annotate(&annotations);
            exit
        }
    };
    ExitCode::from(exit as u8)
}
