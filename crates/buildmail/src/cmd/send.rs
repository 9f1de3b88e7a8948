//! `buildmail send`: one message from flags, delivered with retries (see [`super::deliver`]).

use std::io::Read as _;
use std::path::PathBuf;

use anyhow::Context as _;
use buildmail_core::Outgoing;
use buildmail_core::compose::gather::AttachmentRequest;
use buildmail_core::compose::{self, Addressing, Draft, Priority, markdown};
use buildmail_core::sending::Sending;
use buildmail_core::settings::spell_placeholders;

pub use super::deliver::{deliver_and_report, print_dry_run};
use crate::cmd::choices::Choices;
use crate::cmd::common::{AddressArgs, SmtpArgs};
use crate::exit::{Exit, UserError};
use crate::spelling::spell;

#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  \
    export BUILDMAIL_SMTP_PASSWORD=...   # the secret, never on the command line\n  \
    buildmail send --smtp-url smtp://ci@smtp.example.com:587 --from ci@example.com \\\n    \
    --to dev@example.com --subject 'build 42 passed' --body 'All green.'\n  \
    buildmail send --smtp-url smtps://smtp.example.com --to '\"Doe, Jane\" <jane@example.com>' \\\n    \
    --from ci@example.com --subject report --body-file report.md --markdown --attach 'out/*.xml'\n  \
    buildmail send ... --outbox .buildmail-outbox --output json --transcript")]
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

    /// Attach files: paths or globs (`reports/**/*.xml`); repeatable and comma-separated.
    /// A file that would take the total over 10 MiB is left out with a warning.
    #[arg(
        long,
        env = "BUILDMAIL_ATTACH",
        value_name = "GLOB",
        value_delimiter = ','
    )]
    pub attach: Vec<String>,

    /// Also attach files from under this directory (repeatable). Without it, only files whose
    /// real path is under the working directory are attached; links out of it are refused.
    #[arg(
        long,
        env = "BUILDMAIL_ALLOW_ATTACH_FROM",
        value_name = "DIR",
        value_delimiter = ','
    )]
    pub allow_attach_from: Vec<PathBuf>,

    /// The Message-ID (default: generated once, identical on every retry).
    #[arg(long, env = "BUILDMAIL_MESSAGE_ID", value_name = "ID")]
    pub message_id: Option<String>,

    /// An extra header, `Name: value`; repeatable.
    #[arg(long = "header", value_name = "'NAME: VALUE'")]
    pub headers: Vec<String>,

    /// The message's priority.
    #[arg(long, env = "BUILDMAIL_PRIORITY", value_parser = priorities(), default_value = "normal")]
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

/// The words `--priority` takes, in its help and its completions.
pub fn priorities() -> Choices<Priority> {
    Choices::new(["high", "normal", "low"])
}

pub fn run(mut args: SendArgs) -> anyhow::Result<Exit> {
    args.smtp.apply_config(Some(&mut args.addresses.from))?;
    required(&args)?;
    let (message, warnings) = build(&args.addresses, &args.message)?;
    if args.addresses.dry_run {
        return print_dry_run(&message, &warnings);
    }
    let sending = Sending {
        warnings,
        ..Sending::new(message)
    };
    deliver_and_report(&args.smtp, sending)
}

/// A sender and a recipient are what a message cannot go without: when one is missing, a usage
/// error (exit 2) names every flag still to give, with an example, instead of the core's
/// complaint about an empty address. A missing `--smtp-url` alone stays a configuration error.
fn required(args: &SendArgs) -> Result<(), UserError> {
    let addresses = &args.addresses;
    let no_recipient = [&addresses.to, &addresses.cc, &addresses.bcc]
        .iter()
        .all(|list| list.is_empty());
    let missing: Vec<&str> = [
        (addresses.from.is_none(), "--from ADDR"),
        (no_recipient, "--to ADDR"),
        (
            args.smtp.smtp_url.is_none() && !addresses.dry_run,
            "--smtp-url URL",
        ),
    ]
    .into_iter()
    .filter_map(|(missing, flag)| missing.then_some(flag))
    .collect();
    if addresses.from.is_some() && !no_recipient {
        return Ok(());
    }
    Err(UserError::new(
        Exit::Usage,
        format!(
            "missing {}: for example\n  buildmail send --smtp-url smtp://smtp.example.com:587 \
             --from ci@example.com --to dev@example.com --subject 'build 42 passed' --body 'All \
             green.'\n(each flag can also come from the environment: BUILDMAIL_SMTP_URL, \
             BUILDMAIL_FROM, BUILDMAIL_TO; `buildmail demo` shows a delivery with no setup)",
            missing.join(", ")
        ),
    ))
}

/// The message the flags describe, with warnings (an attachment left out); bad addresses, files
/// and headers are bad input (exit 65).
pub fn build(
    addresses: &AddressArgs,
    args: &MessageArgs,
) -> anyhow::Result<(Outgoing, Vec<String>)> {
    let text = body(args)?;
    let html = match (&args.html_file, args.markdown) {
        (Some(path), _) => Some(
            std::fs::read_to_string(path)
                .with_context(|| format!("reading --html-file {}", path.display()))?,
        ),
        (None, true) => Some(markdown::to_html_document(&text)),
        (None, false) => None,
    };
    let dir = std::env::current_dir().context("reading the current directory")?;
    let request = AttachmentRequest {
        patterns: args.attach.clone(),
        log: None,
        dir,
        allowed: args.allow_attach_from.clone(),
    };
    let (attachments, warnings) = request
        .gather()
        .map_err(|e| UserError::bad_input(e.to_string()))?;
    let addressing = Addressing {
        in_reply_to: args.in_reply_to.clone(),
        headers: split_headers(&args.headers)?,
        priority: args.priority,
        envelope_from: args.envelope_from.clone(),
        envelope_to: args.envelope_to.clone(),
        ..addresses.addressing()
    };
    let draft = Draft {
        subject: args.subject.clone(),
        text,
        html,
        attachments,
        message_id: args.message_id.clone(),
        ..addressing.draft()
    };
    let message = draft
        .build()
        .map_err(|e| UserError::bad_input(e.to_string()))?;
    Ok((message, warnings))
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

/// Every `--header`, split by the core; the first that is not one line with a colon is bad input.
pub fn split_headers(headers: &[String]) -> Result<Vec<(String, String)>, UserError> {
    compose::split_headers(headers)
        .map_err(|error| UserError::bad_input(spell_placeholders(&error, spell)))
}
