//! The CI context: one model of a build ([`Build`]), filled from GitHub Actions, Jenkins or a
//! local git checkout.
//!
//! The core reads no environment: [`detect`] takes a lookup function for variables and the
//! directory of the checkout, both given by the front end. Every field of [`Build`] is public so
//! the front end can override it from a flag.

mod git;
mod github;
mod jenkins;

pub use github::load_event as load_github_event;

use std::fmt;
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use serde::Serialize;

/// Where the build ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Provider {
    /// GitHub Actions (`GITHUB_ACTIONS=true`).
    GithubActions,
    /// Jenkins (`JENKINS_URL` set).
    Jenkins,
    /// Neither: a local checkout, or no checkout at all.
    Local,
}

impl Provider {
    /// The name people know it by.
    pub fn display_name(self) -> &'static str {
        match self {
            Provider::GithubActions => "GitHub Actions",
            Provider::Jenkins => "Jenkins",
            Provider::Local => "a local checkout",
        }
    }
}

/// How a build ended, in the words of `--status` (Jenkins' and GitHub's words are accepted too).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BuildStatus {
    /// Everything passed.
    Success,
    /// The build failed.
    Failure,
    /// The build ran but tests failed or quality gates were missed (Jenkins' yellow).
    Unstable,
    /// Stopped by a person or a timeout (Jenkins' ABORTED).
    Aborted,
    /// Cancelled before it finished (GitHub's cancelled).
    Cancelled,
    /// Not built: a stage or a build that never ran (Jenkins' NOT_BUILT).
    NotBuilt,
}

impl BuildStatus {
    /// Every status, in the order of the documentation.
    pub const ALL: [BuildStatus; 6] = [
        BuildStatus::Success,
        BuildStatus::Failure,
        BuildStatus::Unstable,
        BuildStatus::Aborted,
        BuildStatus::Cancelled,
        BuildStatus::NotBuilt,
    ];

    /// The lower-case word used on the command line and in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            BuildStatus::Success => "success",
            BuildStatus::Failure => "failure",
            BuildStatus::Unstable => "unstable",
            BuildStatus::Aborted => "aborted",
            BuildStatus::Cancelled => "cancelled",
            BuildStatus::NotBuilt => "not_built",
        }
    }

    /// Failure or unstable: a state that a later success "fixes".
    pub fn is_broken(self) -> bool {
        matches!(self, BuildStatus::Failure | BuildStatus::Unstable)
    }
}

impl fmt::Display for BuildStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A word that is not a build status.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{0:?} is not a build status: use success, failure, unstable, aborted, cancelled or not_built"
)]
pub struct UnknownStatus(pub String);

impl FromStr for BuildStatus {
    type Err = UnknownStatus;

    /// Accepts buildmail's words and Jenkins' and GitHub's (`SUCCESS`, `FAILURE`, `failed`,
    /// `canceled`, `timed_out`, ...).
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.trim().to_ascii_lowercase().as_str() {
            "success" | "succeeded" | "passed" | "pass" | "ok" => Ok(BuildStatus::Success),
            "failure" | "failed" | "fail" | "error" | "timed_out" | "startup_failure" => {
                Ok(BuildStatus::Failure)
            }
            "unstable" => Ok(BuildStatus::Unstable),
            "aborted" => Ok(BuildStatus::Aborted),
            "not_built" | "not-built" => Ok(BuildStatus::NotBuilt),
            "cancelled" | "canceled" => Ok(BuildStatus::Cancelled),
            _ => Err(UnknownStatus(text.to_owned())),
        }
    }
}

/// A pull request (GitHub) or change request (Jenkins `CHANGE_*`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Change {
    /// Its number (`2`, or Jenkins' `CHANGE_ID`).
    pub number: String,
    /// Its title.
    pub title: Option<String>,
    /// Where to read it.
    pub url: Option<String>,
}

/// A person the CI context names: an author of a change, or who started the build. Every field
/// is untrusted text from a commit or a payload.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Person {
    /// The name, as written in the commit.
    pub name: Option<String>,
    /// The address, as written in the commit (not yet checked).
    pub email: Option<String>,
}

/// The authors of the changes in a build, and which changes those are.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ChangeAuthors {
    /// Each commit's author, in the order of the history (duplicates kept).
    pub people: Vec<Person>,
    /// Which changes, as a phrase for the report: `the changes since the last successful build`.
    pub scope: String,
    /// Why a wider scope could not be read, when it could not (a shallow clone).
    pub note: Option<String>,
}

/// One build, as a notification describes it. Missing facts are `None`, never guessed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Build {
    /// Where it ran.
    pub provider: Provider,
    /// The short name in the subject: the repository name, or the Jenkins job.
    pub project: String,
    /// The full repository name (`owner/repo`) when known.
    pub repository: Option<String>,
    /// The workflow (GitHub) or job (Jenkins) that ran.
    pub workflow: Option<String>,
    /// The run number (`812`).
    pub run_number: Option<String>,
    /// Where to see the run.
    pub run_url: Option<String>,
    /// The branch built (for a pull request, its head branch).
    pub branch: Option<String>,
    /// The tag built.
    pub tag: Option<String>,
    /// The full commit id.
    pub commit: Option<String>,
    /// Where to see the commit.
    pub commit_url: Option<String>,
    /// The commit message (the whole message; templates show its first line).
    pub message: Option<String>,
    /// Who made the change.
    pub author: Option<String>,
    /// The pull or merge request built.
    pub change: Option<Change>,
    /// What started the build (`push`, `pull_request`, `schedule`, ...).
    pub trigger: Option<String>,
    /// How long it took, when known.
    #[serde(serialize_with = "serialize_duration")]
    pub duration: Option<Duration>,
    /// How it ended; `None` until known (`--status`, or a `workflow_run` payload).
    pub status: Option<BuildStatus>,
    /// How the previous build of the same job and branch ended.
    pub previous_status: Option<BuildStatus>,
    /// The authors of the changes built, when the context tells them.
    pub change_authors: Option<ChangeAuthors>,
    /// Who started the build, when the context tells it.
    pub requester: Option<Person>,
}

impl Build {
    /// An empty build of `project`: every fact missing.
    pub fn new(provider: Provider, project: impl Into<String>) -> Self {
        Build {
            provider,
            project: project.into(),
            repository: None,
            workflow: None,
            run_number: None,
            run_url: None,
            branch: None,
            tag: None,
            commit: None,
            commit_url: None,
            message: None,
            author: None,
            change: None,
            trigger: None,
            duration: None,
            status: None,
            previous_status: None,
            change_authors: None,
            requester: None,
        }
    }

    /// The commit id shortened to 7 characters.
    pub fn short_commit(&self) -> Option<&str> {
        self.commit
            .as_deref()
            .map(|sha| sha.get(..7).unwrap_or(sha))
    }

    /// The first line of the commit message.
    pub fn message_subject(&self) -> Option<&str> {
        self.message
            .as_deref()
            .and_then(|message| message.lines().map(str::trim).find(|line| !line.is_empty()))
    }
}

fn serialize_duration<S: serde::Serializer>(
    duration: &Option<Duration>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match duration {
        Some(duration) => serializer.serialize_u64(duration.as_secs()),
        None => serializer.serialize_none(),
    }
}

/// Why the CI context could not be read.
#[derive(Debug, thiserror::Error)]
pub enum CiError {
    /// `GITHUB_EVENT_PATH` names a file that cannot be read (or is not UTF-8).
    #[error(
        "reading the GitHub event payload {}: {source}",
        crate::untrusted::escaped(path)
    )]
    EventPayload {
        /// The file.
        path: String,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
    /// The event payload is not JSON.
    #[error(
        "the GitHub event payload {} is not JSON: {source}",
        crate::untrusted::escaped(path)
    )]
    EventJson {
        /// The file.
        path: String,
        /// What the parser said.
        #[source]
        source: serde_json::Error,
    },
}

/// Reads the build from the environment: GitHub Actions when `GITHUB_ACTIONS=true`, Jenkins when
/// `JENKINS_URL` is set, otherwise the git checkout at `dir` (or just the directory's name).
/// Empty variables count as unset.
///
/// ```
/// use buildmail_core::ci::{detect, Provider};
/// let vars = |name: &str| match name {
///     "JENKINS_URL" => Some("https://ci.example.com/".to_owned()),
///     "JOB_NAME" => Some("shop".to_owned()),
///     "BUILD_NUMBER" => Some("812".to_owned()),
///     _ => None,
/// };
/// let build = detect(&vars, std::path::Path::new("/nonexistent")).build;
/// assert_eq!(build.provider, Provider::Jenkins);
/// assert_eq!(build.run_number.as_deref(), Some("812"));
/// ```
///
/// Nothing in the CI context stops a notification: a GitHub event payload that is missing, not
/// UTF-8, not JSON or nested too deeply is left aside with a warning, and the build comes from
/// the `GITHUB_*` variables alone.
pub fn detect(vars: &dyn Fn(&str) -> Option<String>, dir: &Path) -> Detected {
    let var = |name: &str| vars(name).filter(|value| !value.trim().is_empty());
    if var("GITHUB_ACTIONS").as_deref() == Some("true") {
        github::read(&var)
    } else if var("JENKINS_URL").is_some() {
        Detected::from(jenkins::read(&var, dir))
    } else {
        Detected::from(git::read(dir))
    }
}

/// The build [`detect`] found, and what it had to leave aside.
#[derive(Debug, Clone, PartialEq)]
pub struct Detected {
    /// The build.
    pub build: Build,
    /// What could not be read, for the report: each names the input and what was used instead.
    pub warnings: Vec<String>,
}

impl From<Build> for Detected {
    fn from(build: Build) -> Self {
        Detected {
            build,
            warnings: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_words_of_every_ci_are_understood() {
        let cases = [
            ("success", BuildStatus::Success),
            ("SUCCESS", BuildStatus::Success),
            ("failure", BuildStatus::Failure),
            ("FAILURE", BuildStatus::Failure),
            ("timed_out", BuildStatus::Failure),
            ("UNSTABLE", BuildStatus::Unstable),
            ("ABORTED", BuildStatus::Aborted),
            ("NOT_BUILT", BuildStatus::NotBuilt),
            ("cancelled", BuildStatus::Cancelled),
            ("canceled", BuildStatus::Cancelled),
        ];
        for (word, status) in cases {
            assert_eq!(word.parse::<BuildStatus>(), Ok(status), "{word}");
        }
        let error = "green".parse::<BuildStatus>().expect_err("not a status");
        assert!(error.to_string().contains("success, failure"), "{error}");
    }

    #[test]
    fn short_commit_and_message_subject() {
        let mut build = Build::new(Provider::Local, "app");
        build.commit = Some("0123456789abcdef".into());
        build.message = Some("\n  Fix the build\n\nLonger text".into());
        assert_eq!(build.short_commit(), Some("0123456"));
        assert_eq!(build.message_subject(), Some("Fix the build"));
    }
}
