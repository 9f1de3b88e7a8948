//! The categories every reply falls into: the vocabulary of reports, annotations and retry policy.

use std::fmt;

use serde::{Deserialize, Serialize};

/// What kind of trouble (or success) a reply is about. The names are part of the JSON interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// The server defers mail from an unknown sender/recipient pair until a window has passed.
    Greylisting,
    /// Too many messages, connections or recipients in a period.
    RateLimit,
    /// The server is busy or short of resources right now.
    Congestion,
    /// The server or service is shutting down or under maintenance.
    Maintenance,
    /// The sending IP address or domain has a poor reputation or is listed.
    Reputation,
    /// Authentication is missing, refused or not allowed this way: SMTP AUTH, and the sender
    /// authentication of the message (SPF, DKIM, DMARC).
    Auth,
    /// TLS is required, unavailable or failed.
    Tls,
    /// A policy of the receiving site refuses the message (relaying, verified senders, content).
    Policy,
    /// The mailbox does not exist, is full or is disabled.
    Mailbox,
    /// A domain or host could not be resolved.
    Dns,
    /// The message is too large.
    Size,
    /// A command or address was malformed.
    Syntax,
    /// The connection failed, timed out or was dropped.
    Network,
    /// Anything else, including success.
    Other,
}

impl Category {
    /// Every category, in the order of the interface.
    pub const ALL: [Category; 14] = [
        Category::Greylisting,
        Category::RateLimit,
        Category::Congestion,
        Category::Maintenance,
        Category::Reputation,
        Category::Auth,
        Category::Tls,
        Category::Policy,
        Category::Mailbox,
        Category::Dns,
        Category::Size,
        Category::Syntax,
        Category::Network,
        Category::Other,
    ];

    /// The snake_case name used in JSON, docs and the CLI.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Greylisting => "greylisting",
            Category::RateLimit => "rate_limit",
            Category::Congestion => "congestion",
            Category::Maintenance => "maintenance",
            Category::Reputation => "reputation",
            Category::Auth => "auth",
            Category::Tls => "tls",
            Category::Policy => "policy",
            Category::Mailbox => "mailbox",
            Category::Dns => "dns",
            Category::Size => "size",
            Category::Syntax => "syntax",
            Category::Network => "network",
            Category::Other => "other",
        }
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_names_match_as_str() {
        for category in Category::ALL {
            let json = serde_json::to_string(&category).unwrap();
            assert_eq!(json, format!("\"{}\"", category.as_str()));
        }
    }
}
