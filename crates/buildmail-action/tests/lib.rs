//! End-to-end tests of the real `buildmail-action` binary, run as the runner runs a step:
//! `INPUT_*` variables, temporary `GITHUB_OUTPUT`, `GITHUB_STEP_SUMMARY` and `GITHUB_ENV`
//! files, event payload fixtures, against `buildmail-sim` and a wiremock GitHub API.

#![allow(clippy::unwrap_used)] // a test helper that fails should panic

mod support;

mod action_yml;
mod github_api;
mod injection;
mod notify;
mod step;
