//! `buildmail config check`: the settings a send would use, resolved from flags, environment,
//! the config file's account and its defaults, each with where it came from; secrets masked.
//! Nothing is sent and nothing connects: the settings are only checked. The lines are the
//! core's ([`Shown`]).

use buildmail_core::Setting;
use buildmail_core::settings::check::{Given, Shown};

use crate::cmd::common::SmtpArgs;
use crate::exit::Exit;
use crate::out;

#[derive(Debug, clap::Args)]
pub struct ConfigArgs {
    #[command(subcommand)]
    action: Action,
}

#[derive(Debug, clap::Subcommand)]
enum Action {
    /// Print the resolved settings on stdout, secrets masked, and check them.
    #[command(after_help = "Example:\n  buildmail config check --account work")]
    Check {
        #[command(flatten)]
        smtp: SmtpArgs,

        /// The sender: `a@b` or `Name <a@b>`.
        #[arg(long, env = "BUILDMAIL_FROM", value_name = "ADDR")]
        from: Option<String>,
    },
}

pub fn run(args: ConfigArgs) -> anyhow::Result<Exit> {
    let Action::Check { mut smtp, mut from } = args.action;
    let given = Given {
        url: smtp.smtp_url.is_some(),
        user: smtp.username.is_some(),
        from: from.is_some(),
    };
    let resolved = smtp.apply_config(Some(&mut from))?;
    let password = smtp.password().ok().flatten();
    let shown = Shown {
        resolved: resolved.as_ref(),
        given,
        smtp_url: smtp.smtp_url.as_deref(),
        username: smtp.username.as_deref(),
        password: password.as_deref(),
        from: from.as_deref(),
        timeout: smtp.timeout,
        retry_budget: smtp.retry_budget,
        max_attempts: smtp.max_attempts,
    };
    let lines = shown.lines("flag or environment", spell).join("\n");
    out::stdout(format!("{lines}\n").as_bytes())?;
    smtp.delivery()?;
    out::note("config check: the settings are complete and valid (nothing was sent)");
    Ok(Exit::Ok)
}

/// A missing URL is named with every place it can come from but the account.
fn spell(setting: Setting) -> &'static str {
    match setting {
        Setting::SmtpUrl => "--smtp-url, BUILDMAIL_SMTP_URL",
        other => crate::spelling::spell(other),
    }
}
