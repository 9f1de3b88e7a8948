//! The catalog of explanations: one entry per pattern (basic code, enhanced code, provider text),
//! reviewed like data, compiled into the binary. The most specific matching entry wins.

use crate::category::Category;
use crate::reply::{Class, Reply};

/// One explanation in the catalog.
#[derive(Debug)]
pub struct Entry {
    /// The category the matching replies fall into.
    pub category: Category,
    /// A short headline.
    pub title: &'static str,
    /// The likely cause.
    pub cause: &'static str,
    /// What to do, most useful first.
    pub fix: &'static [&'static str],
}

static TRANSIENT: Entry = Entry {
    category: Category::Other,
    title: "Temporary failure",
    cause: "The server refused for now; the same message may be accepted later.",
    fix: &["Retry later."],
};
static PERMANENT: Entry = Entry {
    category: Category::Other,
    title: "Permanent failure",
    cause: "The server refused for good; repeating the same message will not help.",
    fix: &["Read the server's text and correct the message, the address or the account."],
};
static POSITIVE: Entry = Entry {
    category: Category::Other,
    title: "Accepted",
    cause: "The server accepted the command.",
    fix: &[],
};

/// The most specific entry for a reply.
pub fn lookup(reply: &Reply) -> &'static Entry {
    match reply.class() {
        Class::Transient => &TRANSIENT,
        Class::Permanent => &PERMANENT,
        Class::Success | Class::Intermediate => &POSITIVE,
    }
}
