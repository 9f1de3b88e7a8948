//! A fault-injecting SMTP server for tests, `buildmail sim` and `buildmail demo` (what those
//! commands run is in [`program`]).
//!
//! It speaks real RFC 5321 (STARTTLS, implicit TLS, AUTH PLAIN and LOGIN, pipelining, SIZE) and
//! misbehaves the way real servers do, as [`Scenario`]s: greylisting, rate limits, busy
//! greetings, a 421 or a dropped connection at any phase, stalls, a lost `250` after DATA.
//! Everything it sees goes into a [`Record`]. All its time runs on tokio's clock, so a test on a
//! paused clock ([`SimHandle::serve_stream`]) crosses a five-minute greylist window instantly.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use buildmail_sim::{Scenario, Sim};
//!
//! let sim = Sim::builder()
//!     .scenario("busy:1".parse::<Scenario>()?)
//!     .scenario("greylist:5m".parse::<Scenario>()?)
//!     .start()
//!     .await?;
//! println!("an SMTP server that says 421 once, then greylists: {}", sim.addr());
//! sim.shutdown().await;
//! # Ok(()) }
//! ```
#![deny(missing_docs)]

mod policy;
pub mod program;
mod record;
mod scenario;
mod server;
mod session;
mod shared;
mod tls;

pub use record::{AcceptedMessage, Close, ConnectionLog, Event, Record};
pub use scenario::{
    GreylistStyle, PHASES_HELP, Phase, SCENARIO_HELP, Scenario, ScenarioError, ScenarioHelp,
};
pub use server::{Sim, SimBuilder, SimHandle};
pub use tls::SimTls;

use std::net::SocketAddr;
use std::path::PathBuf;

/// Why a sim could not start.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// The listening address is taken or not ours.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// What the system said.
        source: std::io::Error,
    },
    /// The `--record` file cannot be opened for appending.
    #[error("cannot open the record file {}: {source}", path.display())]
    RecordFile {
        /// The file asked for.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// Implicit TLS was asked for without a certificate.
    #[error("implicit TLS needs a certificate: add .tls(SimTls::generate()?)")]
    ImplicitTlsWithoutCertificate,
    /// The test certificate could not be generated.
    #[error("cannot generate the test certificate: {0}")]
    Certificate(#[from] rcgen::Error),
    /// rustls refused the TLS configuration.
    #[error("cannot set up TLS: {0}")]
    Tls(#[from] rustls::Error),
}
