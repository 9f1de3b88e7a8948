//! buildmail's library: everything the `buildmail` CLI and the `buildmail-action` binary share.
//!
//! - [`reply`]: what an SMTP server said, parsed and classified.
//! - [`explain`](mod@explain): why a server said it and what to do, from the built-in [`catalog`].
//! - [`ci`]: the build a notification is about, from GitHub Actions, Jenkins or git.
//! - [`notify`]: build notifications: triggers, outcome, templates, threading.
//! - [`logtail`]: the last lines of a build log, read from the end.
//! - [`testresults`]: counts and failed tests from JUnit XML reports.
//! - [`compose`]: a mail from parts (Markdown, attachments, threading) through typed headers.
//! - [`scan`]: every SMTP reply in an arbitrary log, streamed line by line.
//! - [`deliver`]: sending a message through [`server`]s with the retry [`policy`], reported as a
//!   [`report`]; the network comes through a [`connector`], time through the [`clock`].
//! - [`sending`]: one message delivered, reported and, when it did not reach everyone, kept
//!   in the [`outbox`], as every front end sends it.
//! - [`settings`]: what a user sets, named the core's way ([`settings::Setting`]), each front end
//!   spelling it; [`settings::DeliverySettings`] builds the [`Delivery`].
//! - [`sysexits`]: the exit-code table every front end that ends as a process uses.
//! - [`untrusted`]: server text, file names and CI context made safe to print.
//! - [`jenkins_reports`]: reports as Jenkins shows them (warnings-ng JSON, JUnit XML).
//!
//! The core knows no front end: it never reads argv, the environment, or CI state. The binaries
//! turn their inputs into the types here.
#![deny(missing_docs)]
#![warn(clippy::print_stdout, clippy::print_stderr)]

pub mod catalog;
pub mod category;
pub mod ci;
pub mod clock;
pub mod compose;
pub mod connector;
pub mod deliver;
pub mod error;
pub mod explain;
pub mod hint;
pub mod jenkins_reports;
mod literals;
pub mod logtail;
pub mod notify;
pub mod outbox;
pub mod policy;
pub mod reply;
pub mod report;
pub mod scan;
pub mod sending;
pub mod server;
mod session;
pub mod settings;
pub mod sysexits;
pub mod testresults;
mod tls_mode;
pub mod transcript;
pub mod untrusted;

pub use category::Category;
pub use explain::{Explanation, explain};
pub use reply::{Class, EnhancedCode, Reply, ReplyError};

pub use deliver::{Delivery, Event, Outgoing};
pub use error::{Error, Phase};
pub use report::{DeliveryStatus, Report, Verdict};
pub use server::{Server, Tls};
pub use settings::{DeliverySettings, Setting, SettingsError};
pub use sysexits::Sysexit;
