//! Scenarios: the misbehaviours a sim can be told to show, and their spec syntax
//! (`greylist:5s`, `fault:rcpt:451 4.3.0 Try again:2`), shared by the library and `buildmail sim`.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

/// A point in the SMTP dialogue where a scenario can step in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Phase {
    /// The server's `220` greeting, before the client says anything.
    Greeting,
    /// The reply to `EHLO` or `HELO`.
    Ehlo,
    /// The reply to `STARTTLS`.
    Starttls,
    /// The final reply of an `AUTH` exchange, after the credentials.
    Auth,
    /// The reply to `MAIL FROM`.
    Mail,
    /// The reply to `RCPT TO`.
    Rcpt,
    /// The reply to `DATA` (instead of `354`).
    Data,
    /// The reply after the message content and its final dot.
    EndOfData,
}

impl Phase {
    /// Every phase, in dialogue order.
    pub const ALL: [Phase; 8] = [
        Phase::Greeting,
        Phase::Ehlo,
        Phase::Starttls,
        Phase::Auth,
        Phase::Mail,
        Phase::Rcpt,
        Phase::Data,
        Phase::EndOfData,
    ];

    /// The name used in specs and in `buildmail`'s JSON report.
    pub fn name(self) -> &'static str {
        match self {
            Phase::Greeting => "greeting",
            Phase::Ehlo => "ehlo",
            Phase::Starttls => "starttls",
            Phase::Auth => "auth",
            Phase::Mail => "mail",
            Phase::Rcpt => "rcpt",
            Phase::Data => "data",
            Phase::EndOfData => "end_of_data",
        }
    }
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Phase {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase().replace('-', "_");
        Phase::ALL
            .into_iter()
            .find(|phase| {
                phase.name() == wanted || (wanted == "connect" && *phase == Phase::Greeting)
            })
            .ok_or_else(|| {
                let names: Vec<&str> = Phase::ALL.iter().map(|p| p.name()).collect();
                format!("unknown phase `{s}`; expected one of {}", names.join(", "))
            })
    }
}

/// How a greylisting server tells the client to come back later.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GreylistStyle {
    /// postgrey behind Postfix: `450 4.2.0`, no delay stated.
    Postgrey,
    /// `451 4.7.1` stating the seconds left.
    Hint,
    /// `421 4.7.0` stating the seconds left, then the connection closes.
    Close,
}

/// One misbehaviour. Parse one from its spec with [`str::parse`]; [`fmt::Display`] gives the spec back.
///
/// ```
/// use std::time::Duration;
/// use buildmail_sim::{Phase, Scenario};
///
/// let fault: Scenario = "fault:mail:421 4.7.0 Try again later:2".parse().unwrap();
/// assert_eq!(
///     fault,
///     Scenario::Fault { phase: Phase::Mail, reply: "421 4.7.0 Try again later".into(), count: 2 }
/// );
/// assert_eq!(fault.to_string(), "fault:mail:421 4.7.0 Try again later:2");
/// assert!("greylist:five".parse::<Scenario>().unwrap_err().to_string().contains("greylist:WINDOW"));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum Scenario {
    /// Refuse each client/sender/recipient triplet at RCPT until `window` has passed since it was first seen.
    Greylist {
        /// How long a triplet stays refused after its first attempt.
        window: Duration,
        /// Which reply the refusal uses.
        style: GreylistStyle,
    },
    /// `421 4.3.2` at the greeting for the first `connections` connections.
    Busy {
        /// How many connections are turned away.
        connections: u32,
    },
    /// More than `messages` MAIL commands from one sender within `period`: `421 4.7.0` naming the seconds left.
    RateLimit {
        /// Messages allowed per period and sender.
        messages: u32,
        /// The sliding window.
        period: Duration,
    },
    /// More than `concurrent` open connections: Postfix anvil's `421 4.7.0` at the greeting.
    ConnLimit {
        /// Connections allowed at once.
        concurrent: u32,
    },
    /// Answer `reply` at `phase`, the first `count` times.
    Fault {
        /// Where the reply replaces the normal one.
        phase: Phase,
        /// The complete reply line, code first.
        reply: String,
        /// How many times, over the life of the sim.
        count: u32,
    },
    /// Close the connection without a reply at `phase`, the first `count` times.
    Drop {
        /// Where the connection is dropped.
        phase: Phase,
        /// How many times.
        count: u32,
    },
    /// Wait `duration` before replying at `phase`, the first `count` times.
    Stall {
        /// Where the server hesitates.
        phase: Phase,
        /// How long.
        duration: Duration,
        /// How many times.
        count: u32,
    },
    /// Accept and record a message, then close before replying `250`: RFC 5321 section 6.1's duplicate case.
    LostOk {
        /// How many messages are accepted this way.
        count: u32,
    },
    /// Answer `reply` at RCPT for recipients matching the glob `pattern` (case-insensitive).
    Reject {
        /// A glob over the recipient address, such as `nobody@*`.
        pattern: String,
        /// The complete reply line.
        reply: String,
    },
    /// `535 5.7.8` for any credentials.
    AuthFail,
    /// Offer (and accept) only these AUTH mechanisms, upper case, such as `["LOGIN"]`.
    AuthMechanisms {
        /// The mechanisms named in the EHLO `AUTH` line.
        mechanisms: Vec<String>,
    },
    /// Answer every step of an AUTH exchange with another `334` challenge, never a verdict: a
    /// broken or hostile server that would have a naive client send the password forever.
    AuthEndless,
    /// Do not offer or accept STARTTLS, even with TLS configured.
    NoStarttls,
    /// An unprompted `421 4.3.2` after `commands` commands on a connection, then close.
    ShutdownAfter {
        /// Commands answered before the 421.
        commands: u32,
    },
    /// A reproducible pseudo-random mix of transient faults at every phase.
    Chaos {
        /// The same seed gives the same faults for the same sequence of connections and commands.
        seed: u64,
        /// The chance of a fault at each step, from 0 to 1.
        rate: f64,
    },
}

/// One line of the scenario reference: its syntax, an example and what it does.
#[derive(Debug, Clone, Copy)]
pub struct ScenarioHelp {
    /// The grammar, such as `greylist:WINDOW`.
    pub syntax: &'static str,
    /// A spec that parses.
    pub example: &'static str,
    /// What the server does.
    pub summary: &'static str,
}

/// The scenario reference, in the order `buildmail sim --help` shows it.
pub const SCENARIO_HELP: &[ScenarioHelp] = &[
    ScenarioHelp {
        syntax: "greylist:WINDOW",
        example: "greylist:5m",
        summary: "postgrey's 450 4.2.0 at RCPT per client/sender/recipient until WINDOW has passed",
    },
    ScenarioHelp {
        syntax: "greylist-hint:WINDOW",
        example: "greylist-hint:300s",
        summary: "451 4.7.1 Greylisted, please try again in N seconds",
    },
    ScenarioHelp {
        syntax: "greylist-421:WINDOW",
        example: "greylist-421:1m",
        summary: "421 4.7.0 stating the seconds left, then close",
    },
    ScenarioHelp {
        syntax: "busy:N",
        example: "busy:2",
        summary: "421 4.3.2 at the greeting for the first N connections",
    },
    ScenarioHelp {
        syntax: "ratelimit:N/PERIOD",
        example: "ratelimit:3/1m",
        summary: "beyond N messages per sender per PERIOD: 421 4.7.0 at MAIL naming the seconds left",
    },
    ScenarioHelp {
        syntax: "conn-limit:N",
        example: "conn-limit:1",
        summary: "Postfix anvil's 421 4.7.0 beyond N concurrent connections",
    },
    ScenarioHelp {
        syntax: "fault:PHASE:REPLY[:COUNT]",
        example: "fault:mail:421 4.7.0 Try again later:2",
        summary: "REPLY at PHASE the first COUNT times (default 1); a 421 also closes",
    },
    ScenarioHelp {
        syntax: "drop:PHASE[:COUNT]",
        example: "drop:end_of_data",
        summary: "close without a reply at PHASE",
    },
    ScenarioHelp {
        syntax: "stall:PHASE:DURATION[:COUNT]",
        example: "stall:greeting:30s",
        summary: "wait DURATION before replying at PHASE",
    },
    ScenarioHelp {
        syntax: "lost-ok[:COUNT]",
        example: "lost-ok",
        summary: "record the message, close before the 250 (a client retry makes a duplicate)",
    },
    ScenarioHelp {
        syntax: "reject:PATTERN:REPLY",
        example: "reject:nobody@*:550 5.1.1 no such user",
        summary: "REPLY at RCPT for recipients matching the glob PATTERN",
    },
    ScenarioHelp {
        syntax: "auth-fail",
        example: "auth-fail",
        summary: "535 5.7.8 for any credentials",
    },
    ScenarioHelp {
        syntax: "auth-mechanisms:MECH[,MECH]",
        example: "auth-mechanisms:LOGIN",
        summary: "offer and accept only these AUTH mechanisms (PLAIN, LOGIN)",
    },
    ScenarioHelp {
        syntax: "auth-endless",
        example: "auth-endless",
        summary: "answer every AUTH step with another 334 challenge, never a verdict",
    },
    ScenarioHelp {
        syntax: "no-starttls",
        example: "no-starttls",
        summary: "never offer STARTTLS, even with --tls",
    },
    ScenarioHelp {
        syntax: "shutdown-after:N",
        example: "shutdown-after:3",
        summary: "an unprompted 421 4.3.2 after N commands on a connection, then close",
    },
    ScenarioHelp {
        syntax: "chaos:SEED:RATE",
        example: "chaos:42:0.2",
        summary: "a reproducible random mix of transient faults, at each step with chance RATE",
    },
];

/// PHASE is one of these, in every spec that takes one.
pub const PHASES_HELP: &str =
    "PHASE: greeting, ehlo, starttls, auth, mail, rcpt, data, end_of_data";

/// A spec that does not parse. Its message names the spec and shows the grammar.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("invalid scenario `{spec}`: {reason}\n{}", grammar())]
pub struct ScenarioError {
    spec: String,
    reason: String,
}

impl ScenarioError {
    /// The spec as it was given.
    pub fn spec(&self) -> &str {
        &self.spec
    }
}

fn grammar() -> String {
    let mut text = String::from("scenarios:\n");
    for help in SCENARIO_HELP {
        text.push_str(&format!("  {:<30} e.g. {}\n", help.syntax, help.example));
    }
    text.push_str(&format!(
        "  {PHASES_HELP}; WINDOW, PERIOD, DURATION like 30s or 5m"
    ));
    text
}

impl FromStr for Scenario {
    type Err = ScenarioError;

    fn from_str(spec: &str) -> Result<Self, Self::Err> {
        parse(spec.trim()).map_err(|reason| ScenarioError {
            spec: spec.to_owned(),
            reason,
        })
    }
}

fn parse(spec: &str) -> Result<Scenario, String> {
    let (kind, rest) = match spec.split_once(':') {
        Some((kind, rest)) => (kind, Some(rest)),
        None => (spec, None),
    };
    let needs = |what: &str| rest.ok_or_else(|| format!("`{kind}` needs {what}"));
    match kind.to_ascii_lowercase().as_str() {
        "greylist" => greylist(needs("a WINDOW")?, GreylistStyle::Postgrey),
        "greylist-hint" => greylist(needs("a WINDOW")?, GreylistStyle::Hint),
        "greylist-421" => greylist(needs("a WINDOW")?, GreylistStyle::Close),
        "busy" => Ok(Scenario::Busy {
            connections: number(needs("a number of connections")?, "N")?,
        }),
        "ratelimit" => ratelimit(needs("N/PERIOD")?),
        "conn-limit" => Ok(Scenario::ConnLimit {
            concurrent: number(needs("a number of connections")?, "N")?,
        }),
        "fault" => fault(needs("PHASE:REPLY")?),
        "drop" => drop_at(needs("a PHASE")?),
        "stall" => stall(needs("PHASE:DURATION")?),
        "lost-ok" => Ok(Scenario::LostOk {
            count: rest.map_or(Ok(1), |count| number(count, "COUNT"))?,
        }),
        "reject" => reject(needs("PATTERN:REPLY")?),
        "auth-fail" => no_argument(rest, Scenario::AuthFail),
        "auth-mechanisms" => auth_mechanisms(needs("MECH[,MECH]")?),
        "auth-endless" => no_argument(rest, Scenario::AuthEndless),
        "no-starttls" => no_argument(rest, Scenario::NoStarttls),
        "shutdown-after" => Ok(Scenario::ShutdownAfter {
            commands: number(needs("a number of commands")?, "N")?,
        }),
        "chaos" => chaos(needs("SEED:RATE")?),
        "" => Err("the spec is empty".into()),
        other => Err(format!("unknown scenario `{other}`")),
    }
}

fn no_argument(rest: Option<&str>, scenario: Scenario) -> Result<Scenario, String> {
    match rest {
        None => Ok(scenario),
        Some(_) => Err("this scenario takes no argument".into()),
    }
}

fn auth_mechanisms(list: &str) -> Result<Scenario, String> {
    let mechanisms: Vec<String> = list
        .split(',')
        .map(|m| m.trim().to_ascii_uppercase())
        .collect();
    match mechanisms
        .iter()
        .find(|m| !matches!(m.as_str(), "PLAIN" | "LOGIN"))
    {
        Some(other) => Err(format!("MECH `{other}` is not PLAIN or LOGIN")),
        None => Ok(Scenario::AuthMechanisms { mechanisms }),
    }
}

fn greylist(window: &str, style: GreylistStyle) -> Result<Scenario, String> {
    Ok(Scenario::Greylist {
        window: duration(window, "WINDOW")?,
        style,
    })
}

fn ratelimit(rest: &str) -> Result<Scenario, String> {
    let (messages, period) = rest
        .split_once('/')
        .ok_or("expected N/PERIOD, such as 3/1m")?;
    Ok(Scenario::RateLimit {
        messages: number(messages, "N")?,
        period: duration(period, "PERIOD")?,
    })
}

fn fault(rest: &str) -> Result<Scenario, String> {
    let (phase, reply) = rest.split_once(':').ok_or("expected PHASE:REPLY")?;
    let (reply, count) = split_count(reply)?;
    Ok(Scenario::Fault {
        phase: phase.parse()?,
        reply: validate_reply(reply)?,
        count,
    })
}

fn drop_at(rest: &str) -> Result<Scenario, String> {
    let (phase, count) = match rest.split_once(':') {
        Some((phase, count)) => (phase, number(count, "COUNT")?),
        None => (rest, 1),
    };
    Ok(Scenario::Drop {
        phase: phase.parse()?,
        count,
    })
}

fn stall(rest: &str) -> Result<Scenario, String> {
    let mut parts = rest.splitn(3, ':');
    let phase = parts.next().unwrap_or_default().parse()?;
    let duration = duration(parts.next().ok_or("expected PHASE:DURATION")?, "DURATION")?;
    let count = parts.next().map_or(Ok(1), |count| number(count, "COUNT"))?;
    Ok(Scenario::Stall {
        phase,
        duration,
        count,
    })
}

fn reject(rest: &str) -> Result<Scenario, String> {
    let (pattern, reply) = rest.split_once(':').ok_or("expected PATTERN:REPLY")?;
    globset::Glob::new(pattern).map_err(|e| format!("bad PATTERN `{pattern}`: {e}"))?;
    Ok(Scenario::Reject {
        pattern: pattern.to_owned(),
        reply: validate_reply(reply)?,
    })
}

fn chaos(rest: &str) -> Result<Scenario, String> {
    let (seed, rate) = rest.split_once(':').ok_or("expected SEED:RATE")?;
    let seed = seed
        .parse()
        .map_err(|_| format!("SEED `{seed}` is not a whole number"))?;
    let rate: f64 = rate
        .parse()
        .map_err(|_| format!("RATE `{rate}` is not a number"))?;
    if !(0.0..=1.0).contains(&rate) {
        return Err(format!("RATE `{rate}` is not between 0 and 1"));
    }
    Ok(Scenario::Chaos { seed, rate })
}

/// Takes a trailing `:COUNT` off a reply; a reply's own text may contain colons.
fn split_count(reply: &str) -> Result<(&str, u32), String> {
    match reply.rsplit_once(':') {
        Some((text, count))
            if text.len() > 3 && !count.is_empty() && count.bytes().all(|b| b.is_ascii_digit()) =>
        {
            Ok((text, number(count, "COUNT")?))
        }
        _ => Ok((reply, 1)),
    }
}

fn validate_reply(reply: &str) -> Result<String, String> {
    let bytes = reply.as_bytes();
    let coded = bytes.len() >= 3
        && (b'2'..=b'5').contains(&bytes[0])
        && bytes[1..3].iter().all(u8::is_ascii_digit)
        && bytes.get(3).is_none_or(|b| *b == b' ');
    if !coded {
        return Err(format!(
            "REPLY `{reply}` must start with a code from 200 to 599, such as `451 4.3.0 Try again`"
        ));
    }
    if reply.chars().any(char::is_control) || reply.len() > 510 {
        return Err("REPLY must be one line of at most 510 characters".into());
    }
    Ok(reply.to_owned())
}

fn number(text: &str, what: &str) -> Result<u32, String> {
    match text.trim().parse::<u32>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!("{what} `{text}` is not a whole number above 0")),
    }
}

fn duration(text: &str, what: &str) -> Result<Duration, String> {
    humantime::parse_duration(text.trim())
        .map_err(|e| format!("{what} `{text}` is not a duration like 30s or 5m: {e}"))
}

impl fmt::Display for Scenario {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let human = |d: &Duration| humantime::format_duration(*d).to_string().replace(' ', "");
        match self {
            Scenario::Greylist { window, style } => {
                let kind = match style {
                    GreylistStyle::Postgrey => "greylist",
                    GreylistStyle::Hint => "greylist-hint",
                    GreylistStyle::Close => "greylist-421",
                };
                write!(f, "{kind}:{}", human(window))
            }
            Scenario::Busy { connections } => write!(f, "busy:{connections}"),
            Scenario::RateLimit { messages, period } => {
                write!(f, "ratelimit:{messages}/{}", human(period))
            }
            Scenario::ConnLimit { concurrent } => write!(f, "conn-limit:{concurrent}"),
            Scenario::Fault {
                phase,
                reply,
                count,
            } => write!(f, "fault:{phase}:{reply}:{count}"),
            Scenario::Drop { phase, count } => write!(f, "drop:{phase}:{count}"),
            Scenario::Stall {
                phase,
                duration,
                count,
            } => write!(f, "stall:{phase}:{}:{count}", human(duration)),
            Scenario::LostOk { count } => write!(f, "lost-ok:{count}"),
            Scenario::Reject { pattern, reply } => write!(f, "reject:{pattern}:{reply}"),
            Scenario::AuthFail => f.write_str("auth-fail"),
            Scenario::AuthMechanisms { mechanisms } => {
                write!(f, "auth-mechanisms:{}", mechanisms.join(","))
            }
            Scenario::AuthEndless => f.write_str("auth-endless"),
            Scenario::NoStarttls => f.write_str("no-starttls"),
            Scenario::ShutdownAfter { commands } => write!(f, "shutdown-after:{commands}"),
            Scenario::Chaos { seed, rate } => write!(f, "chaos:{seed}:{rate}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_help_example_parses_and_prints_back_to_an_equal_scenario() {
        for help in SCENARIO_HELP {
            let scenario: Scenario = help.example.parse().unwrap();
            let again: Scenario = scenario.to_string().parse().unwrap();
            assert_eq!(scenario, again, "{}", help.example);
        }
    }

    #[test]
    fn counts_default_to_one_and_replies_keep_their_colons() {
        assert_eq!(
            "fault:rcpt:450 4.2.0 see http://example.com/help".parse::<Scenario>(),
            Ok(Scenario::Fault {
                phase: Phase::Rcpt,
                reply: "450 4.2.0 see http://example.com/help".into(),
                count: 1
            })
        );
        assert_eq!(
            "stall:end_of_data:2m:3".parse::<Scenario>(),
            Ok(Scenario::Stall {
                phase: Phase::EndOfData,
                duration: Duration::from_secs(120),
                count: 3
            })
        );
        assert_eq!(
            "ratelimit:3/1m".parse::<Scenario>(),
            Ok(Scenario::RateLimit {
                messages: 3,
                period: Duration::from_secs(60)
            })
        );
    }

    #[test]
    fn errors_name_the_spec_the_reason_and_the_grammar() {
        let cases = [
            ("greylist", "`greylist` needs a WINDOW"),
            ("greylist:soon", "WINDOW `soon` is not a duration"),
            ("fault:helo:421 x", "unknown phase `helo`"),
            ("fault:mail:hello", "must start with a code"),
            (
                "fault:mail:421 x:0",
                "COUNT `0` is not a whole number above 0",
            ),
            ("busy:-1", "N `-1` is not a whole number"),
            ("chaos:1:2", "RATE `2` is not between 0 and 1"),
            ("auth-fail:1", "takes no argument"),
            (
                "auth-mechanisms:CRAM-MD5",
                "MECH `CRAM-MD5` is not PLAIN or LOGIN",
            ),
            ("auth-endless:3", "takes no argument"),
            ("reject:[a:550 x", "bad PATTERN"),
            ("teapot:418", "unknown scenario `teapot`"),
        ];
        for (spec, reason) in cases {
            let message = spec.parse::<Scenario>().unwrap_err().to_string();
            assert!(
                message.starts_with(&format!("invalid scenario `{spec}`:")),
                "{message}"
            );
            assert!(message.contains(reason), "{spec}: {message}");
            assert!(message.contains("ratelimit:N/PERIOD"), "{message}");
        }
    }
}
