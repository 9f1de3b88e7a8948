//! Jenkins: the variables a Jenkins build exports (`JOB_NAME`, `BUILD_NUMBER`, `BUILD_URL`, the
//! git plugin's `GIT_*`, multibranch `BRANCH_NAME` and `CHANGE_*`). The result is not in the
//! environment; it comes from `--status`. The commit message and author are not either, so they
//! are read from the checkout when its HEAD is the commit built.

use std::path::Path;

use super::{Build, Change, ChangeAuthors, Person, Provider};

pub(super) fn read(var: &dyn Fn(&str) -> Option<String>, dir: &Path) -> Build {
    let job = var("JOB_NAME").unwrap_or_else(|| "build".to_owned());
    let branch = var("CHANGE_BRANCH")
        .or_else(|| var("BRANCH_NAME"))
        .or_else(|| var("GIT_BRANCH").map(|b| strip_remote(&b)));
    let mut build = Build::new(Provider::Jenkins, project_name(&job, var("BRANCH_NAME")));
    build.workflow = Some(job);
    build.run_number = var("BUILD_NUMBER");
    build.run_url = var("BUILD_URL");
    build.tag = var("TAG_NAME");
    build.branch = if build.tag.is_some() { None } else { branch };
    build.commit = var("GIT_COMMIT");
    build.author = var("CHANGE_AUTHOR_DISPLAY_NAME").or_else(|| var("CHANGE_AUTHOR"));
    build.change = var("CHANGE_ID").map(|number| Change {
        number,
        title: var("CHANGE_TITLE"),
        url: var("CHANGE_URL"),
    });
    build.trigger = build.change.as_ref().map(|_| "change request".to_owned());
    super::git::fill_from_head(&mut build, dir);
    build.change_authors = change_authors(var, dir);
    build.requester = var("BUILD_USER_EMAIL").map(|email| Person {
        name: var("BUILD_USER"),
        email: Some(email),
    });
    build
}

/// The authors since the last successful build (the git plugin's
/// `GIT_PREVIOUS_SUCCESSFUL_COMMIT`), else of this build's changes (`GIT_PREVIOUS_COMMIT`),
/// else of the commit built, read from the checkout's history.
fn change_authors(var: &dyn Fn(&str) -> Option<String>, dir: &Path) -> Option<ChangeAuthors> {
    let commit = var("GIT_COMMIT")?;
    let mut note = None;
    let ranges = [
        (
            "GIT_PREVIOUS_SUCCESSFUL_COMMIT",
            "the changes since the last successful build (GIT_PREVIOUS_SUCCESSFUL_COMMIT..GIT_COMMIT)",
        ),
        (
            "GIT_PREVIOUS_COMMIT",
            "this build's changes (GIT_PREVIOUS_COMMIT..GIT_COMMIT)",
        ),
    ];
    for (name, scope) in ranges {
        let Some(previous) = var(name) else {
            continue;
        };
        match super::git::authors(dir, &format!("{previous}..{commit}")) {
            Some(people) => {
                return Some(ChangeAuthors {
                    people,
                    scope: scope.to_owned(),
                    note,
                });
            }
            None => {
                note.get_or_insert(format!(
                    "{name}..GIT_COMMIT is not in the checkout's history (a shallow clone?)"
                ));
            }
        }
    }
    let people = super::git::authors(dir, &commit)?;
    Some(ChangeAuthors {
        people,
        scope: "the commit built (GIT_COMMIT)".to_owned(),
        note,
    })
}

/// A multibranch job is `folder/project/branch`; the subject shows the project and the branch
/// separately, so the branch part is dropped from the name.
fn project_name(job: &str, branch_name: Option<String>) -> String {
    let without_branch = branch_name
        .and_then(|branch| {
            let encoded = branch.replace('/', "%2F");
            job.strip_suffix(&format!("/{encoded}"))
                .or_else(|| job.strip_suffix(&format!("/{branch}")))
                .map(str::to_owned)
        })
        .unwrap_or_else(|| job.to_owned());
    without_branch
        .rsplit('/')
        .next()
        .unwrap_or(&without_branch)
        .to_owned()
}

fn strip_remote(branch: &str) -> String {
    branch
        .strip_prefix("refs/remotes/")
        .unwrap_or(branch)
        .split_once('/')
        .filter(|(remote, _)| *remote == "origin")
        .map_or(branch, |(_, name)| name)
        .to_owned()
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::path::Path;

    use super::super::{Provider, detect};
    use super::*;

    fn jenkins(pairs: &[(&str, &str)]) -> Build {
        let vars: HashMap<String, String> = [("JENKINS_URL", "https://ci.example.com/")]
            .iter()
            .chain(pairs)
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        detect(&|name| vars.get(name).cloned(), Path::new("/nonexistent")).build
    }

    #[test]
    fn a_freestyle_job_with_the_git_plugin() {
        let build = jenkins(&[
            ("JOB_NAME", "shop"),
            ("BUILD_NUMBER", "812"),
            ("BUILD_URL", "https://ci.example.com/job/shop/812/"),
            ("GIT_COMMIT", "0123456789abcdef0123456789abcdef01234567"),
            ("GIT_BRANCH", "origin/main"),
        ]);
        assert_eq!(build.provider, Provider::Jenkins);
        assert_eq!(build.project, "shop");
        assert_eq!(build.branch.as_deref(), Some("main"));
        assert_eq!(build.run_number.as_deref(), Some("812"));
        assert_eq!(build.short_commit(), Some("0123456"));
        assert_eq!(build.change, None);
    }

    #[test]
    fn a_multibranch_pull_request_build() {
        let build = jenkins(&[
            ("JOB_NAME", "team/shop/PR-7"),
            ("BRANCH_NAME", "PR-7"),
            ("CHANGE_ID", "7"),
            ("CHANGE_TITLE", "Faster checkout"),
            ("CHANGE_AUTHOR", "ada"),
            ("CHANGE_BRANCH", "feature/checkout"),
            ("CHANGE_URL", "https://github.com/team/shop/pull/7"),
        ]);
        assert_eq!(build.project, "shop");
        assert_eq!(build.branch.as_deref(), Some("feature/checkout"));
        assert_eq!(build.author.as_deref(), Some("ada"));
        let change = build.change.expect("a change");
        assert_eq!(change.number, "7");
        assert_eq!(change.title.as_deref(), Some("Faster checkout"));
    }

    #[test]
    fn an_encoded_multibranch_branch_is_dropped_from_the_project() {
        assert_eq!(
            project_name("team/shop/feature%2Fx", Some("feature/x".into())),
            "shop"
        );
    }

    #[test]
    fn remote_prefixes_are_dropped_from_git_branch() {
        assert_eq!(strip_remote("origin/main"), "main");
        assert_eq!(
            strip_remote("refs/remotes/origin/release/1.x"),
            "release/1.x"
        );
        assert_eq!(strip_remote("feature/x"), "feature/x");
    }

    fn commit(dir: &Path, (name, email): (&str, &str)) -> String {
        let git = |args: &[&str]| {
            let out = std::process::Command::new("git")
                .arg("-C")
                .arg(dir)
                .args(args)
                .env("GIT_AUTHOR_NAME", name)
                .env("GIT_AUTHOR_EMAIL", email)
                .env("GIT_COMMITTER_NAME", name)
                .env("GIT_COMMITTER_EMAIL", email)
                .output()
                .expect("git runs");
            assert!(out.status.success(), "git {args:?}");
            String::from_utf8_lossy(&out.stdout).trim().to_owned()
        };
        git(&["commit", "--quiet", "--allow-empty", "-m", "change"]);
        git(&["rev-parse", "HEAD"])
    }

    fn in_checkout(dir: &Path, pairs: &[(&str, &str)]) -> Build {
        let vars: HashMap<String, String> = [("JENKINS_URL", "https://ci.example.com/")]
            .iter()
            .chain(pairs)
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        detect(&|name| vars.get(name).cloned(), dir).build
    }

    #[test]
    fn authors_since_the_last_successful_build_else_of_this_build() {
        let dir = tempfile::tempdir().expect("temp dir");
        let repo = dir.path();
        let init = std::process::Command::new("git")
            .args(["init", "--quiet"])
            .arg(repo)
            .status()
            .expect("git runs");
        assert!(init.success());
        let good = commit(repo, ("Ada", "ada@example.com"));
        let previous = commit(repo, ("Grace", "grace@example.com"));
        let head = commit(repo, ("Linus", "linus@example.com"));
        let emails = |build: &Build| -> Vec<String> {
            let authors = build.change_authors.as_ref().expect("authors");
            authors
                .people
                .iter()
                .filter_map(|p| p.email.clone())
                .collect()
        };

        let since_success = in_checkout(
            repo,
            &[
                ("GIT_COMMIT", &head),
                ("GIT_PREVIOUS_COMMIT", &previous),
                ("GIT_PREVIOUS_SUCCESSFUL_COMMIT", &good),
                ("BUILD_USER_EMAIL", "lin@example.com"),
            ],
        );
        assert_eq!(
            emails(&since_success),
            ["grace@example.com", "linus@example.com"]
        );
        let scope = &since_success
            .change_authors
            .as_ref()
            .expect("authors")
            .scope;
        assert!(scope.contains("since the last successful build"), "{scope}");
        assert_eq!(
            since_success.requester.and_then(|p| p.email).as_deref(),
            Some("lin@example.com")
        );

        let lost = "0123456789abcdef0123456789abcdef01234567";
        let this_build = in_checkout(
            repo,
            &[
                ("GIT_COMMIT", &head),
                ("GIT_PREVIOUS_COMMIT", &previous),
                ("GIT_PREVIOUS_SUCCESSFUL_COMMIT", lost),
            ],
        );
        assert_eq!(emails(&this_build), ["linus@example.com"]);
        let authors = this_build.change_authors.expect("authors");
        assert!(
            authors.scope.contains("this build's changes"),
            "{}",
            authors.scope
        );
        assert!(
            authors
                .note
                .is_some_and(|n| n.contains("not in the checkout's history")),
            "a scope narrower than asked is said"
        );
    }
}
