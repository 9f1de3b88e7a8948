//! One message sent the way every front end sends it: delivered with each event shown as it
//! happens, the composer's warnings first in the report, the recipients a notification added
//! listed, and the message kept in the outbox when it did not reach everyone.

use std::path::PathBuf;

use crate::deliver::{Delivery, Event, Outgoing};
use crate::notify::Added;
use crate::outbox::Outbox;
use crate::report::Report;

/// A message to send, what composing it said, and where to keep it if it does not reach
/// everyone.
#[derive(Debug, Clone)]
pub struct Sending {
    /// The message.
    pub message: Outgoing,
    /// What composing it warned of (a file or a log left out): first in the report's warnings.
    pub warnings: Vec<String>,
    /// The recipients a notification took from the build, each with why.
    pub added: Vec<Added>,
    /// The outbox to keep the message in when some recipient is left without it.
    pub outbox: Option<PathBuf>,
}

impl Sending {
    /// A message with nothing said about it, kept nowhere.
    pub fn new(message: Outgoing) -> Self {
        Sending {
            message,
            warnings: Vec::new(),
            added: Vec::new(),
            outbox: None,
        }
    }

    /// Delivers the message and reports it: the composer's warnings before the delivery's own,
    /// and `outbox_id`/`kept` when it was kept (see [`Outbox::keep_unsettled`]).
    pub async fn run(self, delivery: &Delivery, events: &mut (dyn FnMut(Event) + Send)) -> Report {
        let mut report = delivery.send(&self.message, events).await;
        report.added_recipients = self.added;
        report.warnings.splice(0..0, self.warnings);
        if let Some(dir) = &self.outbox {
            Outbox::keep_unsettled(dir, &self.message, &mut report);
        }
        report
    }
}
