//! What the scenarios decide at each step of a dialogue, and the state they share across
//! connections (greylist triplets, send rates, how many faults are left), on tokio's clock.

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use globset::GlobMatcher;
use tokio::time::Instant;

use crate::record::Record;
use crate::scenario::{GreylistStyle, Phase, Scenario};

/// Exchange's reply when it turns a connection away: `busy`.
pub(crate) const BUSY: &str = "421 4.3.2 Service not available";
/// Exchange's reply when it stops taking mail: `shutdown-after` and the sim's own shutdown.
pub(crate) const SHUTTING_DOWN: &str = "421 4.3.2 System not accepting network messages";

/// What happens at one step, after an optional stall.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Action {
    /// The normal reply.
    Proceed,
    /// This reply instead (a 421 also closes).
    Reply(String),
    /// Close without a reply.
    Drop,
    /// Record the message, then close without a reply.
    LostOk,
}

#[derive(Debug)]
pub(crate) struct Decision {
    pub stall: Duration,
    pub action: Action,
}

/// One step of a dialogue, as the scenarios see it.
pub(crate) struct Step<'a> {
    pub phase: Phase,
    pub hostname: &'a str,
    pub client_ip: &'a str,
    pub mail_from: &'a str,
    pub rcpt: &'a str,
}

/// The scenarios with what they need at run time.
#[derive(Debug)]
pub(crate) struct Policy {
    scenarios: Vec<Scenario>,
    globs: Vec<Option<GlobMatcher>>,
}

impl Policy {
    pub fn new(scenarios: Vec<Scenario>) -> Policy {
        let globs = scenarios
            .iter()
            .map(|scenario| match scenario {
                Scenario::Reject { pattern, .. } => globset::GlobBuilder::new(pattern)
                    .case_insensitive(true)
                    .literal_separator(false)
                    .build()
                    .ok()
                    .map(|glob| glob.compile_matcher()),
                _ => None,
            })
            .collect();
        Policy { scenarios, globs }
    }

    pub fn has(&self, wanted: &Scenario) -> bool {
        self.scenarios.contains(wanted)
    }

    /// The AUTH mechanisms offered: PLAIN and LOGIN unless a scenario narrows them.
    pub fn auth_mechanisms(&self) -> Vec<String> {
        self.scenarios
            .iter()
            .find_map(|s| match s {
                Scenario::AuthMechanisms { mechanisms } => Some(mechanisms.clone()),
                _ => None,
            })
            .unwrap_or_else(|| vec!["PLAIN".to_owned(), "LOGIN".to_owned()])
    }

    pub fn shutdown_after(&self) -> Option<u32> {
        self.scenarios.iter().find_map(|s| match s {
            Scenario::ShutdownAfter { commands } => Some(*commands),
            _ => None,
        })
    }

    /// One dice per scenario for a new connection: chaos is reproducible per connection number.
    pub fn dice_for(&self, connection: usize) -> Vec<Option<Dice>> {
        self.scenarios
            .iter()
            .map(|s| match s {
                Scenario::Chaos { seed, rate } => Some(Dice::new(*seed, connection, *rate)),
                _ => None,
            })
            .collect()
    }

    /// The scenarios have their say, in the order they were given: stalls add up, the first
    /// reply or drop wins.
    pub fn decide(
        &self,
        state: &mut State,
        step: &Step<'_>,
        dice: &mut [Option<Dice>],
        now: Instant,
    ) -> Decision {
        let mut stall = Duration::ZERO;
        for (index, scenario) in self.scenarios.iter().enumerate() {
            let action = match scenario {
                Scenario::Stall {
                    phase, duration, ..
                } if *phase == step.phase && state.take(index) => {
                    stall += *duration;
                    continue;
                }
                Scenario::Chaos { .. } => match dice.get_mut(index).and_then(Option::as_mut) {
                    Some(dice) => match dice.roll(step) {
                        Some(ChaosFault::Stall(secs)) => {
                            stall += Duration::from_secs(secs);
                            continue;
                        }
                        Some(fault) => fault.action(step),
                        None => continue,
                    },
                    None => continue,
                },
                other => self.action(index, other, state, step, now),
            };
            if action != Action::Proceed {
                return Decision { stall, action };
            }
        }
        Decision {
            stall,
            action: Action::Proceed,
        }
    }

    fn action(
        &self,
        index: usize,
        scenario: &Scenario,
        state: &mut State,
        step: &Step<'_>,
        now: Instant,
    ) -> Action {
        let phase = step.phase;
        match scenario {
            Scenario::Fault {
                phase: at, reply, ..
            } if *at == phase && state.take(index) => Action::Reply(reply.clone()),
            Scenario::Drop { phase: at, .. } if *at == phase && state.take(index) => Action::Drop,
            Scenario::LostOk { .. } if phase == Phase::EndOfData && state.take(index) => {
                Action::LostOk
            }
            Scenario::Busy { .. } if phase == Phase::Greeting && state.take(index) => {
                Action::Reply(BUSY.into())
            }
            Scenario::ConnLimit { concurrent }
                if phase == Phase::Greeting && state.concurrent > *concurrent as usize =>
            {
                Action::Reply(format!(
                    "421 4.7.0 {} Error: too many connections from {}",
                    step.hostname, step.client_ip
                ))
            }
            Scenario::RateLimit { messages, period } if phase == Phase::Mail => {
                state.rate_limit(step.mail_from, *messages, *period, now)
            }
            Scenario::Greylist { window, style } if phase == Phase::Rcpt => {
                state.greylist(step, *window, *style, now)
            }
            Scenario::Reject { reply, .. } if phase == Phase::Rcpt => {
                match self.globs.get(index).and_then(Option::as_ref) {
                    Some(glob) if glob.is_match(step.rcpt) => Action::Reply(reply.clone()),
                    _ => Action::Proceed,
                }
            }
            _ => Action::Proceed,
        }
    }
}

/// What the scenarios remember across connections, and the record.
#[derive(Debug)]
pub(crate) struct State {
    pub record: Record,
    pub concurrent: usize,
    remaining: Vec<u32>,
    greylist: HashMap<(String, String, String), Instant>,
    sent: HashMap<String, VecDeque<Instant>>,
    queued: u64,
}

impl State {
    pub fn new(scenarios: &[Scenario]) -> State {
        let remaining = scenarios
            .iter()
            .map(|s| match s {
                Scenario::Fault { count, .. }
                | Scenario::Drop { count, .. }
                | Scenario::Stall { count, .. }
                | Scenario::LostOk { count } => *count,
                Scenario::Busy { connections } => *connections,
                _ => 0,
            })
            .collect();
        State {
            record: Record::default(),
            concurrent: 0,
            remaining,
            greylist: HashMap::new(),
            sent: HashMap::new(),
            queued: 0,
        }
    }

    /// Uses one of scenario `index`'s remaining times; false when it has none left.
    fn take(&mut self, index: usize) -> bool {
        match self.remaining.get_mut(index) {
            Some(left) if *left > 0 => {
                *left -= 1;
                true
            }
            _ => false,
        }
    }

    /// A Postfix-looking queue ID for the next accepted message.
    pub fn next_queue_id(&mut self) -> String {
        self.queued += 1;
        format!(
            "{:010X}",
            self.queued.wrapping_mul(0x9E37_79B9) & 0xFF_FFFF_FFFF
        )
    }

    fn greylist(
        &mut self,
        step: &Step<'_>,
        window: Duration,
        style: GreylistStyle,
        now: Instant,
    ) -> Action {
        let triplet = (
            step.client_ip.to_owned(),
            step.mail_from.to_ascii_lowercase(),
            step.rcpt.to_ascii_lowercase(),
        );
        let first_seen = *self.greylist.entry(triplet).or_insert(now);
        let waited = now.saturating_duration_since(first_seen);
        if waited >= window {
            return Action::Proceed;
        }
        let left = seconds_rounded_up(window - waited);
        Action::Reply(match style {
            GreylistStyle::Postgrey => {
                let domain = step.rcpt.rsplit_once('@').map_or(step.rcpt, |(_, d)| d);
                format!(
                    "450 4.2.0 <{}>: Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/help/{domain}.html",
                    step.rcpt
                )
            }
            GreylistStyle::Hint => {
                format!("451 4.7.1 Greylisted, please try again in {left} seconds")
            }
            GreylistStyle::Close => format!(
                "421 4.7.0 Greylisted, please try again in {left} seconds, closing connection"
            ),
        })
    }

    fn rate_limit(
        &mut self,
        sender: &str,
        messages: u32,
        period: Duration,
        now: Instant,
    ) -> Action {
        let sent = self.sent.entry(sender.to_ascii_lowercase()).or_default();
        while sent
            .front()
            .is_some_and(|at| now.saturating_duration_since(*at) >= period)
        {
            sent.pop_front();
        }
        match sent.front() {
            Some(oldest) if sent.len() >= messages as usize => {
                let left = seconds_rounded_up(period - now.saturating_duration_since(*oldest));
                Action::Reply(format!(
                    "421 4.7.0 <{sender}>: Sender rate limit exceeded ({messages} messages per {}), try again in {left} seconds",
                    humantime::format_duration(period)
                ))
            }
            _ => {
                sent.push_back(now);
                Action::Proceed
            }
        }
    }
}

fn seconds_rounded_up(duration: Duration) -> u64 {
    (duration.as_secs() + u64::from(duration.subsec_nanos() > 0)).max(1)
}

/// A reproducible random source for `chaos` (SplitMix64: tiny, and stable across versions,
/// unlike a library generator whose stream may change).
pub(crate) struct Dice {
    state: u64,
    rate: f64,
}

impl Dice {
    fn new(seed: u64, connection: usize, rate: f64) -> Dice {
        let mut dice = Dice {
            state: seed ^ (connection as u64).wrapping_mul(0xA076_1D64_78BD_642F),
            rate,
        };
        dice.next();
        dice
    }

    fn next(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Whether this step fails, and how.
    fn roll(&mut self, step: &Step<'_>) -> Option<ChaosFault> {
        let chance = (self.next() >> 11) as f64 / (1u64 << 53) as f64;
        let pick = self.next();
        if chance >= self.rate {
            return None;
        }
        let menu = ChaosFault::menu(step.phase);
        Some(menu[(pick % menu.len() as u64) as usize])
    }
}

/// The transient faults chaos picks from, with real servers' texts.
#[derive(Debug, Clone, Copy, PartialEq)]
enum ChaosFault {
    Reply(&'static str),
    Greylist,
    Drop,
    Stall(u64),
    LostOk,
}

impl ChaosFault {
    fn menu(phase: Phase) -> &'static [ChaosFault] {
        use ChaosFault::*;
        match phase {
            Phase::Greeting => &[Reply(BUSY), Drop, Stall(2)],
            Phase::Ehlo => &[
                Reply("421 4.7.0 Try again later, closing connection."),
                Drop,
                Stall(2),
            ],
            Phase::Starttls => &[
                Reply("454 4.7.0 TLS not available due to local problem"),
                Drop,
            ],
            Phase::Auth => &[Reply("454 4.7.0 Temporary authentication failure"), Drop],
            Phase::Mail => &[
                Reply("421 4.3.0 Temporary System Problem. Try again later"),
                Reply("452 4.3.1 Insufficient system storage"),
                Drop,
                Stall(2),
            ],
            Phase::Rcpt => &[
                Greylist,
                Reply("451 4.7.1 Greylisted, please try again in 60 seconds"),
                Reply(
                    "450 4.2.1 The user you are trying to contact is receiving mail too quickly. Please resend your message at a later time.",
                ),
                Drop,
            ],
            Phase::Data => &[
                Reply("451 4.3.0 Mail server temporarily rejected message."),
                Drop,
            ],
            Phase::EndOfData => &[
                Reply("421 4.4.5 Server busy, try again later."),
                Reply("451 4.3.0 Mail server temporarily rejected message."),
                LostOk,
                Drop,
                Stall(3),
            ],
        }
    }

    fn action(self, step: &Step<'_>) -> Action {
        match self {
            ChaosFault::Reply(text) => Action::Reply(text.to_owned()),
            ChaosFault::Greylist => Action::Reply(format!(
                "450 4.2.0 <{}>: Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/help/{}.html",
                step.rcpt,
                step.rcpt.rsplit_once('@').map_or(step.rcpt, |(_, d)| d)
            )),
            ChaosFault::Drop => Action::Drop,
            ChaosFault::LostOk => Action::LostOk,
            ChaosFault::Stall(_) => Action::Proceed,
        }
    }
}
