//! A page per reply code people meet and search for ("SMTP error 421"): what the RFCs say, what a
//! client should do, what buildmail does, the enhanced codes seen with it, and every catalog
//! entry that explains it. The prose per code is in `notes.rs`; everything else comes from the
//! catalog and the retry policy, so the pages follow them.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::time::Duration;

use super::notes::{NOTES, Notes};
use super::{GENERATED, Page, entry_link, one_line};
use crate::catalog::{CodePattern, Entry, alternatives, code_meaning, enhanced, entries, lookup};
use crate::category::Category;
use crate::error::Phase;
use crate::policy::{BACKOFF_FIRST, BACKOFF_MAX, GREYLIST_AFTER, GREYLIST_SCHEDULE};
use crate::reply::{Class, EnhancedCode, Reply};

/// The codes with a page of their own, in order.
pub(super) fn paged_codes() -> impl Iterator<Item = u16> {
    NOTES.iter().map(|notes| notes.code)
}

/// The file of a code's page, when it has one.
pub(super) fn page_file(code: u16) -> Option<String> {
    paged_codes()
        .any(|paged| paged == code)
        .then(|| format!("{code}.md"))
}

/// The basic codes an entry is about: those its pattern names exactly, and its example's.
pub(super) fn codes_of(entry: &Entry) -> BTreeSet<u16> {
    let mut codes: BTreeSet<u16> = alternatives(entry.when.code)
        .filter_map(|spec| spec.parse().ok())
        .collect();
    codes.insert(example(entry).code());
    codes
}

pub(super) fn code_pages() -> Vec<Page> {
    NOTES.iter().map(code_page).collect()
}

fn example(entry: &Entry) -> Reply {
    Reply::parse(entry.example).expect("catalog examples are tested")
}

/// The entries a page lists, sorted into the parts of the page.
struct Matches {
    /// The entry of the bare code, the explanation when nothing more specific matches.
    own: &'static Entry,
    /// Entries for a wording (or a wording and codes) seen with this code.
    worded: Vec<&'static Entry>,
    /// Entries for enhanced codes, whose examples carry this code.
    enhanced: Vec<&'static Entry>,
    /// Entries for a wording with a range of codes (`4xx`) that includes this one.
    also: Vec<&'static Entry>,
    /// How many entries for a wording, whatever the code, have examples with another code of
    /// the same class: they can match this code too.
    anywhere: usize,
}

impl Matches {
    fn of(code: u16) -> Self {
        let bare = Reply::new(code, None, "").expect("paged codes are valid");
        let mut matches = Matches {
            own: lookup(&bare),
            worded: Vec::new(),
            enhanced: Vec::new(),
            also: Vec::new(),
            anywhere: 0,
        };
        for entry in entries() {
            let about_code = codes_of(entry).contains(&code);
            if entry.when.text.is_empty() {
                if about_code && !entry.when.enhanced.is_empty() {
                    matches.enhanced.push(entry);
                }
            } else if about_code {
                matches.worded.push(entry);
            } else if example(entry).class() != bare.class() || !admits(entry, code) {
                continue;
            } else if entry.when.code.is_empty() {
                matches.anywhere += 1;
            } else {
                matches.also.push(entry);
            }
        }
        matches
            .worded
            .sort_by_key(|entry| category_rank(entry.category));
        matches
    }

    /// The categories the catalog can give a reply with this code.
    fn categories(&self) -> BTreeSet<Category> {
        std::iter::once(self.own)
            .chain(self.worded.iter().copied())
            .chain(self.enhanced.iter().copied())
            .map(|entry| entry.category)
            .collect()
    }
}

/// Whether the entry's code pattern lets a reply with this code through.
fn admits(entry: &Entry, code: u16) -> bool {
    let mut patterns = alternatives(entry.when.code).peekable();
    patterns.peek().is_none()
        || patterns.any(|spec| {
            CodePattern::parse(spec).is_some_and(|pattern| pattern.score(code).is_some())
        })
}

fn category_rank(category: Category) -> usize {
    Category::ALL
        .iter()
        .position(|c| *c == category)
        .expect("every category is in ALL")
}

fn code_page(notes: &Notes) -> Page {
    let code = notes.code;
    let matches = Matches::of(code);
    let meaning = code_meaning(code).expect("paged codes have an RFC meaning");
    let mut md = String::from(GENERATED);
    let _ = writeln!(md, "# SMTP error {code}: {meaning}\n");
    let _ = writeln!(
        md,
        "{} · [All reply codes and categories](README.md)\n",
        class_badge(code)
    );
    meaning_section(&mut md, notes, meaning, matches.own);
    client_section(&mut md, notes);
    buildmail_section(&mut md, notes, &matches);
    enhanced_section(&mut md, notes, &matches);
    worded_section(&mut md, code, &matches.worded);
    also_section(&mut md, code, &matches);
    Page {
        file: format!("{code}.md"),
        markdown: md,
    }
}

fn class_of(code: u16) -> Class {
    Reply::new(code, None, "")
        .expect("paged codes are valid")
        .class()
}

fn class_badge(code: u16) -> &'static str {
    match class_of(code) {
        Class::Transient => "**Transient** (4xx): the same message may go through later",
        Class::Permanent => "**Permanent** (5xx): sending it again unchanged fails again",
        Class::Success | Class::Intermediate => "**Not an error**",
    }
}

fn meaning_section(md: &mut String, notes: &Notes, meaning: &str, own: &Entry) {
    let _ = writeln!(
        md,
        "## What it means\n\nRFC 5321 and its extensions: *{meaning}*.\n\n{}\n",
        one_line(notes.about)
    );
    let _ = writeln!(
        md,
        "When the text says nothing more specific, buildmail explains a {} as {} (`{}`). {}\n",
        notes.code,
        entry_link(own),
        own.category,
        one_line(own.cause)
    );
}

fn client_section(md: &mut String, notes: &Notes) {
    let class = match class_of(notes.code) {
        Class::Transient => {
            "A 4xx reply is a transient negative completion (RFC 5321 section 4.2.1): the command \
             was not accepted, but the same command may succeed later. A client keeps the message \
             and tries again; a mail server retries for days (RFC 5321 section 4.5.4.1 suggests at \
             least 30 minutes between attempts, and giving up after 4 to 5 days)."
        }
        _ => {
            "A 5xx reply is a permanent negative completion (RFC 5321 section 4.2.1): the same \
             command, sent again unchanged, fails again. A client does not retry it: it reports the \
             failure (a mail server returns a bounce), and a person fixes the cause. Some causes do \
             clear (a blocklist listing, a full mailbox): once they have, sending again is fine."
        }
    };
    let _ = writeln!(
        md,
        "## Transient or permanent: what a client should do\n\n{class}\n\n{}\n",
        one_line(notes.client)
    );
}

fn buildmail_section(md: &mut String, notes: &Notes, matches: &Matches) {
    let _ = writeln!(md, "## What buildmail does with a {}\n", notes.code);
    match class_of(notes.code) {
        Class::Transient => transient_handling(md, notes.code, &matches.categories()),
        _ => md.push_str(PERMANENT_HANDLING),
    }
    if !notes.buildmail.is_empty() {
        let _ = writeln!(md, "{}\n", one_line(notes.buildmail));
    }
    let _ = writeln!(
        md,
        "See [sending](../sending.md) for the whole story, and `buildmail explain '{}'` for how \
         buildmail reads one reply.\n",
        matches.own.example
    );
}

const PERMANENT_HANDLING: &str = "buildmail does not retry a 5xx. A 5xx to RCPT TO refuses that \
recipient only: the others still get the message, and the report says `partial`. A 5xx to any \
other command ends the delivery. buildmail then exits 77 when the refusal answered AUTH \
(authentication refused) and 69 otherwise (refused for good), unless another recipient is still \
deferred (75).\n\n";

fn transient_handling(md: &mut String, code: u16, categories: &BTreeSet<Category>) {
    md.push_str(
        "buildmail keeps the recipients concerned pending and tries again, to them only, until \
         `{retry_budget}` (default 10m) or `{max_attempts}` (default 10) runs out; it then exits 75 \
         (deferred), and keeps the message in `{outbox} DIR` when one is set. Before each new \
         attempt it waits:\n\n\
         - The delay the server names in its text (\"try again in 5 minutes\"), never shortened; \
         when that delay would end after the budget, buildmail stops at once.\n\
         - Otherwise, by the category the catalog gives the reply:\n",
    );
    let groups = waits_by_kind(code, categories);
    for (wait, group) in &groups {
        let names: Vec<String> = group.iter().map(|c| format!("`{c}`")).collect();
        let _ = writeln!(md, "  - {}: {}.", names.join(", "), wait.describe());
    }
    md.push('\n');
    let uses = |schedule| groups.iter().any(|(wait, _)| wait.uses(schedule));
    if uses(Wait::Greylisting) {
        let points: Vec<String> = GREYLIST_SCHEDULE.iter().map(|d| secs(*d)).collect();
        let _ = writeln!(
            md,
            "The greylisting schedule makes attempts {} after the first deferral, then one every {}: \
             it lands just after the usual greylisting windows (60 s, and postgrey's 300 s).\n",
            points.join(", "),
            secs(GREYLIST_AFTER)
        );
    }
    if uses(Wait::Backoff) {
        let _ = writeln!(
            md,
            "Exponential backoff with full jitter waits a random time below {}, then below {}, {}… \
             up to {}, so that many jobs refused at the same moment do not all come back together.\n",
            secs(BACKOFF_FIRST),
            secs(BACKOFF_FIRST * 2),
            secs(BACKOFF_FIRST * 4),
            secs(BACKOFF_MAX)
        );
    }
}

/// How buildmail waits after a transient reply with no stated delay, by category.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wait {
    Greylisting,
    Backoff,
    /// The greylisting schedule after RCPT TO or DATA, backoff elsewhere.
    GreylistingAtRcpt,
}

impl Wait {
    fn describe(self) -> &'static str {
        match self {
            Wait::Greylisting => "the greylisting schedule",
            Wait::Backoff => "exponential backoff with full jitter",
            Wait::GreylistingAtRcpt => {
                "after RCPT TO or DATA, the greylisting schedule (greylisting is the usual reason \
                 there); elsewhere, exponential backoff with full jitter"
            }
        }
    }

    fn uses(self, schedule: Wait) -> bool {
        self == schedule || self == Wait::GreylistingAtRcpt
    }
}

/// The categories grouped by how buildmail waits after a reply with this code in each.
fn waits_by_kind(code: u16, categories: &BTreeSet<Category>) -> Vec<(Wait, Vec<Category>)> {
    let reply = Reply::new(code, None, "").expect("paged codes are valid");
    let mut groups: Vec<(Wait, Vec<Category>)> = Vec::new();
    for category in Category::ALL.into_iter().filter(|c| categories.contains(c)) {
        let wait = wait_for(&reply, category);
        match groups.iter_mut().find(|(known, _)| *known == wait) {
            Some((_, group)) => group.push(category),
            None => groups.push((wait, vec![category])),
        }
    }
    groups
}

fn wait_for(reply: &Reply, category: Category) -> Wait {
    let greylisting = |phase| crate::policy::treat_as_greylisting(reply, category, phase);
    match (greylisting(Phase::Rcpt), greylisting(Phase::Greeting)) {
        (true, true) => Wait::Greylisting,
        (true, false) => Wait::GreylistingAtRcpt,
        _ => Wait::Backoff,
    }
}

fn secs(duration: Duration) -> String {
    format!("{} s", duration.as_secs())
}

fn enhanced_section(md: &mut String, notes: &Notes, matches: &Matches) {
    let code = notes.code;
    let mut seen: BTreeSet<EnhancedCode> = notes
        .enhanced
        .iter()
        .map(|spec| spec.parse().expect("the notes' enhanced codes are valid"))
        .collect();
    seen.extend(
        matches
            .worded
            .iter()
            .chain(&matches.enhanced)
            .filter_map(|entry| example(entry).enhanced()),
    );
    let _ = writeln!(
        md,
        "## Enhanced status codes seen with {code}\n\n\
         The enhanced code (RFC 3463) after the {code} says more precisely what happened.\n\n\
         | reply | meaning (RFC 3463, IANA registry) | buildmail's explanation, when the text says nothing more |\n\
         |---|---|---|"
    );
    for enhanced_code in seen {
        let reply = Reply::new(code, Some(enhanced_code), "").expect("paged codes are valid");
        let entry = lookup(&reply);
        let _ = writeln!(
            md,
            "| `{code} {enhanced_code}` | {} | {} (`{}`) |",
            enhanced_meaning(enhanced_code),
            entry_link(entry),
            entry.category
        );
    }
    md.push('\n');
}

/// The registered meaning, or for a provider's own detail (Microsoft's 5.7.606) its subject's.
fn enhanced_meaning(code: EnhancedCode) -> String {
    let meaning = |detail| enhanced::meaning(code.subject, detail).unwrap_or("unregistered");
    let subject = meaning(u16::MAX);
    match meaning(code.detail) {
        registered if registered != subject => registered.to_owned(),
        _ => format!("not in the registry; subject: {}", subject.to_lowercase()),
    }
}

fn worded_section(md: &mut String, code: u16, worded: &[&Entry]) {
    if worded.is_empty() {
        let _ = writeln!(
            md,
            "## What servers say with a {code}\n\n\
             The catalog has no entry yet for a particular wording of a {code}: such a reply is \
             explained by its enhanced code (above), or as a bare {code}.\n"
        );
        return;
    }
    let _ = writeln!(
        md,
        "## What servers say with a {code}\n\n\
         The catalog's entries for providers', servers' and common wordings that come with a \
         {code}, by category. The wording wins over the code: a reply that matches one of these is \
         explained by it.\n"
    );
    for entry in worded {
        let _ = writeln!(
            md,
            "### {}\n\n```text\n{}\n```\n",
            entry.title, entry.example
        );
        let _ = writeln!(
            md,
            "Category `{}` · entry {}\n\n**Likely cause:** {}\n",
            entry.category,
            entry_link_named(entry),
            one_line(entry.cause)
        );
        if !entry.fix.is_empty() {
            md.push_str("**What to do:**\n\n");
            for (n, step) in entry.fix.iter().enumerate() {
                let _ = writeln!(md, "{}. {step}", n + 1);
            }
            md.push('\n');
        }
    }
}

fn also_section(md: &mut String, code: u16, matches: &Matches) {
    let class = code / 100;
    let _ = writeln!(md, "## Other wordings that can come with a {code}\n");
    if !matches.also.is_empty() {
        let _ = writeln!(
            md,
            "These entries match their wording with any {class}xx code, a {code} included; their \
             examples carry another code.\n\n\
             | entry | category | example |\n|---|---|---|"
        );
    }
    for entry in &matches.also {
        let _ = writeln!(
            md,
            "| {} | `{}` | `{}` |",
            entry_link(entry),
            entry.category,
            entry.example.replace('|', "\\|")
        );
    }
    if !matches.also.is_empty() {
        md.push('\n');
    }
    let _ = writeln!(
        md,
        "{} more entries match by their wording alone, whatever the code, so they can explain a \
         {code} too; their examples carry other {class}xx codes, and they are listed on those \
         codes' pages and on their [categories](README.md)' pages.",
        matches.anywhere
    );
}

fn entry_link_named(entry: &Entry) -> String {
    format!(
        "[`{}`]({}.md#{})",
        entry.id,
        entry.category,
        super::anchor(entry.id)
    )
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    #[test]
    fn every_code_that_several_entries_use_has_a_page() {
        let mut uses: BTreeMap<u16, usize> = BTreeMap::new();
        for entry in entries() {
            for code in codes_of(entry) {
                *uses.entry(code).or_default() += 1;
            }
        }
        let missing: Vec<u16> = uses
            .into_iter()
            .filter(|(code, count)| *count >= 3 && page_file(*code).is_none())
            .map(|(code, _)| code)
            .collect();
        assert!(missing.is_empty(), "codes without a page: {missing:?}");
    }

    #[test]
    fn the_notes_list_enhanced_codes_of_the_same_class() {
        for notes in NOTES {
            for spec in notes.enhanced {
                let enhanced: EnhancedCode = spec.parse().unwrap();
                assert_eq!(u16::from(enhanced.class), notes.code / 100, "{spec}");
            }
        }
    }

    #[test]
    fn a_transient_page_says_how_long_buildmail_waits_for_each_category() {
        let page = code_page(NOTES.iter().find(|n| n.code == 451).unwrap());
        assert!(
            page.markdown
                .contains("`greylisting`: the greylisting schedule.")
        );
        assert!(page.markdown.contains("after RCPT TO or DATA"));
        assert!(page.markdown.contains("exponential backoff"));
    }
}
