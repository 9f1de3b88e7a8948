//! The check run named `buildmail` on the run's commit: its output carries the attempts
//! (Markdown) and one annotation per explained failure. The API takes at most 50 annotations
//! per request, so the first 50 go with the creation and each further 50 with an update.

use serde::Serialize;
use serde_json::json;

use super::{ApiError, GitHub};

/// The API's limit on annotations per request.
pub const ANNOTATIONS_PER_REQUEST: usize = 50;
/// The API's limit on the output's summary and text, in characters.
const OUTPUT_LIMIT: usize = 65_535;

/// How the check ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Conclusion {
    /// The notification was delivered.
    Success,
    /// Delivery failed.
    Failure,
    /// Nothing was sent (the trigger did not match).
    Neutral,
}

/// An annotation's level in the checks API's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AnnotationLevel {
    /// Informational.
    Notice,
    /// A warning.
    Warning,
    /// A failure.
    Failure,
}

/// One annotation of the check run; the API requires a path and lines, so an annotation about
/// no file points at the workflow file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckAnnotation {
    /// The file, relative to the repository.
    pub path: String,
    /// Its first line.
    pub start_line: u32,
    /// Its last line.
    pub end_line: u32,
    /// Its level.
    pub annotation_level: AnnotationLevel,
    /// Its title.
    pub title: String,
    /// What it says.
    pub message: String,
}

/// The check run to publish.
#[derive(Debug, Clone)]
pub struct CheckRun {
    /// The commit it is about (the pull request's head, not the merge commit).
    pub head_sha: String,
    /// How it ended.
    pub conclusion: Conclusion,
    /// The output's title (one line).
    pub title: String,
    /// The output's summary (Markdown: outcome and attempts).
    pub summary: String,
    /// The annotations, all of them: batched here.
    pub annotations: Vec<CheckAnnotation>,
}

impl GitHub {
    /// Creates the check run, then adds the annotations past the first 50 in updates of 50.
    /// Returns its id. Each request is sent once.
    pub async fn publish_check_run(&self, check: &CheckRun) -> Result<u64, ApiError> {
        let forbidden = |e| ApiError::from_octocrab(e, "create a check run", "checks: write");
        let mut batches = check.annotations.chunks(ANNOTATIONS_PER_REQUEST);
        let output = |batch: Option<&[CheckAnnotation]>| {
            json!({
                "title": cut(&check.title, 1000),
                "summary": cut(&check.summary, OUTPUT_LIMIT),
                "annotations": batch.unwrap_or_default(),
            })
        };
        let body = json!({
            "name": "buildmail",
            "head_sha": check.head_sha,
            "status": "completed",
            "conclusion": check.conclusion,
            "output": output(batches.next()),
        });
        let created: serde_json::Value = self
            .crab
            .post(self.route("/check-runs"), Some(&body))
            .await
            .map_err(forbidden)?;
        let id = created["id"].as_u64().ok_or_else(|| ApiError::Other {
            doing: "create a check run",
            message: "the reply has no id".into(),
        })?;
        for batch in batches {
            let _: serde_json::Value = self
                .crab
                .patch(
                    self.route(&format!("/check-runs/{id}")),
                    Some(&json!({ "output": output(Some(batch)) })),
                )
                .await
                .map_err(|e| ApiError::from_octocrab(e, "update the check run", "checks: write"))?;
        }
        Ok(id)
    }
}

/// At most `limit` characters, marked when cut.
pub(super) fn cut(text: &str, limit: usize) -> String {
    match text.char_indices().nth(limit.saturating_sub(1)) {
        Some((end, _)) if text.len() > end + 1 => format!("{}…", &text[..end]),
        _ => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use wiremock::matchers::{body_partial_json, method, path};
    use wiremock::{Mock, ResponseTemplate};

    use super::*;
    use crate::github::mock::{github, repo_path};

    fn check(annotations: usize) -> CheckRun {
        CheckRun {
            head_sha: "ec26c3e57ca3a959ca5aad62de7213c562f8c821".into(),
            conclusion: Conclusion::Failure,
            title: "Not delivered: 550 5.7.1 relay denied".into(),
            summary: "| attempt | reply |\n|---|---|\n| 1 | 550 |\n".into(),
            annotations: (0..annotations)
                .map(|n| CheckAnnotation {
                    path: "logs/deploy.log".into(),
                    start_line: n as u32 + 1,
                    end_line: n as u32 + 1,
                    annotation_level: AnnotationLevel::Failure,
                    title: format!("failure {n}"),
                    message: "550 5.7.1 relay denied".into(),
                })
                .collect(),
        }
    }

    async fn requests(server: &wiremock::MockServer) -> Vec<(String, String, serde_json::Value)> {
        let received = server.received_requests().await.unwrap();
        received
            .iter()
            .map(|r| {
                (
                    r.method.to_string(),
                    r.url.path().to_owned(),
                    serde_json::from_slice(&r.body).unwrap(),
                )
            })
            .collect()
    }

    #[tokio::test]
    async fn a_check_run_is_created_completed_on_the_head_commit() {
        let (server, client) = github().await;
        Mock::given(method("POST"))
            .and(path(repo_path("/check-runs")))
            .and(body_partial_json(
                json!({"name": "buildmail", "status": "completed", "conclusion": "failure"}),
            ))
            .respond_with(ResponseTemplate::new(201).set_body_json(json!({"id": 77})))
            .expect(1)
            .mount(&server)
            .await;
        assert_eq!(client.publish_check_run(&check(2)).await.unwrap(), 77);
        let sent = requests(&server).await;
        assert_eq!(sent.len(), 1);
        let body = &sent[0].2;
        assert_eq!(body["head_sha"], "ec26c3e57ca3a959ca5aad62de7213c562f8c821");
        assert_eq!(
            body["output"]["title"],
            "Not delivered: 550 5.7.1 relay denied"
        );
        assert_eq!(
            body["output"]["annotations"][1],
            json!({
                "path": "logs/deploy.log", "start_line": 2, "end_line": 2,
                "annotation_level": "failure", "title": "failure 1", "message": "550 5.7.1 relay denied",
            })
        );
    }

    #[tokio::test]
    async fn past_fifty_annotations_the_rest_go_in_updates_of_fifty() {
        let (server, client) = github().await;
        Mock::given(method("POST"))
            .and(path(repo_path("/check-runs")))
            .respond_with(ResponseTemplate::new(201).set_body_json(json!({"id": 77})))
            .expect(1)
            .mount(&server)
            .await;
        Mock::given(method("PATCH"))
            .and(path(repo_path("/check-runs/77")))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": 77})))
            .expect(2)
            .mount(&server)
            .await;
        client.publish_check_run(&check(120)).await.unwrap();
        let sent = requests(&server).await;
        let counts: Vec<_> = sent
            .iter()
            .map(|(method, _, body)| {
                (
                    method.as_str(),
                    body["output"]["annotations"].as_array().unwrap().len(),
                )
            })
            .collect();
        assert_eq!(counts, [("POST", 50), ("PATCH", 50), ("PATCH", 20)]);
        assert_eq!(
            sent[2].2["output"]["annotations"][19]["title"],
            "failure 119"
        );
        assert!(
            sent[1].2.get("conclusion").is_none(),
            "an update only adds output"
        );
    }

    #[tokio::test]
    async fn a_token_without_checks_write_is_named_and_nothing_is_retried() {
        let (server, client) = github().await;
        Mock::given(method("POST"))
            .respond_with(
                ResponseTemplate::new(403)
                    .set_body_json(json!({"message": "Resource not accessible by integration"})),
            )
            .expect(1)
            .mount(&server)
            .await;
        let error = client.publish_check_run(&check(1)).await.unwrap_err();
        assert!(
            error.to_string().contains("permissions: checks: write"),
            "{error}"
        );
    }

    #[test]
    fn a_long_text_is_cut_to_the_apis_limit() {
        assert_eq!(cut("abcdef", 4), "abc…");
        assert_eq!(cut("abcd", 4), "abcd");
        assert_eq!(
            cut(&"é".repeat(70_000), OUTPUT_LIMIT).chars().count(),
            OUTPUT_LIMIT
        );
    }
}
