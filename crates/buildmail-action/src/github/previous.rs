//! The previous result, which GitHub's environment does not carry: the last completed run of
//! the same workflow on the same branch, not this run and not an earlier attempt of it, so that
//! `notify_when: fixed | still-failing | first-failure | changed` work as in Jenkins.

use buildmail_core::ci::BuildStatus;
use serde::Deserialize;

use super::{ApiError, GitHub};

/// What the API says came before this run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Previous {
    /// The last completed run before this one, and how it ended.
    Found {
        /// Its result.
        status: BuildStatus,
        /// Its number, as GitHub shows it (`#41`).
        run_number: u64,
        /// Its page.
        url: String,
    },
    /// No earlier completed run of this workflow on this branch (the first run, or all
    /// earlier ones were skipped).
    None,
}

#[derive(Debug, Deserialize)]
struct ThisRun {
    workflow_id: u64,
    head_branch: Option<String>,
    run_number: u64,
}

#[derive(Debug, Deserialize)]
struct Runs {
    workflow_runs: Vec<Run>,
}

#[derive(Debug, Deserialize)]
struct Run {
    id: u64,
    run_number: u64,
    conclusion: Option<String>,
    html_url: String,
}

/// How many recent runs are looked through for one that ended with a result.
const RUNS_LOOKED_AT: u32 = 30;

impl GitHub {
    /// The previous result of the run `run_id` (`GITHUB_RUN_ID`). Runs that ended without a
    /// result (skipped, neutral, stale, waiting for approval) are passed over; so are runs that
    /// started after this one.
    pub async fn previous_run(&self, run_id: u64) -> Result<Previous, ApiError> {
        let this: ThisRun = self
            .crab
            .get(self.route(&format!("/actions/runs/{run_id}")), None::<&()>)
            .await
            .map_err(|e| ApiError::from_octocrab(e, "read this workflow run", "actions: read"))?;
        let Some(branch) = this.head_branch else {
            return Ok(Previous::None);
        };
        let query = [
            ("branch", branch),
            ("status", "completed".to_owned()),
            ("per_page", RUNS_LOOKED_AT.to_string()),
            ("exclude_pull_requests", "true".to_owned()),
        ];
        let runs: Runs = self
            .crab
            .get(
                self.route(&format!("/actions/workflows/{}/runs", this.workflow_id)),
                Some(&query),
            )
            .await
            .map_err(|e| {
                ApiError::from_octocrab(e, "list this workflow's runs", "actions: read")
            })?;
        let previous = runs
            .workflow_runs
            .into_iter()
            .filter(|run| run.id != run_id && run.run_number < this.run_number)
            .find_map(|run| {
                let status = run.conclusion.as_deref()?.parse::<BuildStatus>().ok()?;
                Some(Previous::Found {
                    status,
                    run_number: run.run_number,
                    url: run.html_url,
                })
            });
        Ok(previous.unwrap_or(Previous::None))
    }
}

#[cfg(test)]
mod tests {
    use buildmail_core::notify::{Decision, Trigger};
    use serde_json::json;
    use wiremock::matchers::{method, path, query_param};
    use wiremock::{Mock, ResponseTemplate};

    use super::*;
    use crate::github::mock::{github, repo_path};

    /// This run is #12 (id 5012) of workflow 161335 on `main`; the listing is what GitHub
    /// returns, newest first.
    async fn previous_with(listing: serde_json::Value) -> Result<Previous, ApiError> {
        let (server, client) = github().await;
        Mock::given(method("GET"))
            .and(path(repo_path("/actions/runs/5012")))
            .respond_with(ResponseTemplate::new(200).set_body_json(
                json!({"id": 5012, "workflow_id": 161335, "head_branch": "main", "run_number": 12, "run_attempt": 2}),
            ))
            .expect(1)
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path(repo_path("/actions/workflows/161335/runs")))
            .and(query_param("branch", "main"))
            .and(query_param("status", "completed"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "total_count": 3,
                "workflow_runs": listing,
            })))
            .expect(1)
            .mount(&server)
            .await;
        client.previous_run(5012).await
    }

    fn run(id: u64, run_number: u64, conclusion: &str) -> serde_json::Value {
        json!({"id": id, "run_number": run_number, "conclusion": conclusion,
               "html_url": format!("https://github.com/octo-org/octo-repo/actions/runs/{id}")})
    }

    #[tokio::test]
    async fn a_success_after_a_failure_is_fixed() {
        let previous = previous_with(json!([run(5011, 11, "failure"), run(5010, 10, "success")]))
            .await
            .unwrap();
        let Previous::Found {
            status, run_number, ..
        } = previous.clone()
        else {
            panic!("{previous:?}")
        };
        assert_eq!((status, run_number), (BuildStatus::Failure, 11));
        assert_eq!(
            Trigger::Fixed.decide(BuildStatus::Success, Some(status)),
            Decision::Send
        );
    }

    #[tokio::test]
    async fn a_failure_after_a_failure_is_still_failing() {
        let previous = previous_with(json!([run(5011, 11, "timed_out")]))
            .await
            .unwrap();
        let Previous::Found { status, .. } = previous else {
            panic!("{previous:?}")
        };
        assert_eq!(
            Trigger::StillFailing.decide(BuildStatus::Failure, Some(status)),
            Decision::Send
        );
        assert_ne!(
            Trigger::FirstFailure.decide(BuildStatus::Failure, Some(status)),
            Decision::Send
        );
    }

    #[tokio::test]
    async fn this_run_its_earlier_attempt_later_runs_and_skipped_runs_are_passed_over() {
        let previous = previous_with(json!([
            run(5013, 13, "failure"),
            run(5012, 12, "failure"),
            run(5011, 11, "skipped"),
            run(5009, 9, "success"),
        ]))
        .await
        .unwrap();
        let Previous::Found {
            status,
            run_number,
            url,
        } = previous
        else {
            panic!("{previous:?}")
        };
        assert_eq!((status, run_number), (BuildStatus::Success, 9));
        assert!(url.ends_with("/runs/5009"));
    }

    #[tokio::test]
    async fn the_first_run_has_none() {
        assert_eq!(
            previous_with(json!([run(5012, 12, "failure")]))
                .await
                .unwrap(),
            Previous::None
        );
        assert_eq!(previous_with(json!([])).await.unwrap(), Previous::None);
    }

    #[tokio::test]
    async fn a_token_without_actions_read_is_named_in_the_warning() {
        for status in [403, 404] {
            let (server, client) = github().await;
            Mock::given(method("GET"))
                .respond_with(
                    ResponseTemplate::new(status).set_body_json(
                        json!({"message": "Resource not accessible by integration"}),
                    ),
                )
                .mount(&server)
                .await;
            let error = client.previous_run(5012).await.unwrap_err();
            assert!(matches!(error, ApiError::Forbidden { .. }), "{error:?}");
            assert!(
                error.to_string().contains("permissions: actions: read"),
                "{error}"
            );
        }
    }

    #[tokio::test]
    async fn a_server_error_is_reported_not_panicked() {
        let (server, client) = github().await;
        Mock::given(method("GET"))
            .respond_with(
                ResponseTemplate::new(502).set_body_json(json!({"message": "Bad gateway"})),
            )
            .mount(&server)
            .await;
        let error = client.previous_run(5012).await.unwrap_err();
        assert!(error.to_string().contains("HTTP 502"), "{error}");
    }
}
