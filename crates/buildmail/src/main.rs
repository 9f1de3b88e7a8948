//! `buildmail`: the command line. Parses arguments, runs one command, maps the outcome to an
//! exit code (see [`exit`]).

mod cli;
mod cmd;
mod exit;
mod out;
mod runtime;
mod spelling;

use clap::{CommandFactory as _, Parser as _};

use crate::cli::{Cli, Command};
use crate::exit::Exit;

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    exit::finish(run(cli))
}

/// Runs the parsed command line.
fn run(cli: Cli) -> anyhow::Result<Exit> {
    match cli.command {
        Command::Send(args) => {
            let (reports, output) = (args.smtp.reports.clone(), args.smtp.output);
            cmd::json_on_error(output, reports.after(cmd::send::run(args)))
        }
        Command::Notify(args) => {
            let (reports, output) = (args.smtp.reports.clone(), args.smtp.output);
            cmd::json_on_error(output, reports.after(cmd::notify::run(args)))
        }
        Command::Explain(args) => cmd::explain::run(args),
        Command::Outbox(args) => cmd::outbox::run(args),
        Command::Sim(args) => cmd::sim::run(args),
        Command::Demo(args) => cmd::demo::run(args),
        Command::Completions(args) => cmd::completions::run(args, Cli::command()),
        Command::Config(args) => cmd::config_check::run(args),
    }
}
