//! `buildmail send`: one message from flags, delivered with retries (see [`super::deliver`]).

use std::io::Read as _;
use std::path::PathBuf;

use anyhow::Context as _;
use clap::ValueEnum;
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::{Address, Message, address::Envelope};

pub use super::deliver::{deliver_and_report, print_dry_run};
use crate::cmd::common::{AddressArgs, SmtpArgs};
use crate::exit::{Exit, UserError};

#[derive(Debug, clap::Args)]
pub struct SendArgs {
    #[command(flatten)]
    pub smtp: SmtpArgs,

    #[command(flatten)]
    pub addresses: AddressArgs,

    #[command(flatten)]
    pub message: MessageArgs,
}

/// What the message says.
#[derive(Debug, Clone, clap::Args)]
#[command(next_help_heading = "Message")]
pub struct MessageArgs {
    /// The subject line.
    #[arg(long, env = "BUILDMAIL_SUBJECT", default_value = "")]
    pub subject: String,

    /// The text body.
    #[arg(long, env = "BUILDMAIL_BODY", conflicts_with = "body_file")]
    pub body: Option<String>,

    /// Read the text body from this file, or from stdin with `-`.
    #[arg(long, env = "BUILDMAIL_BODY_FILE", value_name = "PATH")]
    pub body_file: Option<PathBuf>,

    /// Treat the body as Markdown: send text/plain plus the rendered text/html.
    #[arg(long, env = "BUILDMAIL_MARKDOWN", conflicts_with = "html_file")]
    pub markdown: bool,

    /// An HTML alternative of the body, from this file.
    #[arg(long, env = "BUILDMAIL_HTML_FILE", value_name = "PATH")]
    pub html_file: Option<PathBuf>,

    /// Attach files (paths or globs); repeatable.
    #[arg(long, value_name = "PATH")]
    pub attach: Vec<String>,

    /// The Message-ID (default: generated once, identical on every retry).
    #[arg(long, env = "BUILDMAIL_MESSAGE_ID", value_name = "ID")]
    pub message_id: Option<String>,

    /// An extra header, `Name: value`; repeatable.
    #[arg(long = "header", value_name = "'NAME: VALUE'")]
    pub headers: Vec<String>,

    /// The message's priority.
    #[arg(long, env = "BUILDMAIL_PRIORITY", value_enum, default_value_t = Priority::Normal)]
    pub priority: Priority,

    /// The Message-ID this message replies to (threads build mails together).
    #[arg(long, env = "BUILDMAIL_IN_REPLY_TO", value_name = "ID")]
    pub in_reply_to: Option<String>,

    /// The SMTP envelope sender, when it must differ from --from.
    #[arg(long, env = "BUILDMAIL_ENVELOPE_FROM", value_name = "ADDR")]
    pub envelope_from: Option<String>,

    /// The SMTP envelope recipients, when they must differ from --to/--cc/--bcc; repeatable.
    #[arg(
        long,
        env = "BUILDMAIL_ENVELOPE_TO",
        value_name = "ADDR",
        value_delimiter = ','
    )]
    pub envelope_to: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Priority {
    High,
    Normal,
    Low,
}

pub fn run(args: SendArgs) -> anyhow::Result<Exit> {
    let message = build(&args.addresses, &args.message)?;
    if args.addresses.dry_run {
        return print_dry_run(&message);
    }
    deliver_and_report(&args.smtp, message)
}

/// The message the flags describe; bad addresses, files and headers are bad input (exit 65).
pub fn build(addresses: &AddressArgs, args: &MessageArgs) -> anyhow::Result<Message> {
    if args.markdown || !args.attach.is_empty() {
        let flag = if args.markdown {
            "--markdown"
        } else {
            "--attach"
        };
        return Err(UserError::new(
            Exit::Usage,
            format!("{flag} is not available in this build yet"),
        )
        .into());
    }
    let from = addresses
        .from
        .as_deref()
        .ok_or_else(|| UserError::bad_input("no sender: pass --from or set BUILDMAIL_FROM"))?;
    let mut builder = Message::builder()
        .from(mailbox("--from", from)?)
        .subject(args.subject.clone())
        .message_id(Some(message_id(args.message_id.as_deref())));
    for to in &addresses.to {
        builder = builder.to(mailbox("--to", to)?);
    }
    for cc in &addresses.cc {
        builder = builder.cc(mailbox("--cc", cc)?);
    }
    for bcc in &addresses.bcc {
        builder = builder.bcc(mailbox("--bcc", bcc)?);
    }
    if let Some(reply_to) = &addresses.reply_to {
        builder = builder.reply_to(mailbox("--reply-to", reply_to)?);
    }
    if let Some(id) = &args.in_reply_to {
        let id = angle_bracketed(id);
        builder = builder.in_reply_to(id.clone()).references(id);
    }
    for header in priority_headers(args.priority).iter().chain(&args.headers) {
        builder = builder.raw_header(raw_header(header)?);
    }
    let recipients = addresses.to.len() + addresses.cc.len() + addresses.bcc.len();
    if recipients == 0 && args.envelope_to.is_empty() {
        return Err(UserError::bad_input("no recipient: pass --to, --cc or --bcc").into());
    }
    if args.envelope_from.is_some() || !args.envelope_to.is_empty() {
        builder = builder.envelope(envelope(from, addresses, args)?);
    }
    let text = body(args)?;
    let message = match &args.html_file {
        Some(path) => {
            let html = std::fs::read_to_string(path)
                .with_context(|| format!("reading --html-file {}", path.display()))?;
            builder.multipart(MultiPart::alternative_plain_html(text, html))
        }
        None => builder.singlepart(SinglePart::plain(text)),
    };
    message.map_err(|e| UserError::bad_input(format!("the message cannot be built: {e}")).into())
}

fn mailbox(flag: &str, text: &str) -> anyhow::Result<Mailbox> {
    text.trim().parse().map_err(|e| {
        UserError::bad_input(format!(
            "{flag} {text:?} is not an email address ({e}): write a@example.com or \"Name <a@example.com>\""
        ))
        .into()
    })
}

fn address(flag: &str, text: &str) -> anyhow::Result<Address> {
    Ok(mailbox(flag, text)?.email)
}

fn envelope(from: &str, addresses: &AddressArgs, args: &MessageArgs) -> anyhow::Result<Envelope> {
    let sender = match &args.envelope_from {
        Some(text) => address("--envelope-from", text)?,
        None => address("--from", from)?,
    };
    let recipients = if args.envelope_to.is_empty() {
        let all = addresses
            .to
            .iter()
            .chain(&addresses.cc)
            .chain(&addresses.bcc);
        all.map(|text| address("--to", text))
            .collect::<anyhow::Result<_>>()?
    } else {
        let listed = args.envelope_to.iter();
        listed
            .map(|text| address("--envelope-to", text))
            .collect::<anyhow::Result<_>>()?
    };
    Envelope::new(Some(sender), recipients)
        .map_err(|e| UserError::bad_input(format!("the envelope is invalid: {e}")).into())
}

fn body(args: &MessageArgs) -> anyhow::Result<String> {
    match (&args.body, &args.body_file) {
        (Some(text), _) => Ok(text.clone()),
        (None, Some(path)) if path.as_os_str() == "-" => {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .context("reading the body from stdin (--body-file -)")?;
            Ok(text)
        }
        (None, Some(path)) => std::fs::read_to_string(path)
            .with_context(|| format!("reading --body-file {}", path.display())),
        (None, None) => Ok(String::new()),
    }
}

/// A `--header 'Name: value'`: the name a header field name, the value one line.
fn raw_header(text: &str) -> anyhow::Result<HeaderValue> {
    let bad = |why: &str| -> anyhow::Error {
        UserError::bad_input(format!(
            "--header {text:?} {why}: write --header 'X-Name: value'"
        ))
        .into()
    };
    let (name, value) = text.split_once(':').ok_or_else(|| bad("has no colon"))?;
    let (name, value) = (name.trim(), value.trim());
    let is_field_char = |b: u8| b.is_ascii_graphic() && b != b':';
    if name.is_empty() || !name.bytes().all(is_field_char) {
        return Err(bad("has no valid header name"));
    }
    if value.contains(['\r', '\n']) {
        return Err(bad("spans several lines"));
    }
    let name =
        HeaderName::new_from_ascii(name.to_owned()).map_err(|_| bad("has no valid header name"))?;
    Ok(HeaderValue::new(name, value.to_owned()))
}

fn priority_headers(priority: Priority) -> Vec<String> {
    let (x_priority, importance) = match priority {
        Priority::High => ("1 (Highest)", "high"),
        Priority::Normal => return Vec::new(),
        Priority::Low => ("5 (Lowest)", "low"),
    };
    vec![
        format!("X-Priority: {x_priority}"),
        format!("Importance: {importance}"),
    ]
}

fn message_id(given: Option<&str>) -> String {
    match given {
        Some(id) => angle_bracketed(id),
        None => format!(
            "<{:016x}{:08x}@buildmail>",
            fastrand::u64(..),
            fastrand::u32(..)
        ),
    }
}

fn angle_bracketed(id: &str) -> String {
    let id = id.trim().trim_start_matches('<').trim_end_matches('>');
    format!("<{id}>")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_must_be_one_line_with_a_name() {
        assert!(raw_header("X-Build: 42").is_ok());
        assert!(raw_header("no colon").is_err());
        assert!(raw_header(": empty name").is_err());
        assert!(raw_header("X-Bad Name: v").is_err());
        assert!(raw_header("X-Inject: a\r\nBcc: evil@example.com").is_err());
    }

    #[test]
    fn message_ids_get_angle_brackets_once() {
        assert_eq!(message_id(Some("abc@x")), "<abc@x>");
        assert_eq!(message_id(Some("<abc@x>")), "<abc@x>");
        assert!(message_id(None).ends_with("@buildmail>"));
    }
}
