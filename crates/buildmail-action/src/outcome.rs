//! What a delivery report becomes on GitHub: log lines, outputs, the job summary, annotations,
//! the check run and the pull-request comment, and the exit code. Untrusted text (replies,
//! addresses) only reaches the runner through [`crate::workflow`].
//! The attempt lines are the core's (`report::text`), the same the CLI prints; the exit code
//! maps the core's `Report::verdict()`.

use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;

use anyhow::Context as _;
use buildmail_core::Report;
use buildmail_core::report::{AttemptOutcome, DeliveryStatus, Verdict, text};

use crate::exit::Exit;
use crate::github::check_run::{AnnotationLevel, CheckAnnotation, CheckRun, Conclusion};
use crate::github::{GitHub, RunContext};
use crate::inputs::RawInputs;
use crate::workflow::summary::cell;
use crate::workflow::{Annotation, Annotations, Commands, Level, Summary, append_file_command};

/// A report, or a skip, and whether a failure fails the step.
pub struct Outcome {
    report: Report,
    fail_on_error: bool,
}

impl Outcome {
    /// The outcome of a delivery.
    pub fn of(mut report: Report, fail_on_error: bool) -> Self {
        report.spell(crate::spelling::spell);
        Outcome {
            report,
            fail_on_error,
        }
    }

    /// Nothing sent on purpose (`notify_when` did not match).
    pub fn skipped(reason: String) -> Self {
        Outcome {
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
        serde_json::to_value(self.report.status)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default()
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
        lines.push(match &report.reason {
            Some(reason) => format!("buildmail: {}: {reason}", self.status_word()),
            None => format!("buildmail: {} ({})", self.status_word(), report.message_id),
        });
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
        if self.failed() {
            let level = if self.fail_on_error {
                Level::Error
            } else {
                Level::Warning
            };
            let (title, message) = match &report.explanation {
                Some(e) => {
                    let said = report.attempts.iter().rev().find_map(|a| a.reply.as_ref());
                    let said = said
                        .map(|r| format!("The server said: {r}\n"))
                        .unwrap_or_default();
                    (
                        e.title.clone(),
                        format!("{said}{}\nFix: {}", e.cause, e.fix.join(" ")),
                    )
                }
                None => (
                    "not delivered".to_owned(),
                    report.reason.clone().unwrap_or_else(|| self.status_word()),
                ),
            };
            annotations.push(Annotation::new(
                level,
                format!("Mail {}: {title}", self.status_word()),
                message,
            ));
        } else if report.attempts.len() > 1 {
            let said = report
                .attempts
                .iter()
                .find_map(|a| a.reply.as_ref())
                .map(|r| r.to_string())
                .unwrap_or_default();
            let waited: u64 = report.attempts.iter().map(|a| a.waited_ms).sum();
            annotations.push(Annotation::new(
                Level::Warning,
                format!("Delivered after {} attempts", report.attempts.len()),
                format!(
                    "the server first said: {said}; the retries took {}",
                    humantime::format_duration(std::time::Duration::from_millis(
                        waited / 1000 * 1000
                    ))
                ),
            ));
        }
    }

    /// The job summary: outcome, recipients, attempts, and the explanation of a failure.
    fn summary(&self, annotations: &Annotations) -> Summary {
        let report = &self.report;
        let mut md = String::new();
        let _ = writeln!(md, "## buildmail: {}\n", self.status_word());
        if let Some(reason) = &report.reason {
            let _ = writeln!(md, "{}\n", cell(reason, 2000));
        }
        if !report.recipients.is_empty() {
            let to: Vec<_> = report
                .recipients
                .iter()
                .map(|r| cell(&r.address, 200))
                .collect();
            let _ = writeln!(md, "**Recipients:** {}\n", to.join(", "));
        }
        if !report.attempts.is_empty() {
            md.push_str("| # | server | phase | outcome | reply | category | wait |\n|---|---|---|---|---|---|---|\n");
            for a in &report.attempts {
                let reply = a.reply.as_ref().map(|r| r.to_string()).unwrap_or_default();
                let wait = humantime::format_duration(std::time::Duration::from_millis(
                    a.waited_ms / 1000 * 1000,
                ));
                let _ = writeln!(
                    md,
                    "| {} | {} | {} | {} | {} | {} | {wait} |",
                    a.number,
                    cell(&a.server, 200),
                    a.phase,
                    outcome_word(a.outcome),
                    cell(&reply, 500),
                    a.category.map(|c| c.to_string()).unwrap_or_default()
                );
            }
            md.push('\n');
        }
        if let (true, Some(e)) = (self.failed(), &report.explanation) {
            let _ = writeln!(
                md,
                "### {}\n\n{}\n\n**Fix:**\n",
                cell(&e.title, 300),
                cell(&e.cause, 2000)
            );
            for fix in &e.fix {
                let _ = writeln!(md, "- {}", cell(fix, 1000));
            }
            md.push('\n');
        }
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

fn outcome_word(outcome: AttemptOutcome) -> &'static str {
    match outcome {
        AttemptOutcome::Ok => "ok",
        AttemptOutcome::Transient => "transient",
        AttemptOutcome::Permanent => "permanent",
    }
}
