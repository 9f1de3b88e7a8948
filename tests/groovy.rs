//! The Jenkins shared library step under Debian's Groovy 2.4 (the line Jenkins' CPS runs):
//! `jenkins/test/buildmail_step_test.groovy` mocks the pipeline, and its `sh` runs the real
//! shell and the real binary against the simulators started here. Groovy is required, not
//! optional: `.ci/run` installs it, and without it this test fails saying how to get it.

use std::process::Command;

use crate::support::{Server, buildmail_bin, run, workspace};

const HOSTILE_BRANCH: &str = "feature/$(touch pwned-branch);`touch pwned-tick`'\"";
const HOSTILE_TITLE: &str = "Fix \"quotes\" $(touch pwned-title) `uname`; rm -rf / #";

#[test]
fn the_pipeline_step_passes_every_check_of_its_groovy_test() {
    let groovy = which("groovy").unwrap_or_else(|| {
        panic!("groovy is not installed: `apt-get install -y groovy default-jre-headless` (.ci/run does)")
    });
    let accepting = Server::start_with(&[], |sim| sim.auth("ci", "right"));
    let deferring =
        Server::start(&["fault:mail:451 4.7.1 Rate limit exceeded, try again in 1 hour:100"]);
    let dir = tempfile::tempdir().expect("a workspace");
    let library = workspace().join("jenkins");
    let out = run(Command::new(groovy)
        .current_dir(dir.path())
        .arg(library.join("test/buildmail_step_test.groovy"))
        .arg(&library)
        // A JVM that lives seconds: the quick compiler alone and the serial collector halve
        // Groovy's CPU time (3.4 s to 1.6 s), and the checks do not depend on either.
        .env("JAVA_OPTS", "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC")
        .env("BUILDMAIL_TEST_BINARY", buildmail_bin())
        .env("BUILDMAIL_TEST_SMTP_URL", accepting.url())
        .env("BUILDMAIL_TEST_DEFERRING_URL", deferring.url()));
    assert_eq!(
        out.code, 0,
        "the Groovy checks failed:\n{}\n{}",
        out.stdout, out.stderr
    );
    assert!(out.stdout.contains("\n15 checks passed"), "{}", out.stdout);

    let record = accepting.record();
    assert_eq!(
        record.messages.len(),
        1,
        "one notification through the step"
    );
    let mail = String::from_utf8_lossy(&record.messages[0].data).into_owned();
    assert!(
        mail.contains(HOSTILE_TITLE),
        "the title arrives unchanged:\n{mail}"
    );
    assert!(
        mail.contains(HOSTILE_BRANCH.split('\'').next().unwrap_or_default()),
        "{mail}"
    );
    assert!(
        mail.contains("error: boom"),
        "the console tail is in the mail, ANSI stripped:\n{mail}"
    );
}

fn which(program: &str) -> Option<std::path::PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(program))
        .find(|path| path.is_file())
}
