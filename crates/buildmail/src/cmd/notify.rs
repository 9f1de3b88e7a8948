//! `buildmail notify`: a build notification composed from the CI context.
//!
//! The environment is read here, not in the core: the CI variables go to
//! [`buildmail_core::ci::detect`] as a lookup function, flags override what it found, and the
//! core decides the trigger, renders the templates and builds the message.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context as _;
use buildmail_core::Report;
use buildmail_core::ci::{self, Build, Change, Status};

use crate::cmd::choices::Choices;
use buildmail_core::compose;
use buildmail_core::logtail::{self, Tail, TailOptions};
use buildmail_core::notify::{Decision, Notification, Templates, When};

use crate::cmd::common::{AddressArgs, OutputFormat, SmtpArgs, addressed, attachments};
use crate::cmd::deliver::{deliver_and_report, print_dry_run, print_report};
use crate::exit::{Exit, UserError};

#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  \
    buildmail notify --smtp-url smtp://ci@smtp.example.com:587 --from ci@example.com \\\n    \
    --to dev@example.com --status failure --when first-failure --log build.log\n  \
    buildmail notify ... --status \"$BUILD_STATUS\" --previous-status success --when changed\n  \
    buildmail notify ... --status unstable --attach-log --log build.log --dry-run")]
pub struct NotifyArgs {
    #[command(flatten)]
    pub smtp: SmtpArgs,

    #[command(flatten)]
    pub addresses: AddressArgs,

    #[command(flatten)]
    pub notify: NotifyOptions,

    #[command(flatten)]
    pub context: ContextArgs,
}

/// The words `--status` completes (the parser also takes Jenkins' and GitHub's).
fn statuses() -> Choices<Status> {
    Choices::new(
        [
            Status::Success,
            Status::Failure,
            Status::Unstable,
            Status::Aborted,
            Status::Cancelled,
        ]
        .map(Status::as_str),
    )
}

/// What to send and when.
#[derive(Debug, Clone, clap::Args)]
#[command(next_help_heading = "Notification")]
pub struct NotifyOptions {
    /// How the build ended: success, failure, unstable, aborted, cancelled (Jenkins' and
    /// GitHub's words are accepted too).
    #[arg(long, env = "BUILDMAIL_STATUS", value_name = "STATUS", value_parser = statuses(),
          hide_possible_values = true)]
    pub status: Option<Status>,

    /// How the previous build of the same job and branch ended (gives fixed, still failing,
    /// first failure).
    #[arg(long, env = "BUILDMAIL_PREVIOUS_STATUS", value_name = "STATUS",
          value_parser = statuses(), hide_possible_values = true)]
    pub previous_status: Option<Status>,

    /// Send only for: always, failure, first-failure, still-failing, fixed, unstable, changed,
    /// not-success. When it does not match, nothing is sent and the exit code is 0.
    #[arg(
        long,
        env = "BUILDMAIL_WHEN",
        value_name = "TRIGGER",
        default_value = "always",
        value_parser = Choices::<When>::new(When::ALL.map(When::as_str)),
        hide_possible_values = true
    )]
    pub when: When,

    /// The build log: its last lines go into the body when the build did not pass.
    #[arg(long, env = "BUILDMAIL_LOG", value_name = "PATH")]
    pub log: Option<PathBuf>,

    /// How many lines of the log to show.
    #[arg(
        long,
        env = "BUILDMAIL_LOG_LINES",
        value_name = "N",
        default_value_t = 50
    )]
    pub log_lines: usize,

    /// Also attach the whole log (gzip-compressed when over 256 KiB).
    #[arg(long, env = "BUILDMAIL_ATTACH_LOG", requires = "log")]
    pub attach_log: bool,

    /// Files to attach: paths or globs (`reports/**/*.xml`); repeatable and comma-separated.
    /// A file that would take the total over 10 MiB is left out, and the report says so.
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

    /// A minijinja template for the plain-text body (variables: docs/templates.md).
    #[arg(long, env = "BUILDMAIL_TEMPLATE", value_name = "PATH")]
    pub template: Option<PathBuf>,

    /// A minijinja template for the HTML body; values are HTML-escaped.
    #[arg(long, env = "BUILDMAIL_HTML_TEMPLATE", value_name = "PATH")]
    pub html_template: Option<PathBuf>,

    /// The subject, as plain text (as for `send`; default: `[project] branch #run outcome`).
    #[arg(long, env = "BUILDMAIL_SUBJECT", value_name = "TEXT")]
    pub subject: Option<String>,

    /// The subject, as a minijinja template (variables: docs/templates.md).
    #[arg(
        long,
        env = "BUILDMAIL_SUBJECT_TEMPLATE",
        value_name = "TEMPLATE",
        conflicts_with = "subject"
    )]
    pub subject_template: Option<String>,
}

/// Overrides for what was read from the CI environment.
#[derive(Debug, Clone, clap::Args)]
#[command(next_help_heading = "Build context (overrides what was detected)")]
pub struct ContextArgs {
    /// The short name in the subject.
    #[arg(long, env = "BUILDMAIL_PROJECT", value_name = "NAME")]
    pub project: Option<String>,
    /// The full repository name (owner/repo).
    #[arg(long, env = "BUILDMAIL_REPOSITORY", value_name = "NAME")]
    pub repository: Option<String>,
    /// The workflow or job name.
    #[arg(long, env = "BUILDMAIL_WORKFLOW", value_name = "NAME")]
    pub workflow: Option<String>,
    /// The run number.
    #[arg(long, env = "BUILDMAIL_RUN_NUMBER", value_name = "N")]
    pub run_number: Option<String>,
    /// Where to see the run.
    #[arg(long, env = "BUILDMAIL_RUN_URL", value_name = "URL")]
    pub run_url: Option<String>,
    /// The branch built.
    #[arg(long, env = "BUILDMAIL_BRANCH", value_name = "NAME")]
    pub branch: Option<String>,
    /// The tag built.
    #[arg(long, env = "BUILDMAIL_TAG", value_name = "NAME")]
    pub tag: Option<String>,
    /// The commit id.
    #[arg(long, env = "BUILDMAIL_COMMIT", value_name = "SHA")]
    pub commit: Option<String>,
    /// Where to see the commit.
    #[arg(long, env = "BUILDMAIL_COMMIT_URL", value_name = "URL")]
    pub commit_url: Option<String>,
    /// The commit message.
    #[arg(long, env = "BUILDMAIL_COMMIT_MESSAGE", value_name = "TEXT")]
    pub commit_message: Option<String>,
    /// Who made the change.
    #[arg(long, env = "BUILDMAIL_AUTHOR", value_name = "NAME")]
    pub author: Option<String>,
    /// The pull or merge request number.
    #[arg(long, env = "BUILDMAIL_PR_NUMBER", value_name = "N")]
    pub pr_number: Option<String>,
    /// The pull or merge request title.
    #[arg(long, env = "BUILDMAIL_PR_TITLE", value_name = "TEXT")]
    pub pr_title: Option<String>,
    /// Where to read the pull or merge request.
    #[arg(long, env = "BUILDMAIL_PR_URL", value_name = "URL")]
    pub pr_url: Option<String>,
    /// What started the build (push, schedule, ...).
    #[arg(long, env = "BUILDMAIL_TRIGGER", value_name = "EVENT")]
    pub trigger: Option<String>,
    /// How long the build took (humantime: 3m 12s).
    #[arg(long, env = "BUILDMAIL_DURATION", value_name = "DUR", value_parser = humantime::parse_duration)]
    pub duration: Option<Duration>,
}

pub fn run(mut args: NotifyArgs) -> anyhow::Result<Exit> {
    args.smtp.apply_config(Some(&mut args.addresses.from))?;
    let dir = std::env::current_dir().context("reading the current directory")?;
    let vars = |name: &str| std::env::var(name).ok();
    let ci::Detected {
        mut build,
        warnings: ci_warnings,
    } = ci::detect(&vars, &dir);
    apply_overrides(&mut build, &args.context);
    build.status = args.notify.status.or(build.status);
    build.previous_status = args.notify.previous_status.or(build.previous_status);
    let Some(status) = build.status else {
        return Err(UserError::new(
            Exit::Usage,
            "the build status is unknown: give --status success|failure|unstable|aborted|cancelled",
        )
        .into());
    };
    if let Decision::Skip(reason) = args.notify.when.decide(status, build.previous_status) {
        return report_skipped(&reason, &args.smtp);
    }
    let (message, mut warnings) = compose(&args, &build, &dir)?;
    warnings.splice(0..0, ci_warnings);
    if args.addresses.dry_run {
        return print_dry_run(&message, &warnings);
    }
    deliver_and_report(&args.smtp, message, warnings)
}

fn apply_overrides(build: &mut Build, flags: &ContextArgs) {
    let set = |field: &mut Option<String>, flag: &Option<String>| {
        if flag.is_some() {
            field.clone_from(flag);
        }
    };
    if let Some(project) = &flags.project {
        build.project.clone_from(project);
    }
    set(&mut build.repository, &flags.repository);
    set(&mut build.workflow, &flags.workflow);
    set(&mut build.run_number, &flags.run_number);
    set(&mut build.run_url, &flags.run_url);
    set(&mut build.commit, &flags.commit);
    set(&mut build.commit_url, &flags.commit_url);
    set(&mut build.message, &flags.commit_message);
    set(&mut build.author, &flags.author);
    set(&mut build.trigger, &flags.trigger);
    if flags.branch.is_some() {
        build.branch.clone_from(&flags.branch);
        build.tag = None;
    }
    if flags.tag.is_some() {
        build.tag.clone_from(&flags.tag);
        build.branch = flags.branch.clone();
    }
    if let Some(number) = &flags.pr_number {
        build.change = Some(Change {
            number: number.clone(),
            ..Change::default()
        });
    }
    if let Some(change) = &mut build.change {
        set(&mut change.title, &flags.pr_title);
        set(&mut change.url, &flags.pr_url);
    }
    build.duration = flags.duration.or(build.duration);
}

/// Renders the notification and builds the message, attachments included.
/// Renders the notification and builds the message, with warnings (a log that could not be
/// read, an attachment left out): none of them stops the notification.
fn compose(
    args: &NotifyArgs,
    build: &Build,
    dir: &Path,
) -> anyhow::Result<(lettre::Message, Vec<String>)> {
    let options = &args.notify;
    let mut warnings = Vec::new();
    let tail = match options.log.as_deref() {
        Some(path) => match read_tail(path, options.log_lines) {
            Ok(tail) => Some(tail),
            Err(warning) => {
                warnings.push(warning);
                None
            }
        },
        None => None,
    };
    let templates = templates(options)?;
    let from = args.addresses.from.as_deref().unwrap_or_default();
    let domain = compose::sender_domain(from).unwrap_or("buildmail.invalid");
    let mail = Notification::render(build, tail.as_ref(), &templates, domain)
        .map_err(|e| UserError::bad_input(e.to_string()))?;
    let mut draft = mail.into_draft(addressed(&args.addresses));
    let log = options.log.as_deref().filter(|_| options.attach_log);
    let (attachments, attach_warnings) =
        attachments(&options.attach, log, dir, &options.allow_attach_from)?;
    draft.attachments = attachments;
    warnings.extend(attach_warnings);
    let message = draft
        .build()
        .map_err(|e| UserError::bad_input(e.to_string()))?;
    Ok((message, warnings))
}

/// The tail of the log, or the warning to give when it cannot be read.
fn read_tail(path: &Path, lines: usize) -> Result<Tail, String> {
    let options = TailOptions {
        lines,
        ..TailOptions::default()
    };
    logtail::tail_file(path, options).map_err(|error| {
        format!(
            "reading the build log {} (--log): {error}; the notification goes without it",
            buildmail_core::untrusted::path(path)
        )
    })
}

fn templates(options: &NotifyOptions) -> anyhow::Result<Templates> {
    let mut templates = Templates::builtin();
    if let Some(path) = &options.template {
        templates = templates.with_text(
            path.display().to_string(),
            read_template(path, "--template")?,
        );
    }
    if let Some(path) = &options.html_template {
        templates = templates.with_html(
            path.display().to_string(),
            read_template(path, "--html-template")?,
        );
    }
    if let Some(subject) = &options.subject {
        templates = templates.with_plain_subject(subject.clone());
    }
    if let Some(subject) = &options.subject_template {
        templates = templates.with_subject("--subject-template", subject.clone());
    }
    Ok(templates)
}

fn read_template(path: &Path, flag: &str) -> anyhow::Result<String> {
    std::fs::read_to_string(path)
        .with_context(|| format!("reading the template {} ({flag})", path.display()))
}

/// A skipped notification: exit 0, why on stderr, and with `--output json` the report.
fn report_skipped(reason: &str, smtp: &SmtpArgs) -> anyhow::Result<Exit> {
    let mut report = Report::skipped(reason);
    report.spell(crate::spelling::spell);
    smtp.reports.write(std::slice::from_ref(&report))?;
    if smtp.output == OutputFormat::Json {
        print_report(&report, smtp.output)?;
    }
    print_skip_reason(reason);
    Ok(Exit::Ok)
}

fn print_skip_reason(reason: &str) {
    let reason = buildmail_core::settings::spell_placeholders(reason, crate::spelling::spell);
    crate::out::note(&format!("buildmail: notification skipped: {reason}"));
}
