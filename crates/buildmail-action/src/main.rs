//! `buildmail-action`: the binary behind `actions/notify`.

mod workflow;

fn main() {}
