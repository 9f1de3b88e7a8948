//! What a user sets, named the core's way, and the delivery built from those settings.
//!
//! Every front end has its own words for the same setting: the CLI's `--smtp-url`, the GitHub
//! Action's `server_address` input, the Jenkins step's `smtpUrl:`. The core names a [`Setting`]
//! in its errors and fixes and never a flag; each front end renders them with its own
//! [`Spelling`]. [`DeliverySettings`] is the one conversion from what the user gave into a
//! validated [`Delivery`], shared by every front end.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use crate::connector::TlsTrust;
use crate::deliver::Delivery;
use crate::policy::RetryPolicy;
use crate::server::{Server, Tls};

pub mod accounts;
pub mod check;

/// A setting a user can give, whatever a front end calls it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Setting {
    /// The primary relay's SMTP URL.
    SmtpUrl,
    /// The user name for SMTP AUTH.
    Username,
    /// The password for SMTP AUTH.
    Password,
    /// The relays tried while the primary fails transiently.
    FallbackSmtpUrl,
    /// Extra CA certificates to trust.
    CaFile,
    /// Turning TLS certificate checks off.
    InsecureSkipVerify,
    /// Letting credentials go over an unencrypted connection.
    AllowPlaintextAuth,
    /// The connect and per-command timeout.
    Timeout,
    /// The deadline for the whole delivery.
    RetryBudget,
    /// Attempts per message.
    MaxAttempts,
    /// Where deferred messages are kept.
    Outbox,
    /// The sender.
    From,
    /// The recipients.
    To,
    /// The carbon-copy recipients.
    Cc,
    /// The blind-copy recipients.
    Bcc,
    /// The envelope sender (the bounce address).
    EnvelopeFrom,
    /// The envelope recipients.
    EnvelopeTo,
    /// Files to attach.
    Attach,
    /// The build log to attach.
    AttachLog,
    /// Directories attachments may come from besides the working directory.
    AllowAttachFrom,
    /// When a notification is sent.
    When,
    /// The subject.
    Subject,
    /// A text body template.
    Template,
    /// An HTML body template.
    HtmlTemplate,
    /// A subject template.
    SubjectTemplate,
    /// The build log to quote.
    Log,
    /// Extra header lines.
    Header,
    /// The build's status.
    Status,
    /// The previous build's status.
    PreviousStatus,
    /// The form of the report (text or JSON).
    Output,
    /// The accounts file.
    ConfigFile,
    /// The account of the accounts file to use.
    Account,
}

impl Setting {
    /// Every setting, for a front end's table test.
    pub const ALL: [Setting; 32] = [
        Setting::SmtpUrl,
        Setting::Username,
        Setting::Password,
        Setting::FallbackSmtpUrl,
        Setting::CaFile,
        Setting::InsecureSkipVerify,
        Setting::AllowPlaintextAuth,
        Setting::Timeout,
        Setting::RetryBudget,
        Setting::MaxAttempts,
        Setting::Outbox,
        Setting::From,
        Setting::To,
        Setting::Cc,
        Setting::Bcc,
        Setting::EnvelopeFrom,
        Setting::EnvelopeTo,
        Setting::Attach,
        Setting::AttachLog,
        Setting::AllowAttachFrom,
        Setting::When,
        Setting::Subject,
        Setting::Template,
        Setting::HtmlTemplate,
        Setting::SubjectTemplate,
        Setting::Log,
        Setting::Header,
        Setting::Status,
        Setting::PreviousStatus,
        Setting::Output,
        Setting::ConfigFile,
        Setting::Account,
    ];

    /// The setting's neutral name (`smtp_url`), used when no front end spells it and in the
    /// placeholders of explanations (`{smtp_url}`).
    pub fn key(self) -> &'static str {
        match self {
            Setting::SmtpUrl => "smtp_url",
            Setting::Username => "username",
            Setting::Password => "password",
            Setting::FallbackSmtpUrl => "fallback_smtp_url",
            Setting::CaFile => "ca_file",
            Setting::InsecureSkipVerify => "insecure_skip_verify",
            Setting::AllowPlaintextAuth => "allow_plaintext_auth",
            Setting::Timeout => "timeout",
            Setting::RetryBudget => "retry_budget",
            Setting::MaxAttempts => "max_attempts",
            Setting::Outbox => "outbox",
            Setting::From => "from",
            Setting::To => "to",
            Setting::Cc => "cc",
            Setting::Bcc => "bcc",
            Setting::EnvelopeFrom => "envelope_from",
            Setting::EnvelopeTo => "envelope_to",
            Setting::Attach => "attach",
            Setting::AttachLog => "attach_log",
            Setting::AllowAttachFrom => "allow_attach_from",
            Setting::When => "when",
            Setting::Subject => "subject",
            Setting::Template => "template",
            Setting::HtmlTemplate => "html_template",
            Setting::SubjectTemplate => "subject_template",
            Setting::Log => "log",
            Setting::Header => "header",
            Setting::Status => "status",
            Setting::PreviousStatus => "previous_status",
            Setting::Output => "output",
            Setting::ConfigFile => "config",
            Setting::Account => "account",
        }
    }

    /// The placeholder that names this setting in the core's text (`{smtp_url}`).
    pub fn placeholder(self) -> String {
        format!("{{{}}}", self.key())
    }

    /// The setting whose [`key`](Setting::key) this is.
    pub fn from_key(key: &str) -> Option<Setting> {
        Setting::ALL
            .into_iter()
            .find(|setting| setting.key() == key)
    }
}

impl fmt::Display for Setting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// How a front end writes a setting: the CLI `--smtp-url`, the Action `server_address`.
pub type Spelling = fn(Setting) -> &'static str;

/// The neutral spelling: each setting's [`key`](Setting::key).
pub fn neutral(setting: Setting) -> &'static str {
    setting.key()
}

/// `text` with each placeholder `{key}` of a [`Setting`] written as `spell` writes it; any
/// other brace is left alone.
///
/// ```
/// use buildmail_core::settings::{Setting, spell_placeholders};
///
/// let action = |s: Setting| if s == Setting::CaFile { "ca_file" } else { "?" };
/// assert_eq!(spell_placeholders("pass the CA with {ca_file}", action), "pass the CA with ca_file");
/// ```
pub fn spell_placeholders(text: &str, spell: Spelling) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after
            .find('}')
            .and_then(|close| Setting::from_key(&after[..close]).map(|s| (s, close)))
        {
            Some((setting, close)) => {
                out.push_str(spell(setting));
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// What the user gave for a delivery, one-to-one with the inputs, before any check. Each front
/// end fills it from its own inputs; [`DeliverySettings::build`] checks it.
#[derive(Debug, Clone, Default)]
pub struct DeliverySettings {
    /// The primary relay: `smtp://[user[:pass]@]host[:port][?tls=...]` or `smtps://...`.
    pub smtp_url: Option<String>,
    /// The user name for AUTH; beats the URL's.
    pub username: Option<String>,
    /// The password for AUTH; beats the URL's.
    pub password: Option<String>,
    /// Other relays, tried in turn while the primary fails transiently. A fallback on the
    /// primary's host inherits the credentials; one on another host only when it names its user.
    pub fallback_smtp_urls: Vec<String>,
    /// A PEM file of CA certificates trusted besides the system's.
    pub ca_file: Option<PathBuf>,
    /// Accept any certificate.
    pub insecure_skip_verify: bool,
    /// Let credentials go in clear text to a host that is not loopback.
    pub allow_plaintext_auth: bool,
    /// The connect and per-command timeout; the default 60 s when `None`.
    pub timeout: Option<Duration>,
    /// The deadline for the whole delivery; the default when `None`.
    pub retry_budget: Option<Duration>,
    /// Attempts per message; the default when `None`.
    pub max_attempts: Option<u32>,
}

/// A setting that cannot work, and why; rendered in a front end's words with
/// [`SettingsError::spelled`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingsError {
    setting: Setting,
    problem: Problem,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Problem {
    Missing,
    Invalid(String),
    PasswordWithoutUser,
    UserWithoutPassword,
    EmptyPassword,
    CredentialsInClear { host: String },
    Zero,
    Unreadable { path: PathBuf, error: String },
}

impl SettingsError {
    fn new(setting: Setting, problem: Problem) -> Self {
        SettingsError { setting, problem }
    }

    /// The setting to fix.
    pub fn setting(&self) -> Setting {
        self.setting
    }

    /// Whether the setting was not given at all.
    pub fn is_missing(&self) -> bool {
        self.problem == Problem::Missing
    }

    /// Whether a user name came without a usable password: no password at all, or an empty one
    /// (a CI secret that did not reach the job). AUTH cannot be tried, and the server's `530`
    /// would come back unexplained, so the delivery does not start.
    pub fn needs_password(&self) -> bool {
        matches!(
            self.problem,
            Problem::UserWithoutPassword | Problem::EmptyPassword
        )
    }

    /// The message, naming settings as `spell` writes them.
    ///
    /// ```
    /// use buildmail_core::settings::{DeliverySettings, Setting};
    ///
    /// let error = DeliverySettings::default().build().err().unwrap();
    /// let action = |s: Setting| if s == Setting::SmtpUrl { "server_address" } else { "?" };
    /// assert_eq!(error.spelled(action), "server_address: no SMTP server given");
    /// ```
    pub fn spelled(&self, spell: Spelling) -> String {
        let name = spell(self.setting);
        match &self.problem {
            Problem::Missing if self.setting == Setting::SmtpUrl => {
                format!("{name}: no SMTP server given")
            }
            Problem::Missing => format!("{name}: not given"),
            Problem::Invalid(why) => format!("{name}: {why}"),
            Problem::PasswordWithoutUser => format!(
                "a password without a user name: add {} or user@ to {}",
                spell(Setting::Username),
                spell(Setting::SmtpUrl)
            ),
            Problem::UserWithoutPassword => {
                format!("a user name but no password: set {name}")
            }
            Problem::EmptyPassword => format!(
                "the password is empty: set {name} to the secret (an empty value usually means \
                 the CI secret did not reach this job)"
            ),
            Problem::CredentialsInClear { host } => format!(
                "credentials would go in clear text to {host} (tls=none): use STARTTLS \
                 (tls=required) or smtps://, or set {} on a network you trust",
                spell(Setting::AllowPlaintextAuth)
            ),
            Problem::Zero if self.setting == Setting::Timeout => {
                format!("{name}: a timeout of zero would fail every step: give one like 30s or 2m")
            }
            Problem::Zero => format!("{name}: give at least 1"),
            Problem::Unreadable { path, error } => {
                format!("reading {name} {}: {error}", crate::untrusted::path(path))
            }
        }
    }
}

impl fmt::Display for SettingsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.spelled(neutral))
    }
}

impl std::error::Error for SettingsError {}

/// A timeout as a user writes it (humantime: `30s`, `2m`), above zero: a zero timeout would fail
/// every step. The error says why, for the front end to show beside the setting's name.
///
/// ```
/// use std::time::Duration;
/// use buildmail_core::settings::positive_timeout;
///
/// assert_eq!(positive_timeout("2m"), Ok(Duration::from_secs(120)));
/// assert!(positive_timeout("0s").is_err());
/// ```
pub fn positive_timeout(text: &str) -> Result<Duration, String> {
    let duration = humantime::parse_duration(text).map_err(|e| e.to_string())?;
    if duration.is_zero() {
        return Err("a timeout of zero would fail every step: give one like 30s or 2m".into());
    }
    Ok(duration)
}

impl DeliverySettings {
    /// The validated delivery: relays with their credentials, TLS trust (only when a relay uses
    /// TLS), timeout and retry policy.
    ///
    /// ```
    /// use buildmail_core::settings::DeliverySettings;
    ///
    /// let delivery = DeliverySettings {
    ///     smtp_url: Some("smtp://127.0.0.1:2525?tls=none".into()),
    ///     ..DeliverySettings::default()
    /// }
    /// .build()
    /// .unwrap();
    /// assert_eq!(delivery.servers().len(), 1);
    /// ```
    pub fn build(&self) -> Result<Delivery, SettingsError> {
        let servers = self.servers()?;
        let needs_tls = servers.iter().any(|server| server.tls() != Tls::None);
        let mut servers = servers.into_iter();
        let primary = servers.next().expect("servers() returns the primary first");
        let mut delivery = Delivery::new(primary)
            .allow_plaintext_auth(self.allow_plaintext_auth)
            .policy(self.policy()?);
        if let Some(timeout) = self.timeout {
            if timeout.is_zero() {
                return Err(SettingsError::new(Setting::Timeout, Problem::Zero));
            }
            delivery = delivery.timeout(timeout);
        }
        if needs_tls {
            delivery = delivery.trust(self.trust()?);
        }
        Ok(servers.fold(delivery, Delivery::fallback))
    }

    /// The primary with the given credentials, then the fallbacks with the credentials that
    /// belong to them; none sends a password in clear text unless allowed.
    fn servers(&self) -> Result<Vec<Server>, SettingsError> {
        let url = self
            .smtp_url
            .as_deref()
            .ok_or(SettingsError::new(Setting::SmtpUrl, Problem::Missing))?;
        if self.password.as_deref().is_some_and(str::is_empty) {
            return Err(SettingsError::new(
                Setting::Password,
                Problem::EmptyPassword,
            ));
        }
        let primary = parse(Setting::SmtpUrl, url)?
            .with_credentials(self.username.clone(), self.password.clone());
        if primary.username().is_some() && !primary.has_password() {
            return Err(SettingsError::new(
                Setting::Password,
                Problem::UserWithoutPassword,
            ));
        }
        if primary.has_password() && primary.username().is_none() {
            return Err(SettingsError::new(
                Setting::Password,
                Problem::PasswordWithoutUser,
            ));
        }
        let mut servers = vec![primary.clone()];
        for url in &self.fallback_smtp_urls {
            let fallback = parse(Setting::FallbackSmtpUrl, url)?.with_shared_credentials(
                &primary,
                self.username.clone(),
                self.password.clone(),
            );
            servers.push(fallback);
        }
        if let Some(server) = servers
            .iter()
            .find(|server| server.sends_credentials_in_clear(self.allow_plaintext_auth))
        {
            return Err(SettingsError::new(
                Setting::AllowPlaintextAuth,
                Problem::CredentialsInClear {
                    host: server.host().to_owned(),
                },
            ));
        }
        Ok(servers)
    }

    fn policy(&self) -> Result<RetryPolicy, SettingsError> {
        let default = RetryPolicy::default();
        let max_attempts = self.max_attempts.unwrap_or(default.max_attempts);
        if max_attempts == 0 {
            return Err(SettingsError::new(Setting::MaxAttempts, Problem::Zero));
        }
        Ok(RetryPolicy {
            budget: self.retry_budget.unwrap_or(default.budget),
            max_attempts,
        })
    }

    fn trust(&self) -> Result<TlsTrust, SettingsError> {
        if self.insecure_skip_verify {
            return TlsTrust::insecure_skip_verify().map_err(|e| {
                SettingsError::new(Setting::InsecureSkipVerify, Problem::Invalid(e.to_string()))
            });
        }
        let pem = match &self.ca_file {
            Some(path) => Some(std::fs::read(path).map_err(|e| {
                SettingsError::new(
                    Setting::CaFile,
                    Problem::Unreadable {
                        path: path.clone(),
                        error: e.to_string(),
                    },
                )
            })?),
            None => None,
        };
        TlsTrust::system_roots_and(pem.as_deref())
            .map_err(|e| SettingsError::new(Setting::CaFile, Problem::Invalid(e.to_string())))
    }
}

fn parse(setting: Setting, url: &str) -> Result<Server, SettingsError> {
    url.parse::<Server>()
        .map_err(|e| SettingsError::new(setting, Problem::Invalid(e.to_string())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn action(setting: Setting) -> &'static str {
        match setting {
            Setting::SmtpUrl => "server_address",
            Setting::Username => "username",
            Setting::AllowPlaintextAuth => "allow_plaintext_auth",
            Setting::CaFile => "ca_file",
            _ => "other_input",
        }
    }

    fn settings(url: &str) -> DeliverySettings {
        DeliverySettings {
            smtp_url: Some(url.to_owned()),
            ..DeliverySettings::default()
        }
    }

    #[test]
    fn a_missing_server_is_named_in_the_front_ends_words() {
        let error = DeliverySettings::default().build().err().unwrap();
        assert_eq!(error.setting(), Setting::SmtpUrl);
        assert!(error.is_missing());
        assert_eq!(
            error.spelled(action),
            "server_address: no SMTP server given"
        );
    }

    #[test]
    fn a_password_without_a_user_is_refused() {
        let error = DeliverySettings {
            password: Some("secret".into()),
            ..settings("smtp://relay.example.com")
        }
        .build()
        .err()
        .unwrap();
        assert_eq!(
            error.spelled(action),
            "a password without a user name: add username or user@ to server_address"
        );
        assert!(!error.spelled(action).contains("secret"));
    }

    #[test]
    fn a_user_without_a_password_or_with_an_empty_one_is_refused() {
        let secret = |_: Setting| "SMTP_PASSWORD";
        for given in [
            settings("smtp://ci@relay.example.com"),
            DeliverySettings {
                username: Some("ci".into()),
                ..settings("smtp://relay.example.com")
            },
        ] {
            let error = given.build().err().unwrap();
            assert!(error.needs_password());
            assert_eq!(
                error.spelled(secret),
                "a user name but no password: set SMTP_PASSWORD"
            );
        }
        let empty = DeliverySettings {
            password: Some(String::new()),
            ..settings("smtp://ci@relay.example.com")
        };
        let error = empty.build().err().unwrap();
        assert!(error.needs_password());
        assert!(
            error
                .spelled(secret)
                .starts_with("the password is empty: set SMTP_PASSWORD")
        );
        assert!(settings("smtp://ci:pw@relay.example.com").build().is_ok());
    }

    #[test]
    fn credentials_in_clear_text_need_permission() {
        let clear = DeliverySettings {
            username: Some("ci".into()),
            password: Some("secret".into()),
            ..settings("smtp://relay.example.com?tls=none")
        };
        let error = clear.build().err().unwrap();
        assert_eq!(error.setting(), Setting::AllowPlaintextAuth);
        assert!(error.spelled(action).contains("set allow_plaintext_auth"));
        let allowed = DeliverySettings {
            allow_plaintext_auth: true,
            ..clear
        };
        assert!(allowed.build().is_ok());
    }

    #[test]
    fn a_fallback_on_another_host_gets_no_password() {
        let delivery = DeliverySettings {
            username: Some("ci".into()),
            password: Some("secret".into()),
            fallback_smtp_urls: vec![
                "smtp://relay.example.com:2525?tls=none".into(),
                "smtp://other.example.net?tls=none".into(),
            ],
            allow_plaintext_auth: true,
            ..settings("smtp://relay.example.com?tls=none")
        }
        .build()
        .unwrap();
        let users: Vec<_> = delivery.servers().iter().map(Server::username).collect();
        assert_eq!(users, [Some("ci"), Some("ci"), None]);
        assert!(!delivery.servers()[2].has_password());
    }

    #[test]
    fn an_unreadable_ca_file_names_the_setting_and_the_path() {
        let error = DeliverySettings {
            ca_file: Some("/nonexistent/ca.pem".into()),
            ..settings("smtps://relay.example.com")
        }
        .build()
        .err()
        .unwrap();
        assert_eq!(error.setting(), Setting::CaFile);
        assert!(
            error
                .spelled(action)
                .starts_with("reading ca_file /nonexistent/ca.pem: "),
            "{error}"
        );
    }

    #[test]
    fn zero_timeouts_and_attempts_are_refused() {
        let zero = DeliverySettings {
            timeout: Some(Duration::ZERO),
            ..settings("smtp://127.0.0.1?tls=none")
        };
        assert_eq!(zero.build().err().unwrap().setting(), Setting::Timeout);
        let none = DeliverySettings {
            max_attempts: Some(0),
            ..settings("smtp://127.0.0.1?tls=none")
        };
        assert_eq!(none.build().err().unwrap().setting(), Setting::MaxAttempts);
    }

    #[test]
    fn trust_is_only_set_up_for_tls() {
        let plain = DeliverySettings {
            ca_file: Some("/nonexistent/ca.pem".into()),
            ..settings("smtp://127.0.0.1?tls=none")
        };
        assert!(plain.build().is_ok(), "no TLS, so the CA file is not read");
    }

    fn jenkins(setting: Setting) -> &'static str {
        match setting {
            Setting::FallbackSmtpUrl => "fallbackSmtpUrls:",
            _ => "other:",
        }
    }

    #[test]
    fn an_explanation_names_the_front_ends_setting() {
        let reply = crate::Reply::parse("421 4.3.2 Not accepting network messages").unwrap();
        let mut explanation = crate::explain(&reply);
        assert!(
            explanation
                .fix
                .iter()
                .any(|step| step.contains("{fallback_smtp_url}")),
            "{:?}",
            explanation.fix
        );
        explanation.spell(jenkins);
        assert!(
            explanation
                .fix
                .iter()
                .any(|step| step.contains("(`fallbackSmtpUrls:`)")),
            "{:?}",
            explanation.fix
        );
        assert!(!explanation.fix.iter().any(|step| step.contains('{')));
    }

    #[test]
    fn placeholders_are_spelled_and_other_braces_kept() {
        assert_eq!(
            spell_placeholders(
                "set {ca_file} or {fallback_smtp_url}; {not a setting}",
                action
            ),
            "set ca_file or other_input; {not a setting}"
        );
    }

    #[test]
    fn every_key_names_its_setting() {
        for setting in Setting::ALL {
            assert_eq!(Setting::from_key(setting.key()), Some(setting));
        }
    }
}
