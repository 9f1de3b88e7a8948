//! The message a step sends. With `subject` and `body`, the mail as written, as
//! dawidd6/action-send-mail sends it. Without one of them, the build notification the core
//! renders for the run ([`buildmail_core::notify`]), the `log_file`'s tail in it when the build
//! did not pass; a `subject` or `body` that is given replaces its part of it.

use std::path::Path;

use anyhow::Context as _;
use buildmail_core::Outgoing;
use buildmail_core::ci::Build;
use buildmail_core::compose::{self, Attacher, Draft, SizePolicy, markdown};
use buildmail_core::logtail::{self, Tail, TailOptions};
use buildmail_core::notify::{Notification, Templates};
use buildmail_core::settings::spell_placeholders;

use crate::exit::StepError;
use crate::inputs::{InputError, RawInputs};
use crate::spelling::spell;

/// The message to send and the warnings of composing it (a log that could not be read, an
/// attachment left out): none of them stops the mail.
pub fn compose(inputs: &RawInputs, build: &Build) -> anyhow::Result<(Outgoing, Vec<String>)> {
    let mut warnings = Vec::new();
    let addressed = addressed(inputs)?;
    let mut draft = match (&inputs.subject, &inputs.body) {
        (Some(subject), Some(body)) => {
            if inputs.log_file.is_some() {
                warnings.push("log_file: its tail goes into the notification buildmail composes, which subject and body replace here; attach the log with attachments".to_owned());
            }
            Draft {
                subject: subject.read("subject").map_err(config)?,
                text: body.read("body").map_err(config)?,
                ..addressed
            }
        }
        _ => notification(inputs, build, addressed, &mut warnings)?,
    };
    if let Some(html) = &inputs.html_body {
        let html = html.read("html_body").map_err(config)?;
        draft.html = Some(match inputs.convert_markdown {
            true => markdown::to_html_document(&html),
            false => html,
        });
    }
    draft.attachments = attachments(&inputs.attachments, &mut warnings)?;
    let message = draft
        .build()
        .map_err(|e| StepError::bad_input(e.to_string()))?;
    Ok((Outgoing::from_message(&message), warnings))
}

/// The notification for `build`, rendered by the core with its built-in templates.
// TODO(issue 9): `notify::Request { .. }.compose()` replaces this and the CLI's copy of it.
fn notification(
    inputs: &RawInputs,
    build: &Build,
    addressed: Draft,
    warnings: &mut Vec<String>,
) -> anyhow::Result<Draft> {
    let tail = inputs
        .log_file
        .as_deref()
        .and_then(|path| log_tail(path, warnings));
    let mut templates = Templates::builtin();
    if let Some(subject) = &inputs.subject {
        templates = templates.with_plain_subject(subject.read("subject").map_err(config)?);
    }
    let domain = compose::sender_domain(&addressed.from).unwrap_or("buildmail.invalid");
    let mail = Notification::render(build, tail.as_ref(), &templates, domain)
        .map_err(|e| StepError::config(spell_placeholders(&e.to_string(), spell)))?;
    let mut draft = mail.into_draft(addressed);
    if let Some(body) = &inputs.body {
        draft.text = body.read("body").map_err(config)?;
        draft.html = None;
    }
    if let Some(in_reply_to) = &inputs.in_reply_to {
        draft.in_reply_to = Some(in_reply_to.clone());
        draft.references = vec![in_reply_to.clone()];
    }
    Ok(draft)
}

/// The last lines of `log_file`, or a warning: a missing log does not stop the notification.
fn log_tail(path: &Path, warnings: &mut Vec<String>) -> Option<Tail> {
    logtail::tail_file(path, TailOptions::default())
        .map_err(|error| {
            warnings.push(format!(
                "log_file: reading {}: {error}; the notification goes without it",
                buildmail_core::untrusted::path(path)
            ));
        })
        .ok()
}

/// A draft with the addresses, headers and priority of the inputs, and nothing to say yet.
fn addressed(inputs: &RawInputs) -> anyhow::Result<Draft> {
    let from = inputs.from.clone().ok_or_else(|| {
        config(InputError::new(
            "from",
            "who sends the mail: write ci@example.com or 'CI <ci@example.com>'",
        ))
    })?;
    if inputs.to.is_empty() && inputs.cc.is_empty() && inputs.bcc.is_empty() {
        return Err(config(InputError::new(
            "to",
            "nobody to send to: set to, cc or bcc",
        )));
    }
    Ok(Draft {
        from,
        to: inputs.to.clone(),
        cc: inputs.cc.clone(),
        bcc: inputs.bcc.clone(),
        reply_to: inputs.reply_to.clone(),
        in_reply_to: inputs.in_reply_to.clone(),
        references: inputs.in_reply_to.iter().cloned().collect(),
        headers: inputs.headers.clone(),
        priority: inputs.priority.unwrap_or_default(),
        envelope_from: inputs.envelope_from.clone(),
        envelope_to: inputs.envelope_to.clone(),
        ..Draft::default()
    })
}

fn attachments(
    patterns: &[String],
    warnings: &mut Vec<String>,
) -> anyhow::Result<Vec<compose::Attachment>> {
    let dir = std::env::current_dir().context("reading the working directory")?;
    let mut attacher = Attacher::new(SizePolicy::default());
    for pattern in patterns {
        attacher
            .add_pattern(pattern, &dir)
            .map_err(|e| StepError::bad_input(format!("attachments: {e}")))?;
    }
    let collected = attacher.finish();
    warnings.extend(collected.notes());
    Ok(collected.attachments)
}

/// An input error as the step's configuration error (exit 78).
pub fn config(error: InputError) -> anyhow::Error {
    StepError::config(error.to_string()).into()
}
