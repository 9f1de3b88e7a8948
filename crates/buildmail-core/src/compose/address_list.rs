//! Address lists as people write them (RFC 5322 section 3.4): `a@example.com, "Doe, Jane"
//! <jane@example.com>` is two addresses, not three. Commas inside a quoted display name, an
//! angle-bracketed address or a comment do not separate.

/// Splits an address list on the commas that separate addresses; each part trimmed, empty parts
/// (a trailing comma) left out. Parsing each address is [`crate::compose::Draft`]'s business.
///
/// ```
/// use buildmail_core::compose::address_list;
///
/// assert_eq!(
///     address_list(r#""Doe, Jane" <jane@example.com>, ops@example.com"#),
///     [r#""Doe, Jane" <jane@example.com>"#, "ops@example.com"]
/// );
/// ```
pub fn address_list(text: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    let mut escaped = false;
    let mut angle = 0usize;
    let mut comment = 0usize;
    for c in text.chars() {
        if escaped {
            escaped = false;
        } else if c == '\\' && (quoted || comment > 0) {
            escaped = true;
        } else if c == '"' && comment == 0 {
            quoted = !quoted;
        } else if !quoted {
            match c {
                '<' => angle += 1,
                '>' => angle = angle.saturating_sub(1),
                '(' => comment += 1,
                ')' => comment = comment.saturating_sub(1),
                ',' if angle == 0 && comment == 0 => {
                    parts.push(std::mem::take(&mut current));
                    continue;
                }
                _ => {}
            }
        }
        current.push(c);
    }
    parts.push(current);
    parts
        .into_iter()
        .map(|part| part.trim().to_owned())
        .filter(|part| !part.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::address_list;

    #[test]
    fn commas_separate_only_outside_quotes_brackets_and_comments() {
        assert_eq!(
            address_list(r#""Doe, Jane" <jane@example.com>,ops@example.com , "#),
            [r#""Doe, Jane" <jane@example.com>"#, "ops@example.com"]
        );
        assert_eq!(
            address_list(r#""Say \"hi\", ok" <a@example.com>, (team, ci) b@example.com"#),
            [
                r#""Say \"hi\", ok" <a@example.com>"#,
                "(team, ci) b@example.com"
            ]
        );
        assert_eq!(
            address_list("a@example.com,b@example.com"),
            ["a@example.com", "b@example.com"]
        );
        assert!(address_list(" , ").is_empty());
    }
}
