//! `buildmail outbox list|flush|drop`: the messages `--outbox` kept when a delivery was deferred.

use std::io::Write as _;
use std::path::PathBuf;

use anyhow::Context as _;
use buildmail_core::outbox::{EntryInfo, Outbox};
use buildmail_core::policy::RetryPolicy;
use buildmail_core::{Report, clock};

use crate::cmd::common::{OutputFormat, SmtpArgs};
use crate::cmd::deliver::{deliver, exit_for, render_summary};
use crate::exit::{Exit, UserError};

#[derive(Debug, clap::Args)]
pub struct OutboxArgs {
    #[command(subcommand)]
    action: Action,
}

#[derive(Debug, clap::Subcommand)]
#[allow(clippy::large_enum_variant)] // parsed once per run: boxing the flags buys nothing
enum Action {
    /// List the kept messages, oldest first.
    List {
        /// The outbox directory.
        #[arg(long, env = "BUILDMAIL_OUTBOX", value_name = "DIR")]
        outbox: PathBuf,
        /// text: a table on stdout; json: an array of entries.
        #[arg(long, env = "BUILDMAIL_OUTPUT", value_enum, default_value_t = OutputFormat::Text)]
        output: OutputFormat,
    },
    /// Send every kept message, each at most once, removing it only once the server accepted it.
    Flush {
        #[command(flatten)]
        smtp: SmtpArgs,
    },
    /// Remove one kept message without sending it.
    Drop {
        /// The entry's id, as `list` shows it.
        id: String,
        /// The outbox directory.
        #[arg(long, env = "BUILDMAIL_OUTBOX", value_name = "DIR")]
        outbox: PathBuf,
    },
}

pub fn run(args: OutboxArgs) -> anyhow::Result<Exit> {
    match args.action {
        Action::List { outbox, output } => list(&open(&outbox)?, output),
        Action::Flush { smtp } => smtp.reports.after(flush(&smtp)),
        Action::Drop { id, outbox } => drop_entry(&open(&outbox)?, &id),
    }
}

fn open(dir: &std::path::Path) -> anyhow::Result<Outbox> {
    Outbox::open(dir).with_context(|| format!("opening --outbox {}", dir.display()))
}

fn list(outbox: &Outbox, output: OutputFormat) -> anyhow::Result<Exit> {
    let entries = outbox.list().context("reading the outbox")?;
    let mut stdout = std::io::stdout().lock();
    match output {
        OutputFormat::Json => {
            let json = serde_json::to_string_pretty(&entries).context("rendering the list")?;
            writeln!(stdout, "{json}")
        }
        OutputFormat::Text => entries
            .iter()
            .try_for_each(|entry| writeln!(stdout, "{}", render_entry(entry))),
    }
    .context("writing the list to stdout")?;
    Ok(Exit::Ok)
}

fn render_entry(entry: &EntryInfo) -> String {
    format!(
        "{}  {}  to {}  ({} attempt{} so far{})",
        entry.id,
        entry.message_id,
        entry.to.join(", "),
        entry.attempts.len(),
        if entry.attempts.len() == 1 { "" } else { "s" },
        if entry.possible_duplicate {
            ", possible duplicate"
        } else {
            ""
        }
    )
}

fn drop_entry(outbox: &Outbox, id: &str) -> anyhow::Result<Exit> {
    let claim = outbox
        .claim(id)
        .with_context(|| format!("opening outbox entry {id}"))?
        .ok_or_else(|| {
            UserError::bad_input(format!(
                "no outbox entry {id} (or a flush is sending it): see `buildmail outbox list`"
            ))
        })?;
    claim
        .remove()
        .with_context(|| format!("removing outbox entry {id}"))?;
    Ok(Exit::Ok)
}

/// Sends the entries one by one within one shared retry budget. When the server defers one
/// (a rate limit, a greylist), the rest stay for the next flush rather than hammer it.
fn flush(smtp: &SmtpArgs) -> anyhow::Result<Exit> {
    let dir = smtp
        .outbox
        .as_deref()
        .ok_or_else(|| UserError::new(Exit::Usage, "outbox flush needs --outbox DIR"))?;
    let outbox = open(dir)?;
    let delivery = smtp.delivery()?;
    let runtime = super::runtime()?;
    let reports = runtime.block_on(async {
        let start = clock::now();
        let mut reports = Vec::new();
        for entry in outbox.list().context("reading the outbox")? {
            let left = smtp.retry_budget.saturating_sub(start.elapsed());
            let Some(claim) = outbox.claim(&entry.id).context("locking an outbox entry")? else {
                continue; // another flush has it, or has sent it
            };
            // Read before marking: the mark left by a flush that died is what flags a duplicate.
            let outgoing = claim.outgoing().context("reading an outbox entry")?;
            claim.mark_sending().context("marking an outbox entry")?;
            let policy = RetryPolicy {
                budget: left,
                max_attempts: smtp.max_attempts,
            };
            let report = deliver(&delivery.clone().policy(policy), &outgoing, smtp.output).await;
            let deferred = report.any_deferred();
            // Refused credentials or TLS that cannot be set up are this flush's settings, not the
            // server's verdict on the message: the entry stays for a flush that gets them right.
            let misconfigured = report.auth_refused() || report.setup_failed();
            if misconfigured {
                claim.release().context("releasing an outbox entry")?;
            } else if deferred {
                claim.keep(&report).context("updating an outbox entry")?;
            } else {
                claim.remove().context("removing a sent outbox entry")?;
            }
            if smtp.output == OutputFormat::Text {
                note(&format!("{}: {}", entry.id, render_summary(&report)));
            }
            reports.push(report);
            if deferred || misconfigured {
                break;
            }
        }
        anyhow::Ok(reports)
    })?;
    smtp.reports.write(&reports)?;
    if smtp.output == OutputFormat::Json {
        let json = serde_json::to_string_pretty(&reports).context("rendering the reports")?;
        writeln!(std::io::stdout().lock(), "{json}").context("writing the reports to stdout")?;
    }
    Ok(worst(&reports))
}

/// The exit code of a batch: deferred beats rejected beats delivered.
fn worst(reports: &[Report]) -> Exit {
    let exits: Vec<Exit> = reports.iter().map(exit_for).collect();
    [
        Exit::TempFail,
        Exit::NoPerm,
        Exit::Config,
        Exit::Unavailable,
    ]
    .into_iter()
    .find(|exit| exits.contains(exit))
    .unwrap_or(Exit::Ok)
}

#[allow(clippy::print_stderr)]
fn note(text: &str) {
    eprintln!("{text}");
}
