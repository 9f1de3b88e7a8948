//! The one error a delivery step can end with: which phase failed, and how. The retry loop asks
//! it questions ([`Error::is_transient`], [`Error::reply`]); it never matches strings.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::connector::UnknownHost;
use crate::reply::{EnhancedCode, Reply};
use crate::untrusted::escaped;

/// The step of an SMTP session, as reports name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Opening the TCP connection (and the TLS handshake for `smtps://`).
    Connect,
    /// Waiting for the server's first reply.
    Greeting,
    /// EHLO.
    Ehlo,
    /// STARTTLS and the TLS handshake.
    Starttls,
    /// AUTH.
    Auth,
    /// MAIL FROM.
    Mail,
    /// RCPT TO, once per recipient.
    Rcpt,
    /// DATA, before the message is sent.
    Data,
    /// The reply after the message's final dot: the server takes responsibility here.
    EndOfData,
}

impl Phase {
    /// The snake_case name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Connect => "connect",
            Phase::Greeting => "greeting",
            Phase::Ehlo => "ehlo",
            Phase::Starttls => "starttls",
            Phase::Auth => "auth",
            Phase::Mail => "mail",
            Phase::Rcpt => "rcpt",
            Phase::Data => "data",
            Phase::EndOfData => "end_of_data",
        }
    }
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A failed step of a delivery attempt.
#[derive(Debug, Clone)]
pub struct Error {
    phase: Phase,
    kind: Kind,
}

#[derive(Debug, Clone)]
enum Kind {
    /// The server replied 4xx or 5xx.
    Refused(Reply),
    /// The connection failed or was lost: treated as a 451 (RFC 5321 section 3.8).
    Lost(String),
    /// No reply within the per-command timeout: treated like a lost connection.
    TimedOut(Duration),
    /// The retry budget ran out while waiting: the recipients stay deferred.
    BudgetSpent,
    /// The server sent something that is not an SMTP reply.
    Garbled(String),
    /// TLS could not be set up: no STARTTLS offered, or the handshake failed.
    Tls(String),
    /// AUTH is wanted but the server offers no mechanism we speak.
    NoAuth,
    /// The server broke the rules of an exchange (an AUTH that never ends): this relay cannot
    /// be used, and trying again would only repeat it.
    Protocol(String),
    /// The host name does not resolve: a typo or a name the runner's DNS does not know.
    UnknownHost(String),
    /// An address with a non-ASCII local part, and a server without SMTPUTF8 (RFC 6531).
    NoSmtpUtf8(String),
}

impl Error {
    pub(crate) fn refused(phase: Phase, reply: Reply) -> Self {
        Error {
            phase,
            kind: Kind::Refused(reply),
        }
    }

    pub(crate) fn lost(phase: Phase, why: impl fmt::Display) -> Self {
        Error {
            phase,
            kind: Kind::Lost(why.to_string()),
        }
    }

    pub(crate) fn timed_out(phase: Phase, limit: Duration) -> Self {
        Error {
            phase,
            kind: Kind::TimedOut(limit),
        }
    }

    /// A wait cut short by the delivery's deadline (`--retry-budget`), not by `--timeout`.
    pub(crate) fn budget_spent(phase: Phase) -> Self {
        Error {
            phase,
            kind: Kind::BudgetSpent,
        }
    }

    pub(crate) fn protocol(phase: Phase, what: impl fmt::Display) -> Self {
        Error {
            phase,
            kind: Kind::Protocol(what.to_string()),
        }
    }

    pub(crate) fn garbled(phase: Phase, what: impl fmt::Display) -> Self {
        Error {
            phase,
            kind: Kind::Garbled(what.to_string()),
        }
    }

    pub(crate) fn tls(phase: Phase, why: impl fmt::Display) -> Self {
        Error {
            phase,
            kind: Kind::Tls(why.to_string()),
        }
    }

    /// A failed connect: a host that does not exist is final (a configuration error); anything
    /// else, a resolver that failed for now included, is a lost connection.
    pub(crate) fn from_connect(error: std::io::Error) -> Self {
        let unknown = error
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<UnknownHost>())
            .filter(|unknown| !unknown.temporary);
        match unknown {
            Some(unknown) => Error {
                phase: Phase::Connect,
                kind: Kind::UnknownHost(unknown.to_string()),
            },
            None => Error::lost(Phase::Connect, error),
        }
    }

    pub(crate) fn no_smtputf8(address: impl fmt::Display) -> Self {
        Error {
            phase: Phase::Mail,
            kind: Kind::NoSmtpUtf8(address.to_string()),
        }
    }

    pub(crate) fn no_auth() -> Self {
        Error {
            phase: Phase::Auth,
            kind: Kind::NoAuth,
        }
    }

    /// The step that failed.
    pub fn phase(&self) -> Phase {
        self.phase
    }

    /// Whether the same message may go through later: a 4xx, a lost connection or a timeout.
    pub fn is_transient(&self) -> bool {
        match &self.kind {
            Kind::Refused(reply) => {
                !reply.is_permanent() || (self.phase == Phase::Rcpt && reply.is_misnumbered_452())
            }
            Kind::Lost(_) | Kind::TimedOut(_) | Kind::BudgetSpent | Kind::Garbled(_) => true,
            Kind::Tls(_)
            | Kind::NoAuth
            | Kind::Protocol(_)
            | Kind::UnknownHost(_)
            | Kind::NoSmtpUtf8(_) => false,
        }
    }

    /// Whether retrying cannot help: a 5xx, a TLS failure, no usable AUTH.
    pub fn is_permanent(&self) -> bool {
        !self.is_transient()
    }

    /// Whether the connection failed rather than the server refusing.
    pub fn is_network(&self) -> bool {
        matches!(
            self.kind,
            Kind::Lost(_) | Kind::TimedOut(_) | Kind::BudgetSpent | Kind::Garbled(_)
        )
    }

    /// Whether the server broke the rules of an exchange (a protocol error, not a refusal).
    pub fn is_protocol_violation(&self) -> bool {
        matches!(self.kind, Kind::Protocol(_))
    }

    /// Whether the retry budget ran out during this step.
    pub fn is_budget_spent(&self) -> bool {
        matches!(self.kind, Kind::BudgetSpent)
    }

    /// Whether TLS could not be set up (a configuration matter: `tls=`, `--ca-file`).
    pub fn is_tls(&self) -> bool {
        matches!(self.kind, Kind::Tls(_))
    }

    /// Whether the server's host name does not resolve (a configuration matter: `--smtp-url`).
    pub fn is_unknown_host(&self) -> bool {
        matches!(self.kind, Kind::UnknownHost(_))
    }

    /// Whether the server refused our credentials, or offers no way to present them.
    pub fn is_auth_refused(&self) -> bool {
        self.phase == Phase::Auth && self.is_permanent() && !self.is_protocol_violation()
    }

    /// Whether a permanent failure is about the relay rather than the recipients: it came
    /// before any recipient was named (connect, greeting, EHLO, STARTTLS, AUTH, MAIL), so
    /// another relay may well take the message.
    pub fn refuses_the_relay(&self) -> bool {
        self.is_permanent()
            && matches!(
                self.phase,
                Phase::Connect
                    | Phase::Greeting
                    | Phase::Ehlo
                    | Phase::Starttls
                    | Phase::Auth
                    | Phase::Mail
            )
    }

    /// The reply the retry policy reads: the server's own, or for a lost connection or a timeout
    /// the 451 that RFC 5321 section 3.8 tells a client to assume; `None` for local TLS and AUTH
    /// failures.
    pub fn reply(&self) -> Option<Reply> {
        match &self.kind {
            Kind::Refused(reply) => Some(reply.clone()),
            Kind::Lost(_) | Kind::TimedOut(_) | Kind::BudgetSpent | Kind::Garbled(_) => Some(
                Reply::new(451, Some(EnhancedCode::new(4, 4, 2)), self.to_string())
                    .expect("451 is a valid reply code"),
            ),
            Kind::Tls(_)
            | Kind::NoAuth
            | Kind::Protocol(_)
            | Kind::UnknownHost(_)
            | Kind::NoSmtpUtf8(_) => None,
        }
    }

    /// Whether an address needs SMTPUTF8 and the server does not offer it: bad input for this
    /// relay, which another relay may take.
    pub fn needs_smtputf8(&self) -> bool {
        matches!(self.kind, Kind::NoSmtpUtf8(_))
    }

    /// The server's own reply, when it sent one.
    pub fn server_reply(&self) -> Option<&Reply> {
        match &self.kind {
            Kind::Refused(reply) => Some(reply),
            _ => None,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let phase = self.phase;
        match &self.kind {
            Kind::Refused(reply) => write!(f, "refused at {phase}: {reply}"),
            // What the server or the TLS peer said is shown escaped (see `untrusted`).
            Kind::Lost(why) => write!(f, "connection lost at {phase}: {}", escaped(why)),
            Kind::TimedOut(limit) => write!(
                f,
                "no reply at {phase} within {}s ({{timeout}})",
                limit.as_secs_f64()
            ),
            Kind::Garbled(what) => write!(f, "not an SMTP reply at {phase}: {}", escaped(what)),
            Kind::Tls(why) => write!(f, "TLS failed at {phase}: {}", escaped(why)),
            Kind::UnknownHost(why) => f.write_str(&escaped(why)),
            Kind::NoSmtpUtf8(address) => write!(
                f,
                "the address {address} has a non-ASCII local part, which needs SMTPUTF8, and the server does not offer SMTPUTF8"
            ),
            Kind::BudgetSpent => write!(
                f,
                "the retry budget ran out while waiting at {phase} ({{retry_budget}})"
            ),
            Kind::Protocol(what) => write!(
                f,
                "the server broke the SMTP protocol at {phase}: {}",
                escaped(what)
            ),
            Kind::NoAuth => f.write_str(
                "the server offers no AUTH mechanism buildmail speaks (PLAIN, LOGIN): remove the credentials or use another port",
            ),
        }
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lost_connection_reads_as_451() {
        let error = Error::lost(Phase::Data, "connection reset");
        assert!(error.is_transient() && error.is_network());
        let reply = error.reply().unwrap();
        assert_eq!(reply.code(), 451);
        assert!(reply.text().contains("connection lost at data"));
    }

    #[test]
    fn replies_decide_transient_or_permanent() {
        let refused = |text: &str| Error::refused(Phase::Rcpt, Reply::parse(text).unwrap());
        assert!(refused("421 busy").is_transient());
        assert!(refused("550 5.1.1 no such user").is_permanent());
        assert!(
            Error::refused(Phase::Auth, Reply::parse("535 5.7.8 bad").unwrap()).is_auth_refused()
        );
        assert!(Error::tls(Phase::Starttls, "no STARTTLS").is_permanent());
    }
}
