//! `buildmail`: the command line. Parses arguments, runs one command, maps the outcome to an
//! exit code (see [`exit`]).
#![allow(dead_code)] // skeleton: goes once every subcommand is built

mod cli;
mod cmd;
mod exit;
mod out;
#[cfg(test)]
mod report_text_tests;
mod spelling;

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = cli::Cli::parse();
    exit::finish(cmd::run(cli))
}
