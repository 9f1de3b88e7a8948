//! The server's own retry hint: "try again in 15 minutes", "retry in an hour", "come back in
//! 00:05:00". The sender never waits less than what a server asked for.

use std::sync::LazyLock;
use std::time::Duration;

use regex::Regex;

/// The delay a reply's text asks for, or `None` when it names none.
///
/// ```
/// use std::time::Duration;
/// use buildmail_core::hint::retry_after;
///
/// assert_eq!(retry_after("Greylisted, retry in 15 minutes"), Some(Duration::from_secs(900)));
/// assert_eq!(retry_after("Try again later"), None);
/// ```
pub fn retry_after(text: &str) -> Option<Duration> {
    static AMOUNT: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"(?ix)
            \b(?:in|after|for|wait|retry|again|back\ in|within)\s+
            (?:about\s+|approximately\s+|at\ least\s+|another\s+)?
            (?P<n>\d{1,6}|an|a|one)\s*
            (?P<unit>seconds?|secs?|s|minutes?|mins?|m|hours?|hrs?|h)\b",
        )
        .expect("the retry-hint pattern is valid")
    });
    static CLOCK: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)\b(?:in|after|back in)\s+(?P<h>\d{1,2}):(?P<m>\d{2}):(?P<s>\d{2})\b")
            .expect("the clock pattern is valid")
    });
    if let Some(caps) = CLOCK.captures(text) {
        let part = |name: &str| caps[name].parse::<u64>().ok();
        return Some(Duration::from_secs(
            part("h")? * 3600 + part("m")? * 60 + part("s")?,
        ));
    }
    let caps = AMOUNT.captures(text)?;
    let n: u64 = match caps["n"].to_ascii_lowercase().as_str() {
        "a" | "an" | "one" => 1,
        digits => digits.parse().ok()?,
    };
    let unit = match caps["unit"].to_ascii_lowercase().chars().next()? {
        's' => 1,
        'm' => 60,
        _ => 3600,
    };
    Some(Duration::from_secs(n.checked_mul(unit)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_phrasings() {
        let cases = [
            ("Greylisted, retry in 15 minutes", 900),
            ("Rate limit exceeded, try again in an hour", 3600),
            ("please try again in 300 seconds", 300),
            ("Try again in 1h", 3600),
            ("retry after 30 min", 1800),
            ("Greylisting in action, please come back in 00:05:00", 300),
        ];
        for (text, secs) in cases {
            assert_eq!(retry_after(text), Some(Duration::from_secs(secs)), "{text}");
        }
    }

    #[test]
    fn no_hint_when_none_is_stated() {
        assert_eq!(retry_after("Service temporarily unavailable"), None);
        assert_eq!(retry_after("Try again later"), None);
    }
}
