//! When to try again: the retry policy, 421-aware and budget-aware.
//!
//! - The server's stated delay ("try again in 5 minutes") is honoured, never shortened.
//! - Greylisting without a stated delay: a few cheap early probes (short windows are common), then
//!   attempts that land just after the usual windows, 60 s and 300 s (postgrey's default), rather
//!   than blind doubling, which would overshoot them.
//! - Congestion, rate limits, maintenance and lost connections: exponential backoff with full
//!   jitter (a random wait between nothing and the backoff), so fifty CI jobs refused at the same
//!   moment do not all come back at the same moment.
//! - Nothing sleeps past the budget: when the next wait would end at or after its end, the
//!   delivery stops at once, deferred. The budget is a deadline: the waits of an attempt end by
//!   it too (see `session.rs`).
//! - Relays are tried in turn; only a new round over them waits, and a relay's stated delay
//!   holds for the whole round. A relay that refuses the session for good is left out.
//!
//! - In a batch (an outbox flush), a rate-limit refusal that states its delay teaches the server's
//!   limit: the messages accepted since the window began, and the window, up to the moment the
//!   server names. The next messages are then paced to that limit (`Pace`) instead of each
//!   being refused in turn.
//!
//! `Retry::next` is the one place that decides, after an attempt that left recipients pending,
//! whether to try the next relay now, wait, or give up (and why); `Retry::paced` says how long
//! an attempt waits for the learned rate before it starts.

use std::collections::VecDeque;
use std::time::Duration;

use backon::{BackoffBuilder, ExponentialBuilder};

use crate::category::Category;
use crate::clock::Instant;
use crate::error::{Error, Phase};
use crate::reply::Reply;
use crate::session::MailAccepted;

/// How long and how often a delivery may keep trying.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// A deadline for the whole delivery, from the first attempt: every wait, within an attempt
    /// or between two, ends by it. Zero: one attempt, bounded by the timeout alone, no retry.
    pub budget: Duration,
    /// Attempts per message, the first one included.
    pub max_attempts: u32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            budget: Duration::from_secs(600),
            max_attempts: 10,
        }
    }
}

/// When a greylisted delivery tries again, counted from the first greylisted reply: probes at
/// 10, 20 and 40 s, then just after the 60 s window, then towards and just after the 300 s window.
pub const GREYLIST_SCHEDULE: [Duration; 9] = [
    Duration::from_secs(10),
    Duration::from_secs(20),
    Duration::from_secs(40),
    Duration::from_secs(65),
    Duration::from_secs(120),
    Duration::from_secs(200),
    Duration::from_secs(305),
    Duration::from_secs(420),
    Duration::from_secs(600),
];
/// After the greylist schedule runs out, one more attempt every five minutes.
pub(crate) const GREYLIST_AFTER: Duration = Duration::from_secs(300);
/// A refused connection (nothing listens on the port) gets a few quick retries, for a relay that
/// is restarting, and then the delivery stops: a wrong port never starts listening, and the whole
/// budget spent on it only delays the message that says so. The waits before the second, third
/// and fourth attempt: all four within about 25 s.
pub const REFUSED_SCHEDULE: [Duration; 3] = [
    Duration::from_secs(2),
    Duration::from_secs(6),
    Duration::from_secs(15),
];
/// Two attempts closer than this are not worth making.
const MIN_GAP: Duration = Duration::from_secs(2);
/// The first backoff step, its growth and its ceiling.
pub(crate) const BACKOFF_FIRST: Duration = Duration::from_secs(2);
pub(crate) const BACKOFF_MAX: Duration = Duration::from_secs(300);
/// Full jitter may draw close to nothing; a floor keeps a retry from hammering.
const JITTER_FLOOR: Duration = Duration::from_millis(250);

/// Why the delivery waits before its next attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaitReason {
    /// The server named the delay.
    ServerHint,
    /// The greylisting schedule.
    Greylisting,
    /// Exponential backoff with full jitter.
    Backoff,
    /// The short schedule for a refused connection ([`REFUSED_SCHEDULE`]).
    Refused,
    /// In a batch, the server's rate limit learned from its refusals: the message waits for a
    /// place in the server's window instead of being refused.
    Pacing {
        /// The messages the server accepts in one window, as learned.
        messages: usize,
        /// The window, as learned.
        window: Duration,
    },
}

/// Why a delivery stopped while recipients were still deferred.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GiveUp {
    /// The next wait would end at or after the end of the retry budget.
    Budget {
        /// The wait the policy (or the server) asked for.
        wait: Duration,
        /// What was left of the budget.
        left: Duration,
    },
    /// The retry budget was spent before the next relay could be tried (a slow attempt, its
    /// timeouts): no attempt starts after the budget. A budget of zero allows no retry at all.
    BudgetSpent {
        /// The time taken so far.
        elapsed: Duration,
        /// The retry budget.
        budget: Duration,
    },
    /// `max_attempts` attempts were made.
    MaxAttempts(u32),
    /// Every relay refused every connection of the quick retries of [`REFUSED_SCHEDULE`]:
    /// nothing listens on the port.
    NothingListens {
        /// The relays tried, `host:port`.
        servers: Vec<String>,
        /// The attempts made.
        attempts: u32,
    },
}

/// What a delivery does after an attempt that left recipients pending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Next {
    /// Try `relay` at once: the next relay of the same round.
    Now {
        /// The relay's index, primary first.
        relay: usize,
    },
    /// Wait, then try `relay`: a new round over the relays.
    Wait {
        /// The relay's index, primary first.
        relay: usize,
        /// How long.
        wait: Duration,
        /// Why that long.
        reason: WaitReason,
    },
    /// Stop, with the pending recipients deferred.
    GiveUp(GiveUp),
}

/// What the retry decision needs to know of an attempt that just ended.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Attempted<'a> {
    /// Its number, 1 for the first.
    pub number: u32,
    /// Its relay refused the session for good and is left out.
    pub relay_dropped: bool,
    /// What its deciding failure is about.
    pub category: Option<Category>,
    /// The step where it ended.
    pub phase: Phase,
    /// The failure that decided the latest attempt whose relay stayed: a relay left out says
    /// nothing about when the others want us back.
    pub decisive: Option<&'a Error>,
}

/// The retry decision of one delivery, with all it remembers between attempts: the relays still
/// in turn, the schedule of waits, a stated delay that holds for the round, and the rounds in
/// which every connection was refused.
pub(crate) struct Retry {
    policy: RetryPolicy,
    start: Instant,
    relays: Vec<String>,
    in_turn: Vec<bool>,
    relay: usize,
    schedule: Schedule,
    /// The latest "try again in N" of the round: no relay comes back sooner.
    hold_until: Option<Instant>,
    /// The category and phase the next wait follows: those of the latest attempt whose relay
    /// stayed.
    basis: Option<(Option<Category>, Phase)>,
    /// Rounds over the relays in which every connection was refused, in a row.
    refused_rounds: usize,
    round_refused: bool,
    /// In a batch, the rate each relay allows as the batch learned it; a single message learns
    /// nothing and is never paced.
    pace: Option<Pace>,
}

impl Retry {
    /// The decision for a delivery through `relays` (`host:port`, primary first) that started
    /// at `start`.
    pub(crate) fn new(policy: RetryPolicy, relays: Vec<String>, start: Instant) -> Self {
        Retry {
            policy,
            start,
            in_turn: vec![true; relays.len()],
            relays,
            relay: 0,
            schedule: Schedule::new(),
            hold_until: None,
            basis: None,
            refused_rounds: 0,
            round_refused: true,
            pace: None,
        }
    }

    /// Makes this delivery one of a batch: it goes on from what the earlier messages learned of
    /// the relays' rates.
    pub(crate) fn set_pace(&mut self, pace: Pace) {
        self.pace = Some(pace);
    }

    /// What this delivery learned of the relays' rates, for the next message of the batch.
    pub(crate) fn take_pace(&mut self) -> Pace {
        self.pace.take().unwrap_or_default()
    }

    /// Notes that the current relay accepted a MAIL FROM: what its rate limit counts.
    pub(crate) fn mail_accepted(&mut self, mail: MailAccepted) {
        if let Some(pace) = &mut self.pace {
            pace.accepted(self.relay, mail);
        }
    }

    /// How long the next attempt waits for a place in the current relay's learned window, if
    /// it must; gives up when that wait would end at or after the end of the budget.
    pub(crate) fn paced(&self, now: Instant) -> Result<Option<(Duration, WaitReason)>, GiveUp> {
        let Some((wait, reason)) =
            (self.pace.as_ref()).and_then(|pace| pace.paced(self.relay, now))
        else {
            return Ok(None);
        };
        match self.deadline() {
            Some(deadline) if now + wait >= deadline => Err(GiveUp::Budget {
                wait,
                left: deadline.saturating_duration_since(now),
            }),
            _ => Ok(Some((wait, reason))),
        }
    }

    /// Whether the current relay is the only one left in turn: its refusal is final.
    pub(crate) fn is_last_relay(&self) -> bool {
        self.in_turn.iter().filter(|&&in_turn| in_turn).count() == 1
    }

    /// When the retry budget runs out: every wait of every attempt ends by then. A budget of
    /// zero means one attempt, bounded only by the timeout, and no retry.
    pub(crate) fn deadline(&self) -> Option<Instant> {
        let budget = self.policy.budget;
        (!budget.is_zero()).then(|| self.start + budget)
    }

    /// Whether another attempt may start at `now`: none starts once the budget is spent (a
    /// fallback tried at once after a slow attempt, its timeouts).
    pub(crate) fn may_start(&self, now: Instant) -> Result<(), GiveUp> {
        match self.deadline() {
            Some(deadline) if now >= deadline => Err(self.budget_spent(now)),
            _ => Ok(()),
        }
    }

    /// What to do after `attempt`, which ended at `now` with recipients still pending.
    pub(crate) fn next(&mut self, attempt: &Attempted, now: Instant) -> Next {
        self.learn(attempt, now);
        let Some(deadline) = self.deadline() else {
            return Next::GiveUp(GiveUp::BudgetSpent {
                elapsed: now - self.start,
                budget: Duration::ZERO,
            });
        };
        if attempt.number >= self.policy.max_attempts {
            return Next::GiveUp(GiveUp::MaxAttempts(attempt.number));
        }
        let relay = self.relay_after(self.relay);
        let new_round = relay <= self.relay;
        self.relay = relay;
        if !new_round {
            return Next::Now { relay };
        }
        let (wait, reason) = match self.round_wait(attempt, now) {
            Ok(wait) => wait,
            Err(why) => return Next::GiveUp(why),
        };
        // What is left of the budget, not the whole of it: a wait that ends at or after the
        // deadline is not started, as the attempt after it would have no time left.
        let left = deadline.saturating_duration_since(now);
        if left.is_zero() {
            // The attempt itself ran into the deadline: nothing is left to wait with.
            return Next::GiveUp(self.budget_spent(now));
        }
        if wait >= left {
            return Next::GiveUp(GiveUp::Budget { wait, left });
        }
        Next::Wait {
            relay,
            wait,
            reason,
        }
    }

    /// Takes in what the attempt says about the relays and about when to come back.
    fn learn(&mut self, attempt: &Attempted, now: Instant) {
        self.round_refused &= attempt.decisive.is_some_and(Error::is_connection_refused);
        if attempt.relay_dropped {
            self.in_turn[self.relay] = false;
            return;
        }
        // A relay's "try again in N" holds for the whole round: the fallbacks tried after it
        // must not bring the primary back sooner.
        if let Some(delay) = stated_delay(attempt.decisive) {
            let until = now + delay;
            self.hold_until = Some(self.hold_until.map_or(until, |held| held.max(until)));
            if let Some(pace) = &mut self.pace
                && attempt.category == Some(Category::RateLimit)
            {
                pace.refused(self.relay, until);
            }
        }
        self.basis = Some((attempt.category, attempt.phase));
    }

    /// The relay after `current` in turn, wrapping round to the first; `current` itself when
    /// it is the only one left.
    fn relay_after(&self, current: usize) -> usize {
        let count = self.in_turn.len();
        (1..=count)
            .map(|step| (current + step) % count)
            .find(|&relay| self.in_turn[relay])
            .expect("the last relay in turn is never left out")
    }

    /// The wait before a new round: the quick schedule while every connection is refused,
    /// otherwise the schedule's, and never shorter than a delay a relay stated.
    fn round_wait(
        &mut self,
        attempt: &Attempted,
        now: Instant,
    ) -> Result<(Duration, WaitReason), GiveUp> {
        self.refused_rounds = if self.round_refused {
            self.refused_rounds + 1
        } else {
            0
        };
        self.round_refused = true;
        let mut wait = if self.refused_rounds == 0 {
            self.scheduled_wait(attempt, now)
        } else if let Some(&wait) = REFUSED_SCHEDULE.get(self.refused_rounds - 1) {
            (wait, WaitReason::Refused)
        } else {
            return Err(GiveUp::NothingListens {
                servers: self.relays.clone(),
                attempts: attempt.number,
            });
        };
        if let Some(until) = self.hold_until.take() {
            let held = until.saturating_duration_since(now);
            if held > wait.0 {
                wait = (held, WaitReason::ServerHint);
            }
        }
        Ok(wait)
    }

    fn scheduled_wait(&mut self, attempt: &Attempted, now: Instant) -> (Duration, WaitReason) {
        // Only the server's own words can state a delay: a lost connection stands for a bare
        // 451, not for our description of it ("no reply within 5s" is no request to wait 5 s).
        let bare = Reply::new(451, None, "").expect("451 is a valid reply code");
        let reply = attempt
            .decisive
            .and_then(Error::server_reply)
            .unwrap_or(&bare);
        let (category, phase) = self.basis.unwrap_or((attempt.category, attempt.phase));
        let category = category.unwrap_or(Category::Other);
        self.schedule.next_wait(reply, category, phase, now)
    }

    fn budget_spent(&self, now: Instant) -> GiveUp {
        GiveUp::BudgetSpent {
            elapsed: now - self.start,
            budget: self.policy.budget,
        }
    }
}

/// The delay the server stated in the deciding reply, if it did.
fn stated_delay(decisive: Option<&Error>) -> Option<Duration> {
    decisive
        .and_then(Error::server_reply)
        .and_then(Reply::retry_hint)
}

/// The waits of one delivery: it remembers when greylisting started and how far backoff grew.
pub(crate) struct Schedule {
    greylisted_since: Option<Instant>,
    backoff: Box<dyn Iterator<Item = Duration> + Send>,
    rng: fastrand::Rng,
}

impl Schedule {
    pub(crate) fn new() -> Self {
        Schedule::with_rng(fastrand::Rng::new())
    }

    pub(crate) fn with_rng(rng: fastrand::Rng) -> Self {
        let backoff = ExponentialBuilder::default()
            .with_min_delay(BACKOFF_FIRST)
            .with_factor(2.0)
            .with_max_delay(BACKOFF_MAX)
            .without_max_times()
            .build();
        Schedule {
            greylisted_since: None,
            backoff: Box::new(backoff),
            rng,
        }
    }

    /// The wait before the next attempt, after `reply` (the one that decides) came at `now`.
    pub(crate) fn next_wait(
        &mut self,
        reply: &Reply,
        category: Category,
        phase: Phase,
        now: Instant,
    ) -> (Duration, WaitReason) {
        if let Some(hint) = reply.retry_hint() {
            return (hint, WaitReason::ServerHint);
        }
        if treat_as_greylisting(reply, category, phase) {
            let since = *self.greylisted_since.get_or_insert(now);
            return (greylist_wait(now - since), WaitReason::Greylisting);
        }
        let ceiling = self.backoff.next().unwrap_or(BACKOFF_MAX);
        let jittered = ceiling.mul_f64(self.rng.f64()).max(JITTER_FLOOR);
        (jittered, WaitReason::Backoff)
    }
}

/// Greylisting, or a 450/451 to RCPT or DATA that the catalog cannot place: greylisting is by far
/// the most common reason for those, and its schedule also suits any short deferral.
pub(crate) fn treat_as_greylisting(reply: &Reply, category: Category, phase: Phase) -> bool {
    category == Category::Greylisting
        || (category == Category::Other
            && matches!(reply.code(), 450 | 451)
            && matches!(phase, Phase::Rcpt | Phase::Data))
}

/// The wait until the next point of the greylist schedule at least [`MIN_GAP`] away.
fn greylist_wait(greylisted_for: Duration) -> Duration {
    GREYLIST_SCHEDULE
        .iter()
        .find(|&&at| at >= greylisted_for + MIN_GAP)
        .map(|&at| at - greylisted_for)
        .unwrap_or(GREYLIST_AFTER)
}

/// The most messages a server accepts in any window of time, as a batch learned it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Limit {
    /// MAIL commands accepted in one window.
    messages: usize,
    /// The window.
    window: Duration,
}

impl Limit {
    fn reason(self) -> WaitReason {
        WaitReason::Pacing {
            messages: self.messages,
            window: self.window,
        }
    }
}

/// What a batch learns of each relay's rate limit from its refusals, and the MAIL commands the
/// relay accepted, which is what such limits count (Postfix anvil, Exim ratelimit, Exchange).
///
/// A refusal at `t` that names a delay `d` says that a place in the window frees at `t + d`: the
/// oldest message the window holds then leaves it. Taking the oldest accepted message still in
/// the window (all of them, the first time) as that one gives the window (from when its MAIL was
/// sent to `t + d`, never shorter than the server's) and the limit (how many were accepted since,
/// never more than the server's). A later refusal only narrows the limit or widens the window.
/// A message then waits until fewer than `messages` were accepted in the last `window`.
#[derive(Debug, Default)]
pub(crate) struct Pace {
    relays: Vec<RelayPace>,
}

#[derive(Debug, Default)]
struct RelayPace {
    /// Accepted MAIL commands, oldest first; only as many as a learned limit can need.
    accepted: VecDeque<MailAccepted>,
    limit: Option<Limit>,
}

/// How many accepted MAIL commands a relay's pace remembers before it has learned a limit.
const PACE_MEMORY: usize = 10_000;

impl Pace {
    fn relay(&mut self, relay: usize) -> &mut RelayPace {
        if self.relays.len() <= relay {
            self.relays.resize_with(relay + 1, RelayPace::default);
        }
        &mut self.relays[relay]
    }

    fn accepted(&mut self, relay: usize, mail: MailAccepted) {
        let pace = self.relay(relay);
        pace.accepted.push_back(mail);
        let keep = pace
            .limit
            .map_or(PACE_MEMORY, |limit| limit.messages.max(1) * 4);
        while pace.accepted.len() > keep {
            pace.accepted.pop_front();
        }
    }

    /// `relay` refused a message for its rate and said a place frees at `free_at`.
    fn refused(&mut self, relay: usize, free_at: Instant) {
        let pace = self.relay(relay);
        let in_window: Vec<&MailAccepted> = match pace.limit {
            Some(limit) => pace
                .accepted
                .iter()
                .filter(|mail| mail.accepted + limit.window > free_at)
                .collect(),
            None => pace.accepted.iter().collect(),
        };
        let Some(oldest) = in_window.first() else {
            return; // refused before anything was accepted: nothing to learn a rate from
        };
        let learned = Limit {
            messages: in_window.len(),
            window: free_at.saturating_duration_since(oldest.sent),
        };
        pace.limit = Some(match pace.limit {
            None => learned,
            Some(known) => Limit {
                messages: known.messages.min(learned.messages),
                window: known.window.max(learned.window),
            },
        });
    }

    /// How long a message to `relay` waits at `now` for a place in the learned window, and why.
    fn paced(&self, relay: usize, now: Instant) -> Option<(Duration, WaitReason)> {
        let limit = self.relays.get(relay)?.limit?;
        Some((self.wait(relay, now)?, limit.reason()))
    }

    /// How long a message to `relay` waits at `now` for a place in the learned window.
    fn wait(&self, relay: usize, now: Instant) -> Option<Duration> {
        let pace = self.relays.get(relay)?;
        let limit = pace.limit?;
        let recent: Vec<&MailAccepted> = pace
            .accepted
            .iter()
            .filter(|mail| mail.accepted + limit.window > now)
            .collect();
        let excess = (recent.len() + 1).checked_sub(limit.messages)?;
        let frees = recent.get(excess.checked_sub(1)?)?.accepted + limit.window;
        Some(frees.saturating_duration_since(now)).filter(|wait| !wait.is_zero())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(text: &str) -> Reply {
        Reply::parse(text).unwrap()
    }

    #[tokio::test(start_paused = true)]
    async fn greylisting_lands_just_after_the_usual_windows() {
        // The times of the attempts, greylisted from the first one at 0 s.
        let mut schedule = Schedule::new();
        let start = Instant::now();
        let mut at = Duration::ZERO;
        let mut attempts = vec![at];
        while at < Duration::from_secs(310) {
            let (wait, reason) = schedule.next_wait(
                &reply("450 4.2.0 Greylisted"),
                Category::Other,
                Phase::Rcpt,
                start + at,
            );
            assert_eq!(reason, WaitReason::Greylisting);
            at += wait;
            attempts.push(at);
        }
        let first_after = |window: u64| {
            *attempts
                .iter()
                .find(|&&t| t >= Duration::from_secs(window))
                .unwrap()
        };
        assert!(first_after(8) <= Duration::from_secs(15));
        assert!(first_after(60) <= Duration::from_secs(70));
        assert!(first_after(300) <= Duration::from_secs(330));
        assert!(attempts.len() <= 10, "{attempts:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn a_stated_delay_is_honoured() {
        let mut schedule = Schedule::new();
        let (wait, reason) = schedule.next_wait(
            &reply("451 4.7.1 Greylisted, try again in 5 seconds"),
            Category::Greylisting,
            Phase::Rcpt,
            Instant::now(),
        );
        assert_eq!(
            (wait, reason),
            (Duration::from_secs(5), WaitReason::ServerHint)
        );
    }

    #[tokio::test(start_paused = true)]
    async fn congestion_backs_off_with_full_jitter_under_a_growing_ceiling() {
        let mut schedule = Schedule::with_rng(fastrand::Rng::with_seed(7));
        let busy = reply("421 4.3.2 Service busy");
        let waits: Vec<Duration> = (0..6)
            .map(|_| {
                schedule
                    .next_wait(&busy, Category::Congestion, Phase::Greeting, Instant::now())
                    .0
            })
            .collect();
        for (step, wait) in waits.iter().enumerate() {
            let ceiling = BACKOFF_FIRST * 2u32.pow(step as u32);
            assert!(
                *wait <= ceiling && *wait >= JITTER_FLOOR,
                "step {step}: {wait:?}"
            );
        }
        let mut other = Schedule::with_rng(fastrand::Rng::with_seed(8));
        let other_waits: Vec<Duration> = (0..6)
            .map(|_| {
                other
                    .next_wait(&busy, Category::Congestion, Phase::Greeting, Instant::now())
                    .0
            })
            .collect();
        assert_ne!(
            waits, other_waits,
            "two jobs refused together come back apart"
        );
    }

    /// One attempt's verdict, from a fresh decision over `relays` relays with `budget`.
    fn decide(relays: usize, budget: u64, attempted: Attempted) -> Next {
        let policy = RetryPolicy {
            budget: Duration::from_secs(budget),
            max_attempts: 10,
        };
        let names = (0..relays).map(|i| format!("relay{i}:25")).collect();
        Retry::new(policy, names, Instant::now()).next(&attempted, Instant::now())
    }

    fn attempted(number: u32, category: Category, decisive: &Error) -> Attempted<'_> {
        Attempted {
            number,
            relay_dropped: false,
            category: Some(category),
            phase: decisive.phase(),
            decisive: Some(decisive),
        }
    }

    #[tokio::test(start_paused = true)]
    async fn the_next_step_after_an_attempt() {
        let refused = |text: &str| Error::refused(Phase::Rcpt, reply(text));
        let in_5s = refused("451 4.7.1 Greylisted, try again in 5 seconds");
        let in_20m = refused("451 4.7.1 Greylisted, try again in 20 minutes");
        let bare = refused("450 4.2.0 Mailbox busy");
        let goodbye = Error::refused(Phase::Greeting, reply("554 5.7.1 Go away"));
        let wait = |wait: u64, reason| Next::Wait {
            relay: 0,
            wait: Duration::from_secs(wait),
            reason,
        };
        let table = [
            (
                "a stated delay shorter than what is left is honoured",
                decide(1, 600, attempted(1, Category::Greylisting, &in_5s)),
                wait(5, WaitReason::ServerHint),
            ),
            (
                "a stated delay longer than what is left gives up at once",
                decide(1, 600, attempted(1, Category::Greylisting, &in_20m)),
                Next::GiveUp(GiveUp::Budget {
                    wait: Duration::from_secs(1200),
                    left: Duration::from_secs(600),
                }),
            ),
            (
                "a 450 at RCPT without a hint follows the greylist schedule",
                decide(1, 600, attempted(1, Category::Other, &bare)),
                wait(10, WaitReason::Greylisting),
            ),
            (
                "the last allowed attempt is the last",
                decide(1, 600, attempted(10, Category::Greylisting, &in_5s)),
                Next::GiveUp(GiveUp::MaxAttempts(10)),
            ),
            (
                "a relay dropped hands over to the next one at once",
                decide(
                    2,
                    600,
                    Attempted {
                        relay_dropped: true,
                        ..attempted(1, Category::Other, &goodbye)
                    },
                ),
                Next::Now { relay: 1 },
            ),
            (
                "a budget of zero allows no retry",
                decide(1, 0, attempted(1, Category::Greylisting, &in_5s)),
                Next::GiveUp(GiveUp::BudgetSpent {
                    elapsed: Duration::ZERO,
                    budget: Duration::ZERO,
                }),
            ),
        ];
        for (case, got, want) in table {
            assert_eq!(got, want, "{case}");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_stated_delay_holds_for_the_whole_round() {
        let policy = RetryPolicy::default();
        let names = vec!["primary:25".to_owned(), "fallback:25".to_owned()];
        let mut retry = Retry::new(policy, names, Instant::now());
        let in_60s = Error::refused(Phase::Rcpt, reply("451 4.7.1 Try again in 60 seconds"));
        let busy = Error::refused(Phase::Rcpt, reply("450 4.2.0 Busy"));
        let now = Instant::now();
        let first = retry.next(&attempted(1, Category::Greylisting, &in_60s), now);
        assert_eq!(first, Next::Now { relay: 1 });
        let second = retry.next(&attempted(2, Category::Other, &busy), now);
        assert_eq!(
            second,
            Next::Wait {
                relay: 0,
                wait: Duration::from_secs(60),
                reason: WaitReason::ServerHint
            }
        );
    }

    /// A MAIL FROM sent at `at` ms after `start` and accepted 10 ms later.
    fn mail(start: Instant, at: u64) -> MailAccepted {
        let sent = start + Duration::from_millis(at);
        MailAccepted {
            sent,
            accepted: sent + Duration::from_millis(10),
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_refusal_after_a_burst_teaches_the_window_and_the_limit() {
        let start = Instant::now();
        let at = |ms: u64| start + Duration::from_millis(ms);
        let mut pace = Pace::default();
        for ms in [0, 100, 200, 300, 400] {
            pace.accepted(0, mail(start, ms));
        }
        assert_eq!(pace.wait(0, at(450)), None, "nothing learned yet");
        // Refused at 0.5 s, "try again in 10 seconds": a place frees at 10.5 s.
        pace.refused(0, at(10_500));
        let limit = pace.relays[0].limit.unwrap();
        assert_eq!(limit.messages, 5);
        assert_eq!(limit.window, Duration::from_millis(10_500));
        // The sixth waits until the first accepted leaves the window, the seventh for the second.
        assert_eq!(pace.wait(0, at(10_500)), Some(Duration::from_millis(10)));
        pace.accepted(0, mail(start, 10_510));
        assert_eq!(pace.wait(0, at(10_520)), Some(Duration::from_millis(90)));
        assert_eq!(
            pace.wait(1, at(10_520)),
            None,
            "another relay has its own rate"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_later_refusal_only_narrows_the_limit_and_a_first_one_without_mail_learns_nothing() {
        let start = Instant::now();
        let at = |ms: u64| start + Duration::from_millis(ms);
        let mut pace = Pace::default();
        pace.refused(0, at(5_000));
        assert_eq!(pace.relays[0].limit, None);
        for ms in [0, 100, 200, 300] {
            pace.accepted(0, mail(start, ms));
        }
        pace.refused(0, at(2_000));
        assert_eq!(
            pace.relays[0].limit,
            Some(Limit {
                messages: 4,
                window: Duration::from_secs(2)
            })
        );
        // Two more, paced, then refused again at 2.3 s, "try again in 1 second": the server
        // holds fewer than it was thought to allow (another client of the same sender?), so
        // the limit drops to the two in the window; the window stays as long as known.
        pace.accepted(0, mail(start, 2_010));
        pace.accepted(0, mail(start, 2_110));
        pace.refused(0, at(3_300));
        assert_eq!(
            pace.relays[0].limit,
            Some(Limit {
                messages: 2,
                window: Duration::from_secs(2)
            })
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_single_message_is_never_paced_and_learns_nothing() {
        let now = Instant::now();
        let mut retry = Retry::new(RetryPolicy::default(), vec!["relay:25".into()], now);
        retry.mail_accepted(mail(now, 0));
        let limited = Error::refused(
            Phase::Mail,
            reply("421 4.7.0 Sender rate limit exceeded, try again in 10 seconds"),
        );
        let _ = retry.next(&attempted(1, Category::RateLimit, &limited), now);
        assert_eq!(retry.paced(now + Duration::from_secs(10)), Ok(None));
        let mut batch = Retry::new(RetryPolicy::default(), vec!["relay:25".into()], now);
        batch.set_pace(Pace::default());
        batch.mail_accepted(mail(now, 0));
        let _ = batch.next(&attempted(1, Category::RateLimit, &limited), now);
        assert!(
            batch
                .paced(now + Duration::from_secs(10))
                .unwrap()
                .is_some()
        );
    }
}
