//! The literals a pattern cannot match without, read from the pattern itself: the catalog
//! compiles and runs only the text patterns whose words appear in a reply (an `explain` compiled
//! all 65 before, 10 M instructions of its 11 M), and the log scanner skips the lines that hold
//! none of its wordings' literals.
//!
//! The analysis is deliberately small and conservative: for each top-level alternative, the
//! longest run of plain characters outside groups, classes and quantified atoms. Anything it does
//! not understand (a flag group, a hex or Unicode escape) gives up on the whole pattern, which is
//! then always tried: a literal may be missing, never wrong.

/// Lower-case literals such that every match of `pattern` contains at least one of them in some
/// ASCII case (a literal says nothing about case: search for it ignoring ASCII case); `None`
/// when the pattern's shape does not say.
pub(crate) fn required_literals(pattern: &str) -> Option<Vec<String>> {
    let mut literals: Vec<String> = Vec::new();
    let mut at = 0;
    loop {
        let (alternative, end) = alternative_literals(pattern, at)?;
        for literal in alternative {
            if !literals
                .iter()
                .any(|known| known.eq_ignore_ascii_case(literal))
            {
                literals.push(literal.to_ascii_lowercase());
            }
        }
        if end >= pattern.len() {
            return Some(literals);
        }
        at = end + 1; // past the `|`
    }
}

/// Literals (slices of `pattern`) one of which every match of the alternative starting at `at`
/// contains, and where the alternative ends (a top-level `|` or the end of the pattern): its
/// longest run of plain characters, or the literals of a group it cannot match without when
/// those are longer (`(MAIL|RCPT) (command )?first`). `None` for syntax this analysis does not
/// follow, or when nothing is required. An escaped character ends a run too: a shorter literal
/// is still a required one, and the run stays a slice.
fn alternative_literals(pattern: &str, mut at: usize) -> Option<(Vec<&str>, usize)> {
    // The syntax is ASCII; a non-ASCII character's bytes are all plain ones.
    let bytes = pattern.as_bytes();
    let mut best = Candidate::default();
    let mut run = at..at;
    while let Some(&b) = bytes.get(at) {
        let next_run = match b {
            b'|' => break,
            b'(' => {
                let inner_start = group_start(bytes, at)?;
                let close = group_end(bytes, at)?;
                let optional = matches!(bytes.get(close + 1), Some(b'?' | b'*' | b'{'));
                let inner = &pattern[inner_start..close];
                if !optional && let Some((literals, _)) = group_literals(inner) {
                    best.keep_better(Candidate::new(literals));
                }
                at = close;
                None
            }
            b'[' => {
                at = class_end(bytes, at)?;
                None
            }
            b'*' | b'+' | b'?' | b'{' => {
                // The quantified character leaves the run; a non-ASCII one is several bytes.
                if let Some((last, _)) = pattern[run.clone()].char_indices().next_back() {
                    run.end = run.start + last;
                }
                if b == b'{' {
                    at += bytes[at..].iter().position(|&c| c == b'}')?;
                }
                None
            }
            b'\\' => {
                let escaped = *bytes.get(at + 1)?;
                // `\x41`, `\u{..}`, `\p{..}` would need their arguments skipped: give up.
                if matches!(escaped, b'x' | b'u' | b'U' | b'p' | b'P') {
                    return None;
                }
                at += 1;
                None
            }
            b'.' | b'^' | b'$' | b')' => None,
            _ => Some(run.start..at + 1),
        };
        match next_run {
            Some(longer) => run = longer,
            None => {
                best.keep_run(&pattern[run]);
                run = at + 1..at + 1;
            }
        }
        at += 1;
    }
    best.keep_run(&pattern[run]);
    (best.shortest > 0).then_some((best.literals, at))
}

/// The literals of a group's alternatives, every one of which must give some.
fn group_literals(inner: &str) -> Option<(Vec<&str>, usize)> {
    let mut literals = Vec::new();
    let mut at = 0;
    loop {
        let (alternative, end) = alternative_literals(inner, at)?;
        literals.extend(alternative);
        if end >= inner.len() {
            return Some((literals, end));
        }
        at = end + 1;
    }
}

/// A set of literals one of which a match needs, judged by its shortest: a set of long literals
/// rules out more replies than one short literal.
#[derive(Default)]
struct Candidate<'p> {
    literals: Vec<&'p str>,
    shortest: usize,
}

impl<'p> Candidate<'p> {
    fn new(literals: Vec<&'p str>) -> Self {
        let shortest = literals.iter().map(|l| l.len()).min().unwrap_or(0);
        Candidate { literals, shortest }
    }

    /// Keeps a run if it is better, without allocating when it is not (most are not).
    fn keep_run(&mut self, run: &'p str) {
        let fewer = self.literals.len() > 1;
        if run.len() > self.shortest || (run.len() == self.shortest && fewer) {
            self.literals.clear();
            self.literals.push(run);
            self.shortest = run.len();
        }
    }

    /// Keeps `other` if it is better: a longer shortest literal, or as long with fewer literals.
    fn keep_better(&mut self, other: Candidate<'p>) {
        let fewer = other.literals.len() < self.literals.len();
        if other.shortest > self.shortest || (other.shortest == self.shortest && fewer) {
            *self = other;
        }
    }
}

/// Where the contents of the group opened at `open` start: after `(`, `(?:`, or a case flag
/// group (`(?i:`, `(?-i:`: the literals ignore case anyway). `None` for any other flag, which
/// may change what the characters mean (`x` makes spaces insignificant).
fn group_start(bytes: &[u8], open: usize) -> Option<usize> {
    if bytes.get(open + 1) != Some(&b'?') {
        return Some(open + 1);
    }
    let flags_end = open
        + 2
        + bytes[open + 2..]
            .iter()
            .position(|&b| b == b':' || b == b')')?;
    let case_only = bytes[open + 2..flags_end]
        .iter()
        .all(|&b| matches!(b, b'i' | b'-'));
    (case_only && bytes[flags_end] == b':').then_some(flags_end + 1)
}

/// The index of the `)` that closes the group opened at `open`.
fn group_end(bytes: &[u8], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut at = open;
    while let Some(&b) = bytes.get(at) {
        match b {
            b'\\' => at += 1,
            b'[' => at = class_end(bytes, at)?,
            b'(' => depth += 1,
            b')' => {
                depth -= 1;
                if depth == 0 {
                    return Some(at);
                }
            }
            _ => {}
        }
        at += 1;
    }
    None
}

/// The index of the `]` that closes the class opened at `open` (a `]` first in the class, or
/// after `^`, is a member; nested classes such as `[[:alpha:]]` close in turn).
fn class_end(bytes: &[u8], open: usize) -> Option<usize> {
    let mut at = open + 1;
    if bytes.get(at) == Some(&b'^') {
        at += 1;
    }
    if bytes.get(at) == Some(&b']') {
        at += 1;
    }
    while let Some(&b) = bytes.get(at) {
        match b {
            b'\\' => at += 1,
            b'[' => at = class_end(bytes, at)?,
            b']' => return Some(at),
            _ => {}
        }
        at += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::required_literals;

    fn literals(pattern: &str) -> Option<Vec<&'static str>> {
        required_literals(pattern).map(|found| {
            found
                .into_iter()
                .map(|l| &*Box::leak(l.into_boxed_str()))
                .collect()
        })
    }

    #[test]
    fn each_alternative_gives_its_longest_plain_run() {
        assert_eq!(
            literals(r"unusual rate of (unsolicited )?mail|unsolicited mail"),
            Some(vec!["unusual rate of ", "unsolicited mail"])
        );
        assert_eq!(literals(r"\bDoS\b|Denial"), Some(vec!["dos", "denial"]));
    }

    #[test]
    fn a_quantified_character_leaves_the_run() {
        assert_eq!(literals(r"requires? TLS"), Some(vec!["require"]));
        assert_eq!(literals(r"null ?MX"), Some(vec!["null"]));
        assert_eq!(literals(r"ab{2}cd"), Some(vec!["cd"]));
        assert_eq!(literals(r"xyz*?w"), Some(vec!["xy"]));
        assert_eq!(
            literals(r"^try again later\.?$"),
            Some(vec!["try again later"])
        );
    }

    #[test]
    fn groups_and_classes_are_skipped_whole() {
        assert_eq!(
            literals(r"gr[ae]y-?list|(a|b)c(d|e)?fgh|x(?:y|z)"),
            Some(vec!["list", "fgh", "x"])
        );
        assert_eq!(literals(r"(ab|cd)?x"), Some(vec!["x"]));
        assert_eq!(literals(r"[]|]abc|[^]x]de"), Some(vec!["abc", "de"]));
        assert_eq!(literals(r"a([)]|\))bc"), Some(vec!["bc"]));
    }

    #[test]
    fn a_required_group_gives_its_alternatives_when_they_are_longer() {
        assert_eq!(
            literals(r"(MAIL|RCPT) (command )?(first|required)|x"),
            Some(vec!["first", "required", "x"])
        );
        assert_eq!(
            literals(r"(parameter|argument)s? (is )?(missing|required)"),
            Some(vec!["parameter", "argument"])
        );
        assert_eq!(
            literals(r"(a(?:bc|de)|xyz)+q"),
            Some(vec!["bc", "de", "xyz"])
        );
        // One alternative of the group without literals: the group says nothing.
        assert_eq!(literals(r"(abc|\d)x"), Some(vec!["x"]));
    }

    #[test]
    fn a_case_flag_group_is_a_group() {
        assert_eq!(
            literals(r"(?-i:\bENOTFOUND\b|\bEAI_AGAIN\b)|getaddrinfo"),
            Some(vec!["enotfound", "eai_again", "getaddrinfo"])
        );
        assert_eq!(literals(r"(?i:abc)"), Some(vec!["abc"]));
    }

    #[test]
    fn an_escape_ends_a_run() {
        assert_eq!(literals(r"\(S3150\)|5\.7\.139"), Some(vec!["s3150", "139"]));
        assert_eq!(literals(r"\[?PH0[1-9]\]?"), Some(vec!["ph0"]));
        assert_eq!(literals(r"a\bcd\s"), Some(vec!["cd"]));
    }

    #[test]
    fn what_it_cannot_read_gives_up_on_the_whole_pattern() {
        assert_eq!(literals(r"."), None);
        assert_eq!(literals(r"abc|\d+"), None);
        assert_eq!(literals(r"abc|(?i)def"), None);
        assert_eq!(literals(r"abc|(?x:d e f)"), None);
        assert_eq!(literals(r"\x41bc"), None);
        assert_eq!(literals(r"abc|"), None);
        assert_eq!(literals(r"ab(c"), None);
    }

    #[test]
    fn a_quantified_non_ascii_character_leaves_whole() {
        assert_eq!(literals(r"caféé?s"), Some(vec!["café"]));
    }
}
