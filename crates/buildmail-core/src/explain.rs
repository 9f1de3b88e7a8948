//! Explanations: what a reply means, why it likely happened, what to do, and whether and when to
//! retry. One struct, rendered here as plain text, JSON and Markdown so that the CLI, the report
//! and the GitHub Action all say the same thing.

use std::fmt::Write as _;
use std::time::Duration;

use serde::Serialize;

use crate::catalog;
use crate::category::Category;
use crate::reply::{Class, EnhancedCode, Reply, ReplyError};
use crate::scan::Finding;

/// What a reply means, for a person and for the retry policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Explanation {
    /// The basic reply code.
    pub code: u16,
    /// The enhanced status code, when the server sent one.
    pub enhanced: Option<EnhancedCode>,
    /// The server's own text, without the codes.
    pub text: String,
    /// Whether retrying later can succeed.
    pub transient: bool,
    /// The kind of trouble.
    pub category: Category,
    /// A short headline, e.g. "Greylisted: the server wants a retry later".
    pub title: String,
    /// What the codes mean in the RFCs, e.g. "421: Service not available, closing transmission
    /// channel".
    pub meaning: Vec<String>,
    /// What most likely caused it, in a sentence or two.
    pub cause: String,
    /// What to do, most useful first.
    pub fix: Vec<String>,
    /// The delay the server named, when its reply named one. A permanent reply's delay is shown
    /// but never waited on: a 5xx is final (RFC 5321), so sending again is the user's decision.
    #[serde(rename = "retry_after_s", serialize_with = "serialize_secs")]
    pub retry_after: Option<Duration>,
    /// Whether and when to retry, as a sentence.
    pub when_to_retry: String,
    /// Where the meaning is documented.
    pub references: Vec<String>,
    /// The catalog entry that explained the reply (its anchor in the reference pages).
    pub entry: String,
}

/// Explains a reply from the built-in catalog: the most specific entry that matches wins.
///
/// ```
/// use buildmail_core::{Category, Reply, explain};
///
/// let reply = Reply::parse("451 4.7.1 Greylisting in action, please come back in 00:05:00").unwrap();
/// let explanation = explain(&reply);
/// assert!(explanation.transient);
/// assert_eq!(explanation.category, Category::Greylisting);
/// assert_eq!(explanation.retry_after.unwrap().as_secs(), 300);
/// ```
pub fn explain(reply: &Reply) -> Explanation {
    let entry = catalog::lookup(reply);
    let transient = reply.is_transient() || reply.is_misnumbered_452();
    // Shown for every failure; for a 5xx it informs the user and is never an automatic retry.
    let retry_after = (reply.code() >= 400).then(|| reply.retry_hint()).flatten();
    Explanation {
        code: reply.code(),
        enhanced: reply.enhanced(),
        text: reply.text().to_owned(),
        transient,
        category: entry.category,
        title: entry.title.to_owned(),
        meaning: meaning(reply),
        cause: entry.cause.to_owned(),
        fix: entry.fix.iter().map(|step| (*step).to_owned()).collect(),
        retry_after,
        when_to_retry: when_to_retry(
            if transient {
                Class::Transient
            } else {
                reply.class()
            },
            entry.category,
            retry_after,
        ),
        references: entry.references.iter().map(|r| (*r).to_owned()).collect(),
        entry: entry.id.to_owned(),
    }
}

fn meaning(reply: &Reply) -> Vec<String> {
    let basic = catalog::code_meaning(reply.code()).map(|m| format!("{}: {m}.", reply.code()));
    let enhanced = reply
        .enhanced()
        .and_then(|code| catalog::enhanced_meaning(code).map(|m| format!("{code}: {m}.")));
    basic.into_iter().chain(enhanced).collect()
}

/// When to retry a reply of `class` and `category`, and the delay the server named, if any.
pub(crate) fn when_to_retry(
    class: Class,
    category: Category,
    retry_after: Option<Duration>,
) -> String {
    match (class, retry_after) {
        (Class::Success | Class::Intermediate, _) => {
            "Nothing to retry: the server accepted the command.".to_owned()
        }
        (Class::Permanent, None) => {
            "Do not retry unchanged: a 5xx reply is final. Fix the cause, then send again."
                .to_owned()
        }
        (Class::Permanent, Some(delay)) => format!(
            "A 5xx reply is final, so buildmail does not retry it; but the server named a delay of {}: if the cause is a limit that clears, sending again after that may pass.",
            human_duration(delay)
        ),
        (Class::Transient, Some(delay)) => format!(
            "Retry in {} or later, as the server asked; an earlier retry will likely be refused again.",
            human_duration(delay)
        ),
        (Class::Transient, None) => transient_advice(category).to_owned(),
    }
}

fn transient_advice(category: Category) -> &'static str {
    match category {
        Category::Greylisting => {
            "Retry in about 5 minutes, and keep retrying for up to an hour: greylisting windows are \
             usually 1 to 15 minutes, and the retry must come from the same IP, sender and recipient."
        }
        Category::RateLimit => {
            "Retry later and slowly: start at a few minutes and back off; quick retries extend the limit."
        }
        Category::Reputation => {
            "A later retry may pass, but while the reputation problem lasts it will likely be \
             deferred again; fix the cause first."
        }
        Category::Congestion | Category::Maintenance | Category::Network | Category::Dns => {
            "Retry in a few minutes, with increasing delays."
        }
        Category::Other => "Retry later, with increasing delays.",
        Category::Auth
        | Category::Tls
        | Category::Policy
        | Category::Mailbox
        | Category::Size
        | Category::Syntax => {
            "A retry can succeed once the server's condition clears, but check the cause first: \
             retrying unchanged rarely helps."
        }
    }
}

/// The explanations of a reply pasted as text: the reply itself or, when the text is a log line
/// that quotes replies (a Java exception, a nodemailer error), each reply it quotes, found as
/// [`crate::scan`] finds them. The reply's own parse error when the text neither is nor quotes
/// one.
///
/// ```
/// use buildmail_core::explain::explain_pasted;
///
/// let quoted = "javax.mail.SendFailedException: 550 5.1.1 <dev@example.com>: User unknown";
/// assert_eq!(explain_pasted(quoted).unwrap().len(), 1);
/// assert!(explain_pasted("all good").is_err());
/// ```
pub fn explain_pasted(text: &str) -> Result<Vec<Explanation>, ReplyError> {
    let error = match Reply::parse(text) {
        Ok(reply) => return Ok(vec![explain(&reply)]),
        Err(error) => error,
    };
    let quoted: Vec<Explanation> = crate::scan::scan(text.as_bytes())
        .filter_map(Result::ok)
        .filter_map(|found| match found.finding {
            Finding::Reply(reply) => Some(explain(&reply)),
            Finding::Connection(_) => None,
        })
        .collect();
    match quoted.is_empty() {
        true => Err(error),
        false => Ok(quoted),
    }
}

/// A duration as a person says it: "5 minutes", "1 hour 30 minutes", "45 seconds".
pub fn human_duration(duration: Duration) -> String {
    let secs = duration.as_secs();
    let parts = [
        (secs / 86_400, "day"),
        (secs / 3600 % 24, "hour"),
        (secs / 60 % 60, "minute"),
        (secs % 60, "second"),
    ];
    let words: Vec<String> = parts
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, unit)| format!("{n} {unit}{}", if *n == 1 { "" } else { "s" }))
        .collect();
    if words.is_empty() {
        "0 seconds".to_owned()
    } else {
        words.join(" ")
    }
}

impl Explanation {
    /// The explanation with its fixes and causes naming settings as `spell` writes them (the
    /// catalog writes `{ca_file}`; the CLI makes it `--ca-file`, the Action `ca_file`).
    pub fn spell(&mut self, spell: crate::settings::Spelling) {
        let spelled = |text: &str| crate::settings::spell_placeholders(text, spell);
        self.title = spelled(&self.title);
        self.cause = spelled(&self.cause);
        self.when_to_retry = spelled(&self.when_to_retry);
        self.fix = self.fix.iter().map(|step| spelled(step)).collect();
    }

    /// A warning for a report when a final (5xx) reply named a delay: the sender does not wait
    /// and retry, but the user may want to send again after it.
    ///
    /// ```
    /// use buildmail_core::{Reply, explain};
    ///
    /// let reply = Reply::parse("550 Too many messages. Try again in 92 seconds.").unwrap();
    /// let warning = explain(&reply).final_reply_delay_warning().unwrap();
    /// assert!(warning.contains("1 minute 32 seconds"));
    /// ```
    pub fn final_reply_delay_warning(&self) -> Option<String> {
        let delay = self
            .retry_after
            .filter(|_| !self.transient && self.code >= 500)?;
        Some(format!(
            "the server's final reply ({}) named a delay of {}: a 5xx is not retried, send again \
             after that yourself if the limit has cleared",
            self.code,
            human_duration(delay)
        ))
    }

    /// The reply as the server sent it, on one line: `421 4.7.0 text`, control characters removed.
    pub fn reply_line(&self) -> String {
        let mut line = self.code.to_string();
        if let Some(enhanced) = self.enhanced {
            write!(line, " {enhanced}").expect("writing to a String cannot fail");
        }
        if !self.text.is_empty() {
            line.push(' ');
            line.push_str(&printable(&self.text));
        }
        line
    }

    /// A plain-text short article: the reply, what it means, likely cause, what to do, when to
    /// retry, references. Server text is made printable (no terminal escapes).
    ///
    /// ```
    /// use buildmail_core::{Reply, explain};
    ///
    /// let text = explain(&Reply::parse("552 5.3.4 Message too big").unwrap()).to_text();
    /// assert!(text.contains("What to do"));
    /// ```
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let kind = if self.transient {
            "temporary"
        } else if self.code >= 500 {
            "permanent"
        } else {
            "not an error"
        };
        let _ = writeln!(out, "{}", self.reply_line());
        let _ = writeln!(out, "{} [{}, {kind}]", self.title, self.category);
        section(&mut out, "What it means", &self.meaning.join(" "));
        section(&mut out, "Likely cause", &self.cause);
        if !self.fix.is_empty() {
            out.push_str("\nWhat to do\n");
            for (number, step) in self.fix.iter().enumerate() {
                wrap_into(&mut out, step, &format!("  {}. ", number + 1), "     ");
            }
        }
        section(&mut out, "When to retry", &self.when_to_retry);
        if !self.references.is_empty() {
            out.push_str("\nReferences\n");
            for reference in &self.references {
                let _ = writeln!(out, "  {reference}");
            }
        }
        out
    }

    /// A Markdown section for GitHub job summaries and issue comments. The server's text goes in a
    /// fenced block longer than any backtick run in it, so it cannot break out into Markdown.
    ///
    /// ```
    /// use buildmail_core::{Reply, explain};
    ///
    /// let md = explain(&Reply::parse("421 4.7.0 Try again later").unwrap()).to_markdown();
    /// assert!(md.starts_with("#### "));
    /// ```
    pub fn to_markdown(&self) -> String {
        let mut out = String::new();
        let code = match self.enhanced {
            Some(enhanced) => format!("{} {enhanced}", self.code),
            None => self.code.to_string(),
        };
        let kind = if self.transient {
            "temporary"
        } else if self.code >= 500 {
            "permanent"
        } else {
            "accepted"
        };
        let _ = writeln!(out, "#### `{code}` {}\n", self.title);
        let _ = write!(out, "**{}** · {kind}", self.category);
        if let Some(delay) = self.retry_after {
            let _ = write!(
                out,
                " · server asks for a retry in {}",
                human_duration(delay)
            );
        }
        out.push_str("\n\n");
        let reply = self.reply_line();
        let fence = "`".repeat(longest_backtick_run(&reply).max(2) + 1);
        let _ = writeln!(out, "{fence}text\n{reply}\n{fence}\n");
        if !self.meaning.is_empty() {
            let _ = writeln!(out, "**What it means:** {}\n", self.meaning.join(" "));
        }
        let _ = writeln!(out, "**Likely cause:** {}\n", self.cause);
        if !self.fix.is_empty() {
            out.push_str("**What to do:**\n\n");
            for (number, step) in self.fix.iter().enumerate() {
                let _ = writeln!(out, "{}. {step}", number + 1);
            }
            out.push('\n');
        }
        let _ = writeln!(out, "**When to retry:** {}\n", self.when_to_retry);
        if !self.references.is_empty() {
            let links: Vec<String> = self.references.iter().map(|r| format!("<{r}>")).collect();
            let _ = writeln!(out, "**References:** {}", links.join(", "));
        }
        out
    }
}

fn section(out: &mut String, heading: &str, body: &str) {
    if body.is_empty() {
        return;
    }
    let _ = writeln!(out, "\n{heading}");
    wrap_into(out, body, "  ", "  ");
}

/// Word-wraps `text` at 78 columns, the first line after `first`, the others after `rest`.
fn wrap_into(out: &mut String, text: &str, first: &str, rest: &str) {
    const WIDTH: usize = 78;
    let mut line = first.to_owned();
    let mut empty = true;
    for word in text.split_whitespace() {
        if !empty && line.chars().count() + 1 + word.chars().count() > WIDTH {
            out.push_str(&line);
            out.push('\n');
            line = rest.to_owned();
            empty = true;
        }
        if !empty {
            line.push(' ');
        }
        line.push_str(word);
        empty = false;
    }
    out.push_str(&line);
    out.push('\n');
}

/// Server text escaped for display (terminal escapes, CR, NUL, workflow commands), so it is safe
/// to print on a terminal or a CI log (see [`crate::untrusted`]).
fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    crate::untrusted::escaped(text)
}

fn longest_backtick_run(text: &str) -> usize {
    text.split(|c| c != '`').map(str::len).max().unwrap_or(0)
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

#[cfg(test)]
mod tests;
