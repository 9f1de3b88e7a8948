//! Speaking to the GitHub Actions runner: workflow commands on stdout (annotations, masks,
//! stopped regions), the environment files (`GITHUB_OUTPUT`, `GITHUB_ENV`) and the job summary
//! (`GITHUB_STEP_SUMMARY`).
//!
//! Every line the binary prints goes through this module, so untrusted text (server replies,
//! commit messages, branch names, PR titles, author names, file names) can never start a
//! workflow command: the runner's rules are in [`escape`], and the property tests there check
//! every line against a model of the runner's parser.

pub mod commands;
pub mod escape;
pub mod files;
pub mod summary;

pub use commands::{Annotation, Annotations, Commands, Level};
pub use files::{FileCommandError, append_file_command};
pub use summary::Summary;

#[cfg(test)]
mod injection;
