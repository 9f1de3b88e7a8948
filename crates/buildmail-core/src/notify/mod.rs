//! Build notifications: whether to send one ([`Trigger`]), what happened ([`BuildOutcome`]), the
//! subject and bodies rendered from [`Templates`] with the [`Evidence`] of what broke (the log,
//! the test results), the headers that sort them, the thread a job's mails share, and the
//! recipients the changes give ([`FromChanges`]).
//!
//! ```
//! use buildmail_core::ci::{Build, BuildStatus, Provider};
//! use buildmail_core::notify::{Notification, Templates};
//! let mut build = Build::new(Provider::Jenkins, "shop");
//! build.branch = Some("main".into());
//! build.run_number = Some("812".into());
//! build.status = Some(BuildStatus::Failure);
//! build.previous_status = Some(BuildStatus::Failure);
//! let mail = Notification::render(&build, None, &Templates::builtin(), "example.com")?;
//! assert_eq!(mail.subject, "[shop] main #812 still failing");
//! # Ok::<(), buildmail_core::notify::NotifyError>(())
//! ```

pub mod example;
mod headers;
mod recipients;
mod request;
mod template;
mod thread;
mod trigger;

use serde::Serialize;

pub use recipients::{Added, FromChanges, Picked};
pub use request::{Composed, LogRequest, Overrides, Request, TemplateFiles};
pub use template::{TemplateError, Templates};
pub use thread::thread_id;
pub use trigger::{BuildOutcome, Decision, Trigger, UnknownTrigger};

use crate::ci::{Build, Change};
use crate::compose::Draft;
use crate::logtail::{Excerpt, Tail};
use crate::testresults::{FailedTest, TestResults};

/// What the build left behind that shows what broke: the log excerpt and the test results.
#[derive(Debug, Clone, Copy, Default)]
pub struct Evidence<'a> {
    /// The part of the log to show; shown only when the outcome is bad.
    pub log: Option<&'a Excerpt>,
    /// The test results; their count is always shown, the failed tests when there are any.
    pub tests: Option<&'a TestResults>,
}

/// A rendered notification: subject, bodies, and the thread it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    /// What happened.
    pub outcome: BuildOutcome,
    /// The subject, one line.
    pub subject: String,
    /// The plain-text body.
    pub text: String,
    /// The HTML body.
    pub html: String,
    /// The id shared by every notification of this job and branch (`References`).
    pub thread_id: String,
    /// `Auto-Submitted`, `List-Id`, `X-Buildmail-Status`, `X-Buildmail-Job`: `(name, value)`.
    pub headers: Vec<(String, String)>,
}

/// Why a notification could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotifyError {
    /// The build's status is not known.
    #[error(
        "the build status is unknown: give {{status}} success|failure|unstable|aborted|cancelled"
    )]
    NoStatus,
    /// A template is wrong.
    #[error(transparent)]
    Template(#[from] TemplateError),
    /// A file a setting names cannot be read.
    #[error("reading {what} ({}): {error}", setting.placeholder())]
    Unreadable {
        /// The setting that names the file.
        setting: crate::settings::Setting,
        /// The file, as shown.
        what: String,
        /// Why it cannot be read.
        error: String,
    },
    /// The attachments cannot be gathered.
    #[error("{0}")]
    Attachments(String),
    /// The message cannot be built (an address, a header).
    #[error("{0}")]
    Message(String),
}

impl Notification {
    /// Renders the notification for `build`; `log` is shown when the outcome is bad.
    /// `domain` is the right-hand side of the thread id (the sender's domain).
    pub fn render(
        build: &Build,
        log: Option<&Tail>,
        templates: &Templates,
        domain: &str,
    ) -> Result<Notification, NotifyError> {
        let excerpt = log.cloned().map(Excerpt::from);
        let evidence = Evidence {
            log: excerpt.as_ref(),
            tests: None,
        };
        Notification::render_with(build, evidence, templates, domain)
    }

    /// Renders the notification for `build` with what shows what broke.
    pub fn render_with(
        build: &Build,
        evidence: Evidence<'_>,
        templates: &Templates,
        domain: &str,
    ) -> Result<Notification, NotifyError> {
        let status = build.status.ok_or(NotifyError::NoStatus)?;
        let outcome = BuildOutcome::of(status, build.previous_status);
        let log = evidence.log.filter(|_| outcome.is_bad());
        let mut context = Context::new(build, outcome, log);
        context.tests = evidence.tests.map(TestsView::new);
        let [subject, text, html] = templates.render(&context)?;
        Ok(Notification {
            outcome,
            subject,
            text,
            html,
            thread_id: thread_id(build, domain),
            headers: headers::headers(build, domain),
        })
    }

    /// Puts the notification into a draft that already has its addresses: subject, both
    /// bodies, and `In-Reply-To` / `References` pointing at the thread.
    /// The notification's own headers go after the draft's, except those the draft already
    /// has (a `--header 'Auto-Submitted: no'` wins).
    pub fn into_draft(self, mut draft: Draft) -> Draft {
        draft.subject = self.subject;
        draft.text = self.text;
        draft.html = Some(self.html);
        draft.in_reply_to = Some(self.thread_id.clone());
        draft.references = vec![self.thread_id];
        for (name, value) in self.headers {
            if !draft
                .headers
                .iter()
                .any(|(n, _)| n.eq_ignore_ascii_case(&name))
            {
                draft.headers.push((name, value));
            }
        }
        draft
    }
}

/// Every variable a template sees; `docs/templates.md` lists them.
#[derive(Debug, Serialize)]
struct Context<'a> {
    provider: &'static str,
    project: &'a str,
    repository: Option<&'a str>,
    workflow: Option<&'a str>,
    run_number: Option<&'a str>,
    run_url: Option<&'a str>,
    branch: Option<&'a str>,
    tag: Option<&'a str>,
    #[serde(rename = "ref")]
    git_ref: &'a str,
    commit: Option<&'a str>,
    short_commit: Option<&'a str>,
    commit_url: Option<&'a str>,
    message: Option<&'a str>,
    message_subject: Option<&'a str>,
    author: Option<&'a str>,
    change: Option<ChangeView<'a>>,
    trigger: Option<&'a str>,
    duration: Option<u64>,
    duration_text: Option<String>,
    status: &'static str,
    previous_status: Option<&'static str>,
    outcome: OutcomeView,
    log: Option<&'a Excerpt>,
    tests: Option<TestsView<'a>>,
}

/// The test results as templates see them: the counts, and the lines computed once.
#[derive(Debug, Serialize)]
struct TestsView<'a> {
    #[serde(flatten)]
    results: &'a TestResults,
    /// `120 tests: 114 passed, 3 failed, 1 errored, 2 skipped (12.3 s)`.
    summary: String,
    /// `3 tests failed`, when any did.
    headline: Option<String>,
    failed_tests: Vec<FailedView<'a>>,
}

#[derive(Debug, Serialize)]
struct FailedView<'a> {
    #[serde(flatten)]
    test: &'a FailedTest,
    full_name: String,
    /// `tests/test_cart.py:21`, when the report says where.
    location: Option<String>,
}

impl<'a> TestsView<'a> {
    fn new(results: &'a TestResults) -> Self {
        TestsView {
            results,
            summary: results.summary(),
            headline: results.headline(),
            failed_tests: results
                .failures
                .iter()
                .map(|test| FailedView {
                    test,
                    full_name: test.full_name(),
                    location: test.file.as_ref().map(|file| match test.line {
                        Some(line) => format!("{file}:{line}"),
                        None => file.clone(),
                    }),
                })
                .collect(),
        }
    }
}

#[derive(Debug, Serialize)]
struct ChangeView<'a> {
    number: &'a str,
    title: Option<&'a str>,
    url: Option<&'a str>,
}

#[derive(Debug, Serialize)]
struct OutcomeView {
    key: BuildOutcome,
    label: &'static str,
    sentence: &'static str,
    color: &'static str,
    is_bad: bool,
}

impl<'a> Context<'a> {
    fn new(build: &'a Build, outcome: BuildOutcome, log: Option<&'a Excerpt>) -> Self {
        Context {
            provider: build.provider.display_name(),
            project: &build.project,
            repository: build.repository.as_deref(),
            workflow: build.workflow.as_deref(),
            run_number: build.run_number.as_deref(),
            run_url: web_url(build.run_url.as_deref()),
            branch: build.branch.as_deref(),
            tag: build.tag.as_deref(),
            git_ref: build
                .branch
                .as_deref()
                .or(build.tag.as_deref())
                .unwrap_or("HEAD"),
            commit: build.commit.as_deref(),
            short_commit: build.short_commit(),
            commit_url: web_url(build.commit_url.as_deref()),
            message: build.message.as_deref(),
            message_subject: build.message_subject(),
            author: build.author.as_deref(),
            change: build.change.as_ref().map(ChangeView::new),
            trigger: build.trigger.as_deref(),
            duration: build.duration.map(|d| d.as_secs()),
            duration_text: build.duration.map(|d| duration_text(d.as_secs())),
            status: build.status.map_or("unknown", |s| s.as_str()),
            previous_status: build.previous_status.map(|s| s.as_str()),
            outcome: OutcomeView {
                key: outcome,
                label: outcome.label(),
                sentence: outcome.sentence(),
                color: outcome.color(),
                is_bad: outcome.is_bad(),
            },
            log,
            tests: None,
        }
    }
}

impl<'a> ChangeView<'a> {
    fn new(change: &'a Change) -> Self {
        ChangeView {
            number: &change.number,
            title: change.title.as_deref(),
            url: web_url(change.url.as_deref()),
        }
    }
}

/// Only http(s) links reach a template: a `javascript:` URL from a variable is dropped.
fn web_url(url: Option<&str>) -> Option<&str> {
    url.filter(|url| {
        let lower = url.trim_start().to_ascii_lowercase();
        lower.starts_with("https://") || lower.starts_with("http://")
    })
}

/// `1h 2m 3s`, `4m 0s`, `12s`.
fn duration_text(seconds: u64) -> String {
    let (hours, minutes, seconds) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    match (hours, minutes) {
        (0, 0) => format!("{seconds}s"),
        (0, _) => format!("{minutes}m {seconds}s"),
        _ => format!("{hours}h {minutes}m {seconds}s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_like_people_write_them() {
        assert_eq!(duration_text(12), "12s");
        assert_eq!(duration_text(240), "4m 0s");
        assert_eq!(duration_text(3723), "1h 2m 3s");
    }

    #[test]
    fn only_web_links_reach_templates() {
        assert_eq!(web_url(Some("javascript:alert(1)")), None);
        assert_eq!(
            web_url(Some("https://ci.example.com/1")),
            Some("https://ci.example.com/1")
        );
    }
}
