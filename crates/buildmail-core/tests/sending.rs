//! `Sending::run`, as every front end sends one message: the composer's warnings come first in
//! the report, the recipients a notification added are listed, and a message that did not
//! reach everyone is kept in the outbox, while a delivered one is not.

#![allow(clippy::unwrap_used)] // a test helper that fails should panic

mod support;

use std::sync::Arc;
use std::time::Duration;

use buildmail_core::connector::{ConnectFuture, Connector};
use buildmail_core::deliver::{Delivery, Outgoing};
use buildmail_core::notify::Added;
use buildmail_core::outbox::{Listed, Outbox};
use buildmail_core::policy::RetryPolicy;
use buildmail_core::sending::Sending;
use buildmail_core::{DeliveryStatus, Server};
use buildmail_sim::Sim;
use support::SimNet;

/// Every connection is refused, as on a port where nothing listens: the delivery defers.
struct NothingListens;

impl Connector for NothingListens {
    fn connect<'a>(&'a self, _server: &'a Server) -> ConnectFuture<'a> {
        Box::pin(async { Err(std::io::ErrorKind::ConnectionRefused.into()) })
    }
}

fn sending(outbox: &std::path::Path) -> Sending {
    let bytes = b"Message-ID: <1@example.com>\r\nSubject: build\r\n\r\nbody\r\n".to_vec();
    let message = Outgoing::new(
        Some("ci@example.com"),
        ["dev@example.com"],
        "<1@example.com>",
        bytes,
    )
    .unwrap();
    Sending {
        warnings: vec!["the log was left out".to_owned()],
        added: vec![Added {
            address: "dev@example.com".to_owned(),
            reason: "author of the commits".to_owned(),
        }],
        outbox: Some(outbox.to_path_buf()),
        ..Sending::new(message)
    }
}

fn delivery(connector: Arc<dyn Connector>) -> Delivery {
    Delivery::new("smtp://relay.example.com:25?tls=none".parse().unwrap())
        .connector(connector)
        .timeout(Duration::from_secs(5))
        .policy(RetryPolicy {
            budget: Duration::ZERO,
            max_attempts: 1,
        })
}

#[tokio::test]
async fn a_deferred_message_is_kept_with_the_composers_warnings_first() {
    let dir = tempfile::tempdir().unwrap();
    let report = sending(dir.path())
        .run(&delivery(Arc::new(NothingListens)), &mut |_| {})
        .await;
    assert_eq!(report.status, DeliveryStatus::Deferred, "{report:#?}");
    assert_eq!(report.warnings.first().unwrap(), "the log was left out");
    assert_eq!(report.added_recipients[0].reason, "author of the commits");
    assert_eq!(report.kept, Some(true));
    let listed = Outbox::open(dir.path()).unwrap().list().unwrap();
    let [Listed::Entry(entry)] = listed.as_slice() else {
        panic!("one entry: {listed:#?}");
    };
    assert_eq!(Some(&entry.id), report.outbox_id.as_ref());
    assert_eq!(entry.to, ["dev@example.com"]);
}

#[tokio::test]
async fn a_delivered_message_is_not_kept() {
    let dir = tempfile::tempdir().unwrap();
    let sim = Arc::new(Sim::builder().start().await.unwrap());
    let report = sending(dir.path())
        .run(&delivery(Arc::new(SimNet(sim.clone()))), &mut |_| {})
        .await;
    assert_eq!(report.status, DeliveryStatus::Delivered, "{report:#?}");
    assert_eq!(report.kept, None);
    assert!(Outbox::open(dir.path()).unwrap().list().unwrap().is_empty());
    assert_eq!(sim.record().messages.len(), 1);
}

/// A flush that cannot mark an entry as being sent (its disk full) leaves alone the mark that a
/// flush which died mid-send left: the next flush still says the message may be a duplicate.
#[tokio::test]
async fn a_flush_that_cannot_prepare_an_entry_keeps_a_dead_flushs_mark() {
    let dir = tempfile::tempdir().unwrap();
    let kept = sending(dir.path())
        .run(&delivery(Arc::new(NothingListens)), &mut |_| {})
        .await;
    let id = kept.outbox_id.expect("kept");
    std::fs::write(dir.path().join(format!("{id}.sending")), b"").unwrap();
    // The mark is written through a temporary of this process's name: block it.
    let blocker = dir
        .path()
        .join(format!(".{id}.sending.{}.tmp", std::process::id()));
    std::fs::create_dir(&blocker).unwrap();
    let sim = Arc::new(Sim::builder().start().await.unwrap());
    let relay = Delivery::new("smtp://relay.example.com:25?tls=none".parse().unwrap())
        .connector(Arc::new(SimNet(sim.clone())))
        .timeout(Duration::from_secs(5));
    let outbox = Outbox::open(dir.path()).unwrap();
    let reports = outbox.flush(&relay, &mut |_| {}).await.unwrap();
    assert_eq!(reports[0].status, DeliveryStatus::Deferred, "{reports:#?}");
    assert!(sim.record().messages.is_empty());
    std::fs::remove_dir(&blocker).unwrap();
    let reports = outbox.flush(&relay, &mut |_| {}).await.unwrap();
    assert_eq!(reports[0].status, DeliveryStatus::Delivered, "{reports:#?}");
    assert!(reports[0].possible_duplicate, "{reports:#?}");
}
