//! The sim as a program (`buildmail sim`, `buildmail demo`): the scenario reference its help
//! shows, credentials written `USER:PASS`, the test CA written to a file, stopping on Ctrl-C or
//! SIGTERM, and the demo's server.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use crate::{PHASES_HELP, Record, SCENARIO_HELP, Scenario, Sim, SimError, SimHandle};

/// The scenario reference under `buildmail sim --help`, from the scenarios' own table.
pub fn scenario_reference() -> String {
    let mut text =
        String::from("Scenarios (repeat --scenario; quote specs that contain spaces):\n");
    for help in SCENARIO_HELP {
        text.push_str(&format!(
            "  {}\n      {}\n      e.g. --scenario '{}'\n",
            help.syntax, help.summary, help.example
        ));
    }
    text.push_str(&format!(
        "  {PHASES_HELP}\n  WINDOW, PERIOD, DURATION: 30s, 5m, 1h (humantime)\n\n\
         Examples:\n  \
         buildmail sim --listen 127.0.0.1:2525 --scenario greylist:1m --scenario busy:1\n  \
         buildmail sim --listen 127.0.0.1:0 --tls --auth ci-bot:secret --ca-out ca.pem --record sim.jsonl\n\n\
         Exact reply texts and a CI rehearsal guide: docs/sim.md"
    ));
    text
}

/// Credentials written `USER:PASS`: the user is not empty, the password may hold colons.
///
/// ```
/// assert_eq!(
///     buildmail_sim::program::credentials("ci:a:b"),
///     Some(("ci".to_owned(), "a:b".to_owned()))
/// );
/// ```
pub fn credentials(text: &str) -> Option<(String, String)> {
    match text.split_once(':') {
        Some((user, password)) if !user.is_empty() => Some((user.to_owned(), password.to_owned())),
        _ => None,
    }
}

/// The scenarios in the words they were given, `none` for none.
pub fn scenario_list(scenarios: &[Scenario]) -> String {
    if scenarios.is_empty() {
        return "none".to_owned();
    }
    let specs: Vec<String> = scenarios.iter().map(ToString::to_string).collect();
    specs.join(", ")
}

/// What a sim that has stopped says of its run: how many connections it took and how many
/// messages it accepted.
///
/// ```
/// let record = buildmail_sim::Record::default();
/// assert_eq!(
///     buildmail_sim::program::stopped(&record),
///     "stopped after 0 connection(s), 0 message(s) accepted"
/// );
/// ```
pub fn stopped(record: &Record) -> String {
    format!(
        "stopped after {} connection(s), {} message(s) accepted",
        record.connections.len(),
        record.messages.len()
    )
}

impl SimHandle {
    /// Where the test CA goes when no path is given: a file named after the port in the
    /// temporary directory.
    pub fn default_ca_path(&self) -> PathBuf {
        std::env::temp_dir().join(format!("buildmail-sim-{}-ca.pem", self.addr().port()))
    }

    /// Writes the test CA's certificate to `path`; `false` when the sim has no TLS.
    pub fn write_ca(&self, path: &Path) -> io::Result<bool> {
        let Some(pem) = self.tls_ca_pem() else {
            return Ok(false);
        };
        std::fs::write(path, pem)?;
        Ok(true)
    }
}

/// A future that ends on Ctrl-C or SIGTERM; the handlers are installed when this returns, so a
/// script may send SIGTERM as soon as the sim has said where it listens.
#[cfg(unix)]
pub fn stop_signal() -> io::Result<impl Future<Output = ()>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    Ok(async move {
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
        }
    })
}

/// A future that ends on Ctrl-C.
#[cfg(not(unix))]
pub fn stop_signal() -> io::Result<impl Future<Output = ()>> {
    Ok(async {
        let _ = tokio::signal::ctrl_c().await;
    })
}

/// The demo's server: a 421 at the first greeting, then a greylist that states its window.
pub const DEMO_SCENARIOS: [&str; 2] = ["busy:1", "greylist-hint:3s"];

/// Starts the demo's server on a free loopback port.
pub async fn start_demo() -> Result<SimHandle, SimError> {
    let mut sim = Sim::builder().listen(SocketAddr::from(([127, 0, 0, 1], 0)));
    for spec in DEMO_SCENARIOS {
        sim = sim.scenario(spec.parse().expect("the demo's scenarios parse"));
    }
    sim.start().await
}

/// What the demo's server does, for the person watching.
pub fn demo_intro(addr: SocketAddr) -> String {
    format!(
        "A simulated SMTP server on {addr} answers 421 at the first greeting, then greylists \
         with a stated window ({}).\nbuildmail sends a build notification through it:\n",
        DEMO_SCENARIOS.join(", ")
    )
}

/// The first message the sim accepted: its size and its headers, with `\n` line ends.
pub fn first_accepted_headers(sim: &SimHandle) -> Option<(usize, String)> {
    let record = sim.record();
    let accepted = record.messages.first()?;
    let raw = accepted.text();
    let headers = raw.split("\r\n\r\n").next().unwrap_or_default();
    Some((accepted.data.len(), headers.replace("\r\n", "\n")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auth_needs_a_user_and_keeps_colons_in_the_password() {
        assert_eq!(
            credentials("ci:a:b"),
            Some(("ci".to_owned(), "a:b".to_owned()))
        );
        assert!(credentials("nocolon").is_none());
        assert!(credentials(":pass").is_none());
    }

    #[test]
    fn the_demo_scenarios_parse() {
        for spec in DEMO_SCENARIOS {
            assert!(spec.parse::<Scenario>().is_ok(), "{spec}");
        }
    }
}
