//! Time, in one place: every wait and every elapsed time goes through tokio's clock, so tests can
//! run a ten-minute retry schedule in milliseconds with `tokio::time::pause()`.

use std::time::Duration;

pub use tokio::time::Instant;

/// The current instant on tokio's clock (paused in tests).
pub fn now() -> Instant {
    Instant::now()
}

/// Waits for `duration` on tokio's clock.
pub async fn sleep(duration: Duration) {
    tokio::time::sleep(duration).await;
}

/// Runs `future`, giving up after `limit`: `None` when the time ran out first.
pub async fn within<F: Future>(limit: Duration, future: F) -> Option<F::Output> {
    tokio::time::timeout(limit, future).await.ok()
}

/// Milliseconds in a duration, saturating, as reports print them.
pub fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}
