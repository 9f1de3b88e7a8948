//! `buildmail-action`: the binary behind `actions/notify`.

mod inputs;
mod workflow;

fn main() {}
