//! `buildmail outbox list|flush|drop`: the messages `--outbox` kept when a delivery was deferred.

use std::path::PathBuf;

use anyhow::Context as _;
use buildmail_core::Report;
use buildmail_core::outbox::{Broken, Dropped, FlushEvent, Listed, Outbox, escape_controls};
use buildmail_core::report::Verdict;
use buildmail_core::report::text::flushed;

use crate::cmd::common::{OutputFormat, SmtpArgs};
use crate::cmd::deliver::Progress;
use crate::exit::{Exit, UserError};
use crate::spelling::spell;

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
        /// text: a table on stdout; json: an array of entries on stdout.
        #[arg(long, env = "BUILDMAIL_OUTPUT", value_enum, default_value_t = OutputFormat::Text,
              hide_possible_values = true)]
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
        Action::Flush { mut smtp } => {
            let flushed = smtp
                .apply_config(None)
                .map_err(Into::into)
                .and_then(|_| flush(&smtp));
            smtp.reports.after(flushed)
        }
        Action::Drop { id, outbox } => drop_entry(&open(&outbox)?, &id),
    }
}

fn open(dir: &std::path::Path) -> anyhow::Result<Outbox> {
    Outbox::open(dir).with_context(|| format!("opening --outbox {}", dir.display()))
}

fn list(outbox: &Outbox, output: OutputFormat) -> anyhow::Result<Exit> {
    let entries = outbox
        .list()
        .with_context(|| format!("reading --outbox {}", outbox.dir().display()))?;
    let mut text = match output {
        OutputFormat::Json => {
            serde_json::to_string_pretty(&entries).context("rendering the list")?
        }
        OutputFormat::Text => entries
            .iter()
            .map(render_listed)
            .collect::<Vec<_>>()
            .join("\n"),
    };
    if !text.is_empty() {
        text.push('\n');
    }
    // `outbox list | head` has what it wanted: a closed stdout ends the command with exit 0.
    crate::out::stdout(text.as_bytes())?;
    Ok(Exit::Ok)
}

/// One line per item (the core's, control characters escaped), a broken file with its fix.
fn render_listed(listed: &Listed) -> String {
    match listed {
        Listed::Entry(entry) => entry.line(),
        Listed::Broken(broken) => {
            format!(
                "{}  broken: {}",
                escape_controls(&broken.id),
                render_broken(broken)
            )
        }
    }
}

fn render_broken(broken: &Broken) -> String {
    format!(
        "{}; remove it with `buildmail outbox drop {}`",
        broken.line(),
        escape_controls(&broken.id)
    )
}

fn drop_entry(outbox: &Outbox, id: &str) -> anyhow::Result<Exit> {
    let dropped = outbox
        .drop_entry(id)
        .with_context(|| format!("removing outbox entry {id}"))?;
    let problem = match dropped {
        Dropped::Removed => return Ok(Exit::Ok),
        Dropped::Missing => "no outbox entry {id}: see `buildmail outbox list`",
        Dropped::Busy => "outbox entry {id} is being sent by a flush right now",
    };
    Err(UserError::bad_input(problem.replace("{id}", id)).into())
}

/// Sends the entries one by one within one shared retry budget (the core's `Outbox::flush`),
/// printing each attempt and each entry's summary (text) or the reports (JSON).
fn flush(smtp: &SmtpArgs) -> anyhow::Result<Exit> {
    let dir = smtp
        .outbox
        .as_deref()
        .ok_or_else(|| UserError::new(Exit::Usage, "outbox flush needs --outbox DIR"))?;
    let outbox = open(dir)?;
    let delivery = smtp.delivery()?;
    let text = smtp.output == OutputFormat::Text;
    // Attempt lines on stderr in JSON mode too, as for `send`.
    let mut progress = Progress::new();
    let mut on_event = |event: FlushEvent<'_>| match event {
        FlushEvent::Delivery(event) => progress.on(event),
        FlushEvent::Skipped(broken) => note(&format!(
            "buildmail: warning: skipped outbox entry {}: {}",
            escape_controls(&broken.id),
            render_broken(broken)
        )),
        FlushEvent::Done { id, report } => {
            progress.finish();
            if text {
                note(&flushed(id, report, spell));
            }
        }
    };
    let runtime = crate::runtime::runtime()?;
    let mut reports = runtime
        .block_on(outbox.flush(&delivery, &mut on_event))
        .with_context(|| format!("reading --outbox {}", dir.display()))?;
    for report in &mut reports {
        report.spell(spell);
    }
    smtp.reports.write(&reports)?;
    if smtp.output == OutputFormat::Json {
        let json = serde_json::to_string_pretty(&reports).context("rendering the reports")? + "\n";
        // A closed stdout does not change what the flush did: the verdict decides the exit code.
        let _ = crate::out::stdout(json.as_bytes());
    }
    Ok(Verdict::worst(reports.iter().map(Report::verdict)).into())
}

fn note(text: &str) {
    crate::out::note(text);
}
