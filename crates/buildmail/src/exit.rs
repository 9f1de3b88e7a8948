//! The exit-code table of `interface.md` (sysexits, like sendmail and msmtp), mapped in one place.

use std::process::ExitCode;

use buildmail_core::report::Verdict;

/// How a command ended, as the process exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// 0: delivered to every recipient, or skipped on purpose.
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
    /// 78: configuration error: SMTP URL, TLS settings.
    Config = 78,
}

impl From<Verdict> for Exit {
    /// A delivery's verdict as its exit code (the table of `interface.md`).
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

/// An error the user can cause, tagged with its exit code. The message names the input and the fix.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct UserError {
    pub exit: Exit,
    message: String,
}

impl UserError {
    pub fn new(exit: Exit, message: impl Into<String>) -> Self {
        UserError {
            exit,
            message: message.into(),
        }
    }

    /// Bad input (exit 65).
    pub fn bad_input(message: impl Into<String>) -> Self {
        UserError::new(Exit::DataErr, message)
    }

    /// A configuration error (exit 78).
    pub fn config(message: impl Into<String>) -> Self {
        UserError::new(Exit::Config, message)
    }
}

/// The exit code for an error: the first tagged cause in its chain decides ([`UserError`]); an
/// untagged one (a reply that does not parse, a file that cannot be read, anything else) is bad
/// input (65).
fn exit_for(error: &anyhow::Error) -> Exit {
    for cause in error.chain() {
        if let Some(user) = cause.downcast_ref::<UserError>() {
            return user.exit;
        }
        if cause.downcast_ref::<buildmail_core::ReplyError>().is_some() {
            return Exit::DataErr;
        }
        if cause.downcast_ref::<std::io::Error>().is_some() {
            return Exit::DataErr;
        }
    }
    Exit::DataErr
}

/// Prints the error once and turns the outcome into the process exit code. A closed stdout
/// means the reader stopped reading (`| head`): not an error of the command (see [`crate::out`]).
pub fn finish(outcome: anyhow::Result<Exit>) -> ExitCode {
    match outcome {
        Ok(exit) => ExitCode::from(exit as u8),
        Err(error) if error.downcast_ref::<crate::out::Closed>().is_some() => {
            ExitCode::from(Exit::Ok as u8)
        }
        Err(error) => {
            // The core's messages name settings as `{key}`: here they become our flags.
            let message = buildmail_core::settings::spell_placeholders(
                &format!("{error:#}"),
                crate::spelling::spell,
            );
            crate::out::note(&format!("buildmail: error: {message}"));
            ExitCode::from(exit_for(&error) as u8)
        }
    }
}
