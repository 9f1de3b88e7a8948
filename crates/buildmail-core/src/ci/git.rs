//! A local git checkout: `git` run as a process (no network, no prompts). Outside a checkout,
//! or without git, the build is just the directory's name.

use std::path::Path;
use std::process::{Command, Stdio};

use super::{Build, ChangeAuthors, Person, Provider};

/// The most commits whose authors are read: a range wider than this is a mistake (a
/// previous commit from another branch), and its first commits are enough.
const MOST_COMMITS: &str = "500";

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
    build.change_authors = authors(dir, "HEAD").map(|people| ChangeAuthors {
        people,
        scope: "the last commit".to_owned(),
        note: None,
    });
    build
}

/// The authors of the commits in `range` (`a..b`, or one commit), oldest first; `None` when git
/// cannot read it (a commit missing from a shallow clone). Only commit ids reach git: anything
/// else in a range is refused, so a variable cannot become an option.
pub(super) fn authors(dir: &Path, range: &str) -> Option<Vec<Person>> {
    let is_commit = |id: &str| {
        id == "HEAD"
            || (id.len() >= 4 && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_hexdigit()))
    };
    let single = !range.contains("..");
    if !range.split("..").all(is_commit) || range.split("..").count() > 2 {
        return None;
    }
    let mut args = vec!["log", "--format=%an%x00%ae", "--max-count", MOST_COMMITS];
    if single {
        args.extend(["-1", range]);
    } else {
        args.extend(["--reverse", range]);
    }
    args.push("--");
    let out = git_output(dir, &args)?;
    Some(
        out.lines()
            .filter_map(|line| line.split_once('\0'))
            .map(|(name, email)| Person {
                name: Some(name.to_owned()).filter(|n| !n.is_empty()),
                email: Some(email.to_owned()).filter(|e| !e.is_empty()),
            })
            .collect(),
    )
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
    let text = git_output(dir, args)?.trim().to_owned();
    (!text.is_empty()).then_some(text)
}

/// Runs one read-only git command; `None` when git is missing or fails.
fn git_output(dir: &Path, args: &[&str]) -> Option<String> {
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
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(dir: &Path, args: &[&str]) {
        run_as(dir, ("Ada Lovelace", "ada@example.com"), args);
    }

    fn run_as(dir: &Path, (name, email): (&str, &str), args: &[&str]) {
        let status = Command::new("git")
            .arg("-C")
            .arg(dir)
            .args(args)
            .env("GIT_AUTHOR_NAME", name)
            .env("GIT_AUTHOR_EMAIL", email)
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

    fn commit_as(dir: &Path, who: (&str, &str), message: &str) -> String {
        run_as(
            dir,
            who,
            &["commit", "--quiet", "--allow-empty", "-m", message],
        );
        git(dir, &["rev-parse", "HEAD"]).expect("a commit")
    }

    #[test]
    fn authors_of_a_range_oldest_first() {
        let dir = tempfile::tempdir().expect("temp dir");
        run(dir.path(), &["init", "--quiet"]);
        let base = commit_as(dir.path(), ("Ada", "ada@example.com"), "base");
        commit_as(dir.path(), ("Grace", "grace@example.com"), "one");
        let head = commit_as(dir.path(), ("Linus", "linus@example.com"), "two");
        let people = authors(dir.path(), &format!("{base}..{head}")).expect("a range");
        let emails: Vec<_> = people.iter().filter_map(|p| p.email.as_deref()).collect();
        assert_eq!(emails, ["grace@example.com", "linus@example.com"]);
        assert_eq!(people[0].name.as_deref(), Some("Grace"));
        let one = authors(dir.path(), &head).expect("one commit");
        assert_eq!(one.len(), 1);
        assert_eq!(
            authors(dir.path(), &format!("{head}..{head}")),
            Some(vec![])
        );
    }

    #[test]
    fn a_range_that_is_not_commit_ids_never_reaches_git() {
        let dir = tempfile::tempdir().expect("temp dir");
        run(dir.path(), &["init", "--quiet"]);
        commit_as(dir.path(), ("Ada", "ada@example.com"), "base");
        for range in ["--output=/tmp/x", "HEAD..--all", "a..b..c", "main", ""] {
            assert_eq!(authors(dir.path(), range), None, "{range}");
        }
        assert_eq!(
            authors(dir.path(), "0123456789abcdef..HEAD"),
            None,
            "unknown commit"
        );
    }
}
