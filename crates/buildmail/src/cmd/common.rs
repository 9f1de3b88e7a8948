//! The flags every sending subcommand shares (`send`, `notify`, `outbox flush`), one-to-one with
//! what the user typed. Each can also come from the environment as `BUILDMAIL_<FLAG>`.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use buildmail_core::compose::Addressing;
use buildmail_core::{Delivery, DeliverySettings, Setting};
use clap::{Args, ValueEnum};

use crate::exit::{Exit, UserError};
use crate::spelling::spell;
use buildmail_core::settings::accounts::{self, AccountsError, Resolved};
use buildmail_core::settings::{positive_timeout, spell_placeholders};

/// How the outcome is reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// A human report on stderr.
    Text,
    /// One JSON report object on stdout.
    Json,
}

/// Where and how to connect, whom to write to, and how long to keep trying.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "SMTP server")]
pub struct SmtpArgs {
    // The help text is clap's, verbatim: its brackets are the URL's syntax, not doc links.
    #[allow(rustdoc::broken_intra_doc_links)]
    /// smtp://[user[:pass]@]host[:port][?tls=required|opportunistic|none] or smtps://... (implicit TLS).
    /// Without tls=, smtp:// requires STARTTLS except to a loopback address.
    #[arg(
        long,
        env = "BUILDMAIL_SMTP_URL",
        value_name = "URL",
        hide_env_values = true
    )]
    pub smtp_url: Option<String>,

    /// User name for SMTP AUTH (overrides the URL's).
    #[arg(long, env = "BUILDMAIL_USERNAME", value_name = "USER")]
    pub username: Option<String>,

    /// Password for SMTP AUTH; prefer the environment variable BUILDMAIL_SMTP_PASSWORD
    /// (BUILDMAIL_PASSWORD is read too).
    #[arg(
        long,
        env = "BUILDMAIL_SMTP_PASSWORD",
        value_name = "PASS",
        hide_env_values = true
    )]
    pub password: Option<String>,

    /// Read the password from this file (its first line).
    #[arg(
        long,
        env = "BUILDMAIL_PASSWORD_FILE",
        value_name = "PATH",
        conflicts_with = "password"
    )]
    pub password_file: Option<PathBuf>,

    /// Other relays, tried in turn while the primary fails transiently.
    #[arg(
        long = "fallback-smtp-url",
        env = "BUILDMAIL_FALLBACK_SMTP_URL",
        value_name = "URL",
        value_delimiter = ',',
        hide_env_values = true
    )]
    pub fallback_smtp_urls: Vec<String>,

    /// Also trust the CA certificates in this PEM file (a company relay).
    #[arg(long, env = "BUILDMAIL_CA_FILE", value_name = "PATH")]
    pub ca_file: Option<PathBuf>,

    /// Accept any TLS certificate. Never the default; only for a relay you control.
    #[arg(long, env = "BUILDMAIL_INSECURE_SKIP_VERIFY")]
    pub insecure_skip_verify: bool,

    /// Allow credentials over an unencrypted connection to a host that is not loopback
    /// (tls=none, or tls=opportunistic to a server without STARTTLS). Only on a network you trust.
    #[arg(long, env = "BUILDMAIL_ALLOW_PLAINTEXT_AUTH")]
    pub allow_plaintext_auth: bool,

    /// Connect and per-command timeout (humantime: 30s, 2m); above zero.
    #[arg(long, env = "BUILDMAIL_TIMEOUT", value_name = "DUR", default_value = "60s",
          value_parser = positive_timeout)]
    pub timeout: Duration,

    /// Deadline for the whole command, attempts and waits included (humantime: 10m, 1h);
    /// 0: one attempt, no retry.
    #[arg(long, env = "BUILDMAIL_RETRY_BUDGET", value_name = "DUR", default_value = "10m",
          value_parser = humantime::parse_duration)]
    pub retry_budget: Duration,

    /// Attempts per message, the first one included.
    #[arg(long, env = "BUILDMAIL_MAX_ATTEMPTS", value_name = "N", default_value_t = 10,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub max_attempts: u32,

    /// Where a message goes when it did not reach everyone: deferred past the budget, or its
    /// session or settings refused (flush it with `buildmail outbox flush`).
    #[arg(long, env = "BUILDMAIL_OUTBOX", value_name = "DIR")]
    pub outbox: Option<PathBuf>,

    /// A TOML config file with named accounts (default: $XDG_CONFIG_HOME/buildmail/config.toml,
    /// read when it exists). Flags and environment beat the account, the account its defaults.
    #[arg(long, env = "BUILDMAIL_CONFIG", value_name = "PATH")]
    pub config: Option<PathBuf>,

    /// The account of the config file to use (default: the file's defaults.account).
    #[arg(long, env = "BUILDMAIL_ACCOUNT", value_name = "NAME")]
    pub account: Option<String>,

    /// Show the SMTP dialogue on stderr, as swaks does: commands and replies, TLS and AUTH
    /// marked, credentials masked, the message body elided past its headers.
    #[arg(long, env = "BUILDMAIL_TRANSCRIPT")]
    pub transcript: bool,

    /// text: a human report on stderr; json: one report object on stdout.
    #[arg(long, env = "BUILDMAIL_OUTPUT", value_enum, default_value_t = OutputFormat::Text)]
    pub output: OutputFormat,

    #[command(flatten)]
    pub reports: crate::cmd::jenkins_reports::ReportFiles,
}

/// Who the message is from and to.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Addresses")]
pub struct AddressArgs {
    /// The sender: `a@b` or `Name <a@b>`.
    #[arg(long, env = "BUILDMAIL_FROM", value_name = "ADDR")]
    pub from: Option<String>,

    /// Recipients; repeatable and comma-separated (`"Doe, Jane" <jane@example.com>` is one).
    #[arg(long, env = "BUILDMAIL_TO", value_name = "ADDR")]
    pub to: Vec<String>,

    /// Carbon-copy recipients; repeatable and comma-separated.
    #[arg(long, env = "BUILDMAIL_CC", value_name = "ADDR")]
    pub cc: Vec<String>,

    /// Blind-copy recipients (in the envelope, never in a header); repeatable and comma-separated.
    #[arg(long, env = "BUILDMAIL_BCC", value_name = "ADDR")]
    pub bcc: Vec<String>,

    /// Where replies should go.
    #[arg(long, env = "BUILDMAIL_REPLY_TO", value_name = "ADDR")]
    pub reply_to: Option<String>,

    /// Print the complete RFC 5322 message on stdout and send nothing.
    #[arg(long, env = "BUILDMAIL_DRY_RUN")]
    pub dry_run: bool,
}

impl SmtpArgs {
    /// The validated delivery, built by the core from these flags. A missing or invalid URL or
    /// TLS setting is a configuration error (exit 78); an unreadable password file is bad input
    /// (exit 65).
    pub fn delivery(&self) -> anyhow::Result<Delivery> {
        let settings = DeliverySettings {
            smtp_url: self.smtp_url.clone(),
            username: self.username.clone(),
            password: self.password()?,
            fallback_smtp_urls: self.fallback_smtp_urls.clone(),
            ca_file: self.ca_file.clone(),
            insecure_skip_verify: self.insecure_skip_verify,
            allow_plaintext_auth: self.allow_plaintext_auth,
            timeout: Some(self.timeout),
            retry_budget: Some(self.retry_budget),
            max_attempts: Some(self.max_attempts),
        };
        let delivery = settings.build().map_err(|error| {
            if error.needs_password() {
                // The secret is what is missing: named where CI puts it, not as a flag that
                // would show it in the process list.
                return UserError::new(Exit::NoPerm, error.spelled(spell_secret));
            }
            let mut message = error.spelled(spell);
            if error.is_missing() {
                message.push_str(" (or set BUILDMAIL_SMTP_URL)");
            }
            UserError::config(message)
        })?;
        Ok(match self.transcript {
            true => delivery.transcript(Arc::new(|line| crate::out::note(&line.to_string()))),
            false => delivery,
        })
    }

    /// Fills what the flags and the environment left out from the config file's account, then
    /// from its defaults: the URL, the user, the password and, given `from`, the sender. Returns
    /// the account used, for `config check`.
    pub fn apply_config(
        &mut self,
        from: Option<&mut Option<String>>,
    ) -> Result<Option<Resolved>, UserError> {
        let default = accounts::default_path(|key| std::env::var(key).ok());
        let Some(resolved) =
            accounts::load(self.config.as_deref(), default, self.account.as_deref())
                .map_err(accounts_error)?
        else {
            return Ok(None);
        };
        let password_elsewhere =
            self.password_file.is_some() || std::env::var_os(PASSWORD_ALIAS).is_some();
        let password = (!password_elsewhere).then_some(&mut self.password);
        resolved
            .fill(&mut self.smtp_url, &mut self.username, from, password)
            .map_err(accounts_error)?;
        Ok(Some(resolved))
    }

    /// The password: `--password` (or `BUILDMAIL_SMTP_PASSWORD`, or `BUILDMAIL_PASSWORD` as the
    /// interface's `BUILDMAIL_<FLAG>` rule promises), or the first line of `--password-file`.
    pub fn password(&self) -> anyhow::Result<Option<String>> {
        let Some(path) = &self.password_file else {
            let alias = || std::env::var(PASSWORD_ALIAS).ok();
            return Ok(self.password.clone().or_else(alias));
        };
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading --password-file {}", path.display()))?;
        Ok(Some(text.lines().next().unwrap_or_default().to_owned()))
    }
}

/// The accounts file's error with its exit code (the core's).
fn accounts_error(error: AccountsError) -> UserError {
    UserError::new(
        error.sysexit(),
        spell_placeholders(&error.to_string(), spell),
    )
}

/// `BUILDMAIL_PASSWORD`: the `BUILDMAIL_<FLAG>` name of `--password`, read besides
/// `BUILDMAIL_SMTP_PASSWORD` (clap takes one variable per flag).
const PASSWORD_ALIAS: &str = "BUILDMAIL_PASSWORD";

/// How a missing secret is named: the variable CI sets.
fn spell_secret(setting: Setting) -> &'static str {
    match setting {
        Setting::Password => "BUILDMAIL_SMTP_PASSWORD (or --password-file)",
        other => spell(other),
    }
}

impl AddressArgs {
    /// The addresses of the flags, the core's way; the core parses and checks them.
    pub fn addressing(&self) -> Addressing {
        Addressing {
            from: self.from.clone().unwrap_or_default(),
            to: self.to.clone(),
            cc: self.cc.clone(),
            bcc: self.bcc.clone(),
            reply_to: self.reply_to.clone(),
            ..Addressing::default()
        }
    }
}
