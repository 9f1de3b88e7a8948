//! The flags every sending subcommand shares (`send`, `notify`, `outbox flush`), one-to-one with
//! what the user typed. Each can also come from the environment as `BUILDMAIL_<FLAG>`.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use buildmail_core::compose::{Attacher, Attachment, Draft, SizePolicy};
use buildmail_core::connector::TlsTrust;
use buildmail_core::policy::RetryPolicy;
use buildmail_core::{Delivery, Server, Tls};
use clap::{Args, ValueEnum};

use crate::exit::UserError;

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

    /// Allow credentials over an unencrypted connection to a host that is not loopback
    /// (tls=none, or tls=opportunistic to a server without STARTTLS). Only on a network you trust.
    #[arg(long, env = "BUILDMAIL_ALLOW_PLAINTEXT_AUTH")]
    pub allow_plaintext_auth: bool,

    /// Connect and per-command timeout (humantime: 30s, 2m); above zero.
    #[arg(long, env = "BUILDMAIL_TIMEOUT", value_name = "DUR", default_value = "60s",
          value_parser = positive_duration)]
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

    /// Where a message goes when a transient failure outlasts the budget.
    #[arg(long, env = "BUILDMAIL_OUTBOX", value_name = "DIR")]
    pub outbox: Option<PathBuf>,

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
    /// The validated delivery: relays with their credentials, TLS trust, timeout and retry policy.
    /// A missing or invalid URL or TLS setting is a configuration error (exit 78); an unreadable
    /// password file is bad input (exit 65).
    pub fn delivery(&self) -> anyhow::Result<Delivery> {
        let url = self.smtp_url.as_deref().ok_or_else(|| {
            UserError::config("no SMTP server: pass --smtp-url or set BUILDMAIL_SMTP_URL")
        })?;
        let password = self.password()?;
        let primary = parse_server("--smtp-url", url)?
            .with_credentials(self.username.clone(), password.clone());
        if primary.has_password() && primary.username().is_none() {
            return Err(UserError::config(
                "a password without a user name: add --username or user@ to --smtp-url",
            )
            .into());
        }
        let mut servers = vec![primary.clone()];
        for url in &self.fallback_smtp_urls {
            let server = parse_server("--fallback-smtp-url", url)?.with_shared_credentials(
                &primary,
                self.username.clone(),
                password.clone(),
            );
            servers.push(server);
        }
        for server in &servers {
            if server.sends_credentials_in_clear(self.allow_plaintext_auth) {
                return Err(UserError::config(format!(
                    "credentials would go in clear text to {} (tls=none): use STARTTLS \
                     (tls=required) or smtps://, or pass --allow-plaintext-auth on a network \
                     you trust",
                    server.host()
                ))
                .into());
            }
        }
        let needs_tls = servers.iter().any(|server| server.tls() != Tls::None);
        let mut delivery = Delivery::new(servers.remove(0))
            .timeout(self.timeout)
            .allow_plaintext_auth(self.allow_plaintext_auth)
            .policy(RetryPolicy {
                budget: self.retry_budget,
                max_attempts: self.max_attempts,
            });
        if needs_tls {
            delivery = delivery.trust(self.trust()?);
        }
        if self.transcript {
            delivery = delivery.transcript(Arc::new(|line| crate::out::note(&line.to_string())));
        }
        Ok(servers.into_iter().fold(delivery, Delivery::fallback))
    }

    fn password(&self) -> anyhow::Result<Option<String>> {
        let Some(path) = &self.password_file else {
            return Ok(self.password.clone());
        };
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading --password-file {}", path.display()))?;
        Ok(Some(text.lines().next().unwrap_or_default().to_owned()))
    }

    fn trust(&self) -> anyhow::Result<TlsTrust> {
        if self.insecure_skip_verify {
            let trust = TlsTrust::insecure_skip_verify()
                .map_err(|e| UserError::config(format!("--insecure-skip-verify: {e}")))?;
            return Ok(trust);
        }
        let pem = match &self.ca_file {
            Some(path) => Some(std::fs::read(path).map_err(|e| {
                UserError::config(format!("reading --ca-file {}: {e}", path.display()))
            })?),
            None => None,
        };
        let trust = TlsTrust::system_roots_and(pem.as_deref())
            .map_err(|e| UserError::config(format!("--ca-file: {e}")))?;
        Ok(trust)
    }
}

/// A `--timeout`: a humantime duration above zero (a zero timeout would fail every step).
fn positive_duration(text: &str) -> Result<Duration, String> {
    let duration = humantime::parse_duration(text).map_err(|e| e.to_string())?;
    if duration.is_zero() {
        return Err("a timeout of zero would fail every step: give one like 30s or 2m".into());
    }
    Ok(duration)
}

fn parse_server(flag: &str, url: &str) -> anyhow::Result<Server> {
    url.parse::<Server>()
        .map_err(|e| UserError::config(format!("{flag}: {e}")).into())
}

/// The addresses of the flags as a draft's; the core parses and checks them.
pub fn addressed(addresses: &AddressArgs) -> Draft {
    Draft {
        from: addresses.from.clone().unwrap_or_default(),
        to: addresses.to.clone(),
        cc: addresses.cc.clone(),
        bcc: addresses.bcc.clone(),
        reply_to: addresses.reply_to.clone(),
        ..Draft::default()
    }
}

/// The files of `--attach` (paths or globs, relative to `dir`) and a log to attach, under the
/// caps, from `dir` and the `allowed` directories only, with warnings: a file that does not fit
/// or may not be attached is left out, a log that cannot be attached is left out, and the mail
/// still goes.
pub fn attachments(
    patterns: &[String],
    log: Option<&Path>,
    dir: &Path,
    allowed: &[PathBuf],
) -> anyhow::Result<(Vec<Attachment>, Vec<String>)> {
    let mut attacher = Attacher::new(SizePolicy::default()).allow(dir);
    for allowed in allowed {
        if !dir.join(allowed).is_dir() {
            return Err(UserError::bad_input(format!(
                "--allow-attach-from {}: no such directory",
                buildmail_core::untrusted::path(allowed)
            ))
            .into());
        }
        attacher = attacher.allow(&dir.join(allowed));
    }
    for pattern in patterns {
        attacher
            .add_pattern(pattern, dir)
            .map_err(|e| UserError::bad_input(e.to_string()))?;
    }
    let mut warnings = Vec::new();
    if let Some(log) = log
        && let Err(error) = attacher.add_log(&dir.join(log))
    {
        warnings.push(format!(
            "{error} (--attach-log); the notification goes without it"
        ));
    }
    let collected = attacher.finish();
    warnings.splice(0..0, collected.notes());
    Ok((collected.attachments, warnings))
}
