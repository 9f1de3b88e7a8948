//! The opt-in comment on the pull request when delivery failed (`comment_on_failure: true`):
//! where the author looks, the failure and its explanation. Sent once: a retried POST would
//! post it twice.

use serde_json::json;

use super::check_run::cut;
use super::{ApiError, GitHub};

/// The API's limit on a comment's body, in characters.
const COMMENT_LIMIT: usize = 65_536;

impl GitHub {
    /// Comments `body` (Markdown) on pull request `number`.
    pub async fn comment_on_pull_request(&self, number: u64, body: &str) -> Result<(), ApiError> {
        let _: serde_json::Value = self
            .crab
            .post(
                self.route(&format!("/issues/{number}/comments")),
                Some(&json!({ "body": cut(body, COMMENT_LIMIT) })),
            )
            .await
            .map_err(|e| {
                ApiError::from_octocrab(e, "comment on the pull request", "pull-requests: write")
            })?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use wiremock::matchers::{body_json, method, path};
    use wiremock::{Mock, ResponseTemplate};

    use crate::github::mock::{github, repo_path};

    #[tokio::test]
    async fn the_comment_goes_to_the_pull_requests_issue_once() {
        let (server, client) = github().await;
        Mock::given(method("POST"))
            .and(path(repo_path("/issues/2/comments")))
            .and(body_json(json!({"body": "**buildmail**: not delivered"})))
            .respond_with(ResponseTemplate::new(201).set_body_json(json!({"id": 1})))
            .expect(1)
            .mount(&server)
            .await;
        client
            .comment_on_pull_request(2, "**buildmail**: not delivered")
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn a_failed_comment_is_not_retried() {
        let (server, client) = github().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(500).set_body_json(json!({"message": "oops"})))
            .expect(1)
            .mount(&server)
            .await;
        let error = client.comment_on_pull_request(2, "x").await.unwrap_err();
        assert!(error.to_string().contains("HTTP 500"), "{error}");
    }

    #[tokio::test]
    async fn a_forks_read_only_token_names_the_permission() {
        let (server, client) = github().await;
        Mock::given(method("POST"))
            .respond_with(
                ResponseTemplate::new(403)
                    .set_body_json(json!({"message": "Resource not accessible by integration"})),
            )
            .mount(&server)
            .await;
        let error = client.comment_on_pull_request(2, "x").await.unwrap_err();
        assert!(
            error
                .to_string()
                .contains("permissions: pull-requests: write"),
            "{error}"
        );
    }
}
