//! How the command line ends: the exit-code table of `interface.md` is the core's
//! ([`buildmail_core::Sysexit`], shared with the Action); here errors are tagged with their code,
//! mapped in one function, and printed once.

use std::process::ExitCode;

/// How a command ended: the core's table, shared with the Action.
pub use buildmail_core::Sysexit as Exit;

/// An error the user can cause, tagged with its exit code (the core's, shared with the Action).
pub use buildmail_core::sysexits::ExitError as UserError;

/// The exit code for an error: the first tagged cause in its chain decides ([`UserError`]); an
/// untagged one (a reply that does not parse, a file that cannot be read, anything else) is bad
/// input (65).
pub fn exit_for(error: &anyhow::Error) -> Exit {
    let tagged = error
        .chain()
        .find_map(|cause| cause.downcast_ref::<UserError>());
    tagged.map_or(Exit::DataErr, |user| user.exit)
}

/// Prints the error once and turns the outcome into the process exit code. A closed stdout
/// means the reader stopped reading (`| head`): not an error of the command (see [`crate::out`]).
pub fn finish(outcome: anyhow::Result<Exit>) -> ExitCode {
    match outcome {
        Ok(exit) => ExitCode::from(exit.code()),
        Err(error) if error.downcast_ref::<crate::out::Closed>().is_some() => {
            ExitCode::from(Exit::Ok.code())
        }
        Err(error) => {
            crate::out::note(&format!("buildmail: error: {}", message(&error)));
            ExitCode::from(exit_for(&error).code())
        }
    }
}

/// The error's message with its causes, the core's `{key}` placeholders written as our flags:
/// the same words on stderr and in the JSON report's `error.message`.
pub fn message(error: &anyhow::Error) -> String {
    buildmail_core::settings::spell_placeholders(&format!("{error:#}"), crate::spelling::spell)
}
