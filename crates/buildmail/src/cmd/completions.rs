//! `buildmail completions SHELL`: shell completions from the clap grammar.

use clap::CommandFactory;
use clap_complete::Shell;

use crate::cli::Cli;
use crate::exit::Exit;

#[derive(Debug, clap::Args)]
pub struct CompletionsArgs {
    /// The shell to print completions for.
    shell: Shell,
}

pub fn run(args: CompletionsArgs) -> anyhow::Result<Exit> {
    // Generated in memory: clap_complete panics when its writer fails (`| head`).
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "buildmail", &mut script);
    crate::out::stdout(&script)?;
    Ok(Exit::Ok)
}
