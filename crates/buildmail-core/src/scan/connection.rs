//! Failures before any SMTP reply, the commonest way CI mail fails: the connection refused or
//! timing out, the certificate not trusted, the host name not resolving. Each client words them
//! its own way (nodemailer's `ECONNREFUSED`, PHPMailer's `Could not connect to SMTP host`, Java's
//! `PKIX path building failed`, .NET's `Unable to connect to the remote server`, Go's `dial tcp`,
//! lettre's `network error` and its Debug form `kind: Connection`); each kind has one explanation.
//!
//! Words such as "Connection refused" also appear in a database's or a web client's errors, so a
//! generic wording counts only near a line that mentions mail (SMTP, a mail port, a mail
//! library); wordings only mail clients use count anywhere.

use std::fmt::Write as _;
use std::sync::LazyLock;

use crate::category::Category;
use regex::{Regex, RegexBuilder};

/// Lines within this distance of each other that show connection failures are one event: a
/// wrapper ("Could not connect to SMTP host", "Couldn't connect to host") and its cause.
pub(super) const EVENT_LINES: u64 = 3;

/// The lines after one that mentions mail in which a generic wording still counts.
pub(super) const MAIL_CONTEXT_LINES: u64 = 5;

/// How much of the log line a finding keeps.
const MAX_EVIDENCE: usize = 300;

/// One kind of connection-level failure and what to do about it.
#[derive(Debug, PartialEq, Eq)]
pub struct ConnectionKind {
    /// A stable name, e.g. `connection.refused`.
    pub id: &'static str,
    /// `network`, `tls` or `dns`.
    pub category: Category,
    /// A short headline.
    pub title: &'static str,
    /// The likely cause.
    pub cause: &'static str,
    /// What to do, most useful first.
    pub fix: &'static [&'static str],
    /// Wordings only mail clients use: they count without other evidence.
    mail_only: &'static str,
    /// Wordings any network client uses: they count near a line that mentions mail.
    generic: &'static str,
}

/// A connection-level failure found in a log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionFailure {
    /// What kind of failure it is.
    pub kind: &'static ConnectionKind,
    /// The log line that shows it, made printable and cut to a few hundred characters.
    pub text: String,
}

static KINDS: &[ConnectionKind] = &[
    ConnectionKind {
        id: "connection.tls",
        category: Category::Tls,
        title: "The TLS handshake failed: the server's certificate is not trusted or TLS is misconfigured",
        cause: "The client could not set up TLS with the server: its certificate is signed by a CA \
                the client does not trust (a company relay's own CA, a self-signed certificate), \
                has expired or names another host, or the client used implicit TLS on a STARTTLS \
                port (or the reverse).",
        fix: &[
            "Trust the CA that signed the server's certificate: buildmail `{ca_file}`, Java a truststore with the CA, Node `NODE_EXTRA_CA_CERTS`, Python `ssl.create_default_context(cafile=...)`.",
            "Check that the host name in the URL is the one the certificate names.",
            "Match the port's TLS mode: STARTTLS on 587 (`smtp://`), implicit TLS on 465 (`smtps://`); \"wrong version number\" means they are mixed up.",
        ],
        mail_only: r"could not convert socket to TLS|MailKit.*SslHandshakeException",
        generic: r"PKIX path building failed|unable to find valid certification path|SSLHandshakeException|CERTIFICATE_VERIFY_FAILED|certificate verify failed|self[- ]signed certificate|unable to verify the first certificate|UNABLE_TO_VERIFY_LEAF_SIGNATURE|CERT_HAS_EXPIRED|certificate has expired|ERR_TLS_CERT_ALTNAME_INVALID|does not match certificate|remote certificate is invalid|x509: certificate|tls: failed to verify|invalid peer certificate|wrong version number|\btls error\b|kind: Tls\b",
    },
    ConnectionKind {
        id: "connection.dns",
        category: Category::Dns,
        title: "The mail server's host name does not resolve",
        cause: "The client could not look up the SMTP host's address: a typo in the host name, a \
                name only resolvable inside a company network, or the runner's DNS failing.",
        fix: &[
            "Check the host name in `{smtp_url}` for typos (`dig smtp.example.com`).",
            "A relay on an internal network needs a runner inside it (a self-hosted runner), or a public relay.",
            "If the runner's DNS failed temporarily (EAI_AGAIN), retry.",
        ],
        mail_only: r"Unknown SMTP host",
        generic: r"(?-i:\bENOTFOUND\b|\bEAI_AGAIN\b)|\bgetaddrinfo\b|UnknownHostException|Name or service not known|nodename nor servname|No such host is known|no such host|Temporary failure in name resolution|could not resolve host|failed to lookup address|Name does not resolve",
    },
    ConnectionKind {
        id: "connection.network",
        category: Category::Network,
        title: "Could not connect to the mail server",
        cause: "The connection was refused, timed out or dropped before the server said anything: \
                a wrong host or port, a firewall (many CI providers block outbound port 25), or a \
                server that is down.",
        fix: &[
            "Check the host and port in `{smtp_url}`: submission is 587 (STARTTLS) or 465 (implicit TLS); most CI runners cannot reach port 25.",
            "Check that the runner can reach the server at all (egress rules, a VPN or proxy it lacks): `nc -vz smtp.example.com 587`.",
            "If it fails only sometimes, retry: buildmail retries connection failures within `{retry_budget}`.",
        ],
        mail_only: r"greeting never received|could not connect to SMTP host|failed to connect to (the )?(SMTP )?server|MailConnectException|couldn't connect to host|SMTPServerDisconnected|SmtpException: Failure sending mail",
        generic: r"(?-i:\b(?:ECONNREFUSED|ETIMEDOUT|ECONNRESET|EHOSTUNREACH|ENETUNREACH)\b)|connection refused|actively refused|connected party did not properly respond|Unable to connect to the remote server|connection timed out|connect timed out|read timed out|operation has timed out|i/o timeout|connection reset|no route to host|network is unreachable|connection (unexpectedly|abruptly) closed|\bnetwork error\b|kind: (Connection|Network)\b",
    },
];

struct Compiled {
    kind: &'static ConnectionKind,
    mail_only: Option<Regex>,
    generic: Regex,
}

static COMPILED: LazyLock<Vec<Compiled>> = LazyLock::new(|| {
    let build = |pattern: &str| {
        RegexBuilder::new(pattern)
            .case_insensitive(true)
            .build()
            .expect("connection failure patterns are tested")
    };
    KINDS
        .iter()
        .map(|kind| Compiled {
            kind,
            mail_only: (!kind.mail_only.is_empty()).then(|| build(kind.mail_only)),
            generic: build(kind.generic),
        })
        .collect()
});

/// Every kind's wordings in one pattern: most lines of a log hold none, and one search says so
/// where one search per kind and wording did.
static ANY_WORDING: LazyLock<Regex> = LazyLock::new(|| {
    let wordings: Vec<String> = wordings().map(|pattern| format!("(?:{pattern})")).collect();
    RegexBuilder::new(&wordings.join("|"))
        .case_insensitive(true)
        .build()
        .expect("connection failure patterns are tested")
});

/// Words that show a line is about sending mail.
static MAIL_WORDS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)smtp|e-?mail|\bmail|nodemailer|phpmailer|lettre|:(25|465|587|2525)\b|port:? (25|465|587|2525)\b")
        .expect("the mail-context pattern is valid")
});

/// Every kind's wordings, mail-only and generic, each matched in any case.
pub(super) fn wordings() -> impl Iterator<Item = &'static str> {
    KINDS
        .iter()
        .flat_map(|kind| [kind.mail_only, kind.generic])
        .filter(|pattern| !pattern.is_empty())
}

/// Whether a line mentions mail, so that generic wordings on it and just after it count.
pub(super) fn mentions_mail(line: &str) -> bool {
    MAIL_WORDS.is_match(line)
}

/// The connection-level failure a line shows, if any. The TLS and DNS kinds are checked before
/// the network one: "connection closed" after a certificate error is the certificate's fault.
pub(super) fn connection_failure(line: &str, near_mail: bool) -> Option<ConnectionFailure> {
    if !ANY_WORDING.is_match(line) {
        return None;
    }
    let compiled = COMPILED.iter().find(|c| {
        c.mail_only.as_ref().is_some_and(|r| r.is_match(line))
            || (near_mail && c.generic.is_match(line))
    })?;
    let text: String = line
        .trim()
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(MAX_EVIDENCE)
        .collect();
    Some(ConnectionFailure {
        kind: compiled.kind,
        // A CI log's line may carry a workflow command (`##[error]`): shown, never obeyed.
        text: crate::untrusted::escaped(&text).into_owned(),
    })
}

impl ConnectionFailure {
    /// The line's words without indentation or a `Caused by:` prefix: Java prints a cause once
    /// nested and once as `Caused by:`, and the two are the same event.
    pub(super) fn gist(&self) -> &str {
        let text = self.text.trim_start();
        text.strip_prefix("Caused by:").unwrap_or(text).trim()
    }

    /// Whether `other`, seen in the same event, says more: a TLS or DNS cause under a wrapper
    /// that only says the connection failed.
    pub(super) fn is_refined_by(&self, other: &ConnectionFailure) -> bool {
        self.kind.category == Category::Network && other.kind.category != Category::Network
    }

    /// The category: `network`, `tls` or `dns`.
    pub fn category(&self) -> Category {
        self.kind.category
    }

    /// Whether trying again later can help: a refused or timed-out connection may, an untrusted
    /// certificate or a host name that does not exist will not.
    pub fn transient(&self) -> bool {
        self.kind.category == Category::Network
    }

    /// What the failure means and what to do, as data a front end renders or serializes.
    pub fn explanation(&self) -> ConnectionExplanation {
        ConnectionExplanation {
            code: None,
            enhanced: None,
            text: self.text.clone(),
            transient: self.transient(),
            category: self.category(),
            title: self.kind.title.to_owned(),
            cause: self.kind.cause.to_owned(),
            fix: self
                .kind
                .fix
                .iter()
                .map(|step| (*step).to_owned())
                .collect(),
            retry_after_s: None,
            entry: self.kind.id.to_owned(),
        }
    }

    /// A plain-text short article, like [`crate::Explanation::to_text`].
    pub fn to_text(&self) -> String {
        self.explanation().to_text()
    }
}

/// A connection failure explained, shaped like an [`crate::Explanation`] (no reply code: the
/// server never answered) so JSON readers handle both alike.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ConnectionExplanation {
    /// Always `None`: no server reply.
    pub code: Option<u16>,
    /// Always `None`: no server reply.
    pub enhanced: Option<String>,
    /// The log line that shows it.
    pub text: String,
    /// Whether trying again later can help.
    pub transient: bool,
    /// `network`, `tls` or `dns`.
    pub category: Category,
    /// A short headline.
    pub title: String,
    /// The likely cause.
    pub cause: String,
    /// What to do, most useful first.
    pub fix: Vec<String>,
    /// Always `None`: nobody named a delay.
    pub retry_after_s: Option<u64>,
    /// The kind's stable name, e.g. `connection.refused`.
    pub entry: String,
}

impl ConnectionExplanation {
    /// The fixes naming settings as `spell` writes them.
    pub fn spell(&mut self, spell: crate::settings::Spelling) {
        let spelled = |text: &str| crate::settings::spell_placeholders(text, spell);
        self.cause = spelled(&self.cause);
        self.fix = self.fix.iter().map(|step| spelled(step)).collect();
    }

    /// A plain-text short article: the line, the kind, the likely cause and what to do.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "{}", self.text);
        let _ = writeln!(out, "{} [{}, no SMTP reply]", self.title, self.category);
        let _ = writeln!(out, "\nLikely cause\n  {}", self.cause);
        out.push_str("\nWhat to do\n");
        for step in &self.fix {
            let _ = writeln!(out, "  - {step}");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_client_wording_selects_its_kind() {
        let cases = [
            (
                "Error: connect ECONNREFUSED 127.0.0.1:587",
                Category::Network,
            ),
            ("Error: Greeting never received", Category::Network),
            (
                "SMTP Error: Could not connect to SMTP host.",
                Category::Network,
            ),
            (
                "com.sun.mail.util.MailConnectException: Couldn't connect to host, port: smtp.example.com, 587; timeout -1",
                Category::Network,
            ),
            (
                "System.Net.Mail.SmtpException: Failure sending mail.",
                Category::Network,
            ),
            (
                "Error: network error: Connection refused (os error 111)",
                Category::Network,
            ),
            (
                "javax.mail.MessagingException: Could not convert socket to TLS",
                Category::Tls,
            ),
            (
                "sun.security.validator.ValidatorException: PKIX path building failed",
                Category::Tls,
            ),
            (
                "Error: self-signed certificate in certificate chain",
                Category::Tls,
            ),
            (
                "Error: getaddrinfo ENOTFOUND smtp.example.con",
                Category::Dns,
            ),
            (
                "java.net.UnknownHostException: smtp.example.con",
                Category::Dns,
            ),
        ];
        for (line, category) in cases {
            let found = connection_failure(line, true).unwrap_or_else(|| panic!("{line}"));
            assert_eq!(found.category(), category, "{line}");
        }
    }

    #[test]
    fn generic_wordings_need_mail_nearby() {
        let database = "psycopg2.OperationalError: connection to server at 127.0.0.1, port 5432 failed: Connection refused";
        assert_eq!(connection_failure(database, false), None);
        assert!(connection_failure("Error: Greeting never received", false).is_some());
    }
}
