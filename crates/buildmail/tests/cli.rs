//! The command line as a whole: help, version, usage errors.

use crate::support::buildmail;

#[test]
fn version_names_the_program() {
    let out = buildmail(["--version"]).expect_code(0);
    assert!(out.stdout.starts_with("buildmail "), "{}", out.stdout);
}

#[test]
fn unknown_flag_is_a_usage_error() {
    let out = buildmail(["explain", "--no-such-flag"]).expect_code(2);
    assert!(out.stderr.contains("--no-such-flag"), "{}", out.stderr);
}

#[test]
fn completions_cover_every_subcommand() {
    let out = buildmail(["completions", "bash"]).expect_code(0);
    for subcommand in ["send", "notify", "explain", "outbox", "sim", "demo"] {
        assert!(out.stdout.contains(subcommand), "{subcommand} missing");
    }
    buildmail(["completions", "no-such-shell"]).expect_code(2);
}
