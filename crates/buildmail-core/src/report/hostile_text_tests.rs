//! The text report under hostile input: whatever a server says and whatever the workspace's
//! file names are, the report printed on stderr has no hidden character and no line a GitHub
//! runner would take for a workflow command (docs/security.md).

use crate::compose::LeftOut;
use crate::report::{AttemptOutcome, AttemptReport, RecipientReport, RecipientStatus};
use crate::untrusted::{is_hidden, is_workflow_command};
use crate::{Category, DeliveryStatus, Phase, Reply, Report, explain};
use proptest::prelude::*;

use crate::report::text::{attempt as render_attempt, summary as render_summary};

fn report(server_text: &str, file_name: &str) -> Report {
    let reply = Reply::new(451, None, server_text).expect("a valid code");
    let mut explanation = explain(&reply);
    explanation.cause = format!("Not an SMTP reply at greeting: {}", explanation.text);
    Report {
        status: DeliveryStatus::Deferred,
        message_id: "<id@example.com>".to_owned(),
        elapsed_ms: 1200,
        possible_duplicate: false,
        recipients: vec![RecipientReport {
            address: "dev@example.com".to_owned(),
            status: RecipientStatus::Deferred,
            reply: Some(reply.clone()),
            server: None,
        }],
        attempts: vec![AttemptReport {
            number: 1,
            server: "127.0.0.1:25".to_owned(),
            phase: Phase::Greeting,
            outcome: AttemptOutcome::Transient,
            reply: Some(reply),
            category: Some(Category::Other),
            title: Some("Not an SMTP reply".to_owned()),
            waited_ms: 0,
            relay_dropped: false,
        }],
        explanation: Some(explanation),
        reason: None,
        outbox_id: None,
        kept: None,
        added_recipients: Vec::new(),
        warnings: vec![
            LeftOut {
                path: file_name.into(),
                bytes: 20 << 20,
                room_bytes: 0,
            }
            .to_string(),
        ],
    }
}

proptest! {
    #[test]
    fn the_text_report_shows_untrusted_text_escaped(server_text in any::<String>(), file_name in any::<String>()) {
        let report = report(&server_text, &file_name);
        let text = format!("{}\n{}", render_attempt(&report.attempts[0]), render_summary(&report));
        for line in text.lines() {
            prop_assert!(!line.chars().any(is_hidden), "{line:?}");
            prop_assert!(!is_workflow_command(line), "{line:?}");
        }
    }
}
