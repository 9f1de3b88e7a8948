//! The step's exit code: the core's sysexits table ([`buildmail_core::Sysexit`], the CLI's
//! too), so a log reader sees the same numbers; any non-zero code fails the step. Errors are
//! tagged with their code here and printed once, as an annotation.

use std::process::ExitCode;

use crate::workflow::{Annotation, Annotations, Commands, Level};

/// How the step ended: the core's table, shared with the CLI (`Usage` is the CLI's alone).
pub use buildmail_core::Sysexit as Exit;

/// An error the user can fix, with its exit code; the message names the input (the core's,
/// shared with the CLI).
pub use buildmail_core::sysexits::ExitError as StepError;

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
    ExitCode::from(exit.code())
}
