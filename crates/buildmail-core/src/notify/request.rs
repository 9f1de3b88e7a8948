//! A whole notification request, as every front end fills it: the build found in the CI
//! context, what the user overrode, the trigger, the templates, the log and the attachments.
//! [`Request::compose`] decides whether to send and builds the message; the front end only
//! delivers it and reports.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::ci::{Build, BuildStatus, Change};
use crate::compose::gather::{AttachmentRequest, GatherError};
use crate::compose::{ComposeError, Draft, sender_domain};
use crate::logtail::{self, Excerpt, LogMatch, TailOptions};
use crate::settings::Setting;
use crate::testresults::{self, TestResults};

use super::{
    Added, Decision, Evidence, FromChanges, Notification, NotifyError, Templates, Trigger,
};

/// What the user said about the build, beating what the CI context says.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// How the build ended.
    pub status: Option<BuildStatus>,
    /// How the previous build ended.
    pub previous_status: Option<BuildStatus>,
    /// The project's name.
    pub project: Option<String>,
    /// `owner/name`.
    pub repository: Option<String>,
    /// The workflow or job.
    pub workflow: Option<String>,
    /// The build number.
    pub run_number: Option<String>,
    /// Where to see the build.
    pub run_url: Option<String>,
    /// The commit.
    pub commit: Option<String>,
    /// Where to see the commit.
    pub commit_url: Option<String>,
    /// The commit message.
    pub commit_message: Option<String>,
    /// The commit's author.
    pub author: Option<String>,
    /// What started the build.
    pub trigger: Option<String>,
    /// The branch (clears a tag found in the context).
    pub branch: Option<String>,
    /// The tag.
    pub tag: Option<String>,
    /// The pull or merge request's number.
    pub pr_number: Option<String>,
    /// Its title.
    pub pr_title: Option<String>,
    /// Where to read it.
    pub pr_url: Option<String>,
    /// How long the build took.
    pub duration: Option<Duration>,
}

impl Overrides {
    /// `build` with what the user gave in place of what the context said.
    pub fn apply(&self, build: &mut Build) {
        let set = |field: &mut Option<String>, given: &Option<String>| {
            if given.is_some() {
                field.clone_from(given);
            }
        };
        if let Some(project) = &self.project {
            build.project.clone_from(project);
        }
        set(&mut build.repository, &self.repository);
        set(&mut build.workflow, &self.workflow);
        set(&mut build.run_number, &self.run_number);
        set(&mut build.run_url, &self.run_url);
        set(&mut build.commit, &self.commit);
        set(&mut build.commit_url, &self.commit_url);
        set(&mut build.message, &self.commit_message);
        set(&mut build.author, &self.author);
        set(&mut build.trigger, &self.trigger);
        self.apply_ref(build);
        self.apply_change(build);
        build.duration = self.duration.or(build.duration);
        build.status = self.status.or(build.status);
        build.previous_status = self.previous_status.or(build.previous_status);
    }

    fn apply_ref(&self, build: &mut Build) {
        if self.branch.is_some() {
            build.branch.clone_from(&self.branch);
            build.tag = None;
        }
        if self.tag.is_some() {
            build.tag.clone_from(&self.tag);
            build.branch.clone_from(&self.branch);
        }
    }

    fn apply_change(&self, build: &mut Build) {
        if let Some(number) = &self.pr_number {
            build.change = Some(Change {
                number: number.clone(),
                ..Change::default()
            });
        }
        if let Some(change) = &mut build.change {
            if self.pr_title.is_some() {
                change.title.clone_from(&self.pr_title);
            }
            if self.pr_url.is_some() {
                change.url.clone_from(&self.pr_url);
            }
        }
    }
}

/// The templates the user gave; the built-in ones fill the rest.
#[derive(Debug, Clone, Default)]
pub struct TemplateFiles {
    /// A text body template file.
    pub text: Option<PathBuf>,
    /// An HTML body template file.
    pub html: Option<PathBuf>,
    /// A fixed subject.
    pub subject: Option<String>,
    /// A subject template.
    pub subject_template: Option<String>,
}

impl TemplateFiles {
    /// The templates, the user's files read.
    pub fn load(&self) -> Result<Templates, NotifyError> {
        let mut templates = Templates::builtin();
        if let Some(path) = &self.text {
            templates = templates.with_text(shown(path), read(path, Setting::Template)?);
        }
        if let Some(path) = &self.html {
            templates = templates.with_html(shown(path), read(path, Setting::HtmlTemplate)?);
        }
        if let Some(subject) = &self.subject {
            templates = templates.with_plain_subject(subject.clone());
        }
        if let Some(subject) = &self.subject_template {
            templates = templates.with_subject("{subject_template}", subject.clone());
        }
        Ok(templates)
    }
}

fn shown(path: &Path) -> String {
    path.display().to_string()
}

fn read(path: &Path, setting: Setting) -> Result<String, NotifyError> {
    std::fs::read_to_string(path).map_err(|error| NotifyError::Unreadable {
        setting,
        what: format!("the template {}", crate::untrusted::path(path)),
        error: error.to_string(),
    })
}

/// The build log to quote in the body.
#[derive(Debug, Clone)]
pub struct LogRequest {
    /// The log file.
    pub path: PathBuf,
    /// How many of its last lines to quote.
    pub lines: usize,
    /// The lines to show instead of the tail: those that match, with context.
    pub pattern: Option<LogMatch>,
}

impl LogRequest {
    /// The excerpt (the matches, or the tail started at the failure), or the warning to give
    /// when the log cannot be read.
    fn excerpt(&self) -> Result<Excerpt, String> {
        let options = TailOptions {
            lines: self.lines,
            ..TailOptions::default()
        };
        logtail::excerpt_file(&self.path, options, self.pattern.as_ref()).map_err(|error| {
            format!(
                "reading the build log {} ({{log}}): {error}; the notification goes without it",
                crate::untrusted::path(&self.path)
            )
        })
    }
}

/// Everything a notification needs, as a front end fills it.
#[derive(Debug, Clone)]
pub struct Request {
    /// The build, as the CI context describes it (`ci::detect`).
    pub build: Build,
    /// What the user said about the build.
    pub overrides: Overrides,
    /// When to send.
    pub when: Trigger,
    /// The templates.
    pub templates: TemplateFiles,
    /// The log to quote when the build did not pass.
    pub log: Option<LogRequest>,
    /// What to attach.
    pub attachments: AttachmentRequest,
    /// JUnit XML reports to read: paths or globs, relative to the attachments' directory.
    pub test_results: Vec<String>,
    /// Recipients to take from the build: the authors of the changes, who started it.
    pub from_changes: FromChanges,
    /// The addresses (`from`, `to`, `cc`, `bcc`, `reply_to`), and any `headers` and `priority`;
    /// the rest of the draft is filled.
    pub addresses: Draft,
}

/// What a request comes to.
#[derive(Debug)]
pub enum Composed {
    /// A message to send, and what the user should know about it (a log or a file left out).
    Message {
        /// The message.
        message: crate::deliver::Outgoing,
        /// Warnings: none stops the notification.
        warnings: Vec<String>,
        /// The recipients taken from the build, each with why.
        added: Vec<Added>,
    },
    /// Nothing to send: the trigger did not match.
    Skipped {
        /// Why, in a sentence naming the trigger.
        reason: String,
    },
}

impl Request {
    /// Decides whether to notify, renders the notification and builds the message.
    pub fn compose(mut self) -> Result<Composed, NotifyError> {
        self.overrides.apply(&mut self.build);
        let status = self.build.status.ok_or(NotifyError::NoStatus)?;
        if let Decision::Skip(reason) = self.when.decide(status, self.build.previous_status) {
            return Ok(Composed::Skipped { reason });
        }
        let mut warnings = Vec::new();
        let excerpt = match self.log.as_ref().map(LogRequest::excerpt) {
            Some(Ok(excerpt)) => Some(excerpt),
            Some(Err(warning)) => {
                warnings.push(warning);
                None
            }
            None => None,
        };
        let tests = self.read_test_results(&mut warnings);
        let templates = self.templates.load()?;
        let domain = sender_domain(&self.addresses.from).unwrap_or("buildmail.invalid");
        let evidence = Evidence {
            log: excerpt.as_ref(),
            tests: tests.as_ref(),
        };
        let mail = Notification::render_with(&self.build, evidence, &templates, domain)?;
        let mut addresses = self.addresses;
        let added = add_from_changes(
            &self.from_changes,
            &self.build,
            &mut addresses,
            &mut warnings,
        );
        let mut draft = mail.into_draft(addresses);
        let (attachments, attach_warnings) = self.attachments.gather()?;
        draft.attachments = attachments;
        warnings.extend(attach_warnings);
        let message = draft.build()?;
        Ok(Composed::Message {
            message,
            warnings,
            added,
        })
    }

    fn read_test_results(&self, warnings: &mut Vec<String>) -> Option<TestResults> {
        if self.test_results.is_empty() {
            return None;
        }
        let collected = testresults::collect(&self.test_results, &self.attachments.dir);
        warnings.extend(collected.warnings);
        collected.results
    }
}

/// Adds the recipients the build gives to `To`; returns them, and warns of each person left
/// out.
fn add_from_changes(
    wanted: &FromChanges,
    build: &Build,
    draft: &mut Draft,
    warnings: &mut Vec<String>,
) -> Vec<Added> {
    if !wanted.any() {
        return Vec::new();
    }
    let listed: Vec<String> = [&draft.to, &draft.cc, &draft.bcc]
        .into_iter()
        .flatten()
        .cloned()
        .collect();
    let picked = wanted.pick(build, &listed);
    warnings.extend(
        picked
            .left_out
            .iter()
            .map(|why| format!("recipients from the changes: {why}")),
    );
    draft
        .to
        .extend(picked.added.iter().map(|a| a.address.clone()));
    picked.added
}

impl From<GatherError> for NotifyError {
    fn from(error: GatherError) -> Self {
        NotifyError::Attachments(error.to_string())
    }
}

impl From<ComposeError> for NotifyError {
    fn from(error: ComposeError) -> Self {
        NotifyError::Message(error.to_string())
    }
}
