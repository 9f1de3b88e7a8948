//! `buildmail-action`: the binary behind `actions/notify`.

use buildmail_action::{exit, run};

fn main() -> std::process::ExitCode {
    exit::report(run::run(|name| std::env::var(name).ok()))
}
