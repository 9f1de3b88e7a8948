//! Sending what the outbox keeps, and keeping what a delivery deferred: the workflow every front
//! end shares (the CLI's `outbox flush` and `--outbox`, the Action's `outbox` input).

use std::path::Path;

use crate::clock;
use crate::deliver::{Batch, Delivery, Event, Outgoing};
use crate::policy::RetryPolicy;
use crate::report::{DeliveryStatus, RecipientReport, RecipientStatus, Report};

use super::{Broken, Claim, EntryInfo, Listed, Outbox};

/// What a flush tells its caller while it runs.
#[derive(Debug)]
pub enum FlushEvent<'a> {
    /// An event of the delivery of the entry being sent.
    Delivery(Event),
    /// A file that cannot be sent as it is: skipped, the other entries go on.
    Skipped(&'a Broken),
    /// An entry is done with for this flush: sent, kept, or not tried.
    Done {
        /// The entry's id.
        id: &'a str,
        /// What happened to it.
        report: &'a Report,
    },
}

impl Outbox {
    /// Sends every entry, oldest first, each at most once at a time across processes, within one
    /// retry budget (the `delivery`'s) shared by the whole batch, and returns a report per entry
    /// done with.
    ///
    /// An entry is removed only when every recipient is settled; otherwise it stays with its
    /// unsettled recipients, and the flush stops: a server that defers one message, or refuses
    /// the session, would do the same to the next. Entries left when the budget is spent are
    /// reported deferred, not tried. Broken files are skipped (see [`FlushEvent::Skipped`]).
    /// Fails only when the directory cannot be read, before anything is sent.
    ///
    /// The entries go over one connection for as long as the server keeps it (until a 421, a
    /// lost connection, a transient refusal or a long wait), and a rate limit that states its
    /// delay paces the entries after it rather than having each refused in turn.
    ///
    /// ```no_run
    /// # async fn run(delivery: buildmail_core::Delivery) -> std::io::Result<()> {
    /// use buildmail_core::outbox::Outbox;
    ///
    /// let outbox = Outbox::open("/var/spool/buildmail")?;
    /// let reports = outbox.flush(&delivery, &mut |_| {}).await?;
    /// println!("{} entries done with", reports.len());
    /// # Ok(()) }
    /// ```
    pub async fn flush(
        &self,
        delivery: &Delivery,
        events: &mut (dyn FnMut(FlushEvent<'_>) + Send),
    ) -> std::io::Result<Vec<Report>> {
        let mut entries = Vec::new();
        for listed in self.list()? {
            match listed {
                Listed::Entry(entry) => entries.push(entry),
                Listed::Broken(broken) => events(FlushEvent::Skipped(&broken)),
            }
        }
        let start = clock::now();
        let policy = delivery.retry_policy();
        let mut reports = Vec::new();
        let mut batch = Batch::default();
        for entry in &entries {
            let left = policy.budget.saturating_sub(start.elapsed());
            let tried = !left.is_zero();
            let (report, stops) = if !tried {
                (not_tried(entry), false)
            } else {
                let delivery = delivery.clone().policy(RetryPolicy {
                    budget: left,
                    ..policy
                });
                match self.send_entry(entry, &delivery, &mut batch, events).await {
                    Sent::Tried(report) => {
                        let stops = report.any_unsettled();
                        (report, stops)
                    }
                    // Nothing went to the server: the entries after it may still go.
                    Sent::NotPrepared(report) => (report, false),
                    Sent::Skipped => continue,
                }
            };
            events(FlushEvent::Done {
                id: &entry.id,
                report: &report,
            });
            reports.push(report);
            if stops {
                break;
            }
        }
        batch.close().await;
        Ok(reports)
    }

    /// Sends one entry and settles it.
    async fn send_entry(
        &self,
        entry: &EntryInfo,
        delivery: &Delivery,
        batch: &mut Batch,
        events: &mut (dyn FnMut(FlushEvent<'_>) + Send),
    ) -> Sent {
        let id = entry.id.as_str();
        let claim = match self.claim(id) {
            Ok(Some(claim)) => claim,
            Ok(None) => return Sent::Skipped,
            Err(broken) => {
                events(FlushEvent::Skipped(&broken));
                return Sent::Skipped;
            }
        };
        // Read before marking: the mark left by a flush that died is what flags a duplicate.
        let prepared = claim
            .outgoing()
            .and_then(|outgoing| claim.mark_sending().map(|()| outgoing));
        let outgoing = match prepared {
            Ok(outgoing) => outgoing,
            Err(e) => {
                // Only the lock goes: a mark left by a flush that died mid-send still flags
                // the message as a possible duplicate, and this flush wrote none.
                drop(claim);
                return Sent::NotPrepared(not_sent(
                    entry,
                    format!(
                        "not sent: the entry could not be prepared for sending ({e}); nothing \
                         went to the server and it stays for the next flush: check that the \
                         outbox directory is writable and the disk has space"
                    ),
                ));
            }
        };
        let mut report = delivery
            .send_in(&outgoing, batch, &mut |event| {
                events(FlushEvent::Delivery(event))
            })
            .await;
        settle(claim, &mut report);
        Sent::Tried(report)
    }

    /// Keeps a message that did not reach everyone in the outbox at `dir` for a later flush,
    /// with its unsettled recipients only: the deferred ones, and those never offered because
    /// the session, the sender or the settings (TLS, credentials) were refused, so nothing is
    /// lost while the user fixes the relay or the settings. A recipient refused for good by its
    /// own reply is not kept. Says so in `report`: `outbox_id` and `kept: true`, or
    /// `kept: false` and a warning naming what went wrong (a directory that cannot be created, a
    /// full disk). Does nothing when every recipient is settled.
    pub fn keep_unsettled(dir: &Path, message: &Outgoing, report: &mut Report) {
        if !report.any_unsettled() {
            return;
        }
        let saved = Outbox::open(dir).and_then(|outbox| outbox.save(message, report));
        match saved {
            Ok(id) => {
                report.outbox_id = Some(id);
                report.kept = Some(true);
            }
            Err(e) => {
                report.kept = Some(false);
                report.warnings.push(format!(
                    "the message could not be kept in the outbox {}: {e}; it is saved \
                     nowhere, so make the outbox directory writable (or free space) and send it \
                     again",
                    dir.display()
                ));
            }
        }
    }
}

/// Removes a claimed entry once every recipient is settled, or keeps it with the others, and
/// records which in the report.
fn settle(claim: Claim, report: &mut Report) {
    let id = claim.info().id.clone();
    report.outbox_id = Some(id.clone());
    let stays = report.any_unsettled();
    let done = if stays {
        claim.keep(report)
    } else {
        claim.remove()
    };
    report.kept = Some(stays || done.is_err());
    if let Err(e) = done {
        report.warnings.push(if stays {
            format!(
                "outbox entry {id} could not be updated: {e}; the next flush may send it again \
                 to the recipients who have it now"
            )
        } else {
            format!(
                "outbox entry {id} could not be removed: {e}; every recipient is settled, so \
                 drop the entry, or the next flush sends it again"
            )
        });
    }
}

/// What became of one entry of a flush.
enum Sent {
    /// It went to the server (or the retry decision stopped before it could): its report.
    Tried(Report),
    /// It stays, unsent, because its files could not be made ready: nothing went to the server.
    NotPrepared(Report),
    /// Another flush has it, or it is broken (reported as [`FlushEvent::Skipped`]).
    Skipped,
}

/// The report of an entry left untried because the batch's retry budget was spent.
fn not_tried(entry: &EntryInfo) -> Report {
    not_sent(
        entry,
        "not tried: the retry budget was spent on the entries before it; it stays for the \
         next flush"
            .to_owned(),
    )
}

/// The report of an entry that stays without anything sent, and why.
fn not_sent(entry: &EntryInfo, reason: String) -> Report {
    let recipients = entry
        .to
        .iter()
        .map(|address| RecipientReport {
            address: address.clone(),
            status: RecipientStatus::Deferred,
            reply: None,
            server: None,
        })
        .collect();
    Report {
        status: DeliveryStatus::Deferred,
        message_id: entry.message_id.clone(),
        elapsed_ms: 0,
        possible_duplicate: entry.possible_duplicate,
        recipients,
        attempts: Vec::new(),
        explanation: None,
        reason: Some(reason),
        warnings: Vec::new(),
        outbox_id: Some(entry.id.clone()),
        kept: Some(true),
        added_recipients: Vec::new(),
    }
}
