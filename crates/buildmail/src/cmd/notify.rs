//! `buildmail notify`: a build notification composed from the CI context.
//!
//! The environment is read here, not in the core: the CI variables go to
//! [`buildmail_core::ci::detect`] as a lookup function, and the flags fill the core's
//! [`Request`], which applies the overrides, decides the trigger, renders the templates and
//! builds the message.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context as _;
use buildmail_core::Report;
use buildmail_core::ci::{self, Build, BuildStatus};
use buildmail_core::compose::gather::AttachmentRequest;
use buildmail_core::compose::{Addressing, Priority};
use buildmail_core::logtail::LogMatch;
use buildmail_core::notify::{
    Composed, FromChanges, LogRequest, NotifyError, Overrides, Request, TemplateFiles, Trigger,
};
use buildmail_core::sending::Sending;

use crate::cmd::choices::Choices;

use crate::cmd::common::{AddressArgs, OutputFormat, SmtpArgs};
use crate::cmd::deliver::{deliver_and_report, print_dry_run, print_report};
use crate::cmd::send::{priorities, split_headers};
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
fn statuses() -> Choices<BuildStatus> {
    Choices::new(BuildStatus::ALL.map(BuildStatus::as_str))
}

/// What to send and when.
#[derive(Debug, Clone, clap::Args)]
#[command(next_help_heading = "Notification")]
pub struct NotifyOptions {
    /// How the build ended: success, failure, unstable, aborted, cancelled, not_built (Jenkins' and
    /// GitHub's words are accepted too).
    #[arg(long, env = "BUILDMAIL_STATUS", value_name = "STATUS", value_parser = statuses(),
          hide_possible_values = true)]
    pub status: Option<BuildStatus>,

    /// How the previous build of the same job and branch ended (gives fixed, still failing,
    /// first failure).
    #[arg(long, env = "BUILDMAIL_PREVIOUS_STATUS", value_name = "STATUS",
          value_parser = statuses(), hide_possible_values = true)]
    pub previous_status: Option<BuildStatus>,

    /// Send only for: always, failure, first-failure, still-failing, fixed, unstable,
    /// first-unstable, still-unstable, changed, not-success, success, aborted, not-built
    /// (email-ext's triggers). When it does not match, nothing is sent and the exit code is 0.
    #[arg(
        long,
        env = "BUILDMAIL_WHEN",
        value_name = "TRIGGER",
        default_value = "always",
        value_parser = Choices::<Trigger>::new(Trigger::ALL.map(Trigger::as_str)),
        hide_possible_values = true
    )]
    pub when: Trigger,

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
    #[arg(long, env = "BUILDMAIL_LOG_MATCH", value_name = "REGEX", value_parser = LogMatch::parse)]
    pub log_match: Option<LogMatch>,

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
    #[arg(long, env = "BUILDMAIL_PRIORITY", value_parser = priorities(), default_value = "normal")]
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

pub fn run(mut args: NotifyArgs) -> anyhow::Result<Exit> {
    args.smtp.apply_config(Some(&mut args.addresses.from))?;
    let dir = std::env::current_dir().context("reading the current directory")?;
    let vars = |name: &str| std::env::var(name).ok();
    let ci::Detected {
        build,
        warnings: ci_warnings,
    } = ci::detect(&vars, &dir);
    let request = request(&args, build, dir)?;
    let (message, mut warnings, added) = match request.compose() {
        Ok(Composed::Skipped { reason }) => return report_skipped(&reason, &args.smtp),
        Ok(Composed::Message {
            message,
            warnings,
            added,
        }) => (message, warnings, added),
        Err(error @ NotifyError::NoStatus) => {
            return Err(UserError::new(Exit::Usage, error.to_string()).into());
        }
        Err(error) => return Err(UserError::bad_input(error.to_string()).into()),
    };
    warnings.splice(0..0, ci_warnings);
    if args.smtp.output == OutputFormat::Text || args.addresses.dry_run {
        for added in &added {
            crate::out::note(&format!("buildmail: {added}"));
        }
    }
    if args.addresses.dry_run {
        return print_dry_run(&message, &warnings);
    }
    let sending = Sending {
        warnings,
        added,
        ..Sending::new(message)
    };
    deliver_and_report(&args.smtp, sending)
}

/// The core's notification request, one-to-one with the flags; a `--header` that is not one
/// line with a colon is bad input.
fn request(args: &NotifyArgs, build: Build, dir: PathBuf) -> anyhow::Result<Request> {
    let options = &args.notify;
    let context = &args.context;
    let addresses = Addressing {
        priority: options.priority,
        headers: split_headers(&options.headers)?,
        ..args.addresses.addressing()
    };
    Ok(Request {
        build,
        overrides: Overrides {
            status: options.status,
            previous_status: options.previous_status,
            project: context.project.clone(),
            repository: context.repository.clone(),
            workflow: context.workflow.clone(),
            run_number: context.run_number.clone(),
            run_url: context.run_url.clone(),
            commit: context.commit.clone(),
            commit_url: context.commit_url.clone(),
            commit_message: context.commit_message.clone(),
            author: context.author.clone(),
            trigger: context.trigger.clone(),
            branch: context.branch.clone(),
            tag: context.tag.clone(),
            pr_number: context.pr_number.clone(),
            pr_title: context.pr_title.clone(),
            pr_url: context.pr_url.clone(),
            duration: context.duration,
        },
        when: options.when,
        templates: TemplateFiles {
            text: options.template.clone(),
            html: options.html_template.clone(),
            subject: options.subject.clone(),
            subject_template: options.subject_template.clone(),
        },
        log: options.log.clone().map(|path| LogRequest {
            path,
            lines: options.log_lines,
            pattern: options.log_match.clone(),
        }),
        attachments: AttachmentRequest {
            patterns: options.attach.clone(),
            log: options.log.clone().filter(|_| options.attach_log),
            dir,
            allowed: options.allow_attach_from.clone(),
        },
        test_results: options.test_results.clone(),
        from_changes: FromChanges {
            authors: options.to_authors,
            requester: options.to_requester,
            domains: options.authors_domain.clone(),
        },
        addresses: addresses.draft(),
    })
}

/// A skipped notification: exit 0, why on stderr (the core's outcome line), and with
/// `--output json` the report.
fn report_skipped(reason: &str, smtp: &SmtpArgs) -> anyhow::Result<Exit> {
    let mut report = Report::skipped(reason);
    report.spell(crate::spelling::spell);
    smtp.reports.write(std::slice::from_ref(&report))?;
    if smtp.output == OutputFormat::Json {
        print_report(&report, smtp.output)?;
    }
    let outcome = buildmail_core::report::text::outcome_line(&report);
    crate::out::note(&format!("buildmail: notification {outcome}"));
    Ok(Exit::Ok)
}
