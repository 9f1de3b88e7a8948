//! With `github_token`: the previous run decides `notify_when`, and the check run and the
//! pull-request comment carry the outcome, against a wiremock GitHub API.

use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{SimServer, Step};

const REPO: &str = "/api/v3/repos/octo-org/octo-repo";

async fn api_with_previous(conclusion: &str) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{REPO}/actions/runs/5012")))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"workflow_id": 7, "head_branch": "main", "run_number": 12})),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{REPO}/actions/workflows/7/runs")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"workflow_runs": [
            {"id": 5011, "run_number": 11, "conclusion": conclusion, "html_url": "https://github.com/octo-org/octo-repo/actions/runs/5011"}
        ]})))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("{REPO}/check-runs")))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"id": 99})))
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": 99})))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("{REPO}/issues/2/comments")))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"id": 1})))
        .mount(&server)
        .await;
    server
}

/// The mock API is served by this runtime's workers while the test thread runs the step.
fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap()
}

async fn sent(server: &MockServer, verb: &str, route: &str) -> Vec<Value> {
    let requests = server.received_requests().await.unwrap();
    requests
        .iter()
        .filter(|r| r.method.as_str() == verb && r.url.path() == format!("{REPO}{route}"))
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect()
}

fn step(api: &MockServer, sim: &SimServer, when: &str, status: &str) -> Step {
    Step::new()
        .dawidd6(sim)
        .github(&format!("{}/api/v3", api.uri()), "pull_request.opened.json")
        .input("github_token", "ghs_test_token")
        .input("notify_when", when)
        .input("status", status)
}

#[test]
fn fixed_after_a_failed_previous_run_sends_and_checks_the_pr_head() {
    let rt = runtime();
    let (api, sim) = (
        rt.block_on(api_with_previous("failure")),
        SimServer::start(&[]),
    );
    let ran = step(&api, &sim, "fixed", "success").run();
    ran.assert_code(0);
    assert_eq!(ran.output("status"), "delivered");
    assert_eq!(sim.record().deliveries_to("dev@example.com"), 1);
    let checks = rt.block_on(sent(&api, "POST", "/check-runs"));
    assert_eq!(checks.len(), 1);
    assert_eq!(
        checks[0]["head_sha"],
        "ec26c3e57ca3a959ca5aad62de7213c562f8c821"
    );
    assert_eq!(checks[0]["conclusion"], "success");
    assert!(
        ran.stdout
            .lines()
            .all(|l| !l.contains("ghs_test_token") || l.starts_with("::add-mask::"))
    );
}

#[test]
fn still_failing_is_not_fixed_so_nothing_is_sent() {
    let rt = runtime();
    let (api, sim) = (
        rt.block_on(api_with_previous("failure")),
        SimServer::start(&[]),
    );
    let ran = step(&api, &sim, "fixed", "failure").run();
    ran.assert_code(0);
    assert_eq!(ran.output("status"), "skipped");
    assert_eq!(sim.record().deliveries_to("dev@example.com"), 0);
    assert_eq!(
        rt.block_on(sent(&api, "POST", "/check-runs"))[0]["conclusion"],
        "neutral"
    );
    let ran = step(&api, &sim, "still-failing", "failure").run();
    assert_eq!(ran.output("status"), "delivered");
}

#[test]
fn a_failure_comments_on_the_pull_request_when_asked_and_batches_annotations() {
    let rt = runtime();
    let api = rt.block_on(api_with_previous("success"));
    let sim = SimServer::start(&["fault:rcpt:550 5.7.1 Relaying denied:5"]);
    let patterns: Vec<String> = (0..60).map(|n| format!("missing-{n}/*.xml")).collect();
    let ran = step(&api, &sim, "always", "failure")
        .input("comment_on_failure", "true")
        .input("attachments", &patterns.join(","))
        .run();
    ran.assert_code(69);
    let comments = rt.block_on(sent(&api, "POST", "/issues/2/comments"));
    assert_eq!(comments.len(), 1);
    assert!(
        comments[0]["body"]
            .as_str()
            .unwrap()
            .contains("## buildmail: rejected"),
        "{comments:?}"
    );
    let created = rt.block_on(sent(&api, "POST", "/check-runs"));
    assert_eq!(created[0]["conclusion"], "failure");
    let first = created[0]["output"]["annotations"]
        .as_array()
        .unwrap()
        .len();
    let updates = rt.block_on(sent(&api, "PATCH", "/check-runs/99"));
    let rest: usize = updates
        .iter()
        .map(|u| u["output"]["annotations"].as_array().unwrap().len())
        .sum();
    assert_eq!(
        (first, updates.len(), first + rest),
        (50, 1, 61),
        "{ran:#?}"
    );
    let warnings = ran
        .stdout
        .lines()
        .filter(|l| l.starts_with("::warning "))
        .count();
    assert_eq!(
        warnings, 10,
        "the runner's limit, the tenth counting the rest: {}",
        ran.stdout
    );
    assert!(
        ran.stdout.contains("::warning title=51 more warnings::"),
        "{}",
        ran.stdout
    );
    assert!(
        ran.summary.contains("### All annotations"),
        "{}",
        ran.summary
    );
}

#[test]
fn a_token_without_permissions_is_a_warning_not_a_failure() {
    let rt = runtime();
    let api = rt.block_on(MockServer::start());
    let forbidden = Mock::given(wiremock::matchers::any()).respond_with(
        ResponseTemplate::new(403)
            .set_body_json(json!({"message": "Resource not accessible by integration"})),
    );
    rt.block_on(forbidden.mount(&api));
    let sim = SimServer::start(&[]);
    let ran = step(&api, &sim, "changed", "success").run();
    ran.assert_code(0);
    assert_eq!(
        ran.output("status"),
        "delivered",
        "with no previous run known, changed sends"
    );
    assert!(
        ran.stdout.contains("permissions: actions: read"),
        "{}",
        ran.stdout
    );
    assert!(
        ran.stdout.contains("permissions: checks: write"),
        "{}",
        ran.stdout
    );
}

/// A notification workflow triggered by `workflow_run` reports on the run that triggered it:
/// "fixed" compares that run with the run before it in *its* workflow, not with the
/// notifier's own previous run.
#[test]
fn a_workflow_run_is_compared_with_the_previous_run_of_the_workflow_it_reports_on() {
    let rt = runtime();
    let api = rt.block_on(async {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path(format!("{REPO}/actions/runs/289782451")))
            .respond_with(ResponseTemplate::new(200).set_body_json(
                json!({"workflow_id": 2823525, "head_branch": "master", "run_number": 163}),
            ))
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path(format!("{REPO}/actions/workflows/2823525/runs")))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"workflow_runs": [
                {"id": 289782450, "run_number": 162, "conclusion": "failure", "html_url": "https://github.com/octo-org/octo-repo/actions/runs/289782450"}
            ]})))
            .mount(&server)
            .await;
        server
    });
    let sim = SimServer::start(&[]);
    let ran = Step::new()
        .dawidd6(&sim)
        .github(
            &format!("{}/api/v3", api.uri()),
            "workflow_run.completed.with-pull-requests.json",
        )
        .env("GITHUB_EVENT_NAME", "workflow_run")
        .input("github_token", "ghs_test_token")
        .input("notify_when", "fixed")
        .run();
    ran.assert_code(0);
    assert_eq!(ran.output("status"), "delivered");
    assert_eq!(sim.record().deliveries_to("dev@example.com"), 1);
    let asked = rt.block_on(api.received_requests()).unwrap();
    assert!(
        asked.iter().all(|r| !r.url.path().ends_with("/runs/5012")),
        "the notifier's own run is not the one reported on: {asked:?}"
    );
}
