//! What the sessions of one sim share with the server that accepts them: the policy, the state
//! and record, and the shutdown signal. Its own module so that `server` and `session` both use it
//! without importing each other.

use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::watch;

use crate::policy::{Policy, State};
use crate::record::AcceptedMessage;
use crate::tls::SimTls;

/// What every session of one sim shares.
#[derive(Debug)]
pub(crate) struct Shared {
    pub policy: Policy,
    pub state: Mutex<State>,
    pub tls: Option<SimTls>,
    pub implicit_tls: bool,
    pub auth: Option<(String, String)>,
    pub max_message_size: usize,
    pub smtputf8: bool,
    pub hostname: String,
    pub idle_timeout: Duration,
    pub record_file: Option<tokio::sync::Mutex<tokio::fs::File>>,
}

impl Shared {
    pub fn state(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves plain data behind; the record stays readable.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Records an accepted message and appends it to the record file, if there is one.
    pub async fn accept_message(&self, message: AcceptedMessage) {
        let line = message.to_json_line() + "\n";
        self.state().record.messages.push(message);
        if let Some(file) = &self.record_file {
            use tokio::io::AsyncWriteExt as _;
            let mut file = file.lock().await;
            // The record file is a convenience; a full disk must not stop the dialogue.
            let _ = file.write_all(line.as_bytes()).await;
            let _ = file.flush().await;
        }
    }
}

/// Resolves once the sim shuts down (or its handle is gone).
pub(crate) async fn stopped(shutdown: &mut watch::Receiver<bool>) {
    // The guard `wait_for` returns is not `Send`; it must not live across an await.
    let _ = shutdown.wait_for(|stop| *stop).await.map(|_| ());
}
