//! Recipients from the CI context: the authors of the changes (email-ext's `culprits()` and
//! `developers()`) and who started the build (`requestor()`).
//!
//! Every address comes from a commit or a payload, so each is parsed as an address (lettre's
//! parser, the one the message is built with) and only the bare address is kept: a name from a
//! commit never reaches a header. Addresses that cannot answer (`noreply`, GitHub's
//! `users.noreply.github.com`) are never mailed, `domains` keeps only the company's own, and
//! each address is added once. Each one added or left out carries why, for the report.

use std::collections::HashSet;
use std::str::FromStr;

use lettre::Address;
use serde::Serialize;

use crate::ci::{Build, Person};

/// Which recipients to take from the build.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FromChanges {
    /// The authors of the changes.
    pub authors: bool,
    /// Who started the build.
    pub requester: bool,
    /// Only addresses in these domains (or their subdomains); all when empty.
    pub domains: Vec<String>,
}

/// An address taken from the build, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Added {
    /// The address, checked.
    pub address: String,
    /// Why: `author of the commits of the push`.
    pub reason: String,
}

impl std::fmt::Display for Added {
    /// The line a front end logs: `added dev@example.com to the recipients: author of ...`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "added {} to the recipients: {}",
            self.address, self.reason
        )
    }
}

/// What [`FromChanges::pick`] found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Picked {
    /// The addresses to add, each once, in the order found.
    pub added: Vec<Added>,
    /// Each person left out and why, for the report: `21031067+x@users.noreply.github.com is a
    /// noreply address`.
    pub left_out: Vec<String>,
}

impl FromChanges {
    /// Whether any recipient is wanted from the build.
    pub fn any(&self) -> bool {
        self.authors || self.requester
    }

    /// The recipients `build` gives, `already` (the addresses given by hand) left out.
    ///
    /// ```
    /// use buildmail_core::ci::{Build, ChangeAuthors, Person, Provider};
    /// use buildmail_core::notify::FromChanges;
    /// let mut build = Build::new(Provider::Jenkins, "shop");
    /// let person = |email: &str| Person { name: None, email: Some(email.into()) };
    /// build.change_authors = Some(ChangeAuthors {
    ///     people: vec![person("ada@example.com"), person("1+x@users.noreply.github.com")],
    ///     scope: "the commits of the push".into(),
    ///     note: None,
    /// });
    /// let wanted = FromChanges { authors: true, ..FromChanges::default() };
    /// let picked = wanted.pick(&build, &[]);
    /// assert_eq!(picked.added[0].address, "ada@example.com");
    /// assert_eq!(picked.added.len(), 1);
    /// ```
    pub fn pick(&self, build: &Build, already: &[String]) -> Picked {
        let mut picked = Picked::default();
        let mut seen: HashSet<String> = already
            .iter()
            .filter_map(|given| bare_address(given))
            .map(|address| address.to_ascii_lowercase())
            .collect();
        if self.authors {
            match &build.change_authors {
                Some(authors) => {
                    let reason = format!("author of {}", authors.scope);
                    for person in &authors.people {
                        self.consider(person, &reason, &mut seen, &mut picked);
                    }
                    if let Some(note) = &authors.note {
                        picked.left_out.push(note.clone());
                    }
                }
                None => picked.left_out.push(
                    "the CI context names no author of the changes (no commits in it)".to_owned(),
                ),
            }
        }
        if self.requester {
            match &build.requester {
                Some(person) => {
                    self.consider(person, "started the build", &mut seen, &mut picked);
                }
                None => picked
                    .left_out
                    .push("the CI context names no address of who started the build".to_owned()),
            }
        }
        picked
    }

    fn consider(
        &self,
        person: &Person,
        reason: &str,
        seen: &mut HashSet<String>,
        picked: &mut Picked,
    ) {
        let shown = || crate::untrusted::escaped(person.email.as_deref().unwrap_or_default());
        let Some(email) = person
            .email
            .as_deref()
            .map(str::trim)
            .filter(|e| !e.is_empty())
        else {
            let name = person.name.as_deref().unwrap_or("someone");
            picked.left_out.push(format!(
                "{} ({reason}) has no address in the CI context",
                crate::untrusted::escaped(name)
            ));
            return;
        };
        let Ok(address) = Address::from_str(email) else {
            picked
                .left_out
                .push(format!("{} ({reason}) is not a valid address", shown()));
            return;
        };
        let key = address.to_string().to_ascii_lowercase();
        if !seen.insert(key) {
            return;
        }
        if is_noreply(&address) {
            picked
                .left_out
                .push(format!("{address} ({reason}) is a noreply address"));
            return;
        }
        if !self.domains.is_empty() && !self.domains.iter().any(|d| in_domain(&address, d)) {
            picked.left_out.push(format!(
                "{address} ({reason}) is outside the authors' domains ({})",
                self.domains.join(", ")
            ));
            return;
        }
        picked.added.push(Added {
            address: address.to_string(),
            reason: reason.to_owned(),
        });
    }
}

/// The address in `a@b` or `Name <a@b>`, when there is one.
fn bare_address(text: &str) -> Option<String> {
    text.parse::<lettre::message::Mailbox>()
        .ok()
        .map(|mailbox| mailbox.email.to_string())
}

/// Addresses that no one reads: GitHub's private commit addresses and `noreply@`-like
/// mailboxes.
fn is_noreply(address: &Address) -> bool {
    let domain = address.domain().to_ascii_lowercase();
    let user = address
        .user()
        .to_ascii_lowercase()
        .replace(['-', '_', '.'], "");
    domain == "users.noreply.github.com"
        || domain.starts_with("noreply.")
        || domain.contains(".noreply.")
        || ["noreply", "donotreply", "noreplies", "mailerdaemon"].contains(&user.as_str())
}

/// Whether `address` is in `domain` or one of its subdomains (`@eu.example.com` is in
/// `example.com`).
fn in_domain(address: &Address, domain: &str) -> bool {
    let have = address.domain().to_ascii_lowercase();
    let want = domain.trim().trim_start_matches('@').to_ascii_lowercase();
    !want.is_empty() && (have == want || have.ends_with(&format!(".{want}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ci::{ChangeAuthors, Provider};

    fn person(name: &str, email: &str) -> Person {
        Person {
            name: Some(name.into()),
            email: Some(email.into()),
        }
    }

    fn build(people: Vec<Person>, requester: Option<Person>) -> Build {
        let mut build = Build::new(Provider::Jenkins, "shop");
        build.change_authors = Some(ChangeAuthors {
            people,
            scope: "the changes since the last successful build".into(),
            note: None,
        });
        build.requester = requester;
        build
    }

    fn addresses(picked: &Picked) -> Vec<&str> {
        picked.added.iter().map(|a| a.address.as_str()).collect()
    }

    #[test]
    fn authors_are_added_once_each_and_noreply_never() {
        let build = build(
            vec![
                person("Ada", "ada@example.com"),
                person("Ada again", "ADA@example.com"),
                person("Octo", "583231+octocat@users.noreply.github.com"),
                person("Bot", "noreply@example.com"),
                person("Robot", "no-reply@ci.example.com"),
                person("Grace", "grace@example.org"),
                person("Nobody", ""),
                person("Evil", "x@example.com\r\nBcc: victim@example.com"),
            ],
            None,
        );
        let wanted = FromChanges {
            authors: true,
            ..FromChanges::default()
        };
        let picked = wanted.pick(&build, &["Team <team@example.com>".into()]);
        assert_eq!(addresses(&picked), ["ada@example.com", "grace@example.org"]);
        assert_eq!(
            picked.added[0].reason,
            "author of the changes since the last successful build"
        );
        let left_out = picked.left_out.join("\n");
        for expected in [
            "583231+octocat@users.noreply.github.com (author of the changes since the last successful build) is a noreply address",
            "noreply@example.com",
            "no-reply@ci.example.com",
            "Nobody (author of",
            "is not a valid address",
        ] {
            assert!(left_out.contains(expected), "{expected}: {left_out}");
        }
        assert!(!left_out.contains('\r'), "{left_out}");
    }

    #[test]
    fn authors_domains_keep_the_company_and_its_subdomains() {
        let build = build(
            vec![
                person("Ada", "ada@eu.example.com"),
                person("Grace", "grace@gmail.com"),
                person("Lin", "lin@example.com"),
                person("Mallory", "m@evilexample.com"),
            ],
            None,
        );
        let wanted = FromChanges {
            authors: true,
            domains: vec!["example.com".into()],
            ..FromChanges::default()
        };
        let picked = wanted.pick(&build, &[]);
        assert_eq!(
            addresses(&picked),
            ["ada@eu.example.com", "lin@example.com"]
        );
        assert!(picked.left_out[0].contains("outside the authors' domains (example.com)"));
    }

    #[test]
    fn the_requester_is_added_when_asked_and_already_listed_addresses_are_not_repeated() {
        let build = build(
            vec![person("Ada", "ada@example.com")],
            Some(person("Lin", "lin@example.com")),
        );
        let wanted = FromChanges {
            requester: true,
            ..FromChanges::default()
        };
        let picked = wanted.pick(&build, &[]);
        assert_eq!(addresses(&picked), ["lin@example.com"]);
        assert_eq!(picked.added[0].reason, "started the build");
        let both = FromChanges {
            authors: true,
            requester: true,
            ..FromChanges::default()
        };
        let picked = both.pick(&build, &["lin@example.com".into()]);
        assert_eq!(addresses(&picked), ["ada@example.com"]);
    }

    #[test]
    fn a_context_without_authors_says_so() {
        let build = Build::new(Provider::Local, "shop");
        let wanted = FromChanges {
            authors: true,
            requester: true,
            ..FromChanges::default()
        };
        let picked = wanted.pick(&build, &[]);
        assert!(picked.added.is_empty());
        assert_eq!(picked.left_out.len(), 2, "{:?}", picked.left_out);
    }
}
