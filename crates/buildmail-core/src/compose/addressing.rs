//! [`Addressing`]: who a mail is from and to, how it threads, its own headers and priority, as a
//! front end reads them from its inputs (the CLI's flags, the Action's inputs), made into a
//! [`Draft`] in one place.

use super::draft::{Draft, Priority};

/// Everything about a mail but what it says. Addresses are text as the user wrote them; the
/// draft parses and checks them when it is built.
#[derive(Debug, Clone, Default)]
pub struct Addressing {
    /// The sender.
    pub from: String,
    /// Recipients.
    pub to: Vec<String>,
    /// Carbon-copy recipients.
    pub cc: Vec<String>,
    /// Blind-copy recipients.
    pub bcc: Vec<String>,
    /// Where replies go.
    pub reply_to: Option<String>,
    /// The message this one answers; it also starts the `References`.
    pub in_reply_to: Option<String>,
    /// More headers, `(name, value)`.
    pub headers: Vec<(String, String)>,
    /// `X-Priority` and `Importance`.
    pub priority: Priority,
    /// The SMTP envelope sender when it must differ from `from`.
    pub envelope_from: Option<String>,
    /// The SMTP envelope recipients when they must differ from to, cc and bcc.
    pub envelope_to: Vec<String>,
}

impl Addressing {
    /// A draft so addressed, nothing said yet: a reply threads under the message it answers.
    ///
    /// ```
    /// use buildmail_core::compose::Addressing;
    ///
    /// let draft = Addressing {
    ///     from: "ci@example.com".into(),
    ///     in_reply_to: Some("<41@example.com>".into()),
    ///     ..Addressing::default()
    /// }
    /// .draft();
    /// assert_eq!(draft.references, ["<41@example.com>"]);
    /// ```
    pub fn draft(self) -> Draft {
        Draft {
            from: self.from,
            to: self.to,
            cc: self.cc,
            bcc: self.bcc,
            reply_to: self.reply_to,
            references: self.in_reply_to.iter().cloned().collect(),
            in_reply_to: self.in_reply_to,
            headers: self.headers,
            priority: self.priority,
            envelope_from: self.envelope_from,
            envelope_to: self.envelope_to,
            ..Draft::default()
        }
    }
}

/// Headers as a front end takes them, `Name: value` each, split into `(name, value)`; the first
/// that is not one line with a colon is the error, naming the setting as `{header}`. The draft
/// checks the names.
///
/// ```
/// use buildmail_core::compose::split_headers;
///
/// let split = split_headers(&["X-Build: 42".to_owned()]).unwrap();
/// assert_eq!(split, [("X-Build".to_owned(), "42".to_owned())]);
/// assert!(split_headers(&["no colon".to_owned()]).is_err());
/// ```
pub fn split_headers(headers: &[String]) -> Result<Vec<(String, String)>, String> {
    headers.iter().map(|header| split_header(header)).collect()
}

fn split_header(text: &str) -> Result<(String, String), String> {
    let bad = |why: &str| format!("{{header}} {text:?} {why}: write {{header}} 'X-Name: value'");
    let (name, value) = text.split_once(':').ok_or_else(|| bad("has no colon"))?;
    if value.contains(['\r', '\n']) {
        return Err(bad("spans several lines"));
    }
    Ok((name.trim().to_owned(), value.trim().to_owned()))
}

#[cfg(test)]
mod header_tests {
    use super::*;

    #[test]
    fn headers_must_be_one_line_with_a_colon() {
        assert_eq!(
            split_header("X-Build: 42").unwrap(),
            ("X-Build".to_owned(), "42".to_owned())
        );
        assert!(split_header("no colon").is_err());
        assert!(split_header("X-Inject: a\r\nBcc: evil@example.com").is_err());
    }
}
