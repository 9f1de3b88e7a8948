//! One step, in order: mask the secrets, read the inputs, decide whether to send, send, then
//! tell the runner and GitHub ([`crate::outcome`]).
//!
//! Until the core refactor (issue 9) lands, this sends the simplest message: the `subject` and
//! `body` the user gave, through the core's `Delivery`. The TODOs name the core API that
//! replaces each piece here.

use std::io::Write;

use anyhow::Context as _;
use buildmail_core::ci;
use buildmail_core::compose::gather::AttachmentRequest;
use buildmail_core::compose::{Attacher, Draft, SizePolicy, markdown};
use buildmail_core::notify::{
    Composed, Decision, FromChanges, LogRequest, NotifyError, Overrides, Request, TemplateFiles,
    Trigger,
};
use buildmail_core::{Delivery, DeliverySettings, Outgoing};

use crate::exit::{Exit, StepError};
use crate::github::previous::Previous;
use crate::github::{GitHub, RunContext};
use crate::inputs::{InputError, RawInputs};
use crate::outcome::Outcome;
use crate::spelling::spell;
use crate::workflow::{Annotation, Annotations, Commands, Level};

/// Runs the step with the environment `env` (the process's, or a test's).
pub fn run(env: impl Fn(&str) -> Option<String>) -> anyhow::Result<Exit> {
    let mut stdout = Commands::new(std::io::stdout().lock());
    mask_secrets(&env, &mut stdout).context("writing to stdout")?;
    let inputs = RawInputs::read(&env).map_err(config)?;
    let context = RunContext::read(&env)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(step(&inputs, context.as_ref(), &env, &mut stdout))
}

/// Masks the password, the connection URL's password (as typed and decoded) and the token,
/// from the raw variables: before any input is parsed, so that not even a parse error can
/// print one.
fn mask_secrets(
    env: &impl Fn(&str) -> Option<String>,
    out: &mut Commands<impl Write>,
) -> std::io::Result<()> {
    let mut secrets: Vec<String> = ["INPUT_PASSWORD", "INPUT_GITHUB_TOKEN"]
        .iter()
        .filter_map(|name| env(name))
        .collect();
    let url = env("INPUT_CONNECTION_URL").and_then(|url| url::Url::parse(url.trim()).ok());
    if let Some(password) = url.as_ref().and_then(|url| url.password()) {
        secrets.push(password.to_owned());
        let decoded = percent_encoding::percent_decode_str(password).decode_utf8_lossy();
        secrets.push(decoded.into_owned());
    }
    secrets.sort();
    secrets.dedup();
    for secret in secrets.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
        out.mask(secret)?;
    }
    Ok(())
}

async fn step(
    inputs: &RawInputs,
    context: Option<&RunContext>,
    env: &impl Fn(&str) -> Option<String>,
    out: &mut Commands<impl Write>,
) -> anyhow::Result<Exit> {
    let github = match (&inputs.github_token, context) {
        (Some(token), Some(run)) => Some(GitHub::new(&run.api_url, token, &run.repository)?),
        _ => None,
    };
    let mut annotations = Annotations::default();
    for input in &inputs.ignored {
        annotations.push(Annotation::new(Level::Warning, format!("{input} is ignored"), format!("{input}: buildmail does not use nodemailer's logging; the job summary lists every attempt")));
    }
    if let Decision::Skip(reason) =
        decide(inputs, github.as_ref(), context, &mut annotations).await?
    {
        let outcome = Outcome::skipped(reason);
        return outcome
            .tell(inputs, env, github.as_ref(), context, annotations, out)
            .await;
    }
    let (outgoing, warnings) = compose(inputs, env)?;
    let delivery = delivery(inputs)?;
    annotations_from(&warnings, &mut annotations);
    let report = delivery.send(&outgoing, &mut |_| {}).await;
    let outcome = Outcome::of(report, inputs.fail_on_error);
    outcome
        .tell(inputs, env, github.as_ref(), context, annotations, out)
        .await
}

/// Whether to send, by `notify_when` (always, without it): with `previous_status`, or the
/// previous run from the API; an API that cannot tell costs a warning and the trigger decides
/// as with no previous run known.
async fn decide(
    inputs: &RawInputs,
    github: Option<&GitHub>,
    context: Option<&RunContext>,
    annotations: &mut Annotations,
) -> anyhow::Result<Decision> {
    let Some(when) = inputs.notify_when else {
        return Ok(Decision::Send);
    };
    let status = inputs
        .status
        .ok_or_else(|| StepError::config("status: notify_when needs this job's status; the action passes ${{ job.status }} unless you empty it"))?;
    let previous = match (inputs.previous_status, github, context) {
        (Some(previous), _, _) => Some(previous),
        (None, Some(github), Some(run)) => match github.previous_run(run.run_id).await {
            Ok(Previous::Found { status, .. }) => Some(status),
            Ok(Previous::None) => None,
            Err(error) => {
                annotations.push(Annotation::new(
                    Level::Warning,
                    "previous run unknown",
                    format!(
                        "{error}; notify_when: {when} decides as if there were no previous run"
                    ),
                ));
                None
            }
        },
        (None, _, _) => None,
    };
    Ok(when.decide(status, previous))
}

/// The message from `subject`, `body` and the address inputs; without a `body`, the build
/// notification the core composes from the run.
fn compose(
    inputs: &RawInputs,
    env: &impl Fn(&str) -> Option<String>,
) -> anyhow::Result<(Outgoing, Vec<String>)> {
    let from = sender(inputs)?;
    let (Some(subject), Some(body)) = (&inputs.subject, &inputs.body) else {
        return notification(inputs, env, from);
    };
    let html = match &inputs.html_body {
        Some(html) if inputs.convert_markdown => Some(markdown::to_html_document(
            &html.read("html_body").map_err(config)?,
        )),
        Some(html) => Some(html.read("html_body").map_err(config)?),
        None => None,
    };
    let (attachments, warnings) = attachments(&inputs.attachments)?;
    let draft = Draft {
        from,
        to: inputs.to.clone(),
        cc: inputs.cc.clone(),
        bcc: inputs.bcc.clone(),
        reply_to: inputs.reply_to.clone(),
        subject: subject.read("subject").map_err(config)?,
        text: body.read("body").map_err(config)?,
        html,
        attachments,
        in_reply_to: inputs.in_reply_to.clone(),
        references: inputs.in_reply_to.iter().cloned().collect(),
        headers: inputs.headers.clone(),
        priority: inputs.priority.unwrap_or_default(),
        envelope_from: inputs.envelope_from.clone(),
        envelope_to: inputs.envelope_to.clone(),
        ..Draft::default()
    };
    let message = draft
        .build()
        .map_err(|e| StepError::bad_input(e.to_string()))?;
    Ok((Outgoing::from_message(&message), warnings))
}

/// Who sends, and that somebody receives: both are needed whatever composes the message.
fn sender(inputs: &RawInputs) -> anyhow::Result<String> {
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
    Ok(from)
}

/// The build notification, composed by the core from the run (GitHub's variables), `status`,
/// `subject` when given, `log_file` and `attachments`.
fn notification(
    inputs: &RawInputs,
    env: &impl Fn(&str) -> Option<String>,
    from: String,
) -> anyhow::Result<(Outgoing, Vec<String>)> {
    let dir = std::env::current_dir().context("reading the working directory")?;
    let detected = ci::detect(env, &dir);
    let subject = match &inputs.subject {
        Some(subject) => Some(subject.read("subject").map_err(config)?),
        None => None,
    };
    let request = Request {
        build: detected.build,
        overrides: Overrides {
            status: inputs.status,
            previous_status: inputs.previous_status,
            ..Overrides::default()
        },
        // `notify_when` has decided already (with the previous run from the API).
        when: Trigger::Always,
        templates: TemplateFiles {
            subject,
            ..TemplateFiles::default()
        },
        log: inputs.log_file.clone().map(|path| LogRequest {
            path,
            lines: 50,
            pattern: None,
        }),
        attachments: AttachmentRequest {
            patterns: inputs.attachments.clone(),
            dir,
            ..AttachmentRequest::default()
        },
        test_results: Vec::new(),
        from_changes: FromChanges::default(),
        addresses: Draft {
            from,
            to: inputs.to.clone(),
            cc: inputs.cc.clone(),
            bcc: inputs.bcc.clone(),
            reply_to: inputs.reply_to.clone(),
            ..Draft::default()
        },
    };
    let spelled = |text: String| buildmail_core::settings::spell_placeholders(&text, spell);
    match request.compose() {
        Ok(Composed::Message {
            message, warnings, ..
        }) => {
            let mut all = detected.warnings;
            all.extend(warnings.into_iter().map(spelled));
            Ok((Outgoing::from_message(&message), all))
        }
        Ok(Composed::Skipped { reason }) => Err(StepError::config(spelled(reason)).into()),
        Err(NotifyError::NoStatus) => Err(config(InputError::new(
            "status",
            "the build status is unknown: set status (the action passes ${{ job.status }})",
        ))),
        Err(error) => Err(StepError::bad_input(spelled(error.to_string())).into()),
    }
}

fn attachments(
    patterns: &[String],
) -> anyhow::Result<(Vec<buildmail_core::compose::Attachment>, Vec<String>)> {
    let dir = std::env::current_dir().context("reading the working directory")?;
    let mut attacher = Attacher::new(SizePolicy::default());
    for pattern in patterns {
        attacher
            .add_pattern(pattern, &dir)
            .map_err(|e| StepError::bad_input(format!("attachments: {e}")))?;
    }
    let collected = attacher.finish();
    let warnings = collected.notes();
    Ok((collected.attachments, warnings))
}

fn annotations_from(warnings: &[String], annotations: &mut Annotations) {
    for warning in warnings {
        annotations.push(Annotation::new(
            Level::Warning,
            "attachment left out",
            buildmail_core::settings::spell_placeholders(warning, spell),
        ));
    }
}

/// The relays, TLS trust and retry policy from the inputs, checked by the core; its error names
/// the input to fix.
fn delivery(inputs: &RawInputs) -> anyhow::Result<Delivery> {
    let connection = inputs.connection.as_ref().ok_or_else(|| {
        config(InputError::new(
            "server_address",
            "no SMTP server: set server_address (or connection_url)",
        ))
    })?;
    let settings = DeliverySettings {
        smtp_url: Some(connection.url()),
        username: connection.username.clone(),
        password: connection.password.clone(),
        fallback_smtp_urls: inputs.fallback_servers.clone(),
        ca_file: inputs.ca_file.clone(),
        insecure_skip_verify: inputs.ignore_cert,
        retry_budget: inputs.retry_budget,
        max_attempts: inputs.max_attempts,
        ..DeliverySettings::default()
    };
    settings
        .build()
        .map_err(|error| StepError::config(error.spelled(spell)).into())
}

fn config(error: InputError) -> anyhow::Error {
    StepError::config(error.to_string()).into()
}
