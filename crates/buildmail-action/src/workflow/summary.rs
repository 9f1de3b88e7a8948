//! The job summary (`GITHUB_STEP_SUMMARY`): Markdown appended for this step, kept well under the
//! runner's 1 MiB limit (over it, GitHub drops the whole summary with an error) however long the
//! server's replies are; untrusted text is escaped for a table cell.

use std::fs::OpenOptions;
use std::io::Write as _;
use std::path::Path;

use anyhow::Context as _;

/// What one step may add: a quarter of the runner's limit, leaving room for other steps.
pub const SUMMARY_BUDGET: usize = 256 * 1024;

/// Markdown being written for the job summary.
#[derive(Debug, Default)]
pub struct Summary {
    markdown: String,
}

impl Summary {
    /// Adds trusted Markdown (headings and tables the binary writes).
    pub fn push(&mut self, markdown: &str) {
        self.markdown.push_str(markdown);
    }

    /// The Markdown so far.
    pub fn as_str(&self) -> &str {
        &self.markdown
    }

    /// The Markdown cut to `budget` bytes at a line, with a note saying so.
    pub fn within(&self, budget: usize) -> String {
        if self.markdown.len() <= budget {
            return self.markdown.clone();
        }
        let note = "\n_The summary was cut to stay within GitHub's size limit; the step's log has it all._\n";
        let mut end = budget.saturating_sub(note.len());
        while !self.markdown.is_char_boundary(end) {
            end -= 1;
        }
        let end = self.markdown[..end].rfind('\n').map_or(end, |at| at + 1);
        format!("{}{note}", &self.markdown[..end])
    }

    /// Appends the summary, within [`SUMMARY_BUDGET`], to the file `GITHUB_STEP_SUMMARY` names.
    pub fn append_to(&self, path: &Path) -> anyhow::Result<()> {
        let mut file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .with_context(|| format!("opening the job summary {}", path.display()))?;
        file.write_all(self.within(SUMMARY_BUDGET).as_bytes())
            .with_context(|| format!("writing the job summary {}", path.display()))
    }
}

/// Untrusted text for one Markdown table cell (the core's, shared with its report Markdown).
pub use buildmail_core::report::markdown::cell;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_summary_within_budget_is_unchanged() {
        let mut summary = Summary::default();
        summary.push("## Sent\n");
        assert_eq!(summary.within(100), "## Sent\n");
    }

    #[test]
    fn a_long_summary_is_cut_at_a_line_with_a_note() {
        let mut summary = Summary::default();
        for n in 0..100_000 {
            summary.push(&format!("| {n} | é 550 reply |\n"));
        }
        let cut = summary.within(SUMMARY_BUDGET);
        assert!(cut.len() <= SUMMARY_BUDGET);
        let kept = cut
            .strip_suffix("\n_The summary was cut to stay within GitHub's size limit; the step's log has it all._\n")
            .expect("the note ends the summary");
        assert!(summary.as_str().starts_with(kept));
        assert!(
            kept.ends_with(" é 550 reply |\n"),
            "whole lines: {:?}",
            &kept[kept.len() - 30..]
        );
    }

    #[test]
    fn a_summary_of_one_long_line_is_cut_between_characters_within_budget() {
        let mut summary = Summary::default();
        summary.push(&"é".repeat(1000));
        let note_len = summary.within(0).len(); // nothing fits: the note alone
        // A budget that falls in the middle of an `é` (two bytes).
        let budget = note_len + 5;
        let cut = summary.within(budget);
        assert!(cut.len() <= budget, "{} > {budget}", cut.len());
        assert!(cut.starts_with("éé") && !cut.starts_with("ééé"), "{cut:?}");
    }

    #[test]
    fn a_summary_of_a_hundred_kib_is_kept_whole() {
        let mut summary = Summary::default();
        for n in 0..4000 {
            summary.push(&format!("| {n} | 550 5.1.1 no such user |\n"));
        }
        assert!(summary.as_str().len() > 100 * 1024);
        assert_eq!(summary.within(SUMMARY_BUDGET), summary.as_str());
    }

    #[test]
    fn appending_keeps_what_other_steps_wrote() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("summary.md");
        std::fs::write(&path, "# Earlier step\n").unwrap();
        let mut summary = Summary::default();
        summary.push("## buildmail\n");
        summary.append_to(&path).unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "# Earlier step\n## buildmail\n"
        );
    }
}
