//! The message a step sends. With `subject` and `body`, the mail as written, as
//! dawidd6/action-send-mail sends it. Without `body`, the build notification the core composes
//! for the run ([`buildmail_core::notify::Request`], as `buildmail notify` does), with `subject`
//! as its subject when given and the `log_file`'s tail when the build did not pass.

use std::path::PathBuf;

use anyhow::Context as _;
use buildmail_core::Outgoing;
use buildmail_core::ci::Build;
use buildmail_core::compose::gather::AttachmentRequest;
use buildmail_core::compose::{Addressing, Draft, markdown};
use buildmail_core::notify::{
    Composed, FromChanges, LogRequest, NotifyError, Overrides, Request, TemplateFiles, Trigger,
};
use buildmail_core::settings::spell_placeholders;

use crate::exit::StepError;
use crate::inputs::{InputError, RawInputs};
use crate::spelling::spell;

/// How many lines of `log_file` the notification quotes.
const LOG_LINES: usize = 50;

/// The message to send for the run's `build` (its status and previous status decided), and the
/// warnings of composing it (a log or an attachment left out): none of them stops the mail.
pub fn compose(inputs: &RawInputs, build: Build) -> anyhow::Result<(Outgoing, Vec<String>)> {
    let addressed = addressed(inputs)?;
    let attachments = AttachmentRequest {
        patterns: inputs.attachments.clone(),
        dir: std::env::current_dir().context("reading the working directory")?,
        ..AttachmentRequest::default()
    };
    let (outgoing, warnings) = match (&inputs.subject, &inputs.body) {
        (Some(subject), Some(body)) => written(inputs, subject, body, addressed, &attachments)?,
        (None, Some(_)) => {
            return Err(config(InputError::new(
                "subject",
                "body is given without a subject: set subject too, or leave body empty to send the build notification",
            )));
        }
        (subject, None) => notification(inputs, subject.as_ref(), build, addressed, attachments)?,
    };
    // The report spells the settings the warnings name (`{log}`), with the delivery's own.
    Ok((outgoing, warnings))
}

/// `subject` and `body` as written, with `html_body` and the attachments.
fn written(
    inputs: &RawInputs,
    subject: &crate::inputs::Text,
    body: &crate::inputs::Text,
    addressed: Draft,
    attachments: &AttachmentRequest,
) -> anyhow::Result<(Outgoing, Vec<String>)> {
    let mut warnings = Vec::new();
    if inputs.log_file.is_some() {
        warnings.push("log_file: its tail goes into the build notification, which subject and body replace here; attach the log with attachments".to_owned());
    }
    let html = match &inputs.html_body {
        Some(html) => Some(html.read("html_body").map_err(config)?),
        None => None,
    };
    let (attachments, attach_warnings) = attachments
        .gather()
        .map_err(|e| StepError::bad_input(format!("attachments: {e}")))?;
    warnings.extend(attach_warnings);
    let draft = Draft {
        subject: subject.read("subject").map_err(config)?,
        text: body.read("body").map_err(config)?,
        html: html.map(|html| match inputs.convert_markdown {
            true => markdown::to_html_document(&html),
            false => html,
        }),
        attachments,
        ..addressed
    };
    let message = draft
        .build()
        .map_err(|e| StepError::bad_input(e.to_string()))?;
    Ok((message, warnings))
}

/// The build notification, composed by the core. `notify_when` has decided already (with the
/// previous run from the API), so the request always sends.
fn notification(
    inputs: &RawInputs,
    subject: Option<&crate::inputs::Text>,
    build: Build,
    addressed: Draft,
    attachments: AttachmentRequest,
) -> anyhow::Result<(Outgoing, Vec<String>)> {
    let mut warnings = Vec::new();
    for (given, input) in [
        (inputs.html_body.is_some(), "html_body"),
        (inputs.in_reply_to.is_some(), "in_reply_to"),
    ] {
        if given {
            warnings.push(format!("{input}: the build notification has its own (its HTML body, its thread); set body to send your own mail"));
        }
    }
    let request = Request {
        build,
        overrides: Overrides::default(),
        when: Trigger::Always,
        templates: TemplateFiles {
            subject: subject
                .map(|s| s.read("subject"))
                .transpose()
                .map_err(config)?,
            ..TemplateFiles::default()
        },
        log: inputs.log_file.clone().map(|path: PathBuf| LogRequest {
            path,
            lines: LOG_LINES,
            pattern: None,
        }),
        attachments,
        // The Action has no inputs for test results or recipients from the changes yet.
        test_results: Vec::new(),
        from_changes: FromChanges::default(),
        addresses: addressed,
    };
    match request.compose() {
        Ok(Composed::Message {
            message,
            warnings: composed,
            ..
        }) => {
            warnings.extend(composed);
            Ok((message, warnings))
        }
        Ok(Composed::Skipped { reason }) => Err(StepError::config(reason).into()),
        Err(NotifyError::NoStatus) => Err(config(InputError::new(
            "status",
            "the build status is unknown: set status (the action passes ${{ job.status }})",
        ))),
        Err(error) => {
            Err(StepError::bad_input(spell_placeholders(&error.to_string(), spell)).into())
        }
    }
}

/// A draft with the addresses, headers, priority and envelope of the inputs, nothing said yet.
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
    let addressing = Addressing {
        from,
        to: inputs.to.clone(),
        cc: inputs.cc.clone(),
        bcc: inputs.bcc.clone(),
        reply_to: inputs.reply_to.clone(),
        in_reply_to: inputs.in_reply_to.clone(),
        headers: inputs.headers.clone(),
        priority: inputs.priority.unwrap_or_default(),
        envelope_from: inputs.envelope_from.clone(),
        envelope_to: inputs.envelope_to.clone(),
    };
    Ok(addressing.draft())
}

/// An input error as the step's configuration error (exit 78).
pub fn config(error: InputError) -> anyhow::Error {
    StepError::config(error.to_string()).into()
}
