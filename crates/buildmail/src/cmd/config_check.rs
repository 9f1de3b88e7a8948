//! `buildmail config check`: the settings a send would use, resolved from flags, environment,
//! the config file's account and its defaults, each with where it came from; secrets masked.
//! Nothing is sent and nothing connects: the settings are only checked.

use buildmail_core::Server;
use buildmail_core::server::UrlError;

use crate::cmd::common::SmtpArgs;
use crate::exit::Exit;
use crate::out;
use buildmail_core::settings::accounts::{Account, Resolved, Source};

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
    let given = Given::of(&smtp, &from);
    let resolved = smtp.apply_config(Some(&mut from))?;
    let origin = Origin {
        given,
        resolved: resolved.as_ref(),
    };
    let server = smtp.smtp_url.as_deref().map(str::parse::<Server>);
    let lines = [
        file_line(resolved.as_ref()),
        server_line(server.as_ref(), &origin),
        user_line(&smtp, server.as_ref(), &origin),
        password_line(&smtp),
        match &from {
            Some(from) => format!("from: {from}{}", origin.of(origin.given.from, |a| &a.from)),
            None => "from: not set".to_owned(),
        },
        format!(
            "timeout: {}, retry budget: {}, max attempts: {}",
            humantime::format_duration(smtp.timeout),
            humantime::format_duration(smtp.retry_budget),
            smtp.max_attempts
        ),
    ];
    out::stdout(format!("{}\n", lines.join("\n")).as_bytes())?;
    smtp.delivery()?;
    out::note("config check: the settings are complete and valid (nothing was sent)");
    Ok(Exit::Ok)
}

fn file_line(resolved: Option<&Resolved>) -> String {
    match resolved {
        Some(resolved) => format!(
            "config file: {} (account: {})",
            resolved.path.display(),
            resolved.name.as_deref().unwrap_or("none, defaults only")
        ),
        None => "config file: none".to_owned(),
    }
}

fn server_line(server: Option<&Result<Server, UrlError>>, origin: &Origin<'_>) -> String {
    match server {
        Some(Ok(server)) => format!(
            "server: {server}, TLS {}{}",
            server.tls().as_str(),
            origin.of(origin.given.url, |a| &a.url)
        ),
        Some(Err(error)) => format!("server: invalid: {error}"),
        None => "server: not set (--smtp-url, BUILDMAIL_SMTP_URL or an account's url)".to_owned(),
    }
}

/// The user: `--username` (or the account's), else the URL's.
fn user_line(
    smtp: &SmtpArgs,
    server: Option<&Result<Server, UrlError>>,
    origin: &Origin<'_>,
) -> String {
    let from_url = || {
        let server = server?.as_ref().ok()?;
        server.username().map(str::to_owned)
    };
    match smtp.username.clone().or_else(from_url) {
        Some(user) => format!("user: {user}{}", origin.of(origin.given.user, |a| &a.user)),
        None => "user: none (no AUTH)".to_owned(),
    }
}

/// Whether there is a password, never the password.
fn password_line(smtp: &SmtpArgs) -> String {
    match smtp.password().ok().flatten() {
        Some(password) if password.is_empty() => "password: set but empty".to_owned(),
        Some(_) => "password: ****".to_owned(),
        None => "password: not set".to_owned(),
    }
}

/// Where a shown setting came from: the flags, else the config file.
struct Origin<'a> {
    given: Given,
    resolved: Option<&'a Resolved>,
}

impl Origin<'_> {
    /// ` (account)`: where the setting `pick` takes came from, for the end of its line.
    fn of(&self, was_given: bool, pick: fn(&Account) -> &Option<String>) -> &'static str {
        let source = match (was_given, self.resolved) {
            (true, _) => Some(Source::Given),
            (false, Some(resolved)) => resolved.get(pick).map(|(_, source)| source),
            (false, None) => None,
        };
        from_where(source)
    }
}

/// Which settings the flags or the environment gave, before the config file fills the rest.
struct Given {
    url: bool,
    user: bool,
    from: bool,
}

impl Given {
    fn of(smtp: &SmtpArgs, from: &Option<String>) -> Given {
        Given {
            url: smtp.smtp_url.is_some(),
            user: smtp.username.is_some(),
            from: from.is_some(),
        }
    }
}

fn from_where(source: Option<Source>) -> &'static str {
    match source {
        Some(Source::Given) => " (flag or environment)",
        Some(Source::Account) => " (account)",
        Some(Source::Defaults) => " (config defaults)",
        None => "",
    }
}
