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
fn a_permanent_reply_has_no_retry_delay_even_if_its_text_names_one() {
    let explanation = explained("550 5.7.1 Your IP is blocked, try again in 24 hours");
    assert_eq!(explanation.retry_after, None);
    assert!(explanation.when_to_retry.starts_with("Do not retry"));
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
