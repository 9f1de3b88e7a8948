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
use buildmail_core::compose;
use buildmail_core::logtail::{self, Excerpt, LogMatch, TailOptions};
use buildmail_core::notify::{
    Added, Decision, Evidence, FromChanges, Notification, Templates, When,
};
use buildmail_core::testresults::{self, TestResults};
use regex::Regex;

use crate::cmd::common::{AddressArgs, OutputFormat, SmtpArgs, addressed, attachments};
use crate::cmd::deliver::{deliver_and_report_added, print_dry_run, print_report};
use crate::cmd::send::{Priority, split_header};
use crate::exit::{Exit, UserError};

#[derive(Debug, clap::Args)]
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

/// What to send and when.
#[derive(Debug, Clone, clap::Args)]
#[command(next_help_heading = "Notification")]
pub struct NotifyOptions {
    /// How the build ended: success, failure, unstable, aborted, cancelled, not_built (Jenkins' and
    /// GitHub's words are accepted too).
    #[arg(long, env = "BUILDMAIL_STATUS", value_name = "STATUS")]
    pub status: Option<Status>,

    /// How the previous build of the same job and branch ended (gives fixed, still failing,
    /// first failure).
    #[arg(long, env = "BUILDMAIL_PREVIOUS_STATUS", value_name = "STATUS")]
    pub previous_status: Option<Status>,

    /// Send only for: always, failure, first-failure, still-failing, fixed, unstable,
    /// first-unstable, still-unstable, changed, not-success, success, aborted, not-built
    /// (email-ext's triggers). When it does not match, nothing is sent and the exit code is 0.
    #[arg(
        long,
        env = "BUILDMAIL_WHEN",
        value_name = "TRIGGER",
        default_value = "always"
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

    /// Show the log lines that match this regular expression, with 3 lines of context, instead
    /// of the tail (email-ext's BUILD_LOG_REGEX).
    #[arg(long, env = "BUILDMAIL_LOG_MATCH", value_name = "REGEX", value_parser = parse_regex)]
    pub log_match: Option<Regex>,

    /// JUnit XML reports: paths or globs, repeatable and comma-separated. The counts and the
    /// failed tests go in the mail; a file that is not a report is a warning.
    #[arg(
        long,
        env = "BUILDMAIL_TEST_RESULTS",
        value_name = "GLOB",
        value_delimiter = ','
    )]
    pub test_results: Vec<String>,

    /// Also mail the authors of the changes since the last successful build (Jenkins' git
    /// history, GitHub's push commits); noreply addresses never.
    #[arg(long, env = "BUILDMAIL_TO_AUTHORS")]
    pub to_authors: bool,

    /// With --to-authors: only authors whose address is in this domain or a subdomain;
    /// repeatable and comma-separated.
    #[arg(
        long,
        env = "BUILDMAIL_AUTHORS_DOMAIN",
        value_name = "DOMAIN",
        value_delimiter = ',',
        requires = "to_authors"
    )]
    pub authors_domain: Vec<String>,

    /// Also mail who started the build (GitHub's pusher, Jenkins' BUILD_USER_EMAIL).
    #[arg(long, env = "BUILDMAIL_TO_REQUESTER")]
    pub to_requester: bool,

    /// An extra header, `Name: value`; repeatable. One named like a notification's own
    /// (Auto-Submitted, List-Id, X-Buildmail-*) replaces it.
    #[arg(long = "header", value_name = "'NAME: VALUE'")]
    pub headers: Vec<String>,

    /// The message's priority.
    #[arg(long, env = "BUILDMAIL_PRIORITY", value_enum, default_value_t = Priority::Normal)]
    pub priority: Priority,

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

pub fn run(args: NotifyArgs) -> anyhow::Result<Exit> {
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
    let composed = compose(&args, &build, &dir)?;
    let mut warnings = composed.warnings;
    warnings.splice(0..0, ci_warnings);
    if args.smtp.output == OutputFormat::Text || args.addresses.dry_run {
        for added in &composed.added {
            crate::out::note(&format!(
                "buildmail: added {} to the recipients: {}",
                added.address, added.reason
            ));
        }
    }
    if args.addresses.dry_run {
        return print_dry_run(&composed.message, &warnings);
    }
    deliver_and_report_added(&args.smtp, composed.message, warnings, composed.added)
}

fn parse_regex(text: &str) -> Result<Regex, String> {
    Regex::new(text).map_err(|error| format!("not a regular expression: {error}"))
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

/// The message, what did not stop it, and the recipients the CI context gave.
struct Composed {
    message: lettre::Message,
    warnings: Vec<String>,
    added: Vec<Added>,
}

/// Renders the notification and builds the message, with warnings (a log that could not be
/// read, a test report that is not one, an attachment left out, an author left out): none of
/// them stops the notification.
fn compose(args: &NotifyArgs, build: &Build, dir: &Path) -> anyhow::Result<Composed> {
    let options = &args.notify;
    let mut warnings = Vec::new();
    let excerpt = match options.log.as_deref() {
        Some(path) => match read_excerpt(path, options) {
            Ok(excerpt) => Some(excerpt),
            Err(warning) => {
                warnings.push(warning);
                None
            }
        },
        None => None,
    };
    let tests = read_test_results(&options.test_results, dir, &mut warnings);
    let templates = templates(options)?;
    let from = args.addresses.from.as_deref().unwrap_or_default();
    let domain = compose::sender_domain(from).unwrap_or("buildmail.invalid");
    let evidence = Evidence {
        log: excerpt.as_ref(),
        tests: tests.as_ref(),
    };
    let mail = Notification::render_with(build, evidence, &templates, domain)
        .map_err(|e| UserError::bad_input(e.to_string()))?;
    let mut draft = addressed(&args.addresses);
    draft.priority = options.priority.into();
    draft.headers = options
        .headers
        .iter()
        .map(|header| split_header(header))
        .collect::<anyhow::Result<_>>()?;
    let added = add_from_changes(options, build, &mut draft, &mut warnings);
    let mut draft = mail.into_draft(draft);
    let log = options.log.as_deref().filter(|_| options.attach_log);
    let (attachments, attach_warnings) =
        attachments(&options.attach, log, dir, &options.allow_attach_from)?;
    draft.attachments = attachments;
    warnings.extend(attach_warnings);
    let message = draft
        .build()
        .map_err(|e| UserError::bad_input(e.to_string()))?;
    Ok(Composed {
        message,
        warnings,
        added,
    })
}

/// Adds the recipients `--to-authors` and `--to-requester` take from the build to `To`;
/// returns them, and warns of each person left out.
fn add_from_changes(
    options: &NotifyOptions,
    build: &Build,
    draft: &mut compose::Draft,
    warnings: &mut Vec<String>,
) -> Vec<Added> {
    let wanted = FromChanges {
        authors: options.to_authors,
        requester: options.to_requester,
        domains: options.authors_domain.clone(),
    };
    if !wanted.any() {
        return Vec::new();
    }
    let listed: Vec<String> = [&draft.to, &draft.cc, &draft.bcc]
        .into_iter()
        .flatten()
        .cloned()
        .collect();
    let picked = wanted.pick(build, &listed);
    let flag = flags(&wanted);
    warnings.extend(picked.left_out.iter().map(|why| format!("{flag}: {why}")));
    draft
        .to
        .extend(picked.added.iter().map(|a| a.address.clone()));
    picked.added
}

/// The flags a left-out recipient came from, for its warning.
fn flags(wanted: &FromChanges) -> &'static str {
    match (wanted.authors, wanted.requester) {
        (true, true) => "--to-authors/--to-requester",
        (true, false) => "--to-authors",
        _ => "--to-requester",
    }
}

fn read_test_results(
    patterns: &[String],
    dir: &Path,
    warnings: &mut Vec<String>,
) -> Option<TestResults> {
    if patterns.is_empty() {
        return None;
    }
    let collected = testresults::collect(patterns, dir, "--test-results");
    warnings.extend(collected.warnings);
    collected.results
}

/// The part of the log to show, or the warning to give when it cannot be read.
fn read_excerpt(path: &Path, options: &NotifyOptions) -> Result<Excerpt, String> {
    let tail = TailOptions {
        lines: options.log_lines,
        ..TailOptions::default()
    };
    let pattern = options.log_match.clone().map(LogMatch::new);
    logtail::excerpt_file(path, tail, pattern.as_ref()).map_err(|error| {
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
    let report = Report::skipped(reason);
    smtp.reports.write(std::slice::from_ref(&report))?;
    if smtp.output == OutputFormat::Json {
        print_report(&report, smtp.output)?;
    }
    print_skip_reason(reason);
    Ok(Exit::Ok)
}

fn print_skip_reason(reason: &str) {
    crate::out::note(&format!("buildmail: notification skipped: {reason}"));
}
