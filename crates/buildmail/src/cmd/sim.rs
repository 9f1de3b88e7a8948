//! `buildmail sim`: the fault-injecting SMTP server of `buildmail-sim`, run until Ctrl-C or
//! SIGTERM, for rehearsing a pipeline's notification step.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use buildmail_sim::{PHASES_HELP, SCENARIO_HELP, Scenario, Sim, SimHandle, SimTls};

use crate::exit::{Exit, UserError};

#[derive(Debug, clap::Args)]
#[command(after_long_help = scenario_reference())]
pub struct SimArgs {
    /// Address to listen on; port 0 picks a free port (printed on stdout).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:2525")]
    listen: SocketAddr,

    /// A misbehaviour, such as greylist:5m (repeatable; they act in the order given).
    #[arg(long = "scenario", value_name = "SPEC", num_args = 1..)]
    scenarios: Vec<Scenario>,

    /// Append each accepted message to FILE as one JSON line.
    #[arg(long, value_name = "FILE")]
    record: Option<PathBuf>,

    /// Offer STARTTLS with a certificate from a fresh test CA (see --ca-out).
    #[arg(long)]
    tls: bool,

    /// Speak TLS from the first byte (smtps), with a fresh test CA.
    #[arg(long)]
    implicit_tls: bool,

    /// Write the test CA's certificate here (default: a file in the temporary directory).
    #[arg(long, value_name = "PATH")]
    ca_out: Option<PathBuf>,

    /// Require AUTH PLAIN or LOGIN with these credentials (after TLS, with --tls).
    #[arg(
        long,
        value_name = "USER:PASS",
        env = "BUILDMAIL_SIM_AUTH",
        hide_env_values = true
    )]
    auth: Option<String>,

    /// The largest message accepted, advertised as SIZE.
    #[arg(long, value_name = "BYTES", default_value_t = 10 << 20)]
    max_size: usize,

    /// Offer SMTPUTF8 (non-ASCII addresses); without it they are refused with 553 5.6.7.
    #[arg(long)]
    smtputf8: bool,
}

pub fn run(args: SimArgs) -> anyhow::Result<Exit> {
    let credentials = args.auth.as_deref().map(credentials).transpose()?;
    crate::runtime::runtime()?.block_on(serve(args, credentials))
}

fn credentials(text: &str) -> Result<(String, String), UserError> {
    match text.split_once(':') {
        Some((user, password)) if !user.is_empty() => Ok((user.to_owned(), password.to_owned())),
        _ => Err(UserError::new(
            Exit::Usage,
            "--auth takes USER:PASS, such as --auth ci-bot:secret",
        )),
    }
}

async fn serve(args: SimArgs, credentials: Option<(String, String)>) -> anyhow::Result<Exit> {
    let mut builder = Sim::builder()
        .listen(args.listen)
        .scenarios(args.scenarios.iter().cloned())
        .max_message_size(args.max_size)
        .smtputf8(args.smtputf8)
        .implicit_tls(args.implicit_tls);
    if args.tls || args.implicit_tls {
        builder = builder.tls(SimTls::generate().context("generating the test certificate")?);
    }
    if let Some((user, password)) = credentials {
        builder = builder.auth(user, password);
    }
    if let Some(path) = &args.record {
        builder = builder.record_file(path);
    }
    // Listen for the stop signals before announcing the address: a script may send SIGTERM as
    // soon as it has read it.
    let stop = stop_signal()?;
    let sim = builder
        .start()
        .await
        .context("starting the sim (choose another address with --listen)")?;
    announce(&sim, &args)?;
    stop.await?;
    let record = sim.record();
    sim.shutdown().await;
    crate::out::note(&format!(
        "buildmail sim: stopped after {} connection(s), {} message(s) accepted",
        record.connections.len(),
        record.messages.len()
    ));
    Ok(Exit::Ok)
}

/// One line scripts can read (`listening on ADDR`), then the CA file when there is TLS.
fn announce(sim: &SimHandle, args: &SimArgs) -> anyhow::Result<()> {
    crate::out::stdout(format!("listening on {}\n", sim.addr()).as_bytes())?;
    if let Some(pem) = sim.tls_ca_pem() {
        let path = args.ca_out.clone().unwrap_or_else(|| {
            std::env::temp_dir().join(format!("buildmail-sim-{}-ca.pem", sim.addr().port()))
        });
        write_ca(&path, &pem)?;
        crate::out::stdout(format!("ca certificate {}\n", path.display()).as_bytes())?;
    }
    let specs: Vec<String> = args.scenarios.iter().map(ToString::to_string).collect();
    crate::out::note(&format!(
        "buildmail sim: scenarios: {}; Ctrl-C stops",
        if specs.is_empty() {
            "none".to_owned()
        } else {
            specs.join(", ")
        }
    ));
    Ok(())
}

fn write_ca(path: &Path, pem: &str) -> anyhow::Result<()> {
    std::fs::write(path, pem).with_context(|| {
        format!(
            "writing the CA certificate to {} (--ca-out)",
            path.display()
        )
    })
}

/// A future that ends on Ctrl-C or SIGTERM; the handlers are installed when this returns.
#[cfg(unix)]
fn stop_signal() -> anyhow::Result<impl Future<Output = anyhow::Result<()>>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut interrupt = signal(SignalKind::interrupt()).context("listening for Ctrl-C")?;
    let mut terminate = signal(SignalKind::terminate()).context("listening for SIGTERM")?;
    Ok(async move {
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
        }
        Ok(())
    })
}

/// A future that ends on Ctrl-C.
#[cfg(not(unix))]
fn stop_signal() -> anyhow::Result<impl Future<Output = anyhow::Result<()>>> {
    Ok(async {
        tokio::signal::ctrl_c()
            .await
            .context("listening for Ctrl-C")
    })
}

/// The scenario reference under `buildmail sim --help`, from the library's own table.
fn scenario_reference() -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auth_needs_a_user_and_keeps_colons_in_the_password() {
        assert_eq!(
            credentials("ci:a:b").ok(),
            Some(("ci".to_owned(), "a:b".to_owned()))
        );
        assert!(credentials("nocolon").is_err());
        assert!(credentials(":pass").is_err());
    }
}
