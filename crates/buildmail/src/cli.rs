//! The command-line grammar: subcommands and their flags, one-to-one with what the user types.
//! Each subcommand's flags live beside its implementation in `cmd/`.

use clap::{Parser, Subcommand};

use crate::cmd;

/// Build notifications that arrive: SMTP with 421-aware retries and explained failures.
#[derive(Debug, Parser)]
#[command(name = "buildmail", version, about, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
#[allow(clippy::large_enum_variant)] // parsed once per run: boxing the flags buys nothing
pub enum Command {
    /// Send one message, retrying transient failures within a time budget.
    Send(cmd::send::SendArgs),
    /// Send a build notification composed from the CI context.
    Notify(cmd::notify::NotifyArgs),
    /// Explain what an SMTP reply means, why it happened and what to do.
    Explain(cmd::explain::ExplainArgs),
    /// List, send or drop messages kept by `--outbox`.
    Outbox(cmd::outbox::OutboxArgs),
    /// Run a fault-injecting SMTP server for tests and rehearsals.
    Sim(cmd::sim::SimArgs),
    /// Show a delivery through a greylisting, busy server: no setup, no network.
    Demo(cmd::demo::DemoArgs),
    /// Print shell completions.
    Completions(cmd::completions::CompletionsArgs),
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory as _;

    /// clap's own consistency checks (conflicts and requirements naming real arguments, no two
    /// flags with one name) over the whole grammar, not only the paths a test happens to parse.
    #[test]
    fn the_command_line_is_consistent() {
        super::Cli::command().debug_assert();
    }
}
