//! Tests of the explanation renderers: text, JSON and Markdown, under snapshots.

use super::*;

fn explained(wire: &str) -> Explanation {
    explain(&Reply::parse(wire).unwrap())
}

#[test]
fn text_article_for_a_greylisting_reply() {
    insta::assert_snapshot!(
        explained("451 4.7.1 Greylisting in action, please come back in 00:05:00").to_text()
    );
}

#[test]
fn text_article_for_a_permanent_reply() {
    insta::assert_snapshot!(explained("550 5.1.1 <bob@example.com>: Recipient address rejected: User unknown in local recipient table").to_text());
}

#[test]
fn json_has_the_interface_fields() {
    let json = serde_json::to_value(explained("421 4.7.0 Try again in 15 minutes")).unwrap();
    insta::assert_json_snapshot!(json);
    for field in [
        "code",
        "enhanced",
        "transient",
        "category",
        "title",
        "cause",
        "fix",
        "retry_after_s",
    ] {
        assert!(json.get(field).is_some(), "missing {field}");
    }
}

#[test]
fn markdown_for_a_job_summary() {
    insta::assert_snapshot!(explained("535 5.7.8 Username and Password not accepted. Learn more at https://support.google.com/mail/?p=BadCredentials").to_markdown());
}

#[test]
fn markdown_fence_outlasts_backticks_in_the_server_text() {
    let md = explained("550 5.7.1 ```\n# injected heading").to_markdown();
    assert!(md.contains("````text"), "{md}");
}

#[test]
fn terminal_escapes_in_server_text_are_not_printed() {
    let text = explained("550 5.7.1 \u{1b}[31mred\u{1b}[0m").to_text();
    assert!(!text.contains('\u{1b}'), "{text}");
}

#[test]
fn a_permanent_reply_shows_its_stated_delay_but_stays_final() {
    let explanation = explained("550 Too many messages. Try again in 92 seconds.");
    assert_eq!(explanation.retry_after, Some(Duration::from_secs(92)));
    assert!(!explanation.transient);
    assert_eq!(
        explanation.when_to_retry,
        "A 5xx reply is final, so buildmail does not retry it; but the server named a delay of \
         1 minute 32 seconds: if the cause is a limit that clears, sending again after that may pass."
    );
    assert!(explanation.to_text().contains("1 minute 32 seconds"));
    assert!(explanation.final_reply_delay_warning().is_some());
}

#[test]
fn stated_delays_are_read_from_every_failure_class() {
    for (reply, secs) in [
        ("421 4.7.0 Try again in 5 minutes", 300),
        ("450 4.2.0 Greylisted for 300 seconds", 300),
        (
            "550 5.7.1 Your IP is blocked, try again in 24 hours",
            86_400,
        ),
        ("554 Throttled: retry after 30 min", 1800),
    ] {
        assert_eq!(
            explained(reply).retry_after,
            Some(Duration::from_secs(secs)),
            "{reply}"
        );
    }
    let temporary = explained("451 4.7.1 try again in 92 seconds");
    assert_eq!(
        temporary.final_reply_delay_warning(),
        None,
        "only a final reply warns"
    );
}

#[test]
fn durations_read_like_speech() {
    assert_eq!(
        human_duration(Duration::from_secs(5400)),
        "1 hour 30 minutes"
    );
    assert_eq!(human_duration(Duration::from_secs(60)), "1 minute");
    assert_eq!(human_duration(Duration::ZERO), "0 seconds");
}
