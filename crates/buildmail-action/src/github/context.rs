//! The run's own facts for the API calls, from the `GITHUB_*` variables and the event payload
//! (`GITHUB_EVENT_PATH`): which repository and run, which commit the check run belongs on, and
//! which pull request to comment on.

use anyhow::Context as _;
use buildmail_core::ci;
use serde_json::Value;

/// Where and what this run is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunContext {
    /// `GITHUB_API_URL` (`https://api.github.com`, or GitHub Enterprise's `/api/v3`).
    pub api_url: String,
    /// `GITHUB_REPOSITORY`: `owner/name`.
    pub repository: String,
    /// `GITHUB_RUN_ID`.
    pub run_id: u64,
    /// The run the notification reports on: for a `workflow_run` event the run that triggered
    /// this one (the payload's `workflow_run.id`), else this run.
    pub reported_run_id: u64,
    /// `GITHUB_RUN_ATTEMPT` (1 for the first attempt).
    pub run_attempt: u32,
    /// The commit a check run belongs on: a pull request's head, a `workflow_run`'s head, or
    /// `GITHUB_SHA`.
    pub head_sha: String,
    /// The pull request, for a `pull_request` event or a `workflow_run` from one.
    pub pull_request: Option<u64>,
    /// The workflow file (`.github/workflows/ci.yml`), where annotations about no file point.
    pub workflow_file: Option<String>,
}

impl RunContext {
    /// Reads the context through `lookup` (the environment); `None` outside GitHub Actions.
    pub fn read(lookup: impl Fn(&str) -> Option<String>) -> anyhow::Result<Option<Self>> {
        let (Some(repository), Some(run_id)) =
            (lookup("GITHUB_REPOSITORY"), lookup("GITHUB_RUN_ID"))
        else {
            return Ok(None);
        };
        let run_id = run_id
            .parse()
            .with_context(|| format!("GITHUB_RUN_ID {run_id:?} is not a number"))?;
        // An unreadable payload is warned about once, by `ci::detect`, which reads it too;
        // the API calls then fall back on the GITHUB_* variables.
        let event = lookup("GITHUB_EVENT_PATH")
            .and_then(|path| ci::load_github_event(&path).ok())
            .unwrap_or(Value::Null);
        Ok(Some(RunContext {
            api_url: lookup("GITHUB_API_URL").unwrap_or_else(|| "https://api.github.com".into()),
            repository,
            run_id,
            reported_run_id: event
                .pointer("/workflow_run/id")
                .and_then(Value::as_u64)
                .unwrap_or(run_id),
            run_attempt: lookup("GITHUB_RUN_ATTEMPT")
                .and_then(|a| a.parse().ok())
                .unwrap_or(1),
            head_sha: head_sha(&event)
                .or_else(|| lookup("GITHUB_SHA"))
                .unwrap_or_default(),
            pull_request: pull_request(&event),
            workflow_file: lookup("GITHUB_WORKFLOW_REF").and_then(|r| workflow_file(&r)),
        }))
    }
}

fn head_sha(event: &Value) -> Option<String> {
    let sha = event
        .pointer("/pull_request/head/sha")
        .or_else(|| event.pointer("/workflow_run/head_sha"))?;
    sha.as_str().map(str::to_owned)
}

fn pull_request(event: &Value) -> Option<u64> {
    event
        .pointer("/pull_request/number")
        .or_else(|| event.pointer("/workflow_run/pull_requests/0/number"))?
        .as_u64()
}

/// `owner/repo/.github/workflows/ci.yml@refs/heads/main` -> `.github/workflows/ci.yml`.
fn workflow_file(workflow_ref: &str) -> Option<String> {
    let (path, _) = workflow_ref.split_once('@')?;
    let mut parts = path.splitn(3, '/');
    parts.nth(2).map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn context(event: Option<&str>, extra: &[(&str, &str)]) -> Option<RunContext> {
        let mut env: HashMap<String, String> = [
            ("GITHUB_REPOSITORY", "octo-org/octo-repo"),
            ("GITHUB_RUN_ID", "5012"),
            ("GITHUB_RUN_ATTEMPT", "2"),
            ("GITHUB_SHA", "1111111111111111111111111111111111111111"),
            (
                "GITHUB_WORKFLOW_REF",
                "octo-org/octo-repo/.github/workflows/ci.yml@refs/pull/2/merge",
            ),
        ]
        .into_iter()
        .chain(extra.iter().copied())
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        if let Some(name) = event {
            let path = format!(
                "{}/../../tests/fixtures/github-events/{name}",
                env!("CARGO_MANIFEST_DIR")
            );
            env.insert("GITHUB_EVENT_PATH".into(), path);
        }
        RunContext::read(|name| env.get(name).cloned()).unwrap()
    }

    #[test]
    fn a_pull_request_checks_its_head_and_comments_on_itself() {
        let run = context(Some("pull_request.opened.json"), &[]).unwrap();
        assert_eq!(run.head_sha, "ec26c3e57ca3a959ca5aad62de7213c562f8c821");
        assert_eq!(run.pull_request, Some(2));
        assert_eq!((run.run_id, run.run_attempt), (5012, 2));
        assert_eq!(
            run.workflow_file.as_deref(),
            Some(".github/workflows/ci.yml")
        );
        assert_eq!(run.api_url, "https://api.github.com");
    }

    #[test]
    fn a_push_checks_github_sha_and_has_no_pull_request() {
        let run = context(
            Some("push.json"),
            &[("GITHUB_API_URL", "https://ghe.example.com/api/v3")],
        )
        .unwrap();
        assert_eq!(run.head_sha, "1111111111111111111111111111111111111111");
        assert_eq!(run.pull_request, None);
        assert_eq!(run.api_url, "https://ghe.example.com/api/v3");
    }

    #[test]
    fn a_workflow_run_checks_the_triggering_head_and_its_pull_request() {
        let run = context(Some("workflow_run.completed.with-pull-requests.json"), &[]).unwrap();
        assert_eq!(run.head_sha, "3484a3fb816e0859fd6e1cea078d76385ff50625");
        assert_eq!(run.pull_request, Some(2));
        assert_eq!(run.run_id, 5012);
        assert_eq!(run.reported_run_id, 289782451);
    }

    #[test]
    fn an_unreadable_payload_leaves_the_context_to_the_variables() {
        let run = context(None, &[("GITHUB_EVENT_PATH", "/nonexistent/event.json")]).unwrap();
        assert_eq!(run.head_sha, "1111111111111111111111111111111111111111");
        assert_eq!((run.run_id, run.reported_run_id), (5012, 5012));
        assert_eq!(run.pull_request, None);
    }

    #[test]
    fn outside_github_actions_there_is_no_context() {
        assert_eq!(RunContext::read(|_| None).unwrap(), None);
    }
}
