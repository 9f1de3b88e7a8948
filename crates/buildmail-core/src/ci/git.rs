//! A local git checkout: `git` run as a process (no network, no prompts). Outside a checkout,
//! or without git, the build is just the directory's name.

use std::path::Path;
use std::process::{Command, Stdio};

use super::{Build, Provider};

pub(super) fn read(dir: &Path) -> Build {
    let top = git(dir, &["rev-parse", "--show-toplevel"]);
    let name_source = top.as_deref().map(Path::new).unwrap_or(dir);
    let project = name_source.file_name().map_or_else(
        || "build".to_owned(),
        |name| name.to_string_lossy().into_owned(),
    );
    let mut build = Build::new(Provider::Local, project);
    if top.is_none() {
        return build;
    }
    build.branch = git(dir, &["symbolic-ref", "--quiet", "--short", "HEAD"]);
    if build.branch.is_none() {
        build.tag = git(dir, &["describe", "--tags", "--exact-match", "HEAD"]);
    }
    build.trigger = Some("local".to_owned());
    if let Some(head) = head_commit(dir) {
        build.commit = Some(head.sha);
        build.message = Some(head.message);
        build.author = Some(head.author);
    }
    build
}

/// Fills a missing commit message and author from the checkout at `dir`, but only when its HEAD
/// is the commit the build is about (a CI that checked out something else is not guessed at).
pub(super) fn fill_from_head(build: &mut Build, dir: &Path) {
    if build.message.is_some() && build.author.is_some() {
        return;
    }
    let Some(commit) = build.commit.clone() else {
        return;
    };
    let Some(head) = head_commit(dir) else {
        return;
    };
    if head.sha != commit {
        return;
    }
    build.message.get_or_insert(head.message);
    build.author.get_or_insert(head.author);
}

struct Head {
    sha: String,
    author: String,
    message: String,
}

fn head_commit(dir: &Path) -> Option<Head> {
    let out = git(dir, &["log", "-1", "--format=%H%x00%an%x00%B"])?;
    let mut fields = out.splitn(3, '\0');
    Some(Head {
        sha: fields.next()?.to_owned(),
        author: fields.next()?.to_owned(),
        message: fields.next()?.trim().to_owned(),
    })
}

/// Runs one read-only git command; `None` when git is missing, fails, or prints nothing.
fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_OPTIONAL_LOCKS", "0")
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    (!text.is_empty()).then_some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(dir: &Path, args: &[&str]) {
        let status = Command::new("git")
            .arg("-C")
            .arg(dir)
            .args(args)
            .env("GIT_AUTHOR_NAME", "Ada Lovelace")
            .env("GIT_AUTHOR_EMAIL", "ada@example.com")
            .env("GIT_COMMITTER_NAME", "Ada Lovelace")
            .env("GIT_COMMITTER_EMAIL", "ada@example.com")
            .stdout(Stdio::null())
            .status()
            .expect("git runs");
        assert!(status.success(), "git {args:?}");
    }

    #[test]
    fn a_checkout_gives_branch_commit_message_and_author() {
        let dir = tempfile::tempdir().expect("temp dir");
        let repo = dir.path().join("shop");
        std::fs::create_dir(&repo).expect("mkdir");
        run(&repo, &["init", "--quiet", "--initial-branch", "main"]);
        run(
            &repo,
            &[
                "commit",
                "--quiet",
                "--allow-empty",
                "-m",
                "Speed up checkout\n\nDetails.",
            ],
        );
        let build = read(&repo);
        assert_eq!(build.provider, Provider::Local);
        assert_eq!(build.project, "shop");
        assert_eq!(build.branch.as_deref(), Some("main"));
        assert_eq!(build.author.as_deref(), Some("Ada Lovelace"));
        assert_eq!(build.message_subject(), Some("Speed up checkout"));
        assert_eq!(build.commit.as_ref().map(String::len), Some(40));
    }

    #[test]
    fn outside_a_checkout_only_the_directory_name_is_known() {
        let dir = tempfile::tempdir().expect("temp dir");
        let build = read(dir.path());
        assert_eq!(build.branch, None);
        assert_eq!(build.commit, None);
        assert!(!build.project.is_empty());
    }
}
