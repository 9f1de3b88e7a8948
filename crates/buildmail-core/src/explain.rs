//! Explanations: what a reply means, why it likely happened, what to do, and whether and when to
//! retry. One struct, rendered as text, JSON, Markdown and annotations by the front ends.

use std::time::Duration;

use serde::Serialize;

use crate::catalog;
use crate::category::Category;
use crate::reply::Reply;

/// What a reply means, for a person and for the retry policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Explanation {
    /// The kind of trouble.
    pub category: Category,
    /// Whether retrying later can succeed.
    pub transient: bool,
    /// A short headline, e.g. "Greylisted: the server wants a retry later".
    pub title: String,
    /// What most likely caused it, in a sentence or two.
    pub cause: String,
    /// What to do, most useful first.
    pub fix: Vec<String>,
    /// The delay the server asked for, when it named one.
    #[serde(rename = "retry_after_s", serialize_with = "serialize_secs")]
    pub retry_after: Option<Duration>,
}

/// Explains a reply from the built-in catalog: the most specific entry that matches wins.
///
/// ```
/// use buildmail_core::{Category, Reply, explain};
///
/// let reply = Reply::parse("451 4.7.1 Greylisting in action, please come back in 00:05:00").unwrap();
/// let explanation = explain(&reply);
/// assert!(explanation.transient);
/// assert_eq!(explanation.retry_after.unwrap().as_secs(), 300);
/// ```
pub fn explain(reply: &Reply) -> Explanation {
    let entry = catalog::lookup(reply);
    Explanation {
        category: entry.category,
        transient: reply.is_transient(),
        title: entry.title.to_owned(),
        cause: entry.cause.to_owned(),
        fix: entry.fix.iter().map(|step| (*step).to_owned()).collect(),
        retry_after: reply.retry_hint(),
    }
}

fn serialize_secs<S: serde::Serializer>(
    value: &Option<Duration>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match value {
        Some(duration) => serializer.serialize_u64(duration.as_secs()),
        None => serializer.serialize_none(),
    }
}
