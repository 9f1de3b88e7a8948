//! Where to deliver: the SMTP URL syntax (`smtp://user:pass@host:port?tls=...`, `smtps://...`),
//! the TLS mode it selects, and the credentials it carries.
//!
//! The default is safer than lettre's: `smtp://` without `tls=` requires STARTTLS, except to a
//! loopback address (a local relay or the simulator), where STARTTLS is used when offered.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use lettre::transport::smtp::authentication::Credentials;
use percent_encoding::percent_decode_str;

/// How the connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tls {
    /// Plaintext, never upgraded (`tls=none`).
    None,
    /// STARTTLS when the server offers it, plaintext otherwise (`tls=opportunistic`).
    Opportunistic,
    /// STARTTLS, and no message without it (`tls=required`, the default).
    Required,
    /// TLS from the first byte (`smtps://`).
    Implicit,
}

impl Tls {
    /// The name used in URLs and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Tls::None => "none",
            Tls::Opportunistic => "opportunistic",
            Tls::Required => "required",
            Tls::Implicit => "implicit",
        }
    }
}

/// One relay: host, port, TLS mode and the credentials from its URL.
///
/// ```
/// use buildmail_core::server::{Server, Tls};
///
/// let server: Server = "smtp://ci%40example.com:p%40ss@mail.example.com?tls=required".parse().unwrap();
/// assert_eq!(server.to_string(), "mail.example.com:587");
/// assert_eq!(server.tls(), Tls::Required);
/// assert_eq!(server.username(), Some("ci@example.com"));
/// ```
#[derive(Clone)]
pub struct Server {
    host: String,
    port: u16,
    tls: Tls,
    username: Option<String>,
    password: Option<String>,
}

/// Why an SMTP URL is unusable. The message never contains the password.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlError {
    /// Not a URL at all.
    #[error("the SMTP URL is not a URL ({0}): write smtp://host:port or smtps://host")]
    Syntax(String),
    /// `host:port` without a scheme, as other tools' `server_address` and `port` suggest.
    #[error(
        "{given:?} is not an SMTP URL: write {suggestion} (the scheme picks the TLS mode: smtp:// for STARTTLS, smtps:// for TLS from the first byte, port 465)"
    )]
    NoScheme {
        /// What was given, without any credentials.
        given: String,
        /// The URL meant, most likely.
        suggestion: String,
    },
    /// A scheme other than smtp or smtps.
    #[error("the SMTP URL scheme {0:?} is not supported: use smtp:// (STARTTLS) or smtps://")]
    Scheme(String),
    /// No host.
    #[error("the SMTP URL has no host: write smtp://host:port")]
    NoHost,
    /// An unknown `tls=` value or a `tls=` on smtps://.
    #[error("tls={0:?} is not a TLS mode: use tls=required, tls=opportunistic or tls=none")]
    TlsMode(String),
    /// A query parameter we do not know.
    #[error("the SMTP URL parameter {0:?} is unknown: only tls= is accepted")]
    Parameter(String),
    /// Percent-encoding that is not UTF-8.
    #[error("the SMTP URL's user or password is not valid UTF-8 after percent-decoding")]
    Encoding,
}

impl Server {
    /// The host name or address.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The TCP port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The TLS mode.
    pub fn tls(&self) -> Tls {
        self.tls
    }

    /// The user name from the URL, percent-decoded.
    pub fn username(&self) -> Option<&str> {
        self.username.as_deref()
    }

    /// Whether the URL carried a password (the password itself is only handed to AUTH).
    pub fn has_password(&self) -> bool {
        self.password.is_some()
    }

    /// Replaces the URL's credentials (flags beat the URL).
    pub fn with_credentials(mut self, username: Option<String>, password: Option<String>) -> Self {
        if username.is_some() {
            self.username = username;
        }
        if password.is_some() {
            self.password = password;
        }
        self
    }

    /// The credentials for AUTH, when both a user and a password are known.
    pub(crate) fn credentials(&self) -> Option<Credentials> {
        Some(Credentials::new(
            self.username.clone()?,
            self.password.clone()?,
        ))
    }

    /// Whether the host is a loopback address (`localhost`, 127.0.0.0/8, `::1`).
    pub fn is_loopback(&self) -> bool {
        is_loopback(&self.host)
    }

    /// Whether credentials may go to this server over a connection without TLS: only to a
    /// loopback address (the traffic never leaves the machine), or when the user allowed it
    /// (`--allow-plaintext-auth`). Any other host may be anyone on the path.
    pub fn may_authenticate_in_clear(&self, allowed: bool) -> bool {
        allowed || self.is_loopback()
    }

    /// Whether this relay is set up to send its credentials in clear text (`tls=none` with a
    /// user and a password) to a host that is not loopback: refused before connecting unless
    /// the user allowed it.
    pub fn sends_credentials_in_clear(&self, allowed: bool) -> bool {
        self.tls == Tls::None
            && self.credentials().is_some()
            && !self.may_authenticate_in_clear(allowed)
    }

    /// This fallback relay with the credentials given for the primary (`--username`,
    /// `--password`) where they belong: a fallback on the primary's host gets them, a fallback
    /// whose URL names its own user gets the password for that user, and a fallback on another
    /// host without a user gets none, so a password never reaches a server it was not meant for.
    pub fn with_shared_credentials(
        self,
        primary: &Server,
        username: Option<String>,
        password: Option<String>,
    ) -> Self {
        match &self.username {
            Some(_) if self.password.is_some() => self,
            Some(_) => self.with_credentials(None, password),
            None if self.host.eq_ignore_ascii_case(&primary.host) => {
                self.with_credentials(username, password)
            }
            None => self,
        }
    }
}

impl FromStr for Server {
    type Err = UrlError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let input = input.trim();
        if !input.contains("://") {
            return Err(without_scheme(input));
        }
        let url = url::Url::parse(input).map_err(|e| UrlError::Syntax(e.to_string()))?;
        let (implicit, starttls_named) = match url.scheme() {
            "smtp" => (false, false),
            "smtps" => (true, false),
            // dawidd6/action-send-mail's `connection_url` form: STARTTLS, required.
            "smtp+starttls" => (false, true),
            other => return Err(UrlError::Scheme(other.to_owned())),
        };
        let host = url
            .host_str()
            .filter(|host| !host.is_empty())
            .ok_or(UrlError::NoHost)?;
        let host = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned();
        let tls = match tls_mode(&url, implicit, &host)? {
            tls if !starttls_named => tls,
            // The scheme says STARTTLS, required, even to a loopback address.
            _ if url.query().is_none() => Tls::Required,
            Tls::Required => Tls::Required,
            other => return Err(UrlError::TlsMode(other.as_str().to_owned())),
        };
        let port = url.port().unwrap_or(match tls {
            Tls::Implicit => 465,
            Tls::None if is_loopback(&host) => 25,
            _ => 587,
        });
        Ok(Server {
            port,
            tls,
            username: decoded(url.username())?,
            password: url.password().map(decoded).transpose()?.flatten(),
            host,
        })
    }
}

/// The error for `host:port` given without a scheme, with the URL most likely meant: `smtps://`
/// for port 465, `smtp://` otherwise. Credentials (`user:pass@`) are left out of both.
fn without_scheme(input: &str) -> UrlError {
    let address = input.rsplit('@').next().unwrap_or(input);
    let scheme = match address.rsplit_once(':') {
        Some((_, "465")) => "smtps",
        _ => "smtp",
    };
    UrlError::NoScheme {
        given: address.to_owned(),
        suggestion: format!("{scheme}://{address}"),
    }
}

fn tls_mode(url: &url::Url, implicit: bool, host: &str) -> Result<Tls, UrlError> {
    let mut mode = None;
    for (key, value) in url.query_pairs() {
        if key != "tls" {
            return Err(UrlError::Parameter(key.into_owned()));
        }
        mode = Some(match (value.as_ref(), implicit) {
            ("required", false) => Tls::Required,
            ("opportunistic", false) => Tls::Opportunistic,
            ("none", false) => Tls::None,
            ("required" | "implicit", true) => Tls::Implicit,
            _ => return Err(UrlError::TlsMode(value.into_owned())),
        });
    }
    Ok(match mode {
        Some(mode) => mode,
        None if implicit => Tls::Implicit,
        None if is_loopback(host) => Tls::Opportunistic,
        None => Tls::Required,
    })
}

fn decoded(part: &str) -> Result<Option<String>, UrlError> {
    if part.is_empty() {
        return Ok(None);
    }
    let text = percent_decode_str(part)
        .decode_utf8()
        .map_err(|_| UrlError::Encoding)?;
    Ok(Some(text.into_owned()))
}

fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<IpAddr>()
            .is_ok_and(|address| address.is_loopback())
}

/// `host:port`, the way reports name a server: never the credentials.
impl fmt::Display for Server {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

/// Like `Display`, so a password can never reach a log through `{:?}`.
impl fmt::Debug for Server {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Server")
            .field("address", &self.to_string())
            .field("tls", &self.tls)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server(url: &str) -> Server {
        url.parse().unwrap()
    }

    #[test]
    fn smtp_without_tls_requires_starttls_except_to_loopback() {
        assert_eq!(server("smtp://mail.example.com").tls(), Tls::Required);
        assert_eq!(server("smtp://127.0.0.1:2525").tls(), Tls::Opportunistic);
        assert_eq!(server("smtp://localhost").tls(), Tls::Opportunistic);
        assert_eq!(server("smtp://[::1]:25").tls(), Tls::Opportunistic);
    }

    #[test]
    fn tls_parameter_and_schemes() {
        assert_eq!(server("smtp://h?tls=none").tls(), Tls::None);
        assert_eq!(
            server("smtp://h?tls=opportunistic").tls(),
            Tls::Opportunistic
        );
        assert_eq!(server("smtps://h").tls(), Tls::Implicit);
        assert_eq!(server("smtp+starttls://h").tls(), Tls::Required);
        assert_eq!(
            server("smtp+starttls://127.0.0.1:2525").tls(),
            Tls::Required
        );
        assert_eq!(server("smtp+starttls://h").port(), 587);
        assert_eq!(server("smtps://h").port(), 465);
        assert_eq!(server("smtp://h").port(), 587);
        assert_eq!(server("smtp://h:2525").port(), 2525);
    }

    #[test]
    fn credentials_are_percent_decoded_and_never_displayed() {
        let s = server("smtp://me%40corp.com:s%3Acret%2F@h:25");
        assert_eq!(s.username(), Some("me@corp.com"));
        assert_eq!(
            s.credentials().unwrap(),
            Credentials::new("me@corp.com".into(), "s:cret/".into())
        );
        assert!(!format!("{s} {s:?}").contains("s:cret"));
    }

    #[test]
    fn bad_urls_say_what_to_write() {
        let err = |url: &str| url.parse::<Server>().unwrap_err();
        assert_eq!(err("http://h"), UrlError::Scheme("http".into()));
        assert_eq!(err("smtp://h?tls=maybe"), UrlError::TlsMode("maybe".into()));
        assert_eq!(err("smtp://h?port=2"), UrlError::Parameter("port".into()));
        assert_eq!(
            err("smtp.example.com:587").to_string(),
            "\"smtp.example.com:587\" is not an SMTP URL: write smtp://smtp.example.com:587 \
             (the scheme picks the TLS mode: smtp:// for STARTTLS, smtps:// for TLS from the \
             first byte, port 465)"
        );
        assert!(matches!(
            err("ci:s3cret@mail.example.com:465"),
            UrlError::NoScheme { given, suggestion }
                if given == "mail.example.com:465" && suggestion == "smtps://mail.example.com:465"
        ));
        assert!(
            !err("ci:s3cret@mail.example.com")
                .to_string()
                .contains("s3cret")
        );
        assert_eq!(
            err("smtp+starttls://h?tls=none"),
            UrlError::TlsMode("none".into())
        );
        assert_eq!(err("smtps://h?tls=none"), UrlError::TlsMode("none".into()));
    }

    #[test]
    fn credentials_go_in_clear_text_only_to_loopback_unless_allowed() {
        let remote = server("smtp://u:p@mail.example.com?tls=none");
        assert!(remote.sends_credentials_in_clear(false));
        assert!(!remote.sends_credentials_in_clear(true));
        assert!(!remote.may_authenticate_in_clear(false));
        for url in [
            "smtp://u:p@127.0.0.1:25?tls=none",
            "smtp://u:p@localhost?tls=none",
            "smtp://u:p@[::1]?tls=none",
        ] {
            assert!(!server(url).sends_credentials_in_clear(false), "{url}");
            assert!(server(url).may_authenticate_in_clear(false), "{url}");
        }
        // 0.0.0.0 reaches this machine on Linux, but is no promise of it: not loopback.
        assert!(server("smtp://u:p@0.0.0.0:25?tls=none").sends_credentials_in_clear(false));
        // Without a password nothing is sent; with TLS the credentials are encrypted.
        assert!(!server("smtp://u@mail.example.com?tls=none").sends_credentials_in_clear(false));
        assert!(!server("smtp://u:p@mail.example.com").sends_credentials_in_clear(false));
        assert!(!server("smtps://u:p@mail.example.com").sends_credentials_in_clear(false));
    }

    #[test]
    fn flag_credentials_reach_only_fallbacks_on_the_same_host_or_naming_their_user() {
        let primary = server("smtp://mail.example.com");
        let shared = |url: &str| {
            server(url).with_shared_credentials(&primary, Some("ci".into()), Some("pw".into()))
        };
        let same_host = shared("smtps://MAIL.example.com");
        assert_eq!(
            same_host.credentials(),
            Some(Credentials::new("ci".into(), "pw".into()))
        );
        let other_host = shared("smtp://backup.example.net");
        assert_eq!(other_host.credentials(), None);
        assert!(!other_host.has_password());
        let own_user = shared("smtp://relay%40corp@backup.example.net");
        assert_eq!(
            own_user.credentials(),
            Some(Credentials::new("relay@corp".into(), "pw".into()))
        );
        let own_credentials = shared("smtp://other:secret@backup.example.net");
        assert_eq!(
            own_credentials.credentials(),
            Some(Credentials::new("other".into(), "secret".into()))
        );
    }

    #[test]
    fn a_bad_url_error_never_contains_the_password() {
        let error = "smtp://u:hunter2@h?tls=bad".parse::<Server>().unwrap_err();
        assert!(!error.to_string().contains("hunter2"));
    }
}
