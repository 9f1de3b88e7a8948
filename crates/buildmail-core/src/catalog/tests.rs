//! Tests of the catalog as a whole: every entry reachable, every code with a fallback, the
//! enhanced codes and their precedence.

use std::collections::HashSet;

use super::*;
use crate::category::Category;

#[test]
fn every_pattern_compiles() {
    for entry in entries() {
        for spec in alternatives(entry.when.code) {
            assert!(
                CodePattern::parse(spec).is_some(),
                "{}: bad code pattern {spec:?}",
                entry.id
            );
        }
        for spec in alternatives(entry.when.enhanced) {
            assert!(
                EnhancedPattern::parse(spec).is_some(),
                "{}: bad enhanced pattern {spec:?}",
                entry.id
            );
        }
        if !entry.when.text.is_empty() {
            assert!(
                Regex::new(entry.when.text).is_ok(),
                "{}: bad text pattern",
                entry.id
            );
        }
    }
}

#[test]
fn every_entry_is_reachable_through_its_example() {
    let unreachable: Vec<String> = entries()
        .filter_map(|entry| {
            let reply = Reply::parse(entry.example)
                .unwrap_or_else(|e| panic!("{}: example does not parse: {e}", entry.id));
            let chosen = lookup(&reply).id;
            (chosen != entry.id)
                .then(|| format!("{}: {:?} selects {chosen}", entry.id, entry.example))
        })
        .collect();
    assert!(
        unreachable.is_empty(),
        "unreachable entries:\n{}",
        unreachable.join("\n")
    );
}

#[test]
fn ids_are_unique_and_entries_complete() {
    let mut seen = HashSet::new();
    for entry in entries() {
        assert!(seen.insert(entry.id), "duplicate id {}", entry.id);
        assert!(
            !entry.title.is_empty() && !entry.cause.is_empty(),
            "{}",
            entry.id
        );
        assert!(!entry.references.is_empty(), "{}: no reference", entry.id);
        assert!(
            entry.references.iter().all(|r| r.starts_with("https://")),
            "{}",
            entry.id
        );
    }
}

#[test]
fn every_code_from_200_to_599_has_an_entry_of_its_class() {
    for code in 200..=599 {
        let reply = Reply::new(code, None, "").unwrap();
        let entry = lookup(&reply);
        let class_digit = (code / 100).to_string();
        assert!(
            entry.when.code.starts_with(&class_digit)
                || entry.when.code.contains(&format!("|{class_digit}")),
            "{code} fell to {} whose pattern is {:?}",
            entry.id,
            entry.when.code
        );
    }
}

#[test]
fn every_rfc_reply_code_has_its_own_entry() {
    for (code, _) in codes::MEANINGS.iter().filter(|(code, _)| *code >= 400) {
        let reply = Reply::new(*code, None, "").unwrap();
        assert_eq!(lookup(&reply).id, format!("code.{code}"));
    }
}

#[test]
fn every_registered_enhanced_code_has_an_entry_more_specific_than_its_basic_code() {
    for subject in 1..=7 {
        for detail in 0..=30 {
            if enhanced::meaning(subject, detail).is_none() {
                continue;
            }
            for class in [4, 5] {
                let reply = Reply::new(
                    u16::from(class) * 100 + 99,
                    Some(EnhancedCode::new(class, subject, detail)),
                    "",
                )
                .unwrap();
                let entry = lookup(&reply);
                assert!(
                    entry.id.starts_with("enhanced.") || entry.id.starts_with("microsoft."),
                    "{class}.{subject}.{detail} fell to {}",
                    entry.id
                );
            }
        }
    }
}

#[test]
fn provider_text_beats_the_code() {
    let gmail = Reply::parse(
        "421-4.7.0 [192.0.2.1] Our system has detected an unusual rate of\r\n\
         421-4.7.0 unsolicited mail originating from your IP address.\r\n\
         421 4.7.0 https://support.google.com/mail/?p=UnsolicitedRateLimitError",
    )
    .unwrap();
    assert_eq!(lookup(&gmail).category, Category::Reputation);
    let busy = Reply::parse("421 4.7.0 closing transmission channel").unwrap();
    assert_ne!(lookup(&busy).category, Category::Reputation);
}

#[test]
fn an_enhanced_detail_beats_the_basic_code() {
    let full = Reply::parse("552 5.2.2 Mailbox full").unwrap();
    assert_eq!(lookup(&full).category, Category::Mailbox);
    let plain = Reply::parse("552 Requested mail action aborted").unwrap();
    assert_eq!(lookup(&plain).category, Category::Size);
}

#[test]
fn code_patterns_score_exact_above_class() {
    let exact = CodePattern::parse("421").unwrap();
    let class = CodePattern::parse("4xx").unwrap();
    assert!(exact.score(421) > class.score(421));
    assert_eq!(exact.score(451), None);
    assert_eq!(CodePattern::parse("6xx"), None);
}

#[test]
fn enhanced_ranges_match_inside_only() {
    let range = EnhancedPattern::parse("X.7.500-699").unwrap();
    assert!(range.score(Some(EnhancedCode::new(4, 7, 500))).is_some());
    assert!(range.score(Some(EnhancedCode::new(4, 7, 700))).is_none());
    assert!(range.score(None).is_none());
}
