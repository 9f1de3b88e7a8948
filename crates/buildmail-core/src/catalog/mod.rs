//! The catalog of explanations: one [`Entry`] per pattern (basic code, enhanced code, provider
//! text), reviewed like data and compiled into the binary. The most specific matching entry wins.
//!
//! The entries live in submodules by source, so a reviewer can hold one document beside one file:
//! - `providers.rs`: what Gmail, Microsoft, Yahoo/AOL, Amazon SES, SendGrid, Mailgun and others say;
//! - `mta.rs`: what Postfix, Exim, Sendmail and greylisters say;
//! - `causes.rs` and `generic.rs`: cause families, the phrasings every server uses to name a cause
//!   ("user unknown", "rate limit", "blocked using", "try again slower", "busy");
//! - `vague.rs`: wordings that name no cause ("service unavailable", "access denied");
//! - `enhanced.rs`: the RFC 3463 / RFC 5248 enhanced status codes;
//! - `codes.rs`: every RFC 5321 basic reply code, plus a fallback per class.
//!
//! # Matching
//! An entry's [`When`] names up to three patterns; every one it names must match. Between matching
//! entries, the tier (`Tier`) decides first: wording that names a cause (a provider's or MTA's text, a
//! cause family) beats wording that names none ("service unavailable"), which beats the codes; the
//! enhanced code's registry meaning decides only when the text says nothing. Within a tier,
//! specificity decides: a text pattern outweighs any code, an enhanced code with its detail
//! outweighs a subject or a range, and an exact basic code outweighs a class. Between equally
//! specific entries the one listed first wins, so a file lists its narrower entries first.

mod causes;
mod codes;
mod enhanced;
mod generic;
mod mta;
mod providers;
mod reference;
mod vague;

pub use reference::{Page, reference_pages};

use std::sync::{LazyLock, OnceLock};

use regex_lite::Regex;

use crate::category::Category;
use crate::reply::{EnhancedCode, Reply};

/// One explanation in the catalog, with the pattern that selects it.
#[derive(Debug)]
pub struct Entry {
    /// A stable name, e.g. `gmail.unsolicited`; also the anchor in the reference pages.
    pub id: &'static str,
    /// Which replies this entry explains.
    pub when: When,
    /// The category the matching replies fall into.
    pub category: Category,
    /// A short headline.
    pub title: &'static str,
    /// The likely cause, in a sentence or two.
    pub cause: &'static str,
    /// What to do, most useful first.
    pub fix: &'static [&'static str],
    /// Where the meaning is documented: RFCs, provider pages.
    pub references: &'static [&'static str],
    /// A reply this entry explains: documentation, and the proof (a test) that it is reachable.
    pub example: &'static str,
}

/// The patterns an entry matches. An empty string matches anything.
#[derive(Debug, Clone, Copy)]
pub struct When {
    /// Basic codes: `421`, `45x`, `4xx`, or alternatives separated by `|`.
    pub code: &'static str,
    /// Enhanced codes: `5.7.1`, `X.7.1` (any class), `X.7.*` (a subject), `X.7.500-699`
    /// (a range of details), or alternatives separated by `|`.
    pub enhanced: &'static str,
    /// A case-insensitive regular expression searched in the reply's text.
    pub text: &'static str,
    /// The enhanced codes are a provider's own, outside the registry's meanings (Microsoft's
    /// 4.7.500-699): they name the cause as precisely as a wording would, and weigh as much.
    pub provider_codes: bool,
}

impl When {
    /// Matches every reply; the base for `When { code: "421", ..When::ANY }`.
    pub const ANY: When = When {
        code: "",
        enhanced: "",
        text: "",
        provider_codes: false,
    };
}

/// How much a matching entry's kind of evidence counts, before its specificity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Tier {
    /// Codes only: the registry meaning of the basic and enhanced codes.
    Codes,
    /// Wording that says the server refused without saying why ("service unavailable").
    VagueText,
    /// Wording that names a cause: a provider's or MTA's text, or a cause family.
    CauseText,
}

/// The catalog's files in order of precedence between equally specific entries, and whether
/// their wording names a cause.
fn sources() -> [(&'static [Entry], bool); 7] {
    [
        (providers::ENTRIES, true),
        (mta::ENTRIES, true),
        (causes::ENTRIES, true),
        (generic::ENTRIES, true),
        (vague::ENTRIES, false),
        (enhanced::ENTRIES, true),
        (codes::ENTRIES, true),
    ]
}

/// Every entry of the catalog, in the order of precedence between equally specific ones.
pub fn entries() -> impl Iterator<Item = &'static Entry> {
    sources()
        .into_iter()
        .flat_map(|(entries, _)| entries.iter())
}

/// The most specific entry for a reply. Every reply has one: each class has a fallback.
///
/// ```
/// use buildmail_core::{Category, Reply, catalog};
///
/// let reply = Reply::parse("550 5.1.1 <bob@example.com>: Recipient address rejected").unwrap();
/// assert_eq!(catalog::lookup(&reply).category, Category::Mailbox);
/// ```
pub fn lookup(reply: &Reply) -> &'static Entry {
    let text = reply.text().to_ascii_lowercase();
    COMPILED
        .iter()
        .filter_map(|compiled| {
            let score = compiled.score(reply, &text)?;
            Some((score, compiled.entry))
        })
        // `max_by_key` keeps the last of equal maxima; reversing keeps the first listed instead.
        .rev()
        .max_by_key(|(score, _)| *score)
        .map(|(_, entry)| entry)
        .expect("every class of reply code has a fallback entry")
}

/// The meaning of a basic code as RFC 5321 (and its extensions) define it, e.g. "Service not
/// available, closing transmission channel" for 421.
pub fn code_meaning(code: u16) -> Option<&'static str> {
    codes::MEANINGS
        .iter()
        .find(|(known, _)| *known == code)
        .map(|(_, meaning)| *meaning)
}

/// The meaning of an enhanced status code as RFC 3463 and the IANA registry (RFC 5248) define it:
/// the detail's meaning when it is registered, else its subject's.
pub fn enhanced_meaning(code: EnhancedCode) -> Option<&'static str> {
    enhanced::meaning(code.subject, code.detail)
}

/// What a matching wording, or a provider's own code, adds to an entry's specificity: more than
/// any code can, so a named cause outranks the registry's meaning of the same codes.
const CAUSE_WEIGHT: u32 = 100;

struct Compiled {
    entry: &'static Entry,
    tier: Tier,
    code: Vec<CodePattern>,
    enhanced: Vec<EnhancedPattern>,
    text: Option<TextPattern>,
}

static COMPILED: LazyLock<Vec<Compiled>> = LazyLock::new(|| {
    sources()
        .into_iter()
        .flat_map(|(entries, names_cause)| {
            entries.iter().map(move |e| Compiled::new(e, names_cause))
        })
        .collect()
});

impl Compiled {
    fn new(entry: &'static Entry, names_cause: bool) -> Self {
        let names_no_cause = entry.when.text.is_empty() && !entry.when.provider_codes;
        let tier = match (names_no_cause, names_cause) {
            (true, _) => Tier::Codes,
            (false, false) => Tier::VagueText,
            (false, true) => Tier::CauseText,
        };
        Compiled {
            entry,
            tier,
            code: alternatives(entry.when.code)
                .map(|p| CodePattern::parse(p).expect("catalog code patterns are tested"))
                .collect(),
            enhanced: alternatives(entry.when.enhanced)
                .map(|p| EnhancedPattern::parse(p).expect("catalog enhanced patterns are tested"))
                .collect(),
            text: (!entry.when.text.is_empty()).then(|| TextPattern::new(entry.when.text)),
        }
    }

    /// How strongly this entry matches the reply (its tier, then its specificity), or `None`
    /// when it does not.
    /// `text` is the reply's text in ASCII lower case, what [`text_regex`] patterns match.
    fn score(&self, reply: &Reply, text: &str) -> Option<(Tier, u32)> {
        let code = best(&self.code, |p| p.score(reply.code()))?;
        let enhanced = best(&self.enhanced, |p| p.score(reply.enhanced()))?;
        let text = match &self.text {
            None => 0,
            Some(pattern) => pattern.is_match(text).then_some(CAUSE_WEIGHT)?,
        };
        let provider = if self.entry.when.provider_codes {
            CAUSE_WEIGHT
        } else {
            0
        };
        Some((self.tier, code + enhanced + text + provider))
    }
}

/// An entry's text pattern, compiled the first time a reply holds one of the literals it cannot
/// match without: most replies hold the words of a few entries, and compiling all of them was
/// nearly all the work of an `explain`.
struct TextPattern {
    pattern: &'static str,
    /// Lower case; `None` when the pattern's shape does not say (it is then always tried).
    required: Option<Vec<String>>,
    regex: OnceLock<Regex>,
}

impl TextPattern {
    fn new(pattern: &'static str) -> Self {
        TextPattern {
            pattern,
            required: crate::literals::required_literals(pattern),
            regex: OnceLock::new(),
        }
    }

    /// Whether the pattern matches `text`, the reply's text in ASCII lower case.
    fn is_match(&self, text: &str) -> bool {
        self.might_match(text) && self.regex().is_match(text)
    }

    fn regex(&self) -> &Regex {
        self.regex
            .get_or_init(|| text_regex(self.pattern).expect("catalog text patterns are tested"))
    }

    /// Whether `text` holds one of the literals the pattern cannot match without.
    fn might_match(&self, text: &str) -> bool {
        self.required.as_ref().is_none_or(|required| {
            required
                .iter()
                .any(|literal| text.contains(literal.as_str()))
        })
    }
}

/// An entry's text pattern, matched case-insensitively against a reply's text in ASCII lower case
/// (the patterns are ASCII). Compiling 65 case-insensitive alternations cost 200 M instructions
/// with `regex` (20 ms of every `explain`, spent on literal optimisations a reply of a few hundred
/// bytes does not need) and still 16 M with regex-lite's case classes; lower-cased and
/// case-sensitive in regex-lite, a few million.
fn text_regex(pattern: &str) -> Result<Regex, regex_lite::Error> {
    Regex::new(&non_capturing(&lower_case_pattern(pattern)))
}

/// `pattern` with its groups made non-capturing (`(a|b)` to `(?:a|b)`): only whether it matches
/// counts, and regex-lite compiles and tracks every capture group. Brackets escaped or in a class
/// stay as they are.
fn non_capturing(pattern: &str) -> String {
    let (mut escaped, mut in_class) = (false, false);
    let mut out = String::with_capacity(pattern.len() + 16);
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(c);
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '[' => in_class = true,
            ']' => in_class = false,
            '(' if !in_class && chars.peek() != Some(&'?') => out.push_str("?:"),
            _ => {}
        }
    }
    out
}

/// `pattern` with its ASCII letters in lower case, except those that follow a backslash: `\b`
/// and `\B`, `\d` and `\D` keep their meaning.
fn lower_case_pattern(pattern: &str) -> String {
    let mut escaped = false;
    pattern
        .chars()
        .map(|c| {
            let folded = if escaped { c } else { c.to_ascii_lowercase() };
            escaped = !escaped && c == '\\';
            folded
        })
        .collect()
}

/// The best score among alternatives; no alternatives at all match anything with score 0.
fn best<P>(patterns: &[P], score: impl Fn(&P) -> Option<u32>) -> Option<u32> {
    if patterns.is_empty() {
        return Some(0);
    }
    patterns.iter().filter_map(score).max()
}

fn alternatives(spec: &'static str) -> impl Iterator<Item = &'static str> {
    spec.split('|').map(str::trim).filter(|p| !p.is_empty())
}

/// `421`, `45x` or `4xx`: digits, with `x` for any digit after the first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct CodePattern {
    digits: [Option<u8>; 3],
}

impl CodePattern {
    fn parse(spec: &str) -> Option<Self> {
        let bytes = spec.as_bytes();
        if bytes.len() != 3 || !matches!(bytes[0], b'2'..=b'5') {
            return None;
        }
        let mut digits = [None; 3];
        for (slot, byte) in digits.iter_mut().zip(bytes) {
            *slot = match byte {
                b'0'..=b'9' => Some(byte - b'0'),
                b'x' | b'X' => None,
                _ => return None,
            };
        }
        Some(CodePattern { digits })
    }

    fn score(&self, code: u16) -> Option<u32> {
        let actual = [code / 100, code / 10 % 10, code % 10].map(|d| d as u8);
        let mut score = 0;
        for (want, have) in self.digits.iter().zip(actual) {
            match want {
                Some(digit) if *digit != have => return None,
                Some(_) => score += 4,
                None => {}
            }
        }
        // 4 for a class, 8 for `45x`, 12 for an exact code.
        Some(score)
    }
}

/// `5.7.1`, `X.7.1`, `X.7.*` or `X.7.500-699`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct EnhancedPattern {
    class: Option<u8>,
    subject: u16,
    details: Option<(u16, u16)>,
}

impl EnhancedPattern {
    fn parse(spec: &str) -> Option<Self> {
        let mut parts = spec.split('.');
        let class = match parts.next()? {
            "X" | "x" => None,
            digit => Some(digit.parse().ok().filter(|c| matches!(c, 2 | 4 | 5))?),
        };
        let subject = parts.next()?.parse().ok()?;
        let details = match parts.next()? {
            "*" => None,
            detail => Some(match detail.split_once('-') {
                Some((low, high)) => (low.parse().ok()?, high.parse().ok()?),
                None => (detail.parse().ok()?, detail.parse().ok()?),
            }),
        };
        if parts.next().is_some() {
            return None;
        }
        Some(EnhancedPattern {
            class,
            subject,
            details,
        })
    }

    fn score(&self, code: Option<EnhancedCode>) -> Option<u32> {
        let code = code?;
        if self.class.is_some_and(|class| class != code.class) || self.subject != code.subject {
            return None;
        }
        let detail_score = match self.details {
            None => 15,
            Some((low, high)) if (low..=high).contains(&code.detail) => {
                if low == high {
                    30
                } else {
                    22
                }
            }
            Some(_) => return None,
        };
        Some(detail_score + u32::from(self.class.is_some()))
    }
}

#[cfg(test)]
mod tests;
