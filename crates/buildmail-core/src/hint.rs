//! The server's own retry hint: "try again in 15 minutes", "retry in an hour", "come back in
//! 00:05:00", "Greylisted for 300 seconds", "wait 1h30m". The sender never waits less than what a
//! server asked for.
//!
//! A delay counts only when a retry word introduces it (`in`, `after`, `wait`, `retry`, `again`,
//! `come back`, or `for` after `greylisted`/`deferred`/`blocked`), and only with a unit: `4.7.0`,
//! IP addresses, queue ids and "500 messages per 24 hours" are not hints.

use std::sync::LazyLock;
use std::time::Duration;

use regex_lite::{Captures, Regex};

/// Longer hints are not taken at face value: a week is already more than any retry budget.
const MAX_HINT: Duration = Duration::from_secs(7 * 86_400);

/// Digits may touch their unit (`30m`); a word needs a space after it (so `and` is not `an d`).
const NUMBER: &str = r"(?:\d{1,6}(?:\.\d{1,3})?\s*|\b(?:an?|one|two|three|four|five|six|ten|fifteen|twenty|thirty|sixty|half\s+an?)\s+)";
/// No `\b` here: `1h30m` chains units; the whole amount must end at a word boundary instead.
const UNIT: &str = r"(?:seconds?|secs?|s|minutes?|mins?|m|hours?|hrs?|h|days?|d)";

static TRIGGERED: LazyLock<Regex> = LazyLock::new(|| {
    let amount = format!(r"{NUMBER}-?\s*{UNIT}");
    ascii(&format!(
        r"(?ix)
        (?: \b(?:in|after|within|wait(?:ing)?|retry(?:ing)?|again|back\s+in)
          | \b(?:gr[ae]ylisted|deferred|delayed|blocked|throttled|suspended|rejected)\s+for )
        \s+ (?:(?:about|approximately|approx\.?|around|roughly|at\s+least|another|the\s+next)\s+)?
        (?P<amount>{amount}(?:\s*(?:,|and)?\s*{amount})*)\b"
    ))
    .expect("the retry-hint pattern is valid")
});

static PART: LazyLock<Regex> = LazyLock::new(|| {
    ascii(&format!(r"(?i)(?P<n>{NUMBER})-?\s*(?P<unit>{UNIT})"))
        .expect("the amount pattern is valid")
});

static CLOCK: LazyLock<Regex> = LazyLock::new(|| {
    ascii(r"(?i)\b(?:in|after|back in|wait)\s+(?P<h>\d{1,2}):(?P<m>\d{2}):(?P<s>\d{2})\b")
        .expect("the clock pattern is valid")
});

/// regex-lite, not regex: a hint's digits and words are ASCII, and `regex` spent 19 M
/// instructions compiling these patterns, most of an `explain` once the catalog was cheap.
fn ascii(pattern: &str) -> Result<Regex, regex_lite::Error> {
    Regex::new(pattern)
}

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
    if !may_name_amount(text) {
        return None;
    }
    let clock = CLOCK.captures(text).and_then(|caps| clock_duration(&caps));
    let hint = clock.or_else(|| {
        let caps = TRIGGERED.captures(text)?;
        amount_duration(&caps["amount"])
    })?;
    (hint > Duration::ZERO && hint <= MAX_HINT).then_some(hint)
}

/// The words [`NUMBER`] reads as amounts.
const NUMBER_WORDS: &[&str] = &[
    "a", "an", "one", "two", "three", "four", "five", "six", "ten", "fifteen", "twenty", "thirty",
    "sixty", "half",
];

/// Whether `text` holds what every delay needs, a digit or a number word: most replies name no
/// delay, and this spares them compiling the patterns (a third of an `explain`).
fn may_name_amount(text: &str) -> bool {
    text.bytes().any(|b| b.is_ascii_digit())
        || text
            .split(|c: char| !c.is_ascii_alphanumeric())
            .any(|word| NUMBER_WORDS.iter().any(|n| word.eq_ignore_ascii_case(n)))
}

fn clock_duration(caps: &Captures<'_>) -> Option<Duration> {
    let part = |name: &str| caps[name].parse::<u64>().ok();
    let (h, m, s) = (part("h")?, part("m")?, part("s")?);
    (m < 60 && s < 60).then(|| Duration::from_secs(h * 3600 + m * 60 + s))
}

fn amount_duration(amount: &str) -> Option<Duration> {
    let mut total = 0.0_f64;
    for caps in PART.captures_iter(amount) {
        total += number(&caps["n"])? * unit_secs(&caps["unit"])?;
    }
    (total.is_finite() && total > 0.0).then(|| Duration::from_secs_f64(total.round()))
}

fn number(word: &str) -> Option<f64> {
    let word = word.to_ascii_lowercase();
    let word = word.split_whitespace().collect::<Vec<_>>().join(" ");
    let word = word.trim();
    Some(match word {
        "a" | "an" | "one" => 1.0,
        "half a" | "half an" => 0.5,
        "two" => 2.0,
        "three" => 3.0,
        "four" => 4.0,
        "five" => 5.0,
        "six" => 6.0,
        "ten" => 10.0,
        "fifteen" => 15.0,
        "twenty" => 20.0,
        "thirty" => 30.0,
        "sixty" => 60.0,
        digits => digits.parse().ok()?,
    })
}

fn unit_secs(unit: &str) -> Option<f64> {
    Some(match unit.to_ascii_lowercase().chars().next()? {
        's' => 1.0,
        'm' => 60.0,
        'h' => 3600.0,
        'd' => 86_400.0,
        _ => return None,
    })
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
            ("in 300 seconds", 300),
            ("Try again in 1h", 3600),
            ("retry after 30 min", 1800),
            ("after 30 min", 1800),
            ("Greylisting in action, please come back in 00:05:00", 300),
            ("please wait 2 hours before sending more mail", 7200),
            ("Throttled, try again in 1h30m", 5400),
            ("retry after 120s", 120),
            ("Try again in 1 hour and 30 minutes", 5400),
            (
                "Recipient address rejected: Greylisted for 300 seconds",
                300,
            ),
            ("try again in half an hour", 1800),
            ("please retry in about 5 minutes", 300),
            ("Try again in 2.5 minutes", 150),
            ("deferred for 10 mins", 600),
            ("try again in five minutes", 300),
        ];
        for (text, secs) in cases {
            assert_eq!(retry_after(text), Some(Duration::from_secs(secs)), "{text}");
        }
    }

    #[test]
    fn no_hint_when_none_is_stated() {
        let cases = [
            "Service temporarily unavailable",
            "Try again later",
            "Greylisted, please try again in a few moments.",
            "421 4.7.0 [192.0.2.1] Try again later",
            "Error: too many connections from 192.0.2.1",
            "Daily limit of 500 messages per 24 hours exceeded",
            "in 4.7.0 state",
            "You have sent too many messages in the last 24 hours",
            "Queued as 4BX2Lw3c5mz1s",
            "message exceeded 10 megabytes",
            "in 5 messages",
            "https://support.google.com/mail/?p=UnsolicitedRateLimitError 1.2.3.4",
            "please come back in 99:99:99",
        ];
        for text in cases {
            assert_eq!(retry_after(text), None, "{text}");
        }
    }

    #[test]
    fn a_clock_delay_counts_hours_minutes_and_seconds() {
        assert_eq!(
            retry_after("Greylisted, please come back in 01:02:03"),
            Some(Duration::from_secs(3723))
        );
        // A minute or a second of 60 is no clock time: the text names no delay.
        assert_eq!(retry_after("please come back in 00:60:00"), None);
        assert_eq!(retry_after("please come back in 00:05:60"), None);
        // "Now" is not a delay: the policy decides the wait instead.
        assert_eq!(retry_after("please come back in 00:00:00"), None);
    }

    #[test]
    fn days_are_read_up_to_a_week() {
        assert_eq!(
            retry_after("Mailbox suspended, try again in 2 days"),
            Some(Duration::from_secs(2 * 86_400))
        );
        assert_eq!(
            retry_after("blocked for 7 days"),
            Some(Duration::from_secs(7 * 86_400))
        );
        assert_eq!(retry_after("blocked for 8 days"), None);
    }

    #[test]
    fn absurd_delays_are_ignored() {
        assert_eq!(retry_after("try again in 999999 hours"), None);
        assert_eq!(retry_after("try again in 0 seconds"), None);
    }

    #[test]
    fn number_words_in_any_case_pass_the_gate() {
        assert_eq!(
            retry_after("TRY AGAIN IN AN HOUR"),
            Some(Duration::from_secs(3600))
        );
        assert_eq!(
            retry_after("retry in Half An Hour"),
            Some(Duration::from_secs(1800))
        );
        assert!(!may_name_amount("Try again later, closing connection."));
    }

    proptest::proptest! {
        /// The gate only spares the patterns texts they would not match: the same answer as
        /// the patterns alone, on texts made of the words delays are written with.
        #[test]
        fn the_gate_never_hides_a_delay(
            before in "(|try |please |Greylisted, |[0-9]{1,3} )",
            trigger in "(in|again|retry in|wait|greylisted for|back in|for|later)",
            number in "(|an?|one|five|half an|sixty|[0-9]{1,3}|00:0[0-9]:[0-9]{2}|[0-9]\\.[0-9])",
            unit in "(|minutes?|hours?|h|m|s|days?|moments)",
            glue in "[ \t_.]",
            shout: bool,
        ) {
            let text = format!("{before}{trigger}{glue}{number}{glue}{unit}");
            let text = if shout { text.to_ascii_uppercase() } else { text };
            let ungated = CLOCK
                .captures(&text)
                .and_then(|caps| clock_duration(&caps))
                .or_else(|| amount_duration(&TRIGGERED.captures(&text)?["amount"]))
                .filter(|hint| *hint > Duration::ZERO && *hint <= MAX_HINT);
            proptest::prop_assert_eq!(retry_after(&text), ungated, "{:?}", text);
        }

        #[test]
        fn arbitrary_text_never_panics(text in "\\PC{0,200}") {
            if let Some(hint) = retry_after(&text) {
                proptest::prop_assert!(hint <= MAX_HINT);
            }
        }

        #[test]
        fn stated_minutes_are_read_exactly(n in 1u64..10_000) {
            proptest::prop_assert_eq!(retry_after(&format!("421 4.7.0 try again in {n} minutes")), Some(Duration::from_secs(n * 60)));
        }

        #[test]
        fn numbers_without_a_retry_word_are_not_hints(n in 1u64..100_000, unit in "(seconds|minutes|hours)") {
            let text = format!("limit of {n} messages per {n} {unit} exceeded");
            proptest::prop_assert_eq!(retry_after(&text), None);
        }
    }
}
