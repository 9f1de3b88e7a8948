//! What a delivery report becomes on GitHub: log lines, outputs, the job summary, annotations,
//! the check run and the pull-request comment, and the exit code. Untrusted text (replies,
//! addresses) only reaches the runner through [`crate::workflow`].
//!
//! What the report says is the core's: the attempt and outcome lines and the annotations' text
//! (`report::text`, the lines the CLI prints), the job summary (`report::markdown`); the exit
//! code maps the core's `Report::verdict()`. Here are only the runner's and GitHub's forms.

use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;

use anyhow::Context as _;
use buildmail_core::Report;
use buildmail_core::report::markdown::{self, cell};
use buildmail_core::report::{DeliveryStatus, Verdict, text};

use crate::exit::Exit;
use crate::github::check_run::{AnnotationLevel, CheckAnnotation, CheckRun, Conclusion};
use crate::github::{GitHub, RunContext};
use crate::inputs::RawInputs;
use crate::workflow::{Annotation, Annotations, Commands, Level, Summary, append_file_command};

/// What the step reports to the runner and GitHub: the delivery's report (or a skip), and
/// whether a failure fails the step.
pub struct StepReport {
    report: Report,
    fail_on_error: bool,
}

impl StepReport {
    /// The outcome of a delivery.
    pub fn of(mut report: Report, fail_on_error: bool) -> Self {
        report.spell(crate::spelling::spell);
        StepReport {
            report,
            fail_on_error,
        }
    }

    /// Nothing sent on purpose (`notify_when` did not match).
    pub fn skipped(reason: String) -> Self {
        StepReport {
            report: Report::skipped(buildmail_core::settings::spell_placeholders(
                &reason,
                crate::spelling::spell,
            )),
            fail_on_error: false,
        }
    }

    fn failed(&self) -> bool {
        self.report.verdict() != Verdict::Delivered
    }

    /// The status word of the outputs and the JSON report (`delivered`, `deferred`, ...).
    fn status_word(&self) -> String {
        self.report.status.as_str().to_owned()
    }

    /// The exit code: the core's verdict as a sysexit, unless `fail_on_error: false`.
    fn exit(&self) -> Exit {
        match self.fail_on_error {
            true => self.report.verdict().into(),
            false => Exit::Ok,
        }
    }

    /// Tells the log, the outputs, the summary, GitHub and the annotations; returns the exit.
    pub async fn tell(
        &self,
        inputs: &RawInputs,
        env: &impl Fn(&str) -> Option<String>,
        github: Option<&GitHub>,
        context: Option<&RunContext>,
        mut annotations: Annotations,
        out: &mut Commands<impl Write>,
    ) -> anyhow::Result<Exit> {
        for line in self.log_lines() {
            out.line(&line)?;
        }
        self.annotate(&mut annotations);
        let summary = self.summary(&annotations);
        if let (Some(github), Some(run)) = (github, context) {
            self.publish(github, run, inputs, &summary, &mut annotations)
                .await;
        }
        if let Some(path) = env("GITHUB_OUTPUT") {
            self.write_outputs(Path::new(&path))?;
        }
        if let Some(path) = env("GITHUB_STEP_SUMMARY") {
            summary.append_to(Path::new(&path))?;
        }
        if inputs.annotate {
            out.annotate(&annotations)?;
        }
        out.flush()?;
        Ok(self.exit())
    }

    /// One line per attempt, and the result, for the step's log.
    fn log_lines(&self) -> Vec<String> {
        let report = &self.report;
        let mut lines: Vec<String> = report.attempts.iter().map(text::attempt).collect();
        lines.push(format!("buildmail: {}", text::outcome_line(report)));
        lines
    }

    /// The annotations of the result: the failure with its explanation (an error, or a warning
    /// when `fail_on_error` is false), or a warning when delivery took retries.
    fn annotate(&self, annotations: &mut Annotations) {
        let report = &self.report;
        for warning in &report.warnings {
            annotations.push(Annotation::new(
                Level::Warning,
                "buildmail",
                warning.clone(),
            ));
        }
        let level = match self.fail_on_error {
            true => Level::Error,
            false => Level::Warning,
        };
        if let Some(failure) = text::failure(report) {
            annotations.push(Annotation::new(level, failure.title, failure.message));
        } else if let Some(retried) = text::retried(report) {
            annotations.push(Annotation::new(
                Level::Warning,
                retried.title,
                retried.message,
            ));
        }
    }

    /// The job summary: the core's Markdown of the report, and every annotation when the
    /// runner shows only some.
    fn summary(&self, annotations: &Annotations) -> Summary {
        let mut md = markdown::summary(&self.report);
        let all = annotations.all();
        if all.len() > annotations.shown().len() {
            md.push_str("### All annotations\n\n| level | title | message |\n|---|---|---|\n");
            for a in all {
                let _ = writeln!(
                    md,
                    "| {} | {} | {} |",
                    a.level.command(),
                    cell(a.title.as_deref().unwrap_or(""), 200),
                    cell(&a.message, 1000)
                );
            }
        }
        let mut summary = Summary::default();
        summary.push(&md);
        summary
    }

    /// The outputs: `status`, `message_id`, `attempts`, `explanation`, `outbox_id`.
    fn write_outputs(&self, path: &Path) -> anyhow::Result<()> {
        let report = &self.report;
        let explanation = match (&report.explanation, &report.reason) {
            (Some(e), _) if self.failed() => format!("{}\n{}", e.title, e.cause),
            (_, Some(reason)) => reason.clone(),
            _ => String::new(),
        };
        let outputs = [
            ("status", self.status_word()),
            ("message_id", report.message_id.clone()),
            ("attempts", report.attempts.len().to_string()),
            ("explanation", explanation),
            ("outbox_id", report.outbox_id.clone().unwrap_or_default()),
        ];
        for (name, value) in outputs {
            append_file_command(path, name, &value)
                .context("writing the step's outputs (GITHUB_OUTPUT)")?;
        }
        Ok(())
    }

    /// The check run and, opted in and on failure, the pull-request comment; a refusal is a
    /// warning.
    async fn publish(
        &self,
        github: &GitHub,
        run: &RunContext,
        inputs: &RawInputs,
        summary: &Summary,
        annotations: &mut Annotations,
    ) {
        let fallback_path = run
            .workflow_file
            .clone()
            .unwrap_or_else(|| ".github".to_owned());
        let check = CheckRun {
            head_sha: run.head_sha.clone(),
            conclusion: match (self.report.status, self.failed()) {
                (DeliveryStatus::Skipped, _) => Conclusion::Neutral,
                (_, true) => Conclusion::Failure,
                (_, false) => Conclusion::Success,
            },
            title: format!("Mail {}", self.status_word()),
            summary: summary.as_str().to_owned(),
            annotations: annotations
                .all()
                .iter()
                .map(|a| check_annotation(a, &fallback_path))
                .collect(),
        };
        let mut warnings = Vec::new();
        if let Err(error) = github.publish_check_run(&check).await {
            warnings.push(error.to_string());
        }
        let comment_on = match inputs.comment_on_failure && self.failed() {
            true => run.pull_request,
            false => None,
        };
        if let Some(number) = comment_on
            && let Err(error) = github
                .comment_on_pull_request(number, summary.as_str())
                .await
        {
            warnings.push(error.to_string());
        }
        for warning in warnings {
            annotations.push(Annotation::new(Level::Warning, "GitHub API", warning));
        }
    }
}

fn check_annotation(annotation: &Annotation, fallback_path: &str) -> CheckAnnotation {
    let line = annotation.line.unwrap_or(1);
    CheckAnnotation {
        path: annotation
            .file
            .clone()
            .unwrap_or_else(|| fallback_path.to_owned()),
        start_line: line,
        end_line: line,
        annotation_level: match annotation.level {
            Level::Error => AnnotationLevel::Failure,
            Level::Warning => AnnotationLevel::Warning,
            Level::Notice => AnnotationLevel::Notice,
        },
        title: annotation.title.clone().unwrap_or_default(),
        message: annotation.message.clone(),
    }
}
