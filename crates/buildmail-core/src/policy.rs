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

use std::time::Duration;

use backon::{BackoffBuilder, ExponentialBuilder};

use crate::category::Category;
use crate::clock::Instant;
use crate::error::Phase;
use crate::reply::Reply;

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
}
