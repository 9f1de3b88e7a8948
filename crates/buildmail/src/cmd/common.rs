//! The flags every sending subcommand shares (`send`, `notify`, `outbox flush`), one-to-one with
//! what the user typed. Each can also come from the environment as `BUILDMAIL_<FLAG>`.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, ValueEnum};

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

    /// Password for SMTP AUTH; prefer the environment variable BUILDMAIL_SMTP_PASSWORD.
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

    /// Connect and per-command timeout (humantime: 30s, 2m).
    #[arg(long, env = "BUILDMAIL_TIMEOUT", value_name = "DUR", default_value = "60s",
          value_parser = humantime::parse_duration)]
    pub timeout: Duration,

    /// Total wall time that retries may take (humantime: 10m, 1h).
    #[arg(long, env = "BUILDMAIL_RETRY_BUDGET", value_name = "DUR", default_value = "10m",
          value_parser = humantime::parse_duration)]
    pub retry_budget: Duration,

    /// Attempts per message, the first one included.
    #[arg(long, env = "BUILDMAIL_MAX_ATTEMPTS", value_name = "N", default_value_t = 10,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub max_attempts: u32,

    /// Where a message goes when a transient failure outlasts the budget.
    #[arg(long, env = "BUILDMAIL_OUTBOX", value_name = "DIR")]
    pub outbox: Option<PathBuf>,

    /// text: a human report on stderr; json: one report object on stdout.
    #[arg(long, env = "BUILDMAIL_OUTPUT", value_enum, default_value_t = OutputFormat::Text)]
    pub output: OutputFormat,
}

/// Who the message is from and to.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Addresses")]
pub struct AddressArgs {
    /// The sender: `a@b` or `Name <a@b>`.
    #[arg(long, env = "BUILDMAIL_FROM", value_name = "ADDR")]
    pub from: Option<String>,

    /// Recipients; repeatable and comma-separated.
    #[arg(long, env = "BUILDMAIL_TO", value_name = "ADDR", value_delimiter = ',')]
    pub to: Vec<String>,

    /// Carbon-copy recipients; repeatable and comma-separated.
    #[arg(long, env = "BUILDMAIL_CC", value_name = "ADDR", value_delimiter = ',')]
    pub cc: Vec<String>,

    /// Blind-copy recipients (in the envelope, never in a header); repeatable and comma-separated.
    #[arg(
        long,
        env = "BUILDMAIL_BCC",
        value_name = "ADDR",
        value_delimiter = ','
    )]
    pub bcc: Vec<String>,

    /// Where replies should go.
    #[arg(long, env = "BUILDMAIL_REPLY_TO", value_name = "ADDR")]
    pub reply_to: Option<String>,

    /// Print the complete RFC 5322 message on stdout and send nothing.
    #[arg(long, env = "BUILDMAIL_DRY_RUN")]
    pub dry_run: bool,
}
