//! Scenarios that depend on time, over `serve_stream` on tokio's paused clock: a five-minute
//! window passes in no time, and exactly.

use std::time::Duration;

use tokio::time::{Instant, advance};

use crate::support::{connect_stream, message, send, sim};

const FROM: &str = "ci@example.com";

async fn attempt(sim: &buildmail_sim::SimHandle, to: &[&str]) -> Vec<String> {
    let mut smtp = connect_stream(sim).await.unwrap();
    send(&mut smtp, FROM, to, &message("<1@ci>")).await
}

#[tokio::test(start_paused = true)]
async fn greylist_refuses_each_triplet_until_its_window_has_passed() {
    let sim = sim(&["greylist:5m"]).await;
    let refused = "450 4.2.0 <dev@example.com>: Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/help/example.com.html";
    assert_eq!(
        attempt(&sim, &["dev@example.com"]).await,
        ["250 2.1.0 Ok", refused]
    );
    advance(Duration::from_secs(299)).await;
    assert_eq!(attempt(&sim, &["dev@example.com"]).await[1], refused);
    advance(Duration::from_secs(1)).await;
    let replies = attempt(&sim, &["dev@example.com", "ops@example.com"]).await;
    assert_eq!(replies[1], "250 2.1.5 Ok");
    assert!(
        replies[2]
            .starts_with("450 4.2.0 <ops@example.com>: Recipient address rejected: Greylisted"),
        "a new triplet waits its own window: {replies:?}"
    );
    assert_eq!(replies.last().map(|r| &r[..3]), Some("250"));
    assert_eq!(sim.record().deliveries_to("dev@example.com"), 1);
    assert_eq!(sim.record().deliveries_to("ops@example.com"), 0);
}

#[tokio::test(start_paused = true)]
async fn greylist_hint_states_the_seconds_left() {
    let sim = sim(&["greylist-hint:300s"]).await;
    assert_eq!(
        attempt(&sim, &["dev@example.com"]).await[1],
        "451 4.7.1 Greylisted, please try again in 300 seconds"
    );
    advance(Duration::from_millis(100_500)).await;
    assert_eq!(
        attempt(&sim, &["dev@example.com"]).await[1],
        "451 4.7.1 Greylisted, please try again in 200 seconds"
    );
    advance(Duration::from_secs(200)).await;
    assert_eq!(attempt(&sim, &["dev@example.com"]).await[1], "250 2.1.5 Ok");
}

#[tokio::test(start_paused = true)]
async fn greylist_421_states_the_delay_and_closes() {
    let sim = sim(&["greylist-421:1m"]).await;
    let replies = attempt(&sim, &["dev@example.com"]).await;
    assert_eq!(
        replies[1],
        "421 4.7.0 Greylisted, please try again in 60 seconds, closing connection"
    );
    tokio::task::yield_now().await;
    assert_eq!(
        sim.record().connections[0].closed(),
        Some(buildmail_sim::Close::Server)
    );
}

#[tokio::test(start_paused = true)]
async fn ratelimit_names_the_seconds_until_the_oldest_message_leaves_the_period() {
    let sim = sim(&["ratelimit:2/1m"]).await;
    for _ in 0..2 {
        assert_eq!(
            attempt(&sim, &["dev@example.com"])
                .await
                .last()
                .map(|r| &r[..3]),
            Some("250")
        );
        advance(Duration::from_secs(10)).await;
    }
    let limited = "421 4.7.0 <ci@example.com>: Sender rate limit exceeded (2 messages per 1m), try again in 40 seconds";
    assert_eq!(attempt(&sim, &["dev@example.com"]).await, [limited]);
    advance(Duration::from_secs(40)).await;
    assert_eq!(
        attempt(&sim, &["dev@example.com"]).await.len(),
        4,
        "one message left the period"
    );
    let mut other_sender = connect_stream(&sim).await.unwrap();
    let replies = send(
        &mut other_sender,
        "other@example.com",
        &["dev@example.com"],
        &message("<2@ci>"),
    )
    .await;
    assert_eq!(replies[0], "250 2.1.0 Ok", "the limit is per sender");
}

#[tokio::test(start_paused = true)]
async fn stall_delays_the_reply_by_its_duration_on_tokios_clock() {
    let sim = sim(&["stall:greeting:30s", "stall:end_of_data:2m:1"]).await;
    let started = Instant::now();
    let mut smtp = connect_stream(&sim).await.unwrap();
    assert_eq!(started.elapsed(), Duration::from_secs(30));
    let replies = send(&mut smtp, FROM, &["dev@example.com"], &message("<1@ci>")).await;
    assert!(replies[3].starts_with("250 2.0.0 Ok"));
    assert_eq!(started.elapsed(), Duration::from_secs(150));
    connect_stream(&sim).await.unwrap();
    assert_eq!(
        started.elapsed(),
        Duration::from_secs(150),
        "COUNT defaults to 1"
    );
}

#[tokio::test(start_paused = true)]
async fn chaos_with_the_same_seed_gives_the_same_faults() {
    async fn soak(seed: u64) -> Vec<String> {
        let sim = sim(&[&format!("chaos:{seed}:0.3")]).await;
        for n in 0..20 {
            if let Ok(mut smtp) = connect_stream(&sim).await {
                send(
                    &mut smtp,
                    FROM,
                    &["dev@example.com"],
                    &message(&format!("<{n}@ci>")),
                )
                .await;
                let _ = smtp.quit().await;
            }
        }
        tokio::task::yield_now().await;
        sim.record()
            .replies()
            .into_iter()
            .map(|r| r.replace("queued as", ""))
            .collect()
    }
    let first = soak(7).await;
    assert_eq!(first, soak(7).await);
    assert_ne!(first, soak(8).await);
    assert!(
        first.iter().any(|r| r.starts_with("4")),
        "a rate of 0.3 faults something in 20 runs"
    );
}
