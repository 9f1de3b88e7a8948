//! One step, in order: mask the secrets, read the inputs, scan the logs, read the run's build,
//! decide whether to send, compose ([`crate::message`]), send through the core's `Delivery`,
//! keep a deferred message in the outbox, then tell the runner and GitHub ([`crate::step_report`]).

use std::io::Write;

use anyhow::Context as _;
use buildmail_core::ci::{self, Build, BuildStatus};
use buildmail_core::notify::Decision;
use buildmail_core::sending::Sending;
use buildmail_core::{Delivery, DeliverySettings};

use crate::exit::{Exit, StepError};
use crate::github::previous::Previous;
use crate::github::{GitHub, RunContext};
use crate::inputs::{InputError, RawInputs};
use crate::message::{self, config};
use crate::scan_logs;
use crate::spelling::spell;
use crate::step_report::StepReport;
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
    let dir = std::env::current_dir().context("reading the working directory")?;
    let mut annotations = Annotations::default();
    for input in &inputs.ignored {
        annotations.push(Annotation::new(Level::Warning, format!("{input} is ignored"), format!("{input}: buildmail does not use nodemailer's logging; the job summary lists every attempt")));
    }
    scan_logs::annotate(&inputs.scan_logs, &dir, &mut annotations);
    let ci::Detected {
        mut build,
        warnings,
    } = ci::detect(env, &dir);
    // A workflow_run's payload tells how the run it reports on ended; `status` is this job's.
    build.status = build.status.or(inputs.status);
    build.previous_status =
        previous(inputs, &build, github.as_ref(), context, &mut annotations).await;
    if let Decision::Skip(reason) = decide(inputs, &build)? {
        let skipped = StepReport::skipped(reason);
        return skipped
            .tell(inputs, env, github.as_ref(), context, annotations, out)
            .await;
    }
    let (message, compose_warnings) = message::compose(inputs, build)?;
    let delivery = delivery(inputs)?;
    let sending = Sending {
        warnings: warnings.into_iter().chain(compose_warnings).collect(),
        outbox: inputs.outbox.clone(),
        ..Sending::new(message)
    };
    let report = sending.run(&delivery, &mut |_| {}).await;
    let step_report = StepReport::of(report, inputs.fail_on_error);
    step_report
        .tell(inputs, env, github.as_ref(), context, annotations, out)
        .await
}

/// Whether to send, by `notify_when` (always, without it).
fn decide(inputs: &RawInputs, build: &Build) -> anyhow::Result<Decision> {
    let Some(when) = inputs.notify_when else {
        return Ok(Decision::Send);
    };
    let status = build
        .status
        .ok_or_else(|| StepError::config("status: notify_when needs this job's status; the action passes ${{ job.status }} unless you empty it"))?;
    Ok(when.decide(status, build.previous_status))
}

/// How the previous run ended: `previous_status`, or, when `notify_when` or the notification's
/// wording needs it, the previous run from the API; an API that cannot tell costs a warning and
/// the trigger decides as with no previous run known.
async fn previous(
    inputs: &RawInputs,
    build: &Build,
    github: Option<&GitHub>,
    context: Option<&RunContext>,
    annotations: &mut Annotations,
) -> Option<BuildStatus> {
    if let Some(previous) = inputs.previous_status.or(build.previous_status) {
        return Some(previous);
    }
    let composing = inputs.body.is_none();
    let (Some(github), Some(run), true) =
        (github, context, inputs.notify_when.is_some() || composing)
    else {
        return None;
    };
    match github.previous_run(run.reported_run_id).await {
        Ok(Previous::Found { status, .. }) => Some(status),
        Ok(Previous::None) => None,
        Err(error) => {
            let when = inputs
                .notify_when
                .map(|when| {
                    format!("; notify_when: {when} decides as if there were no previous run")
                })
                .unwrap_or_default();
            annotations.push(Annotation::new(
                Level::Warning,
                "previous run unknown",
                format!("{error}{when}"),
            ));
            None
        }
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
