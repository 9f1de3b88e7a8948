//! GitHub Actions: the `GITHUB_*` variables and the event payload at `GITHUB_EVENT_PATH`.
//!
//! For `pull_request` events the build is the pull request's head (not the merge commit in
//! `GITHUB_SHA`); for `workflow_run` events it is the run that triggered this one, which is how
//! a separate notification workflow reports on a build.

use serde_json::Value;

use super::{Build, BuildStatus, Change, ChangeAuthors, CiError, Detected, Person, Provider};

pub(super) fn read(var: &dyn Fn(&str) -> Option<String>) -> Detected {
    let mut warnings = Vec::new();
    let event = match var("GITHUB_EVENT_PATH").map(|path| load_event(&path)) {
        Some(Ok(event)) => event,
        Some(Err(error)) => {
            warnings.push(format!(
                "{error}; the build is read from the GITHUB_* variables alone"
            ));
            Value::Null
        }
        None => Value::Null,
    };
    let repository = var("GITHUB_REPOSITORY");
    let mut build = Build::new(Provider::GithubActions, short_name(repository.as_deref()));
    let server = var("GITHUB_SERVER_URL").unwrap_or_else(|| "https://github.com".to_owned());
    build.repository = repository.clone();
    build.workflow = var("GITHUB_WORKFLOW");
    build.run_number = var("GITHUB_RUN_NUMBER");
    build.run_url = match (&repository, var("GITHUB_RUN_ID")) {
        (Some(repo), Some(id)) => Some(format!("{server}/{repo}/actions/runs/{id}")),
        _ => None,
    };
    read_ref(&mut build, var);
    build.commit = var("GITHUB_SHA");
    build.author = var("GITHUB_ACTOR");
    build.trigger = var("GITHUB_EVENT_NAME");
    match build.trigger.as_deref() {
        Some("push") => read_push(&mut build, &event),
        Some("pull_request" | "pull_request_target") => read_pull_request(&mut build, &event),
        Some("release") => read_release(&mut build, &event),
        Some("workflow_run") => read_workflow_run(&mut build, &event, &server),
        _ => {}
    }
    build.commit_url = match (&build.repository, &build.commit) {
        (Some(repo), Some(sha)) => Some(format!("{server}/{repo}/commit/{sha}")),
        _ => None,
    };
    Detected { build, warnings }
}

/// The event payload at `path` (`GITHUB_EVENT_PATH`), as JSON; the error names the file.
pub fn load_event(path: &str) -> Result<Value, CiError> {
    let text = std::fs::read_to_string(path).map_err(|source| CiError::EventPayload {
        path: path.to_owned(),
        source,
    })?;
    serde_json::from_str(&text).map_err(|source| CiError::EventJson {
        path: path.to_owned(),
        source,
    })
}

fn short_name(repository: Option<&str>) -> String {
    let repository = repository.unwrap_or("build");
    repository
        .rsplit('/')
        .next()
        .unwrap_or(repository)
        .to_owned()
}

/// The branch or tag: `GITHUB_HEAD_REF` for pull requests (the ref itself is `2/merge`), else
/// `GITHUB_REF_NAME` by `GITHUB_REF_TYPE`, else `GITHUB_REF` itself.
fn read_ref(build: &mut Build, var: &dyn Fn(&str) -> Option<String>) {
    if let Some(head) = var("GITHUB_HEAD_REF") {
        build.branch = Some(head);
        return;
    }
    let full = var("GITHUB_REF").unwrap_or_default();
    let name = var("GITHUB_REF_NAME");
    match var("GITHUB_REF_TYPE").as_deref() {
        Some("tag") => build.tag = name,
        Some("branch") => build.branch = name,
        _ => set_from_full_ref(build, &full),
    }
}

fn set_from_full_ref(build: &mut Build, full: &str) {
    if let Some(branch) = full.strip_prefix("refs/heads/") {
        build.branch = Some(branch.to_owned());
    } else if let Some(tag) = full.strip_prefix("refs/tags/") {
        build.tag = Some(tag.to_owned());
    }
}

fn text(value: &Value, pointer: &str) -> Option<String> {
    match value.pointer(pointer)? {
        Value::String(text) if !text.trim().is_empty() => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

fn read_push(build: &mut Build, event: &Value) {
    if build.branch.is_none() && build.tag.is_none() {
        set_from_full_ref(build, &text(event, "/ref").unwrap_or_default());
    }
    build.message = text(event, "/head_commit/message");
    build.author = text(event, "/head_commit/author/name").or(build.author.take());
    build.commit = build.commit.take().or(text(event, "/head_commit/id"));
    let commits: Vec<Person> = event
        .pointer("/commits")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|commit| person(commit, "/author"))
        .collect();
    build.change_authors = if commits.is_empty() {
        event
            .pointer("/head_commit")
            .filter(|c| c.is_object())
            .map(|head| ChangeAuthors {
                people: vec![person(head, "/author")],
                scope: "the head commit of the push".to_owned(),
                note: None,
            })
    } else {
        Some(ChangeAuthors {
            people: commits,
            scope: "the commits of the push".to_owned(),
            note: None,
        })
    };
    build.requester = Some(person(event, "/pusher")).filter(|p| p.email.is_some());
}

/// A `{name, email}` object of a payload.
fn person(value: &Value, pointer: &str) -> Person {
    Person {
        name: text(value, &format!("{pointer}/name")),
        email: text(value, &format!("{pointer}/email")),
    }
}

fn read_pull_request(build: &mut Build, event: &Value) {
    build.branch = text(event, "/pull_request/head/ref").or(build.branch.take());
    build.commit = text(event, "/pull_request/head/sha").or(build.commit.take());
    build.author = text(event, "/pull_request/user/login").or(build.author.take());
    build.change = text(event, "/pull_request/number").map(|number| Change {
        number,
        title: text(event, "/pull_request/title"),
        url: text(event, "/pull_request/html_url"),
    });
}

fn read_release(build: &mut Build, event: &Value) {
    build.tag = text(event, "/release/tag_name").or(build.tag.take());
    build.branch = None;
    build.message = text(event, "/release/name").or(text(event, "/release/body"));
    build.author = text(event, "/release/author/login").or(build.author.take());
}

fn read_workflow_run(build: &mut Build, event: &Value, server: &str) {
    let run = |pointer: &str| text(event, &format!("/workflow_run{pointer}"));
    if let Some(repo) = run("/repository/full_name") {
        build.project = short_name(Some(&repo));
        build.repository = Some(repo);
    }
    build.workflow = run("/name").or(build.workflow.take());
    build.run_number = run("/run_number").or(build.run_number.take());
    build.run_url = run("/html_url").or(build.run_url.take());
    build.branch = run("/head_branch").or(build.branch.take());
    build.tag = None;
    build.commit = run("/head_sha").or(build.commit.take());
    build.message = run("/head_commit/message");
    build.author = run("/head_commit/author/name")
        .or(run("/actor/login"))
        .or(build.author.take());
    build.change_authors = event
        .pointer("/workflow_run/head_commit")
        .filter(|c| c.is_object())
        .map(|head| ChangeAuthors {
            people: vec![person(head, "/author")],
            scope: "the commit built".to_owned(),
            note: None,
        });
    build.trigger = run("/event").or(build.trigger.take());
    build.status = run("/conclusion").and_then(|word| word.parse::<BuildStatus>().ok());
    build.change = run("/pull_requests/0/number").map(|number| Change {
        url: build
            .repository
            .as_ref()
            .map(|repo| format!("{server}/{repo}/pull/{number}")),
        number,
        title: None,
    });
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::path::Path;

    use super::super::detect;
    use super::*;

    fn fixture(name: &str) -> String {
        format!(
            "{}/../../tests/fixtures/github-events/{name}",
            env!("CARGO_MANIFEST_DIR")
        )
    }

    fn github(event: &str, file: &str, extra: &[(&str, &str)]) -> Build {
        let mut vars: HashMap<String, String> = [
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_REPOSITORY", "Codertocat/Hello-World"),
            ("GITHUB_SERVER_URL", "https://github.com"),
            ("GITHUB_RUN_ID", "4242"),
            ("GITHUB_RUN_NUMBER", "812"),
            ("GITHUB_WORKFLOW", "CI"),
            ("GITHUB_ACTOR", "octocat"),
            ("GITHUB_SHA", "ffffffffffffffffffffffffffffffffffffffff"),
            ("GITHUB_EVENT_NAME", event),
        ]
        .into_iter()
        .chain(extra.iter().copied())
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        vars.insert("GITHUB_EVENT_PATH".into(), fixture(file));
        let detected = detect(&|name| vars.get(name).cloned(), Path::new("/nonexistent"));
        assert_eq!(detected.warnings, Vec::<String>::new());
        detected.build
    }

    #[test]
    fn push_reads_branch_message_and_author_from_the_payload() {
        let build = github(
            "push",
            "push.with-new-branch.json",
            &[
                ("GITHUB_REF", "refs/heads/master"),
                ("GITHUB_SHA", "6113728f27ae82c7b1a177c8d03f9e96e0adf246"),
            ],
        );
        assert_eq!(build.provider, Provider::GithubActions);
        assert_eq!(build.project, "Hello-World");
        assert_eq!(build.branch.as_deref(), Some("master"));
        assert_eq!(build.message.as_deref(), Some("Initial commit"));
        assert_eq!(build.author.as_deref(), Some("Codertocat"));
        assert_eq!(
            build.run_url.as_deref(),
            Some("https://github.com/Codertocat/Hello-World/actions/runs/4242")
        );
        assert_eq!(
            build.commit_url.as_deref(),
            Some(
                "https://github.com/Codertocat/Hello-World/commit/6113728f27ae82c7b1a177c8d03f9e96e0adf246"
            )
        );
    }

    #[test]
    fn push_gives_the_commit_authors_and_the_pusher() {
        let build = github(
            "push",
            "push.with-new-branch.json",
            &[("GITHUB_REF", "refs/heads/master")],
        );
        let authors = build.change_authors.expect("authors");
        assert_eq!(authors.scope, "the commits of the push");
        assert_eq!(
            authors.people,
            [Person {
                name: Some("Codertocat".into()),
                email: Some("21031067+Codertocat@users.noreply.github.com".into()),
            }]
        );
        assert_eq!(
            build.requester.and_then(|p| p.email).as_deref(),
            Some("21031067+Codertocat@users.noreply.github.com")
        );
    }

    #[test]
    fn a_tag_push_has_a_tag_and_no_branch() {
        let build = github(
            "push",
            "push.json",
            &[("GITHUB_REF", "refs/tags/simple-tag")],
        );
        assert_eq!(build.tag.as_deref(), Some("simple-tag"));
        assert_eq!(build.branch, None);
        assert_eq!(build.message, None);
    }

    #[test]
    fn pull_request_builds_the_head_not_the_merge_commit() {
        let build = github(
            "pull_request",
            "pull_request.opened.json",
            &[
                ("GITHUB_REF", "refs/pull/2/merge"),
                ("GITHUB_HEAD_REF", "changes"),
            ],
        );
        assert_eq!(build.branch.as_deref(), Some("changes"));
        assert_eq!(
            build.commit.as_deref(),
            Some("ec26c3e57ca3a959ca5aad62de7213c562f8c821")
        );
        assert_eq!(build.author.as_deref(), Some("Codertocat"));
        let change = build.change.expect("a pull request");
        assert_eq!(change.number, "2");
        assert_eq!(
            change.title.as_deref(),
            Some("Update the README with new information.")
        );
        assert_eq!(
            change.url.as_deref(),
            Some("https://github.com/Codertocat/Hello-World/pull/2")
        );
    }

    #[test]
    fn a_pull_request_with_a_null_body_still_reads() {
        let build = github(
            "pull_request",
            "pull_request.opened.with-null-body.json",
            &[],
        );
        assert_eq!(build.change.map(|c| c.number), Some("2".to_owned()));
    }

    #[test]
    fn release_reads_the_tag() {
        let build = github(
            "release",
            "release.published.json",
            &[("GITHUB_REF", "refs/tags/0.0.1")],
        );
        assert_eq!(build.tag.as_deref(), Some("0.0.1"));
        assert_eq!(build.branch, None);
    }

    #[test]
    fn workflow_dispatch_reads_the_ref_and_actor() {
        let build = github(
            "workflow_dispatch",
            "workflow_dispatch.json",
            &[("GITHUB_REF", "refs/heads/master")],
        );
        assert_eq!(build.branch.as_deref(), Some("master"));
        assert_eq!(build.author.as_deref(), Some("octocat"));
        assert_eq!(build.trigger.as_deref(), Some("workflow_dispatch"));
    }

    #[test]
    fn workflow_run_describes_the_triggering_run() {
        let build = github(
            "workflow_run",
            "workflow_run.completed.with-pull-requests.json",
            &[],
        );
        assert_eq!(build.repository.as_deref(), Some("octo-org/octo-repo"));
        assert_eq!(build.run_number.as_deref(), Some("163"));
        assert_eq!(
            build.run_url.as_deref(),
            Some("https://github.com/octo-org/octo-repo/actions/runs/289782451")
        );
        assert_eq!(build.branch.as_deref(), Some("master"));
        assert_eq!(build.status, Some(BuildStatus::Success));
        assert_eq!(
            build.message.as_deref(),
            Some("build(test): check workflow run event payload")
        );
        assert_eq!(build.change.map(|c| c.number), Some("2".to_owned()));
    }

    fn with_payload(path: &str) -> Detected {
        let vars = |name: &str| match name {
            "GITHUB_ACTIONS" => Some("true".to_owned()),
            "GITHUB_EVENT_NAME" => Some("push".to_owned()),
            "GITHUB_REF" => Some("refs/heads/main".to_owned()),
            "GITHUB_EVENT_PATH" => Some(path.to_owned()),
            _ => None,
        };
        detect(&vars, Path::new("/nonexistent"))
    }

    #[test]
    fn a_missing_payload_is_a_warning_naming_the_file() {
        let detected = with_payload("/nonexistent/event.json");
        assert_eq!(detected.build.branch.as_deref(), Some("main"));
        assert_eq!(detected.warnings.len(), 1);
        assert!(
            detected.warnings[0].contains("/nonexistent/event.json"),
            "{:?}",
            detected.warnings
        );
    }

    #[test]
    fn a_payload_that_is_not_utf8_or_nested_too_deep_is_a_warning() {
        let dir = tempfile::tempdir().expect("temp dir");
        let binary = dir.path().join("binary.json");
        std::fs::write(&binary, b"{\"ref\": \"\xff\xfe\"}").expect("write");
        let deep = dir.path().join("deep.json");
        std::fs::write(&deep, "[".repeat(100_000)).expect("write");
        for path in [binary, deep] {
            let detected = with_payload(&path.to_string_lossy());
            assert_eq!(detected.build.branch.as_deref(), Some("main"));
            assert!(
                detected.warnings[0].contains("GITHUB_* variables alone"),
                "{:?}",
                detected.warnings
            );
        }
    }
}
