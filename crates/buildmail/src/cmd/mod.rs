//! One module per subcommand: its flags and the code that turns them into a call of the core.

pub mod choices;
pub mod common;
pub mod completions;
pub mod config_check;
pub mod deliver;
pub mod demo;
pub mod explain;
pub mod jenkins_reports;
pub mod notify;
pub mod outbox;
pub mod send;
pub mod sim;

use crate::exit::Exit;

/// With `--output json`, stdout always holds exactly one object: a failure before any attempt
/// (a missing flag, a bad address, a bad URL) prints `{"status": "failed", "error": {kind,
/// message}}` too. The error still goes to stderr and decides the exit code.
pub(crate) fn json_on_error(
    output: common::OutputFormat,
    result: anyhow::Result<Exit>,
) -> anyhow::Result<Exit> {
    if let (common::OutputFormat::Json, Err(error)) = (output, &result) {
        let exit = crate::exit::exit_for(error);
        let object = serde_json::json!({
            "status": "failed",
            "error": {"kind": exit.kind(), "message": crate::exit::message(error)},
        });
        // A closed stdout is no reason to hide the error itself: stderr and the code still say it.
        let _ = crate::out::stdout(format!("{object:#}\n").as_bytes());
    }
    result
}
