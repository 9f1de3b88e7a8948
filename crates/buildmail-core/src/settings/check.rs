//! What a front end's settings check shows (the CLI's `config check`): the settings a delivery
//! would use, one line each, with where each came from, the password only as whether there is
//! one. The front end spells the settings the lines name.

use std::time::Duration;

use crate::Server;
use crate::server::UrlError;
use crate::settings::accounts::{Account, Resolved, Source};
use crate::settings::{Setting, Spelling};

/// The settings as resolved from what the front end was given and the accounts file.
#[derive(Debug, Clone)]
pub struct Shown<'a> {
    /// The accounts file's account, when a file was read.
    pub resolved: Option<&'a Resolved>,
    /// Which settings the front end was given before the file filled the rest.
    pub given: Given,
    /// The SMTP URL.
    pub smtp_url: Option<&'a str>,
    /// The user name given apart from the URL.
    pub username: Option<&'a str>,
    /// The password, never shown.
    pub password: Option<&'a str>,
    /// The sender.
    pub from: Option<&'a str>,
    /// The connect and per-command timeout.
    pub timeout: Duration,
    /// The deadline for the whole delivery.
    pub retry_budget: Duration,
    /// Attempts per message.
    pub max_attempts: u32,
}

/// Which settings the front end was given (its flags, its environment, its inputs).
#[derive(Debug, Clone, Copy, Default)]
pub struct Given {
    /// The SMTP URL.
    pub url: bool,
    /// The user name.
    pub user: bool,
    /// The sender.
    pub from: bool,
}

impl Shown<'_> {
    /// The lines, secrets masked; `given` names what the front end was given
    /// (`flag or environment`), for the ends of the lines that came from it, and `spell` the
    /// settings.
    ///
    /// ```
    /// use std::time::Duration;
    /// use buildmail_core::settings::check::{Given, Shown};
    ///
    /// let shown = Shown {
    ///     resolved: None,
    ///     given: Given { url: true, ..Given::default() },
    ///     smtp_url: Some("smtp://relay.example.com:587"),
    ///     username: None,
    ///     password: Some("secret"),
    ///     from: None,
    ///     timeout: Duration::from_secs(60),
    ///     retry_budget: Duration::from_secs(600),
    ///     max_attempts: 10,
    /// };
    /// let lines = shown.lines("input", |setting| setting.key());
    /// assert_eq!(lines[1], "server: relay.example.com:587, TLS required (input)");
    /// assert_eq!(lines[3], "password: ****");
    /// ```
    pub fn lines(&self, given: &str, spell: Spelling) -> Vec<String> {
        let server = self.smtp_url.map(str::parse::<Server>);
        vec![
            self.file_line(),
            self.server_line(server.as_ref(), given, spell),
            self.user_line(server.as_ref(), given),
            self.password_line().to_owned(),
            match self.from {
                Some(from) => format!(
                    "from: {from}{}",
                    self.origin(self.given.from, given, |a| &a.from)
                ),
                None => "from: not set".to_owned(),
            },
            format!(
                "timeout: {}, retry budget: {}, max attempts: {}",
                humantime::format_duration(self.timeout),
                humantime::format_duration(self.retry_budget),
                self.max_attempts
            ),
        ]
    }

    fn file_line(&self) -> String {
        match self.resolved {
            Some(resolved) => format!(
                "config file: {} (account: {})",
                resolved.path.display(),
                resolved.name.as_deref().unwrap_or("none, defaults only")
            ),
            None => "config file: none".to_owned(),
        }
    }

    fn server_line(
        &self,
        server: Option<&Result<Server, UrlError>>,
        given: &str,
        spell: Spelling,
    ) -> String {
        match server {
            Some(Ok(server)) => format!(
                "server: {server}, TLS {}{}",
                server.tls().as_str(),
                self.origin(self.given.url, given, |a| &a.url)
            ),
            Some(Err(error)) => format!("server: invalid: {error}"),
            None => format!(
                "server: not set ({} or an account's url)",
                spell(Setting::SmtpUrl)
            ),
        }
    }

    /// The user: the one given (or the account's), else the URL's.
    fn user_line(&self, server: Option<&Result<Server, UrlError>>, given: &str) -> String {
        let from_url = || server?.as_ref().ok()?.username();
        match self.username.or_else(from_url) {
            Some(user) => format!(
                "user: {user}{}",
                self.origin(self.given.user, given, |a| &a.user)
            ),
            None => "user: none (no AUTH)".to_owned(),
        }
    }

    /// Whether there is a password, never the password.
    fn password_line(&self) -> &'static str {
        match self.password {
            Some("") => "password: set but empty",
            Some(_) => "password: ****",
            None => "password: not set",
        }
    }

    /// ` (account)`: where the setting `pick` takes came from, for the end of its line.
    fn origin(
        &self,
        was_given: bool,
        given: &str,
        pick: fn(&Account) -> &Option<String>,
    ) -> String {
        let source = match (was_given, self.resolved) {
            (true, _) => Some(Source::Given),
            (false, Some(resolved)) => resolved.get(pick).map(|(_, source)| source),
            (false, None) => None,
        };
        match source {
            Some(Source::Given) => format!(" ({given})"),
            Some(Source::Account) => " (account)".to_owned(),
            Some(Source::Defaults) => " (config defaults)".to_owned(),
            None => String::new(),
        }
    }
}
