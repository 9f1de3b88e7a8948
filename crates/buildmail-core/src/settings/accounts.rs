//! The accounts file, as msmtp users keep `~/.msmtprc`: named accounts for a laptop or a Jenkins
//! agent with several jobs, in `$XDG_CONFIG_HOME/buildmail/config.toml` or a path the front end
//! is given (the CLI's `--config`). The front end decides where to look ([`default_path`] takes
//! a lookup function, as `ci::detect` does) and fills what its own inputs left out.
//!
//! ```toml
//! [defaults]
//! account = "work"                 # used when no account is named
//! from = "CI <ci@example.com>"     # what every account may leave out
//!
//! [accounts.work]
//! url = "smtp://smtp.example.com:587"
//! user = "ci@example.com"
//! password_command = "pass show smtp/work"   # or password_file = "/run/secrets/smtp"
//! ```
//!
//! Precedence: what the front end was given (a flag, the environment), then the account, then
//! the defaults. A password written in the file itself is read only when nobody else can read the
//! file (mode 0600): anything looser is refused, naming the fix.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde::Deserialize;

/// Why the accounts file cannot give what was asked. Every one is a configuration error but a
/// failing `password_command`, which is about credentials.
#[derive(Debug, thiserror::Error)]
pub enum AccountsError {
    /// An account was named and there is no file to find it in.
    #[error(
        "{{account}} needs a config file: write $XDG_CONFIG_HOME/buildmail/config.toml or pass \
         {{config}} PATH (see docs/troubleshooting.md)"
    )]
    NoFile,
    /// The file, an account or a password source in it is wrong: the message names which.
    #[error("{0}")]
    Invalid(String),
    /// `password_command` could not run or failed.
    #[error("{0}")]
    PasswordCommand(String),
}

impl AccountsError {
    /// The exit code a front end that ends as a process ends with: a failing
    /// `password_command` is about the credentials (77), anything else is configuration (78).
    pub fn sysexit(&self) -> crate::Sysexit {
        match self {
            AccountsError::PasswordCommand(_) => crate::Sysexit::NoPerm,
            _ => crate::Sysexit::Config,
        }
    }
}

/// The file, as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    #[serde(default)]
    defaults: Defaults,
    #[serde(default)]
    accounts: BTreeMap<String, Account>,
}

/// What every account may leave out, and the account to use when none is named. (serde's
/// `flatten` cannot be combined with `deny_unknown_fields`, so the keys are spelled out.)
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Defaults {
    account: Option<String>,
    url: Option<String>,
    user: Option<String>,
    from: Option<String>,
    password_command: Option<String>,
    password_file: Option<PathBuf>,
    password: Option<String>,
}

impl Defaults {
    fn settings(self) -> Account {
        Account {
            url: self.url,
            user: self.user,
            from: self.from,
            password_command: self.password_command,
            password_file: self.password_file,
            password: self.password,
        }
    }
}

/// One account: where to send and as whom.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Account {
    /// The SMTP URL.
    pub url: Option<String>,
    /// The user name for AUTH.
    pub user: Option<String>,
    /// The sender.
    pub from: Option<String>,
    /// A shell command whose first line of output is the password (`pass show smtp/work`).
    pub password_command: Option<String>,
    /// A file whose first line is the password.
    pub password_file: Option<PathBuf>,
    /// The password itself: only in a file that nobody else can read.
    pub password: Option<String>,
}

/// Where a setting came from, as the CLI's `config check` shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Given to the front end (a flag or its environment variable, an input): not the file's.
    Given,
    /// The account in the config file.
    Account,
    /// The `[defaults]` of the config file.
    Defaults,
}

/// The account chosen from a config file, with its defaults applied.
#[derive(Debug, Clone)]
pub struct Resolved {
    /// The file it came from.
    pub path: PathBuf,
    /// The account's name, if one was chosen.
    pub name: Option<String>,
    account: Account,
    defaults: Account,
}

impl Resolved {
    /// A setting of the account, else of the defaults, with where it came from.
    pub fn get<T: Clone>(&self, pick: impl Fn(&Account) -> &Option<T>) -> Option<(T, Source)> {
        pick(&self.account)
            .clone()
            .map(|value| (value, Source::Account))
            .or_else(|| {
                pick(&self.defaults)
                    .clone()
                    .map(|value| (value, Source::Defaults))
            })
    }

    /// Fills what the front end was not given from the account, then from the defaults: the
    /// URL, the user, the sender (`from`, when the front end has one) and the password
    /// (`password`, unless one was given some other way: a file, another variable).
    pub fn fill(
        &self,
        url: &mut Option<String>,
        user: &mut Option<String>,
        from: Option<&mut Option<String>>,
        password: Option<&mut Option<String>>,
    ) -> Result<(), AccountsError> {
        fill(url, self.get(|a| &a.url));
        fill(user, self.get(|a| &a.user));
        if let Some(from) = from {
            fill(from, self.get(|a| &a.from));
        }
        if let Some(password) = password.filter(|given| given.is_none()) {
            *password = self.password()?.map(|(password, _)| password);
        }
        Ok(())
    }

    /// The password the account names: its command's output, its file's first line, or the
    /// password written in the config file (only when the file is private).
    pub fn password(&self) -> Result<Option<(String, &'static str)>, AccountsError> {
        if let Some((command, _)) = self.get(|a| &a.password_command) {
            return run_password_command(&command).map(|p| Some((p, "password_command")));
        }
        if let Some((file, _)) = self.get(|a| &a.password_file) {
            let text = std::fs::read_to_string(&file).map_err(|e| {
                AccountsError::Invalid(format!(
                    "reading password_file {} of {}: {e}",
                    file.display(),
                    self.path.display()
                ))
            })?;
            let first = text.lines().next().unwrap_or_default().to_owned();
            return Ok(Some((first, "password_file")));
        }
        match self.get(|a| &a.password) {
            Some((password, _)) => {
                ensure_private(&self.path)?;
                Ok(Some((password, "password in the config file")))
            }
            None => Ok(None),
        }
    }
}

/// Sets `slot` from the file when the front end left it empty.
fn fill(slot: &mut Option<String>, from_file: Option<(String, Source)>) {
    if slot.is_none() {
        *slot = from_file.map(|(value, _)| value);
    }
}

/// The config file's default place: `$XDG_CONFIG_HOME/buildmail/config.toml`, else
/// `$HOME/.config/buildmail/config.toml`.
pub fn default_path(env: impl Fn(&str) -> Option<String>) -> Option<PathBuf> {
    let base = env("XDG_CONFIG_HOME")
        .filter(|dir| !dir.is_empty())
        .map(PathBuf::from)
        .or_else(|| env("HOME").map(|home| Path::new(&home).join(".config")))?;
    Some(base.join("buildmail").join("config.toml"))
}

/// Loads the account to use. `explicit` is a file the user named: it must exist. Without it, the
/// default file is read when it exists. `account` names an account that must exist in it.
pub fn load(
    explicit: Option<&Path>,
    default: Option<PathBuf>,
    account: Option<&str>,
) -> Result<Option<Resolved>, AccountsError> {
    let path = match (explicit, default) {
        (Some(path), _) => path.to_owned(),
        (None, Some(path)) if path.is_file() => path,
        (None, _) if account.is_some() => {
            return Err(AccountsError::NoFile);
        }
        (None, _) => return Ok(None),
    };
    let text = std::fs::read_to_string(&path).map_err(|e| {
        AccountsError::Invalid(format!("reading the config file {}: {e}", path.display()))
    })?;
    let file: ConfigFile = toml::from_str(&text)
        .map_err(|e| AccountsError::Invalid(format!("the config file {}: {e}", path.display())))?;
    resolve(file, path, account).map(Some)
}

fn resolve(
    mut file: ConfigFile,
    path: PathBuf,
    account: Option<&str>,
) -> Result<Resolved, AccountsError> {
    let name = account
        .map(str::to_owned)
        .or_else(|| file.defaults.account.clone());
    let chosen = match &name {
        Some(name) => file.accounts.remove(name).ok_or_else(|| {
            let known: Vec<&str> = file.accounts.keys().map(String::as_str).collect();
            AccountsError::Invalid(format!(
                "no account {name:?} in {}: it has {}",
                path.display(),
                if known.is_empty() {
                    "none".to_owned()
                } else {
                    known.join(", ")
                }
            ))
        })?,
        None => Account::default(),
    };
    Ok(Resolved {
        path,
        name,
        account: chosen,
        defaults: file.defaults.settings(),
    })
}

/// Runs `password_command` with `sh -c`; its first line is the password.
fn run_password_command(command: &str) -> Result<String, AccountsError> {
    let failed = |why: String| {
        AccountsError::PasswordCommand(format!(
            "password_command {command:?} {why}: fix the command or use password_file"
        ))
    };
    let output = Command::new("sh")
        .args(["-c", command])
        .output()
        .map_err(|e| failed(format!("could not run ({e})")))?;
    if !output.status.success() {
        return Err(failed(format!("failed ({})", output.status)));
    }
    let text = String::from_utf8_lossy(&output.stdout);
    Ok(text.lines().next().unwrap_or_default().to_owned())
}

/// A password in the file itself is only read when nobody but its owner can read the file.
#[cfg(unix)]
fn ensure_private(path: &Path) -> Result<(), AccountsError> {
    use std::os::unix::fs::PermissionsExt as _;
    let mode = std::fs::metadata(path)
        .map_err(|e| AccountsError::Invalid(format!("reading {}: {e}", path.display())))?
        .permissions()
        .mode();
    if mode & 0o077 != 0 {
        return Err(AccountsError::Invalid(format!(
            "{} holds a password but others may read it (mode {:o}): chmod 600 {}, or use \
             password_command or password_file",
            path.display(),
            mode & 0o777,
            path.display()
        )));
    }
    Ok(())
}

#[cfg(not(unix))]
fn ensure_private(path: &Path) -> Result<(), AccountsError> {
    Err(AccountsError::Invalid(format!(
        "{} holds a password, which buildmail reads only from a file it can check is private: \
         use password_command or password_file",
        path.display()
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(text: &str, account: Option<&str>) -> Result<Resolved, AccountsError> {
        resolve(toml::from_str(text).unwrap(), "c.toml".into(), account)
    }

    const FILE: &str = r#"
        [defaults]
        account = "work"
        from = "CI <ci@example.com>"

        [accounts.work]
        url = "smtp://smtp.example.com:587"
        user = "ci"

        [accounts.home]
        url = "smtps://mail.example.net"
        from = "me@example.net"
    "#;

    #[test]
    fn the_account_beats_the_defaults_and_the_default_account_is_used() {
        let work = parsed(FILE, None).unwrap();
        assert_eq!(work.name.as_deref(), Some("work"));
        assert_eq!(
            work.get(|a| &a.from),
            Some(("CI <ci@example.com>".to_owned(), Source::Defaults))
        );
        let home = parsed(FILE, Some("home")).unwrap();
        assert_eq!(
            home.get(|a| &a.from),
            Some(("me@example.net".to_owned(), Source::Account))
        );
        assert_eq!(home.get(|a| &a.user), None);
    }

    #[test]
    fn an_unknown_account_names_the_ones_there() {
        let error = parsed(FILE, Some("wrok")).unwrap_err();
        assert!(error.to_string().contains("it has home, work"), "{error}");
    }

    #[test]
    fn unknown_keys_are_refused() {
        assert!(toml::from_str::<ConfigFile>("[accounts.a]\nhost = \"x\"").is_err());
    }

    #[test]
    fn the_default_place_follows_xdg() {
        let env = |key: &str| match key {
            "XDG_CONFIG_HOME" => Some("/x".to_owned()),
            "HOME" => Some("/home/u".to_owned()),
            _ => None,
        };
        assert_eq!(
            default_path(env),
            Some(PathBuf::from("/x/buildmail/config.toml"))
        );
        let home_only = |key: &str| (key == "HOME").then(|| "/home/u".to_owned());
        assert_eq!(
            default_path(home_only),
            Some(PathBuf::from("/home/u/.config/buildmail/config.toml"))
        );
    }
}
