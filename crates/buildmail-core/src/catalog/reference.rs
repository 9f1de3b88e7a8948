//! The reference pages of `docs/explanations/`, rendered from the catalog so they never drift
//! from it (a test compares them with the files): an index, a page per category, and a page per
//! reply code people meet (`code_pages`).

mod code_pages;
mod notes;

use std::collections::BTreeSet;
use std::fmt::Write as _;

use super::{Entry, codes, entries};
use crate::category::Category;
use code_pages::{codes_of, page_file};

/// One generated page: its file name under `docs/explanations/` and its Markdown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// The file name, e.g. `rate_limit.md`.
    pub file: String,
    /// The Markdown content.
    pub markdown: String,
}

/// Every reference page: an index, one page per category, then one page per reply code that
/// people meet and search for (421, 550…), naming settings as `spell` writes them.
pub fn reference_pages(spell: crate::settings::Spelling) -> Vec<Page> {
    let mut pages = unspelled_pages();
    for page in &mut pages {
        page.markdown = crate::settings::spell_placeholders(&page.markdown, spell);
    }
    pages
}

fn unspelled_pages() -> Vec<Page> {
    let mut pages = vec![index_page()];
    pages.extend(
        Category::ALL
            .iter()
            .map(|category| category_page(*category)),
    );
    pages.extend(code_pages::code_pages());
    pages
}

const GENERATED: &str = "<!-- Generated from the catalog (crates/buildmail-core/src/catalog/). \
Do not edit: run `BUILDMAIL_UPDATE_DOCS=1 cargo test -p buildmail-core reference`. -->\n\n";

fn index_page() -> Page {
    let mut md = String::from(GENERATED);
    md.push_str("# SMTP replies explained\n\n");
    md.push_str(
        "What `buildmail explain` knows: every entry of its catalog, by category. An entry matches a \
         basic code, an enhanced status code, a provider's or server's wording, or a combination; \
         wording that names a cause beats wording that names none, which beats the codes; within \
         each, the most specific matching entry explains a reply.\n\n",
    );
    let code_links: Vec<String> = code_pages::paged_codes()
        .map(|code| format!("[{code}]({code}.md)"))
        .collect();
    let _ = writeln!(
        md,
        "The reply codes people meet most have a page of their own: what the code means, what a \
         client should do, the enhanced codes and the wordings seen with it, and what buildmail \
         does with it: {}.\n",
        code_links.join(" · ")
    );
    md.push_str("| category | entries | what it covers |\n|---|---|---|\n");
    for category in Category::ALL {
        let count = entries().filter(|e| e.category == category).count();
        let _ = writeln!(
            md,
            "| [{category}]({category}.md) | {count} | {} |",
            category_summary(category)
        );
    }
    md.push_str("\n## Basic reply codes (RFC 5321 and extensions)\n\n| code | meaning | entry |\n|---|---|---|\n");
    for (code, meaning) in codes::MEANINGS {
        let id = format!("code.{code}");
        let link = match entries().find(|e| e.id == id) {
            Some(entry) => entry_link(entry),
            None => "class fallback".to_owned(),
        };
        let code_cell = match page_file(*code) {
            Some(file) => format!("[{code}]({file})"),
            None => code.to_string(),
        };
        let _ = writeln!(md, "| {code_cell} | {meaning} | {link} |");
    }
    Page {
        file: "README.md".to_owned(),
        markdown: md,
    }
}

fn category_summary(category: Category) -> &'static str {
    match category {
        Category::Greylisting => "deferred until a retry after a window",
        Category::RateLimit => "too many messages, recipients or connections",
        Category::Congestion => "the server is busy or short of resources",
        Category::Maintenance => "the service is down or restarting",
        Category::Reputation => "blocklists, spam judgements, sender reputation",
        Category::Auth => "SMTP AUTH and sender authentication (SPF, DKIM, DMARC)",
        Category::Tls => "STARTTLS required or unavailable",
        Category::Policy => "relaying, verified senders, site rules",
        Category::Mailbox => "unknown, disabled or full mailboxes",
        Category::Dns => "domains and reverse DNS that do not resolve",
        Category::Size => "messages that are too large",
        Category::Syntax => "malformed commands, addresses and headers",
        Category::Network => "timeouts, dropped connections, expired deliveries",
        Category::Other => "everything else, and success",
    }
}

fn category_page(category: Category) -> Page {
    let mut md = String::from(GENERATED);
    let _ = writeln!(md, "# `{category}`: {}\n", category_summary(category));
    md.push_str("[All categories](README.md)\n");
    let paged: BTreeSet<u16> = entries()
        .filter(|e| e.category == category)
        .flat_map(codes_of)
        .filter(|code| page_file(*code).is_some())
        .collect();
    if !paged.is_empty() {
        let links: Vec<String> = paged
            .iter()
            .map(|code| format!("[{code}]({code}.md)"))
            .collect();
        let _ = writeln!(
            md,
            "\nReply codes of this category with a page of their own: {}.",
            links.join(" · ")
        );
    }
    for entry in entries().filter(|e| e.category == category) {
        entry_section(&mut md, entry);
    }
    Page {
        file: format!("{category}.md"),
        markdown: md,
    }
}

fn entry_section(md: &mut String, entry: &Entry) {
    let _ = writeln!(
        md,
        "\n## {}\n\n<a id=\"{}\"></a>`{}` matches {}.\n",
        entry.title,
        anchor(entry.id),
        entry.id,
        pattern(entry)
    );
    let code_links: Vec<String> = codes_of(entry)
        .into_iter()
        .filter_map(|code| page_file(code).map(|file| format!("[all about {code}]({file})")))
        .collect();
    let see_also = if code_links.is_empty() {
        String::new()
    } else {
        format!(" ({})", code_links.join(", "))
    };
    let _ = writeln!(md, "Example: `{}`{see_also}\n", entry.example);
    let _ = writeln!(md, "**Likely cause:** {}\n", one_line(entry.cause));
    if !entry.fix.is_empty() {
        md.push_str("**What to do:**\n\n");
        for (n, step) in entry.fix.iter().enumerate() {
            let _ = writeln!(md, "{}. {step}", n + 1);
        }
        md.push('\n');
    }
    let links: Vec<String> = entry.references.iter().map(|r| format!("<{r}>")).collect();
    let _ = writeln!(md, "**References:** {}", links.join(", "));
}

fn pattern(entry: &Entry) -> String {
    let when = entry.when;
    let mut parts = Vec::new();
    if !when.code.is_empty() {
        parts.push(format!("code `{}`", when.code));
    }
    if !when.enhanced.is_empty() {
        parts.push(format!("enhanced code `{}`", when.enhanced));
    }
    if !when.text.is_empty() && when.text != "." {
        parts.push(format!(
            "text `/{}/i`",
            when.text.replace('|', "\\|").replace('`', "'")
        ));
    }
    parts.join(" and ")
}

/// A link to an entry's section in its category's page, named by its title.
fn entry_link(entry: &Entry) -> String {
    format!(
        "[{}]({}.md#{})",
        entry.title,
        entry.category,
        anchor(entry.id)
    )
}

/// Source text wrapped across lines in a string literal, as one line of Markdown.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn anchor(id: &str) -> String {
    id.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect()
}
