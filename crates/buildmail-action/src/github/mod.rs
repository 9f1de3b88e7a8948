//! The GitHub API, through octocrab: the previous run's result ([`previous`]), the `buildmail`
//! check run ([`check_run`]) and the pull-request comment ([`comment`]). The run's own facts
//! (repository, run id, head commit, pull request) come from [`context`].
//!
//! Every call is best effort: a token without a permission (a fork's read-only token), or an
//! API that is down, costs a warning that names the permission, never the notification. POSTs
//! are sent once: octocrab is built without its retry layer, since a retried POST duplicates a
//! comment.

pub mod check_run;
pub mod comment;
pub mod context;
pub mod previous;

use std::time::Duration;

use octocrab::Octocrab;

pub use context::RunContext;

/// A repository's API, authenticated with the step's token.
pub struct GitHub {
    crab: Octocrab,
    owner: String,
    repo: String,
}

/// Why a call failed, in the words of the warning the user sees.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 403 or 404: the token may not do this (or the repository is a fork).
    #[error(
        "the github_token may not {doing} (HTTP {status}): give the job `permissions: {permission}`"
    )]
    Forbidden {
        /// What was being done.
        doing: &'static str,
        /// The HTTP status.
        status: u16,
        /// The permission that allows it (`actions: read`).
        permission: &'static str,
    },
    /// Anything else: the API refused, was unreachable or answered nonsense.
    #[error("could not {doing}: {message}")]
    Other {
        /// What was being done.
        doing: &'static str,
        /// What went wrong.
        message: String,
    },
}

impl ApiError {
    fn from_octocrab(
        error: octocrab::Error,
        doing: &'static str,
        permission: &'static str,
    ) -> Self {
        match &error {
            octocrab::Error::GitHub { source, .. }
                if matches!(source.status_code.as_u16(), 403 | 404) =>
            {
                ApiError::Forbidden {
                    doing,
                    status: source.status_code.as_u16(),
                    permission,
                }
            }
            octocrab::Error::GitHub { source, .. } => ApiError::Other {
                doing,
                message: format!("HTTP {}: {}", source.status_code.as_u16(), source.message),
            },
            _ => ApiError::Other {
                doing,
                message: error.to_string(),
            },
        }
    }
}

/// How long one API call may take: the notification matters more than the extras.
const API_TIMEOUT: Duration = Duration::from_secs(20);

impl GitHub {
    /// A client for `owner/repo` at `api_url` (`GITHUB_API_URL`: GitHub Enterprise too).
    pub fn new(api_url: &str, token: &str, repository: &str) -> anyhow::Result<Self> {
        let (owner, repo) = repository
            .split_once('/')
            .ok_or_else(|| anyhow::anyhow!("GITHUB_REPOSITORY {repository:?} is not owner/name"))?;
        let crab = Octocrab::builder()
            .base_uri(api_url)
            .map_err(|e| anyhow::anyhow!("GITHUB_API_URL {api_url:?} is not a URL: {e}"))?
            .personal_token(token.to_owned())
            .set_connect_timeout(Some(API_TIMEOUT))
            .set_read_timeout(Some(API_TIMEOUT))
            .build()
            .map_err(|e| anyhow::anyhow!("starting the GitHub API client: {e}"))?;
        Ok(GitHub {
            crab,
            owner: owner.to_owned(),
            repo: repo.to_owned(),
        })
    }

    /// A route under this repository: `/repos/{owner}/{repo}{rest}`.
    fn route(&self, rest: &str) -> String {
        format!("/repos/{}/{}{rest}", self.owner, self.repo)
    }
}

#[cfg(test)]
pub(crate) mod mock {
    //! A wiremock GitHub API for the tests of this module.

    use wiremock::MockServer;

    use super::GitHub;

    /// The mock, and a client for `octo-org/octo-repo` on it, with a GitHub Enterprise path
    /// prefix so that `GITHUB_API_URL`'s path is proven kept.
    pub async fn github() -> (MockServer, GitHub) {
        let server = MockServer::start().await;
        let client = GitHub::new(
            &format!("{}/api/v3", server.uri()),
            "ghs_token",
            "octo-org/octo-repo",
        )
        .unwrap();
        (server, client)
    }

    /// The path of a route under the mock's repository.
    pub fn repo_path(rest: &str) -> String {
        format!("/api/v3/repos/octo-org/octo-repo{rest}")
    }
}
