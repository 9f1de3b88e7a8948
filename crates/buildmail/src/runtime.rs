//! The async runtime the commands that talk to the network run on.

use anyhow::Context as _;

/// The tokio runtime for the commands that talk to the network. One thread: a command drives one
/// delivery (or one sim) at a time, and worker threads cost start-up time and memory for nothing.
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}
