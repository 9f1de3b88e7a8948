//! `buildmail completions SHELL`: shell completions from the clap grammar.

use clap_complete::Shell;

use crate::exit::Exit;

#[derive(Debug, clap::Args)]
pub struct CompletionsArgs {
    /// The shell to print completions for.
    shell: Shell,
}

/// Prints the completions of `grammar` (the whole command line, handed down by `main` so that
/// this module does not import the grammar that imports it).
pub fn run(args: CompletionsArgs, mut grammar: clap::Command) -> anyhow::Result<Exit> {
    // Generated in memory: clap_complete panics when its writer fails (`| head`).
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut grammar, "buildmail", &mut script);
    crate::out::stdout(&script)?;
    Ok(Exit::Ok)
}
