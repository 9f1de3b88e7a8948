//! `buildmail-action`: the binary behind `actions/notify`.

mod github;
mod inputs;
mod workflow;

fn main() {}
