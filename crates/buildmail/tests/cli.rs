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
