//! `buildmail explain`: what SMTP replies mean, from arguments, stdin, or found in a log
//! (`--scan`). The explanation itself, and its text and JSON renderings, come from the core.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::PathBuf;

use anyhow::Context as _;
use buildmail_core::explain::explain_pasted;
use buildmail_core::{Explanation, scan};
use serde::Serialize;

use crate::cmd::common::OutputFormat;
use crate::exit::{Exit, UserError};
use crate::out;
use crate::spelling::spell;

/// The most bytes `explain -` reads as one reply. Real replies are a few hundred bytes (RFC 5321
/// allows 512 per line); a longer input is a log, and `--scan -` reads logs as they stream.
const MAX_REPLY_BYTES: u64 = 64 * 1024;

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  buildmail explain \"421 4.7.0 Try again later\"\n  \
    buildmail explain - < reply.txt\n  buildmail explain --scan build.log --output json"
)]
pub struct ExplainArgs {
    /// The replies to explain, e.g. "451 4.7.1 Greylisted"; `-` reads one reply (possibly
    /// multi-line) from stdin.
    #[arg(
        value_name = "REPLY",
        required_unless_present = "scan",
        conflicts_with = "scan"
    )]
    pub replies: Vec<String>,

    /// Find and explain every SMTP reply in this log (`-` for stdin), with its line number.
    #[arg(long, value_name = "PATH|-")]
    pub scan: Option<PathBuf>,

    /// text: a short article per reply on stdout; json: an object on stdout (an array for
    /// several or for --scan).
    #[arg(long, value_enum, default_value_t = OutputFormat::Text, hide_possible_values = true)]
    pub output: OutputFormat,
}

pub fn run(args: ExplainArgs) -> anyhow::Result<Exit> {
    match &args.scan {
        Some(path) => run_scan(path, args.output),
        None => run_replies(&args.replies, args.output),
    }
}

fn run_replies(inputs: &[String], output: OutputFormat) -> anyhow::Result<Exit> {
    let mut explanations = Vec::with_capacity(inputs.len());
    for input in inputs {
        let text = if input == "-" {
            read_stdin()?
        } else {
            input.clone()
        };
        let explained = explain_pasted(&text).map_err(|e| {
            UserError::bad_input(format!(
                "cannot explain {}: {e}; to find the replies and connection failures in a log, \
                 use `buildmail explain --scan -` (or `--scan FILE`)",
                describe(input)
            ))
        })?;
        explanations.extend(explained.into_iter().map(spelled));
    }
    match output {
        OutputFormat::Text => {
            let articles: Vec<String> = explanations.iter().map(Explanation::to_text).collect();
            out::stdout(articles.join("\n").as_bytes())?;
        }
        OutputFormat::Json => match explanations.as_slice() {
            [one] => write_json(one)?,
            many => write_json(&many)?,
        },
    }
    Ok(Exit::Ok)
}

fn run_scan(path: &PathBuf, output: OutputFormat) -> anyhow::Result<Exit> {
    let is_stdin = path.as_os_str() == "-";
    let name = if is_stdin {
        "stdin".to_owned()
    } else {
        buildmail_core::untrusted::path(path)
    };
    let reader: Box<dyn BufRead> = if is_stdin {
        Box::new(BufReader::new(io::stdin()))
    } else {
        let file = File::open(path).map_err(|e| {
            UserError::bad_input(format!(
                "cannot read the log {name}: {e}; give a readable file or - for stdin"
            ))
        })?;
        Box::new(BufReader::with_capacity(1 << 16, file))
    };
    let mut found = Vec::new();
    let mut count = 0usize;
    for item in scan::scan(reader) {
        let mut explained = item
            .with_context(|| format!("reading the log {name}"))?
            .explain();
        explained.spell(spell);
        count += 1;
        match output {
            // Text streams as it goes, so a long log shows its first reply at once.
            OutputFormat::Text => {
                let separator = if count > 1 { "\n" } else { "" };
                let article = format!(
                    "{separator}line {}: {}",
                    explained.line(),
                    explained.to_text()
                );
                out::stdout(article.as_bytes())?;
            }
            OutputFormat::Json => found.push(explained),
        }
    }
    if output == OutputFormat::Json {
        write_json(&found)?;
    }
    if count == 0 {
        out::note(&format!(
            "buildmail: no SMTP reply (4xx or 5xx) or connection failure found in {name}"
        ));
    }
    Ok(Exit::Ok)
}

/// The explanation naming the command line's flags.
fn spelled(mut explanation: Explanation) -> Explanation {
    explanation.spell(spell);
    explanation
}

fn write_json(value: &impl Serialize) -> anyhow::Result<()> {
    let mut json = serde_json::to_vec_pretty(value).context("rendering JSON")?;
    json.push(b'\n');
    out::stdout(&json)?;
    Ok(())
}

/// One reply from stdin, at most [`MAX_REPLY_BYTES`] of it: `yes | buildmail explain -` ends
/// with a clear error instead of filling the memory.
fn read_stdin() -> anyhow::Result<String> {
    let mut bytes = Vec::new();
    io::stdin()
        .take(MAX_REPLY_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| UserError::bad_input(format!("cannot read the reply from stdin: {e}")))?;
    if bytes.len() as u64 > MAX_REPLY_BYTES {
        return Err(UserError::bad_input(format!(
            "the reply on stdin is longer than {} KiB: give one SMTP reply, or use \
             --scan - to find the replies in a log",
            MAX_REPLY_BYTES / 1024
        ))
        .into());
    }
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

fn describe(input: &str) -> &str {
    if input == "-" {
        "the reply on stdin"
    } else {
        "the reply"
    }
}
