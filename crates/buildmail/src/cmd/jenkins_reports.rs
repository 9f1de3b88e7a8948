//! `--warnings-report` and `--junit-report`: the outcome of `send`, `notify` and `outbox flush`
//! as files Jenkins shows (rendered by [`buildmail_core::jenkins_reports`]). They are written
//! whatever the outcome, a run that stopped before sending included, and atomically: a reader
//! never sees half a file, and a stale report is never left behind by a failed write.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use buildmail_core::Report;
use buildmail_core::jenkins_reports::{RunOutcome, junit_xml, warnings_json};

use crate::exit::{Exit, message};

/// Where to write the reports; none by default.
#[derive(Debug, Clone, Default, clap::Args)]
#[command(next_help_heading = "Reports for Jenkins")]
pub struct ReportFiles {
    /// Write a warnings-ng native JSON report of the outcome here (recordIssues, tool `issues`).
    #[arg(long, env = "BUILDMAIL_WARNINGS_REPORT", value_name = "PATH")]
    pub warnings_report: Option<PathBuf>,

    /// Write a JUnit XML report here, one test case per recipient (Jenkins' `junit` step).
    #[arg(long, env = "BUILDMAIL_JUNIT_REPORT", value_name = "PATH")]
    pub junit_report: Option<PathBuf>,
}

impl ReportFiles {
    /// Writes the reports of the deliveries a command made.
    pub fn write(&self, reports: &[Report]) -> anyhow::Result<()> {
        self.write_outcome(RunOutcome::Ran(reports))
    }

    /// Passes a command's result through; when it failed, the reports say that nothing was
    /// sent and why, so a build that reads them never mistakes a failure for silence.
    pub fn after(&self, result: anyhow::Result<Exit>) -> anyhow::Result<Exit> {
        match result {
            Err(error) => match self.write_outcome(RunOutcome::Stopped(&message(&error))) {
                Ok(()) => Err(error),
                Err(also) => Err(error.context(format!("{also:#}"))),
            },
            ok => ok,
        }
    }

    fn write_outcome(&self, outcome: RunOutcome<'_>) -> anyhow::Result<()> {
        if let Some(path) = &self.warnings_report {
            write_atomically(path, &warnings_json(outcome), "--warnings-report")?;
        }
        if let Some(path) = &self.junit_report {
            write_atomically(path, &junit_xml(outcome), "--junit-report")?;
        }
        Ok(())
    }
}

/// Writes a temporary file beside `path` and renames it over `path`.
fn write_atomically(path: &Path, text: &str, flag: &str) -> anyhow::Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let context = || format!("writing {flag} {}", path.display());
    let mut file = tempfile::NamedTempFile::new_in(dir).with_context(context)?;
    file.write_all(text.as_bytes()).with_context(context)?;
    file.persist(path)
        .map_err(|e| e.error)
        .with_context(context)?;
    Ok(())
}
