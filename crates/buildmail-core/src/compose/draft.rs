//! A [`Draft`]: the parts of one mail, built (with lettre, which stays inside the core) into an
//! [`Outgoing`], the formatted bytes and their envelope.
//!
//! Every header value is written by `compose::encode`, which RFC 2047-encodes what a client
//! would misread and folds every line under 998 octets; before that, [`super::header_text`]
//! turns control characters into spaces, so text from a commit or a branch never starts a
//! header line. Addresses are parsed by lettre (a bad one is a [`ComposeError::Address`] naming
//! it), their domains made punycode, and each goes into the envelope once.

use std::collections::HashSet;
use std::str::FromStr;
use std::time::SystemTime;

use lettre::Message;
use lettre::address::{Address, Envelope};
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MessageBuilder, MultiPart, SinglePart};

use super::attach::Attachment;
use super::{encode, header_text};
use crate::deliver::Outgoing;

/// How urgent the mail is, as `X-Priority` and `Importance` headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Priority {
    /// `X-Priority: 1 (Highest)`, `Importance: high`.
    High,
    /// No priority headers.
    #[default]
    Normal,
    /// `X-Priority: 5 (Lowest)`, `Importance: low`.
    Low,
}

impl FromStr for Priority {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.to_ascii_lowercase().as_str() {
            "high" => Ok(Priority::High),
            "normal" => Ok(Priority::Normal),
            "low" => Ok(Priority::Low),
            _ => Err(format!(
                "{text:?} is not a priority: use high, normal or low"
            )),
        }
    }
}

/// The parts of one mail. Addresses are text as the user wrote them (`a@b` or `Name <a@b>`).
#[derive(Debug, Clone, Default)]
pub struct Draft {
    /// The sender.
    pub from: String,
    /// Recipients.
    pub to: Vec<String>,
    /// Carbon-copy recipients.
    pub cc: Vec<String>,
    /// Blind-copy recipients: in the envelope, never in the formatted message.
    pub bcc: Vec<String>,
    /// Where replies go.
    pub reply_to: Option<String>,
    /// The subject; control characters become spaces.
    pub subject: String,
    /// The plain-text body.
    pub text: String,
    /// An HTML body: with it, the text and the HTML make a `multipart/alternative`.
    pub html: Option<String>,
    /// Attachments: with any, the body and the files make a `multipart/mixed`.
    pub attachments: Vec<Attachment>,
    /// The Message-ID, with or without angle brackets; when absent, a random one on the
    /// sender's domain (see [`new_message_id`]).
    pub message_id: Option<String>,
    /// The message this one answers (`In-Reply-To`).
    pub in_reply_to: Option<String>,
    /// The conversation this message belongs to (`References`), oldest first.
    pub references: Vec<String>,
    /// More headers, `(name, value)`; the ones a flag sets (From, Subject, ...) are refused.
    pub headers: Vec<(String, String)>,
    /// `X-Priority` and `Importance`.
    pub priority: Priority,
    /// The `Date`; now when absent.
    pub date: Option<SystemTime>,
    /// The SMTP envelope sender (`MAIL FROM`) when it must differ from `from`.
    pub envelope_from: Option<String>,
    /// The SMTP envelope recipients (`RCPT TO`) when they must differ from to, cc and bcc.
    pub envelope_to: Vec<String>,
}

/// Why a draft cannot become a message. Each is bad input (exit 65 in the CLI).
#[derive(Debug, thiserror::Error)]
pub enum ComposeError {
    /// An address that does not parse.
    #[error(
        "{input:?} is not a valid {field} address ({reason}): write a@example.com or \"Name <a@example.com>\""
    )]
    Address {
        /// Which address: `from`, `to`, `cc`, `bcc`, `reply-to`.
        field: &'static str,
        /// The address as given.
        input: String,
        /// What is wrong with it.
        reason: String,
    },
    /// No sender.
    #[error("the message has no sender: give {{from}}")]
    NoSender,
    /// No recipient at all.
    #[error("the message has no recipient: give {{to}}, {{cc}} or {{bcc}}")]
    NoRecipient,
    /// A header name with a space, a colon or a character outside printable ASCII.
    #[error("{0:?} is not a valid header name: use letters, digits and dashes, like X-Build-Id")]
    HeaderName(String),
    /// A header that buildmail sets from its own flags.
    #[error("the {0} header is set by buildmail itself: use its flag instead of {{header}}")]
    ReservedHeader(String),
    /// A Message-ID that is not `<left@right>`.
    #[error("{0:?} is not a valid message id: write <unique@your.domain>")]
    MessageId(String),
    /// The message could not be put together (lettre's reason, as text: no lettre type in the
    /// core's API).
    #[error("building the message: {0}")]
    Build(String),
}

impl ComposeError {
    /// The address that was refused, when the error is about an address.
    pub fn bad_address(&self) -> Option<&str> {
        match self {
            ComposeError::Address { input, .. } => Some(input),
            _ => None,
        }
    }
}

/// Longer ones would not leave room on their line for the value (RFC 5322 section 2.1.1).
const LONGEST_HEADER_NAME: usize = 76;
/// RFC 5322 gives no limit; this one keeps an id with its header on one line of 998.
const LONGEST_MESSAGE_ID: usize = 250;

/// Headers that a [`Draft`] field sets; `--header` may not set them a second time.
const RESERVED_HEADERS: &[&str] = &[
    "from",
    "sender",
    "to",
    "cc",
    "bcc",
    "reply-to",
    "subject",
    "date",
    "message-id",
    "in-reply-to",
    "references",
    "mime-version",
    "content-type",
    "content-transfer-encoding",
    "content-disposition",
    "return-path",
    "x-priority",
    "importance",
];

impl Draft {
    /// Builds the message.
    ///
    /// ```
    /// use buildmail_core::compose::Draft;
    /// let message = Draft {
    ///     from: "CI <ci@example.com>".into(),
    ///     to: vec!["dev@example.com".into()],
    ///     subject: "[app] main #12 passed".into(),
    ///     text: "All green.".into(),
    ///     ..Draft::default()
    /// }
    /// .build()?;
    /// let raw = String::from_utf8(message.bytes).expect("ascii");
    /// assert!(raw.contains("Subject: [app] main #12 passed\r\n"));
    /// # Ok::<(), buildmail_core::compose::ComposeError>(())
    /// ```
    pub fn build(&self) -> Result<Outgoing, ComposeError> {
        self.check_addressed()?;
        let from = mailbox("from", &self.from)?;
        let to = mailboxes("to", &self.to)?;
        let cc = mailboxes("cc", &self.cc)?;
        let bcc = mailboxes("bcc", &self.bcc)?;
        let envelope = self.envelope(&from, [&to, &cc, &bcc])?;
        let mut builder = Message::builder().envelope(envelope);
        for value in self.address_headers(from, &to, &cc)? {
            builder = builder.raw_header(value);
        }
        builder = self.threading(builder)?;
        if let Some(date) = self.date {
            builder = builder.date(date);
        }
        for header in self
            .priority_headers()
            .into_iter()
            .chain(self.extra_headers()?)
        {
            builder = builder.raw_header(header);
        }
        let message = builder
            .multipart_or_single(self.body())
            .map_err(|error| ComposeError::Build(error.to_string()))?;
        Ok(Outgoing::from_message(&message))
    }

    /// A sender and at least one recipient, before any address is parsed.
    fn check_addressed(&self) -> Result<(), ComposeError> {
        if self.from.trim().is_empty() {
            return Err(ComposeError::NoSender);
        }
        if self.to.is_empty()
            && self.cc.is_empty()
            && self.bcc.is_empty()
            && self.envelope_to.is_empty()
        {
            return Err(ComposeError::NoRecipient);
        }
        Ok(())
    }

    /// From, Subject, To and Cc when there are any, Reply-To when given.
    fn address_headers(
        &self,
        from: Mailbox,
        to: &[Mailbox],
        cc: &[Mailbox],
    ) -> Result<Vec<HeaderValue>, ComposeError> {
        let mut headers = vec![
            encode::mailboxes(header("From"), &[from]),
            encode::unstructured(header("Subject"), &header_text(&self.subject)),
        ];
        for (name, list) in [("To", to), ("Cc", cc)] {
            if !list.is_empty() {
                headers.push(encode::mailboxes(header(name), list));
            }
        }
        if let Some(reply_to) = &self.reply_to {
            let reply_to = mailbox("reply-to", reply_to)?;
            headers.push(encode::mailboxes(header("Reply-To"), &[reply_to]));
        }
        Ok(headers)
    }

    /// Message-ID (the given one, or a new one), In-Reply-To and References.
    fn threading(&self, builder: MessageBuilder) -> Result<MessageBuilder, ComposeError> {
        let id = match &self.message_id {
            Some(given) => message_id(given)?,
            None => new_message_id(&self.from),
        };
        let mut builder = builder.message_id(Some(id));
        if let Some(parent) = &self.in_reply_to {
            builder = builder.in_reply_to(message_id(parent)?);
        }
        if !self.references.is_empty() {
            let ids: Result<Vec<String>, ComposeError> =
                self.references.iter().map(|id| message_id(id)).collect();
            builder = builder.references(ids?.join(" "));
        }
        Ok(builder)
    }

    /// The envelope: `envelope_from` or the From address, and `envelope_to` or every To, Cc and
    /// Bcc address, each once.
    fn envelope(&self, from: &Mailbox, listed: [&[Mailbox]; 3]) -> Result<Envelope, ComposeError> {
        let sender = match &self.envelope_from {
            Some(input) => mailbox("envelope-from", input)?.email,
            None => from.email.clone(),
        };
        let recipients: Vec<Address> = if self.envelope_to.is_empty() {
            listed
                .into_iter()
                .flatten()
                .map(|mailbox| mailbox.email.clone())
                .collect()
        } else {
            let listed = self.envelope_to.iter();
            listed
                .map(|input| Ok(mailbox("envelope-to", input)?.email))
                .collect::<Result<_, ComposeError>>()?
        };
        Envelope::new(Some(sender), each_once(recipients))
            .map_err(|error| ComposeError::Build(error.to_string()))
    }

    fn priority_headers(&self) -> Vec<HeaderValue> {
        let (x_priority, importance) = match self.priority {
            Priority::High => ("1 (Highest)", "high"),
            Priority::Low => ("5 (Lowest)", "low"),
            Priority::Normal => return Vec::new(),
        };
        vec![
            HeaderValue::new(
                HeaderName::new_from_ascii_str("X-Priority"),
                x_priority.to_owned(),
            ),
            HeaderValue::new(
                HeaderName::new_from_ascii_str("Importance"),
                importance.to_owned(),
            ),
        ]
    }

    fn extra_headers(&self) -> Result<Vec<HeaderValue>, ComposeError> {
        self.headers
            .iter()
            .map(|(name, value)| extra_header(name, value))
            .collect()
    }

    fn body(&self) -> Body {
        let text = SinglePart::plain(encode::text_body(&self.text));
        let main = match &self.html {
            Some(html) => Body::Multi(
                MultiPart::alternative()
                    .singlepart(text)
                    .singlepart(SinglePart::html(encode::text_body(html))),
            ),
            None => Body::Single(text),
        };
        if self.attachments.is_empty() {
            return main;
        }
        let mut mixed = match main {
            Body::Multi(alternative) => MultiPart::mixed().multipart(alternative),
            Body::Single(text) => MultiPart::mixed().singlepart(text),
        };
        for attachment in &self.attachments {
            mixed = mixed.singlepart(attachment_part(attachment));
        }
        Body::Multi(mixed)
    }
}

enum Body {
    Single(SinglePart),
    Multi(MultiPart),
}

trait BuildBody {
    fn multipart_or_single(self, body: Body) -> Result<Message, lettre::error::Error>;
}

impl BuildBody for lettre::message::MessageBuilder {
    fn multipart_or_single(self, body: Body) -> Result<Message, lettre::error::Error> {
        match body {
            Body::Single(part) => self.singlepart(part),
            Body::Multi(part) => self.multipart(part),
        }
    }
}

fn attachment_part(attachment: &Attachment) -> SinglePart {
    let content_type = ContentType::parse(&attachment.content_type)
        .unwrap_or_else(|_| ContentType::parse("application/octet-stream").expect("a valid type"));
    let disposition = encode::AttachmentDisposition::new(&header_text(&attachment.filename));
    SinglePart::builder()
        .header(disposition)
        .header(content_type)
        .body(attachment.body.clone())
}

/// Parses one address; control characters are refused rather than cleaned, since an address
/// that contains them was never meant as one. An international domain becomes punycode (IDNA),
/// which every server accepts; a display name is made fit for a header like a subject.
fn mailbox(field: &'static str, input: &str) -> Result<Mailbox, ComposeError> {
    let refuse = |reason: &str| ComposeError::Address {
        field,
        input: input.to_owned(),
        reason: reason.to_owned(),
    };
    if input.chars().any(char::is_control) {
        return Err(refuse("it contains a line break or a control character"));
    }
    let parsed = input
        .trim()
        .parse::<Mailbox>()
        .map_err(|error| refuse(&error.to_string().to_lowercase()))?;
    let domain = parsed.email.domain();
    let email = if domain.is_ascii() {
        parsed.email.clone()
    } else {
        let ascii = idna::domain_to_ascii(domain)
            .map_err(|_| refuse("its domain is not a valid international domain name"))?;
        Address::new(parsed.email.user(), ascii)
            .map_err(|error| refuse(&error.to_string().to_lowercase()))?
    };
    let name = parsed.name.as_deref().map(header_text);
    Ok(Mailbox::new(name.filter(|name| !name.is_empty()), email))
}

/// The mailboxes of several inputs, each of which may be an address list (`a@b, "Doe, Jane" <c@d>`).
fn mailboxes(field: &'static str, inputs: &[String]) -> Result<Vec<Mailbox>, ComposeError> {
    inputs
        .iter()
        .flat_map(|input| super::address_list(input))
        .map(|input| mailbox(field, &input))
        .collect()
}

/// Each address once, in the order given: one RCPT per mailbox. The domain compares without
/// case (RFC 5321 section 2.4); the local part as given, since only its own server may decide
/// that `Dev` and `dev` are the same mailbox.
fn each_once(addresses: Vec<Address>) -> Vec<Address> {
    let mut seen = HashSet::new();
    addresses
        .into_iter()
        .filter(|address| {
            seen.insert((
                address.user().to_owned(),
                address.domain().to_ascii_lowercase(),
            ))
        })
        .collect()
}

fn header(name: &'static str) -> HeaderName {
    HeaderName::new_from_ascii_str(name)
}

/// A new, unique Message-ID on the sender's domain (`<20261128T101500.1f3a...@example.com>`):
/// receivers trust an id whose domain matches the From address more than one on a host name.
///
/// ```
/// let id = buildmail_core::compose::new_message_id("CI <ci@example.com>");
/// assert!(id.starts_with('<') && id.ends_with("@example.com>"));
/// ```
pub fn new_message_id(from: &str) -> String {
    let domain = sender_domain(from).unwrap_or("buildmail.invalid");
    format!(
        "<buildmail.{:016x}{:016x}@{domain}>",
        fastrand::u64(..),
        fastrand::u64(..)
    )
}

/// The domain of a sender written as `a@example.com` or `Name <a@example.com>`, when it is a
/// plain host name (letters, digits, dots, dashes): fit for a Message-ID or a thread id.
///
/// ```
/// use buildmail_core::compose::sender_domain;
/// assert_eq!(sender_domain("CI <ci@example.com>"), Some("example.com"));
/// assert_eq!(sender_domain("not an address"), None);
/// ```
pub fn sender_domain(from: &str) -> Option<&str> {
    from.trim()
        .trim_end_matches('>')
        .rsplit_once('@')
        .map(|(_, domain)| domain.trim())
        .filter(|domain| {
            !domain.is_empty()
                && domain
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-'))
        })
}

/// `<left@right>` from an id with or without its angle brackets.
fn message_id(input: &str) -> Result<String, ComposeError> {
    let bare = input.trim().trim_start_matches('<').trim_end_matches('>');
    let valid = bare.len() <= LONGEST_MESSAGE_ID
        && bare.contains('@')
        && !bare.starts_with('@')
        && !bare.ends_with('@')
        && bare
            .chars()
            .all(|c| c.is_ascii_graphic() && !matches!(c, '<' | '>' | '"' | '\\' | ',' | ';'));
    if valid {
        Ok(format!("<{bare}>"))
    } else {
        Err(ComposeError::MessageId(input.to_owned()))
    }
}

fn extra_header(name: &str, value: &str) -> Result<HeaderValue, ComposeError> {
    let valid_name = (1..=LONGEST_HEADER_NAME).contains(&name.len())
        && name.bytes().all(|b| (33..=126).contains(&b) && b != b':');
    if !valid_name {
        return Err(ComposeError::HeaderName(name.to_owned()));
    }
    if RESERVED_HEADERS.contains(&name.to_ascii_lowercase().as_str()) {
        return Err(ComposeError::ReservedHeader(name.to_owned()));
    }
    let name = HeaderName::new_from_ascii(name.to_owned())
        .map_err(|_| ComposeError::HeaderName(name.to_owned()))?;
    Ok(encode::unstructured(name, &header_text(value)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft() -> Draft {
        Draft {
            from: "CI <ci@example.com>".into(),
            to: vec!["dev@example.com".into()],
            subject: "subject".into(),
            text: "body".into(),
            message_id: Some("id-1@example.com".into()),
            date: Some(SystemTime::UNIX_EPOCH),
            ..Draft::default()
        }
    }

    fn formatted(draft: &Draft) -> String {
        String::from_utf8(draft.build().expect("builds").bytes).expect("utf-8")
    }

    fn header_names(raw: &str) -> Vec<String> {
        let head = raw.split("\r\n\r\n").next().expect("a header block");
        head.split("\r\n")
            .filter(|line| !line.starts_with([' ', '\t']))
            .map(|line| line.split(':').next().expect("a name").to_owned())
            .collect()
    }

    #[test]
    fn a_bad_address_names_itself_and_its_field() {
        let mut bad = draft();
        bad.cc = vec!["not an address".into()];
        let error = bad.build().expect_err("bad address");
        assert_eq!(error.bad_address(), Some("not an address"));
        assert!(error.to_string().contains("valid cc address"), "{error}");
    }

    #[test]
    fn an_address_with_a_line_break_is_refused() {
        let mut bad = draft();
        bad.to = vec!["dev@example.com\r\nBcc: x@evil.example".into()];
        let error = bad.build().expect_err("line break");
        assert!(error.to_string().contains("line break"), "{error}");
    }

    #[test]
    fn no_recipient_is_an_error() {
        let mut bad = draft();
        bad.to.clear();
        assert!(matches!(bad.build(), Err(ComposeError::NoRecipient)));
    }

    #[test]
    fn bcc_is_in_the_envelope_but_not_the_message() {
        let mut with_bcc = draft();
        with_bcc.bcc = vec!["hidden@example.com".into()];
        let message = with_bcc.build().expect("builds");
        let raw = String::from_utf8(message.bytes.clone()).expect("utf-8");
        assert!(!raw.contains("hidden@example.com"), "{raw}");
        assert_eq!(
            message.envelope_to(),
            ["dev@example.com", "hidden@example.com"]
        );
    }

    #[test]
    fn a_subject_with_crlf_and_a_bcc_line_stays_one_header() {
        let mut evil = draft();
        evil.subject = "fix\r\nBcc: victim@example.com\r\n\r\nbody".into();
        let raw = formatted(&evil);
        assert_eq!(
            header_names(&raw),
            [
                "From",
                "Subject",
                "To",
                "Message-ID",
                "Date",
                "MIME-Version",
                "Content-Type",
                "Content-Transfer-Encoding"
            ]
        );
        assert!(
            raw.contains("Subject: fix Bcc: victim@example.com body\r\n"),
            "{raw}"
        );
    }

    #[test]
    fn reserved_and_malformed_header_names_are_refused() {
        let mut bad = draft();
        bad.headers = vec![("bcc".into(), "x@example.com".into())];
        assert!(matches!(bad.build(), Err(ComposeError::ReservedHeader(_))));
        bad.headers = vec![("X-Evil\r\nBcc".into(), "x".into())];
        assert!(matches!(bad.build(), Err(ComposeError::HeaderName(_))));
    }

    #[test]
    fn an_extra_header_value_cannot_break_its_line() {
        let mut extra = draft();
        extra.headers = vec![("X-Build".into(), "812\r\nBcc: x@evil.example".into())];
        let raw = formatted(&extra);
        assert!(
            raw.contains("X-Build: 812 Bcc: x@evil.example\r\n"),
            "{raw}"
        );
        assert!(!header_names(&raw).contains(&"Bcc".to_owned()));
    }

    #[test]
    fn message_ids_get_their_angle_brackets_and_bad_ones_are_refused() {
        let mut threaded = draft();
        threaded.in_reply_to = Some("<parent@example.com>".into());
        threaded.references = vec!["root@example.com".into(), "parent@example.com".into()];
        let raw = formatted(&threaded);
        assert!(raw.contains("Message-ID: <id-1@example.com>\r\n"), "{raw}");
        assert!(
            raw.contains("In-Reply-To: <parent@example.com>\r\n"),
            "{raw}"
        );
        assert!(
            raw.contains("References: <root@example.com> <parent@example.com>\r\n"),
            "{raw}"
        );
        threaded.in_reply_to = Some("no at sign".into());
        assert!(matches!(threaded.build(), Err(ComposeError::MessageId(_))));
    }

    #[test]
    fn priority_high_sets_both_headers() {
        let mut urgent = draft();
        urgent.priority = Priority::High;
        let raw = formatted(&urgent);
        assert!(raw.contains("X-Priority: 1 (Highest)\r\n"), "{raw}");
        assert!(raw.contains("Importance: high\r\n"), "{raw}");
    }

    #[test]
    fn non_ascii_subject_and_name_are_encoded_words() {
        let mut intl = draft();
        intl.subject = "Größe ✓".into();
        intl.from = "Jürgen <ci@example.com>".into();
        let raw = formatted(&intl);
        assert!(raw.is_ascii(), "{raw}");
        assert!(raw.contains("Subject: =?utf-8?"), "{raw}");
        assert!(raw.contains("From: =?utf-8?"), "{raw}");
    }

    fn envelope_to(draft: &Draft) -> Vec<String> {
        let message = draft.build().expect("builds");
        let to = message.envelope_to().into_iter().map(str::to_owned);
        to.collect()
    }

    #[test]
    fn an_address_given_twice_gets_one_rcpt() {
        let mut twice = draft();
        twice.to = vec![
            "dev@example.com".into(),
            "Dev Team <dev@EXAMPLE.com>".into(),
        ];
        twice.cc = vec!["dev@Example.Com".into(), "Dev@example.com".into()];
        twice.bcc = vec!["dev@example.com".into()];
        assert_eq!(envelope_to(&twice), ["dev@example.com", "Dev@example.com"]);
    }

    #[test]
    fn an_international_domain_goes_out_as_punycode() {
        let mut intl = draft();
        intl.from = "CI <ci@bücher.example>".into();
        intl.to = vec!["dev@Bücher.example".into()];
        let message = intl.build().expect("builds");
        let from = message.envelope_from().expect("a sender");
        assert_eq!(from, "ci@xn--bcher-kva.example");
        assert_eq!(envelope_to(&intl), ["dev@xn--bcher-kva.example"]);
        let raw = String::from_utf8(message.bytes.clone()).expect("utf-8");
        assert!(raw.is_ascii(), "{raw}");
        assert!(raw.contains("To: dev@xn--bcher-kva.example\r\n"), "{raw}");
    }

    #[test]
    fn a_long_to_list_has_one_address_per_line() {
        let mut many = draft();
        many.to = (0..100)
            .map(|n| format!("developer{n}@example.com"))
            .collect();
        let raw = formatted(&many);
        assert!(raw.split("\r\n").all(|line| line.len() <= 78), "{raw}");
        assert!(raw.contains("To: developer0@example.com,\r\n developer1@example.com,\r\n"));
        let parsed = mail_parser::MessageParser::default()
            .parse(raw.as_bytes())
            .expect("parses");
        let to = parsed.to().expect("a To header");
        assert_eq!(to.iter().count(), 100);
    }

    #[test]
    fn a_display_name_that_looks_encoded_is_shown_as_typed() {
        let mut lookalike = draft();
        lookalike.from = "\"=?utf-8?B?QWRtaW4=?=\" <ci@example.com>".into();
        lookalike.to = vec!["\"Ops \u{202E}gnp.exe\" <ops@example.com>".into()];
        let raw = formatted(&lookalike);
        let parsed = mail_parser::MessageParser::default()
            .parse(raw.as_bytes())
            .expect("parses");
        let from = parsed
            .from()
            .and_then(|from| from.first())
            .expect("a sender");
        assert_eq!(from.name(), Some("=?utf-8?B?QWRtaW4=?="));
        let to = parsed.to().and_then(|to| to.first()).expect("a recipient");
        assert_eq!(to.name(), Some("Ops [U+202E]gnp.exe"));
    }

    #[test]
    fn a_file_name_that_looks_encoded_is_shown_as_typed() {
        let mut with_file = draft();
        let typed = "=?utf-8?B?aW52b2ljZS5wZGY=?=.exe";
        with_file.attachments = vec![Attachment {
            filename: typed.into(),
            content_type: "application/octet-stream".into(),
            body: b"x".to_vec(),
        }];
        let raw = formatted(&with_file);
        let parsed = mail_parser::MessageParser::default()
            .parse(raw.as_bytes())
            .expect("parses");
        use mail_parser::MimeHeaders;
        let attachment = parsed.attachment(0).expect("an attachment");
        assert_eq!(attachment.attachment_name(), Some(typed), "{raw}");
        let long = "=?x?= Größe ✓ ".repeat(10) + "end.txt";
        with_file.attachments[0].filename = long.clone();
        let raw = formatted(&with_file);
        assert!(raw.split("\r\n").all(|line| line.len() <= 78), "{raw}");
        let parsed = mail_parser::MessageParser::default()
            .parse(raw.as_bytes())
            .expect("parses");
        let attachment = parsed.attachment(0).expect("an attachment");
        assert_eq!(attachment.attachment_name(), Some(long.as_str()), "{raw}");
    }
}
