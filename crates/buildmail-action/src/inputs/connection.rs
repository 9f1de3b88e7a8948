//! Where to send, as dawidd6/action-send-mail takes it: `connection_url`
//! (`smtp://user:password@server:port`, `smtp+starttls://...`) replacing `server_address`,
//! `server_port`, `secure`, `username` and `password`; plus `require_tls`.
//!
//! Two meanings differ from dawidd6's, both towards not sending a password in clear text:
//! without `secure`, buildmail requires STARTTLS (except to a loopback relay) where nodemailer
//! falls back to plaintext; `require_tls: false` restores the fallback. And
//! `smtp+starttls://` means STARTTLS (port 587 by default), as its name says, where dawidd6
//! connects with TLS from the first byte on port 465.

use buildmail_core::Server;
use percent_encoding::percent_decode_str;

use super::InputError;
use super::parse;

/// How the connection is protected, as the inputs chose it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    /// TLS from the first byte (`secure: true`, port 465, `smtps://`).
    Implicit,
    /// STARTTLS, and no message without it (the default).
    StartTlsRequired,
    /// STARTTLS when offered, plaintext otherwise (`require_tls: false`).
    StartTlsOpportunistic,
}

/// The SMTP server and credentials, resolved from the connection inputs.
#[derive(Clone, PartialEq, Eq)]
pub struct Connection {
    /// The host name or address.
    pub host: String,
    /// The port.
    pub port: u16,
    /// TLS.
    pub security: Security,
    /// The user name for SMTP AUTH.
    pub username: Option<String>,
    /// The password for SMTP AUTH (never printed: see the `Debug` impl).
    pub password: Option<String>,
    /// The password as it appeared in `connection_url`, still percent-encoded (masked too).
    url_password: Option<String>,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .finish()
    }
}

impl Connection {
    /// Reads the connection inputs; `None` when neither `connection_url` nor `server_address`
    /// is given (the caller says which to set).
    pub(super) fn read(
        get: &impl Fn(&'static str) -> Option<String>,
        flag: &impl Fn(&'static str, bool) -> Result<bool, InputError>,
    ) -> Result<Option<Self>, InputError> {
        let require_tls = get("require_tls")
            .map(|v| parse::boolean("require_tls", &v))
            .transpose()?;
        let mut connection = match (get("connection_url"), get("server_address")) {
            (Some(url), _) => Self::from_url(&url, get("server_address"))?,
            (None, Some(host)) => Self::from_parts(host, get("server_port"), flag)?,
            (None, None) => return Ok(None),
        };
        if connection.username.is_none() {
            connection.username = get("username");
        }
        if connection.password.is_none() {
            connection.password = get("password");
        }
        if require_tls == Some(false) && connection.security == Security::StartTlsRequired {
            connection.security = Security::StartTlsOpportunistic;
        }
        if require_tls == Some(true) && connection.security == Security::StartTlsOpportunistic {
            connection.security = Security::StartTlsRequired;
        }
        Ok(Some(connection))
    }

    /// `server_address`, `server_port` (default 25) and `secure` (default: true on port 465).
    fn from_parts(
        host: String,
        port: Option<String>,
        flag: &impl Fn(&'static str, bool) -> Result<bool, InputError>,
    ) -> Result<Self, InputError> {
        let port = match port {
            Some(text) => text
                .parse::<u16>()
                .ok()
                .filter(|p| *p != 0)
                .ok_or_else(|| {
                    InputError::new(
                        "server_port",
                        format!("{text:?} is not a port: write 587 or 465"),
                    )
                })?,
            None => 25,
        };
        let security = match flag("secure", port == 465)? {
            true => Security::Implicit,
            false => default_starttls(&host),
        };
        Ok(Connection {
            host,
            port,
            security,
            username: None,
            password: None,
            url_password: None,
        })
    }

    /// `smtp://`, `smtp+starttls://` (STARTTLS required) or buildmail's `smtps://`; a host in
    /// the URL wins over `server_address`, as in dawidd6.
    fn from_url(text: &str, server_address: Option<String>) -> Result<Self, InputError> {
        let bad = |why: String| InputError::new("connection_url", why);
        let url = url::Url::parse(text).map_err(|e| {
            bad(format!(
                "not a URL ({e}): write smtp://user:password@server:port"
            ))
        })?;
        let host = url
            .host_str()
            .filter(|h| !h.is_empty())
            .map(|h| h.trim_start_matches('[').trim_end_matches(']').to_owned())
            .or(server_address)
            .ok_or_else(|| bad("no server: write smtp://user:password@server:port".into()))?;
        let (security, default_port) = match url.scheme() {
            "smtp" => (default_starttls(&host), 25),
            "smtp+starttls" => (Security::StartTlsRequired, 587),
            "smtps" => (Security::Implicit, 465),
            other => {
                return Err(bad(format!(
                    "unsupported protocol {other:?}: use smtp://, smtp+starttls:// or smtps://"
                )));
            }
        };
        if url.query().is_some() {
            return Err(bad("takes no ?parameters: set require_tls instead".into()));
        }
        let decode = |part: &str| -> Result<Option<String>, InputError> {
            if part.is_empty() {
                return Ok(None);
            }
            let text = percent_decode_str(part).decode_utf8().map_err(|_| {
                bad("the user or password is not valid percent-encoded UTF-8".into())
            })?;
            Ok(Some(text.into_owned()))
        };
        Ok(Connection {
            port: url.port().unwrap_or(default_port),
            security,
            username: decode(url.username())?,
            password: url.password().map(decode).transpose()?.flatten(),
            url_password: url.password().map(str::to_owned),
            host,
        })
    }

    /// What must be masked: the password, and its percent-encoded form from the URL.
    pub fn secrets(&self) -> impl Iterator<Item = &str> {
        self.password
            .as_deref()
            .into_iter()
            .chain(self.url_password.as_deref())
    }

    /// The core's server, credentials included.
    pub fn server(&self) -> Result<Server, InputError> {
        let server: Server = self
            .url()
            .parse()
            .map_err(|e| InputError::new("server_address", format!("{e}")))?;
        Ok(server.with_credentials(self.username.clone(), self.password.clone()))
    }

    /// The SMTP URL of the host, port and TLS mode, without the credentials (the core takes
    /// those apart, so that it alone decides which relay gets them).
    pub fn url(&self) -> String {
        let (scheme, tls) = match self.security {
            Security::Implicit => ("smtps", None),
            Security::StartTlsRequired => ("smtp", Some("required")),
            Security::StartTlsOpportunistic => ("smtp", Some("opportunistic")),
        };
        let host = match self.host.contains(':') {
            true => format!("[{}]", self.host),
            false => self.host.clone(),
        };
        match tls {
            Some(tls) => format!("{scheme}://{host}:{}?tls={tls}", self.port),
            None => format!("{scheme}://{host}:{}", self.port),
        }
    }
}

/// STARTTLS is required, except to a loopback relay (a local MTA or the simulator), where it is
/// used when offered: the core's own default for `smtp://`.
fn default_starttls(host: &str) -> Security {
    let loopback = host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    match loopback {
        true => Security::StartTlsOpportunistic,
        false => Security::StartTlsRequired,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use buildmail_core::Tls;

    use super::*;

    fn connection(pairs: &[(&'static str, &str)]) -> Result<Option<Connection>, InputError> {
        let env: HashMap<&str, String> = pairs.iter().map(|(k, v)| (*k, (*v).to_owned())).collect();
        let get = |input: &'static str| env.get(input).cloned();
        let flag = |input: &'static str, default: bool| {
            get(input).map_or(Ok(default), |v| parse::boolean(input, &v))
        };
        Connection::read(&get, &flag)
    }

    fn resolved(pairs: &[(&'static str, &str)]) -> Connection {
        connection(pairs).unwrap().unwrap()
    }

    #[test]
    fn without_a_server_there_is_no_connection() {
        assert_eq!(connection(&[("username", "u")]).unwrap(), None);
    }

    #[test]
    fn server_address_alone_is_port_25_with_starttls_required() {
        let c = resolved(&[("server_address", "mail.example.com")]);
        assert_eq!(
            (c.host.as_str(), c.port, c.security),
            ("mail.example.com", 25, Security::StartTlsRequired)
        );
    }

    #[test]
    fn server_port_465_means_secure_unless_secure_says_otherwise() {
        let c = resolved(&[
            ("server_address", "mail.example.com"),
            ("server_port", "465"),
        ]);
        assert_eq!(c.security, Security::Implicit);
        let c = resolved(&[
            ("server_address", "m"),
            ("server_port", "465"),
            ("secure", "false"),
        ]);
        assert_eq!(c.security, Security::StartTlsRequired);
        let c = resolved(&[
            ("server_address", "m"),
            ("server_port", "2465"),
            ("secure", "true"),
        ]);
        assert_eq!((c.port, c.security), (2465, Security::Implicit));
    }

    #[test]
    fn a_bad_server_port_or_secure_names_its_input() {
        let error = connection(&[("server_address", "m"), ("server_port", "smtp")]).unwrap_err();
        assert_eq!(error.input, "server_port");
        let error = connection(&[("server_address", "m"), ("secure", "yes")]).unwrap_err();
        assert_eq!(error.input, "secure");
    }

    #[test]
    fn require_tls_false_allows_plaintext_fallback() {
        let c = resolved(&[
            ("server_address", "mail.example.com"),
            ("require_tls", "false"),
        ]);
        assert_eq!(c.security, Security::StartTlsOpportunistic);
        let c = resolved(&[("server_address", "127.0.0.1"), ("require_tls", "true")]);
        assert_eq!(c.security, Security::StartTlsRequired);
    }

    #[test]
    fn username_and_password_inputs() {
        let c = resolved(&[
            ("server_address", "m"),
            ("username", "ci"),
            ("password", "s3cret"),
        ]);
        assert_eq!(
            (c.username.as_deref(), c.password.as_deref()),
            (Some("ci"), Some("s3cret"))
        );
        assert!(!format!("{c:?}").contains("s3cret"));
    }

    #[test]
    fn connection_url_replaces_the_parts_and_decodes_credentials() {
        let c = resolved(&[
            (
                "connection_url",
                "smtp://ci%40example.com:p%40ss@mail.example.com:2525",
            ),
            ("server_address", "ignored.example.com"),
            ("username", "ignored"),
        ]);
        assert_eq!((c.host.as_str(), c.port), ("mail.example.com", 2525));
        assert_eq!(c.username.as_deref(), Some("ci@example.com"));
        assert_eq!(c.password.as_deref(), Some("p@ss"));
        assert_eq!(c.secrets().collect::<Vec<_>>(), ["p@ss", "p%40ss"]);
    }

    #[test]
    fn smtp_url_defaults_to_port_25_and_starttls_url_to_587_required() {
        let c = resolved(&[("connection_url", "smtp://mail.example.com")]);
        assert_eq!((c.port, c.security), (25, Security::StartTlsRequired));
        let c = resolved(&[("connection_url", "smtp+starttls://u:p@mail.example.com")]);
        assert_eq!((c.port, c.security), (587, Security::StartTlsRequired));
        let c = resolved(&[("connection_url", "smtps://mail.example.com")]);
        assert_eq!((c.port, c.security), (465, Security::Implicit));
    }

    #[test]
    fn a_bad_connection_url_names_the_input_and_not_the_password() {
        for bad in [
            "http://u:hunter2@x",
            "not a url",
            "smtp://u:hunter2@x?tls=none",
        ] {
            let error = connection(&[("connection_url", bad)]).unwrap_err();
            assert_eq!(error.input, "connection_url", "{bad}");
            assert!(!error.to_string().contains("hunter2"), "{error}");
        }
    }

    #[test]
    fn the_core_server_keeps_host_port_tls_and_credentials() {
        let c = resolved(&[("connection_url", "smtp+starttls://ci:pw@mail.example.com")]);
        let server = c.server().unwrap();
        assert_eq!(server.to_string(), "mail.example.com:587");
        assert_eq!(server.tls(), Tls::Required);
        assert_eq!(server.username(), Some("ci"));
        assert!(server.has_password());
        let c = resolved(&[("server_address", "::1"), ("server_port", "465")]);
        assert_eq!(c.server().unwrap().tls(), Tls::Implicit);
    }
}
