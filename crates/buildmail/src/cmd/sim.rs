//! `buildmail sim`: the fault-injecting SMTP server of `buildmail-sim`, run until Ctrl-C or
//! SIGTERM, for rehearsing a pipeline's notification step.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context as _;
use buildmail_sim::{Scenario, Sim, SimHandle, SimTls, program};

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

    /// Show each connection's dialogue on stderr as it happens (credentials as ***).
    #[arg(long)]
    transcript: bool,
}

pub fn run(args: SimArgs) -> anyhow::Result<Exit> {
    let credentials = args.auth.as_deref().map(credentials).transpose()?;
    crate::runtime::runtime()?.block_on(serve(args, credentials))
}

fn credentials(text: &str) -> Result<(String, String), UserError> {
    program::credentials(text).ok_or_else(|| {
        UserError::new(
            Exit::Usage,
            "--auth takes USER:PASS, such as --auth ci-bot:secret",
        )
    })
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
    if args.transcript {
        builder = builder.transcript(crate::out::note);
    }
    // Listen for the stop signals before announcing the address: a script may send SIGTERM as
    // soon as it has read it.
    let stop = program::stop_signal().context("listening for Ctrl-C and SIGTERM")?;
    let sim = builder
        .start()
        .await
        .context("starting the sim (choose another address with --listen)")?;
    announce(&sim, &args)?;
    stop.await;
    let record = sim.record();
    sim.shutdown().await;
    crate::out::note(&format!("buildmail sim: {}", program::stopped(&record)));
    Ok(Exit::Ok)
}

/// One line scripts can read (`listening on ADDR`), then the CA file when there is TLS.
fn announce(sim: &SimHandle, args: &SimArgs) -> anyhow::Result<()> {
    crate::out::stdout(format!("listening on {}\n", sim.addr()).as_bytes())?;
    let path = args.ca_out.clone().unwrap_or_else(|| sim.default_ca_path());
    let written = sim.write_ca(&path).with_context(|| {
        format!(
            "writing the CA certificate to {} (--ca-out)",
            path.display()
        )
    })?;
    if written {
        crate::out::stdout(format!("ca certificate {}\n", path.display()).as_bytes())?;
    }
    crate::out::note(&format!(
        "buildmail sim: scenarios: {}; Ctrl-C stops",
        program::scenario_list(&args.scenarios)
    ));
    Ok(())
}

/// The scenario reference under `buildmail sim --help`, from the library's own table.
fn scenario_reference() -> String {
    program::scenario_reference()
}
