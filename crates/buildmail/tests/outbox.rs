//! The outbox through the real binary: an entry leaves only when every recipient is settled
//! (delivered, or refused for good by a reply about that recipient), a flush shares one retry
//! budget and stops at the first deferral, a save that fails is reported, broken files are
//! handled one by one, and kept messages are private.

#![allow(clippy::unwrap_used)] // test helpers: a failure should panic with the line

use crate::delivery::{flush_json, json, send};
use crate::support::{Output, Server, buildmail};

/// A server that defers every message for an hour: what fills an outbox.
const DEFERS_FOR_AN_HOUR: &str =
    "fault:mail:451 4.7.1 Rate limit exceeded, try again in 1 hour:100";

/// Keeps `count` messages (Message-IDs `<build-N@ci.example.com>`) in the outbox `dir`.
fn keep(dir: &str, count: usize, extra: &[&str]) {
    let busy = Server::start(&[DEFERS_FOR_AN_HOUR]);
    for n in 0..count {
        let id = format!("build-{n}@ci.example.com");
        let mut args = vec!["--outbox", dir, "--message-id", &id];
        args.extend(extra);
        send(&busy, &args, 75);
    }
}

fn flush(dir: &str, url: &str, extra: &[&str], code: i32) -> Output {
    let mut args = vec!["outbox", "flush", "--outbox", dir, "--smtp-url", url];
    args.extend(extra);
    buildmail(args).expect_code(code)
}

fn list(dir: &str) -> String {
    buildmail(["outbox", "list", "--outbox", dir])
        .expect_code(0)
        .stdout
}

#[test]
fn a_refusal_of_the_session_or_the_sender_keeps_every_entry() {
    let auth = Server::start_with(&[], |b| b.auth("ci", "right"));
    let wrong_password = format!("smtp://ci:wrong@{}?tls=none", auth.sim().addr());
    let cases = [
        ("fault:greeting:554 5.7.1 Client host blocked:100", 69),
        ("fault:ehlo:554 5.7.1 Go away:100", 69),
        ("fault:mail:550 5.7.1 Relaying denied:100", 69),
    ];
    for (scenario, code) in cases {
        let outbox = tempfile::tempdir().unwrap();
        let dir = outbox.path().to_str().unwrap();
        keep(dir, 3, &[]);
        let refusing = Server::start(&[scenario]);
        let out = flush(dir, &refusing.url(), &["--output", "json"], code);
        let reports = json(&out);
        assert_eq!(reports.as_array().unwrap().len(), 1, "{scenario}: stops");
        assert_eq!(reports[0]["status"], "failed", "{scenario}");
        assert_eq!(reports[0]["recipients"][0]["status"], "not_sent");
        assert_eq!(reports[0]["kept"], true, "{scenario}");
        assert!(reports[0]["explanation"]["title"].is_string(), "{scenario}");
        assert_eq!(
            list(dir).lines().count(),
            3,
            "{scenario}: every entry stays"
        );
        assert_eq!(refusing.record().connections.len(), 1, "{scenario}");
    }
    let outbox = tempfile::tempdir().unwrap();
    let dir = outbox.path().to_str().unwrap();
    keep(dir, 2, &[]);
    flush(dir, &wrong_password, &[], 77);
    assert_eq!(list(dir).lines().count(), 2, "refused credentials keep it");

    // The entries kept are whole: a good server gets every one of them.
    let good = Server::start(&[]);
    flush(dir, &good.url(), &[], 0);
    assert_eq!(good.record().messages.len(), 2);
    assert_eq!(list(dir), "");
}

#[test]
fn a_deferred_entry_stays_and_the_flush_stops_there() {
    let outbox = tempfile::tempdir().unwrap();
    let dir = outbox.path().to_str().unwrap();
    keep(dir, 2, &[]);
    let busy = Server::start(&[DEFERS_FOR_AN_HOUR]);
    let out = flush(dir, &busy.url(), &["--output", "json"], 75);
    let reports = json(&out);
    assert_eq!(reports.as_array().unwrap().len(), 1, "{reports:#}");
    assert_eq!(reports[0]["status"], "deferred");
    assert_eq!(reports[0]["kept"], true);
    assert_eq!(
        busy.record().connections.len(),
        1,
        "the second is not tried"
    );
    let listed = list(dir);
    assert!(
        listed.contains("build-0@") && listed.contains("build-1@"),
        "both stay: {listed}"
    );
    assert!(listed.contains("(2 attempts so far)"), "{listed}");
}

#[test]
fn a_partly_delivered_entry_keeps_only_the_recipient_still_waiting() {
    let outbox = tempfile::tempdir().unwrap();
    let dir = outbox.path().to_str().unwrap();
    keep(dir, 1, &["--to", "nobody@example.com"]);
    let half =
        Server::start(&["reject:nobody@*:451 4.7.1 Rate limit exceeded, try again in 1 hour"]);
    let reports = json(&flush(dir, &half.url(), &["--output", "json"], 75));
    assert_eq!(reports[0]["status"], "partial");
    let listed = list(dir);
    assert!(
        listed.contains("to nobody@example.com ") && !listed.contains("dev@example.com"),
        "{listed}"
    );

    let good = Server::start(&[]);
    flush(dir, &good.url(), &[], 0);
    assert_eq!(half.record().deliveries_to("dev@example.com"), 1);
    assert_eq!(
        good.record().deliveries_to("dev@example.com"),
        0,
        "not twice"
    );
    assert_eq!(good.record().deliveries_to("nobody@example.com"), 1);
    assert_eq!(list(dir), "");
}

#[test]
fn a_recipient_refused_for_good_leaves_the_entry() {
    let outbox = tempfile::tempdir().unwrap();
    let dir = outbox.path().to_str().unwrap();
    keep(dir, 1, &["--to", "nobody@example.com"]);
    let server = Server::start(&["reject:nobody@*:550 5.1.1 No such user"]);
    let reports = json(&flush(dir, &server.url(), &["--output", "json"], 69));
    assert_eq!(reports[0]["status"], "partial");
    assert_eq!(reports[0]["kept"], false);
    assert_eq!(list(dir), "", "every recipient is settled");
}

#[test]
fn a_flush_shares_one_retry_budget_across_its_entries() {
    let outbox = tempfile::tempdir().unwrap();
    let dir = outbox.path().to_str().unwrap();
    keep(dir, 1, &[]);
    let busy = Server::start(&[DEFERS_FOR_AN_HOUR]);
    send(&busy, &["--outbox", dir, "--to", "ops@example.com"], 75);
    // Greylisting with a 2 s window: the first entry waits 2 s of the 3 s budget and is
    // delivered; the second meets the window anew for ops@ with 1 s left, so ops@ stays, where
    // a budget of its own would wait and deliver.
    let server = Server::start(&["greylist-hint:2s"]);
    let args = ["--retry-budget", "3s", "--output", "json"];
    let reports = json(&flush(dir, &server.url(), &args, 75));
    assert_eq!(reports[0]["status"], "delivered", "{reports:#}");
    assert_eq!(reports[1]["status"], "partial", "{reports:#}");
    assert_eq!(server.record().deliveries_to("ops@example.com"), 0);
    assert!(list(dir).contains("to ops@example.com "));
}

#[test]
fn an_entry_after_the_budget_is_spent_is_not_tried() {
    let outbox = tempfile::tempdir().unwrap();
    let dir = outbox.path().to_str().unwrap();
    keep(dir, 2, &[]);
    // The first entry's silent server holds it until the budget's deadline (not the longer
    // --timeout): it stays deferred, and the second entry is not tried at all.
    let slow = Server::start(&["stall:greeting:1500ms:1"]);
    let args = ["--retry-budget", "1s", "--timeout", "5s"];
    let out = flush(dir, &slow.url(), &args, 75);
    assert_eq!(slow.record().connections.len(), 1, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("the retry budget ran out while waiting at greeting"),
        "{}",
        out.stderr
    );
    let left = list(dir);
    assert!(
        left.contains("build-0@") && left.contains("build-1@"),
        "{left}"
    );
}

#[test]
fn a_possible_duplicate_kept_in_the_outbox_is_still_flagged_when_flushed() {
    let outbox = tempfile::tempdir().unwrap();
    let dir = outbox.path().to_str().unwrap();
    // Accepted, then the connection drops before the 250: deferred after one attempt, and
    // possibly delivered already.
    let lost = Server::start(&["lost-ok"]);
    let report = json(&send(
        &lost,
        &["--outbox", dir, "--max-attempts", "1", "--output", "json"],
        75,
    ));
    assert_eq!(report["possible_duplicate"], true, "{report:#}");
    assert!(list(dir).contains("possible duplicate"));
    let good = Server::start(&[]);
    let reports = json(&flush_json(dir, &good.url()));
    assert_eq!(reports[0]["status"], "delivered");
    assert_eq!(reports[0]["possible_duplicate"], true, "{reports:#}");
}

#[test]
fn an_outbox_that_cannot_be_written_is_reported_and_the_exit_is_75() {
    let parent = tempfile::tempdir().unwrap();
    let file = parent.path().join("not-a-directory");
    std::fs::write(&file, "").unwrap();
    let dir = file.join("outbox");
    let busy = Server::start(&[DEFERS_FOR_AN_HOUR]);
    let dir = dir.to_str().unwrap();
    let out = send(&busy, &["--outbox", dir, "--output", "json"], 75);
    let report = json(&out);
    assert_eq!(report["kept"], false, "{report:#}");
    assert!(report.get("outbox_id").is_none());
    let warning = report["warnings"][0].as_str().unwrap();
    assert!(
        warning.contains("could not be kept in the outbox") && warning.contains(dir),
        "{warning}"
    );
    for printed in [&out.stdout, &out.stderr] {
        assert!(
            !printed.contains("All green."),
            "the message is printed nowhere"
        );
    }
    let text = send(&busy, &["--outbox", dir], 75);
    assert!(text.stderr.contains("could not be kept"), "{}", text.stderr);
}

#[test]
fn broken_files_are_listed_skipped_and_droppable_while_the_others_go_on() {
    let outbox = tempfile::tempdir().unwrap();
    let dir = outbox.path().to_str().unwrap();
    keep(dir, 3, &[]);
    let ids: Vec<String> = list(dir)
        .lines()
        .map(|line| line.split_whitespace().next().unwrap().to_owned())
        .collect();
    let path = |name: String| outbox.path().join(name);
    std::fs::write(path("notes.json".into()), "my notes\n").unwrap();
    // A file name is anybody's text: it must not start a workflow command in a CI log.
    std::fs::write(path("x\n::error title=pwned::y.json".into()), "{").unwrap();
    let truncated = path(format!("{}.json", ids[1]));
    let text = std::fs::read_to_string(&truncated).unwrap();
    std::fs::write(&truncated, &text[..text.len() / 2]).unwrap();
    std::fs::remove_file(path(format!("{}.eml", ids[2]))).unwrap();

    let listed = list(dir);
    assert_eq!(listed.lines().count(), 5, "{listed}");
    assert!(!listed.lines().any(|l| l.starts_with("::")), "{listed}");
    for (id, problem) in [
        ("notes", ".json: not an outbox entry"),
        (ids[1].as_str(), ".json: not an outbox entry"),
        (ids[2].as_str(), ".eml is missing"),
    ] {
        let line = listed.lines().find(|l| l.starts_with(id)).unwrap();
        assert!(
            line.contains("broken: ") && line.contains(problem),
            "{line}"
        );
        assert!(line.contains(outbox.path().to_str().unwrap()), "{line}");
    }

    let good = Server::start(&[]);
    let out = flush_json(dir, &good.url());
    let reports = json(&out);
    assert_eq!(reports.as_array().unwrap().len(), 1, "{reports:#}");
    assert_eq!(reports[0]["status"], "delivered");
    assert_eq!(
        out.stderr.matches("warning: skipped outbox entry").count(),
        4
    );
    assert!(
        !out.stderr.lines().any(|l| l.starts_with("::")),
        "{}",
        out.stderr
    );
    assert_eq!(good.record().messages.len(), 1);

    for id in ["notes", "x\n::error title=pwned::y", &ids[1], &ids[2]] {
        buildmail(["outbox", "drop", id, "--outbox", dir]).expect_code(0);
    }
    assert_eq!(list(dir), "");
    buildmail(["outbox", "drop", "notes", "--outbox", dir]).expect_code(65);
}

#[cfg(unix)]
#[test]
fn kept_messages_are_readable_by_their_owner_only() {
    use std::os::unix::fs::PermissionsExt as _;
    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path().join("outbox");
    keep(dir.to_str().unwrap(), 1, &[]);
    let mode = |path: &std::path::Path| std::fs::metadata(path).unwrap().permissions().mode();
    assert_eq!(mode(&dir) & 0o777, 0o700);
    for file in std::fs::read_dir(&dir).unwrap() {
        let path = file.unwrap().path();
        assert_eq!(mode(&path) & 0o777, 0o600, "{}", path.display());
    }
}

/// Nothing lost: a `send --outbox` whose session or sender is refused, or whose credentials are,
/// keeps the message for the recipients it never reached, so a flush after the fix sends it.
/// A recipient refused for good by its own 5xx is not kept.
#[test]
fn a_refused_session_keeps_the_message_in_the_outbox_for_a_later_flush() {
    let auth = Server::start_with(&[], |b| b.auth("ci", "right"));
    let wrong_password = format!("smtp://ci:wrong@{}?tls=none", auth.sim().addr());
    let refusing = Server::start(&["fault:greeting:554 5.7.1 Client host blocked:100"]);
    for (url, code) in [(refusing.url(), 69), (wrong_password, 77)] {
        let outbox = tempfile::tempdir().unwrap();
        let dir = outbox.path().to_str().unwrap();
        let out = buildmail(crate::delivery::send_args(
            &url,
            &["--outbox", dir, "--output", "json"],
        ))
        .expect_code(code);
        let report = json(&out);
        assert_eq!(report["status"], "failed", "{url}");
        assert_eq!(report["kept"], true, "{url}: {report:#}");
        let id = report["outbox_id"].as_str().expect("an outbox id");
        assert!(list(dir).contains(id), "{url}");

        let good = Server::start(&[]);
        flush(dir, &good.url(), &[], 0);
        assert_eq!(good.record().messages.len(), 1, "{url}: sent after the fix");
        assert_eq!(list(dir), "");
    }

    let rejecting = Server::start(&["fault:rcpt:550 5.1.1 No such user:100"]);
    let outbox = tempfile::tempdir().unwrap();
    let dir = outbox.path().to_str().unwrap();
    let out = buildmail(crate::delivery::send_args(
        &rejecting.url(),
        &["--outbox", dir, "--output", "json"],
    ))
    .expect_code(69);
    let report = json(&out);
    assert_eq!(report["status"], "rejected");
    assert!(report.get("kept").is_none(), "{report:#}");
    assert_eq!(list(dir), "", "a recipient refused for good is never kept");
}

/// How many accepted messages each connection of `server` carried, in connection order.
fn messages_per_connection(server: &Server) -> Vec<usize> {
    let record = server.record();
    (0..record.connections.len())
        .map(|c| record.messages.iter().filter(|m| m.connection == c).count())
        .collect()
}

#[test]
fn a_flush_sends_its_entries_over_one_connection() {
    let outbox = tempfile::tempdir().unwrap();
    let dir = outbox.path().to_str().unwrap();
    keep(dir, 5, &[]);
    let good = Server::start(&[]);
    let reports = json(&flush_json(dir, &good.url()));
    assert_eq!(reports.as_array().unwrap().len(), 5);
    assert_eq!(messages_per_connection(&good), [5]);
    assert!(good.record().duplicate_message_ids().is_empty());
    let commands: Vec<String> = good.record().connections[0]
        .events
        .iter()
        .filter_map(|event| match event {
            buildmail_sim::Event::Command { line } => Some(line.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(commands.iter().filter(|c| c.starts_with("EHLO")).count(), 1);
    assert_eq!(commands.last().map(String::as_str), Some("QUIT"));
    assert_eq!(list(dir), "");
}

#[test]
fn a_flush_through_a_rate_limit_is_paced_after_the_first_refusal() {
    let outbox = tempfile::tempdir().unwrap();
    let dir = outbox.path().to_str().unwrap();
    keep(dir, 9, &[]);
    // 3 messages per 2 s: the fourth MAIL is refused with the seconds left, which teaches the
    // rate; the six after it wait for their place instead of being refused in turn.
    let limited = Server::start(&["ratelimit:3/2s"]);
    let reports = json(&flush_json(dir, &limited.url()));
    let reports = reports.as_array().unwrap();
    assert_eq!(reports.len(), 9);
    assert!(
        reports.iter().all(|r| r["status"] == "delivered"),
        "{reports:#?}"
    );
    let refused: Vec<&serde_json::Value> = reports
        .iter()
        .flat_map(|r| r["attempts"].as_array().unwrap())
        .filter(|a| a["outcome"] != "ok")
        .collect();
    assert_eq!(refused.len(), 1, "{refused:#?}");
    assert_eq!(refused[0]["category"], "rate_limit");
    assert_eq!(limited.record().messages.len(), 9);
    assert!(limited.record().duplicate_message_ids().is_empty());
    // The 421 closes the first connection after 3 messages; the paced 6 share the second.
    assert_eq!(messages_per_connection(&limited), [3, 6]);
    assert_eq!(list(dir), "");
}

/// A pacing wait comes before an entry's first attempt, so it has no attempt line to complete:
/// the text log says it on a line of its own instead of leaving a silent pause.
#[test]
fn a_paced_flush_says_in_its_text_log_why_it_waits() {
    let outbox = tempfile::tempdir().unwrap();
    let dir = outbox.path().to_str().unwrap();
    keep(dir, 7, &[]);
    // 3 per second: the fourth is refused and teaches the rate, the seventh waits for a place.
    let limited = Server::start(&["ratelimit:3/1s"]);
    let out = flush(dir, &limited.url(), &[], 0);
    let waits: Vec<&str> = (out.stderr.lines())
        .filter(|line| line.starts_with("waiting "))
        .collect();
    assert!(!waits.is_empty(), "{}", out.stderr);
    for line in waits {
        assert!(
            line.contains(": pacing to the server's learned rate (3 per 1"),
            "{line}"
        );
    }
    assert_eq!(limited.record().messages.len(), 7);
}

/// A flush that cannot prepare an entry for sending (here its `.sending` mark cannot be
/// written; on a full disk, every mark) must not exit 0 as if everything had gone: the entry
/// stays and is reported deferred with the reason, and the entries after it still go.
#[test]
fn an_entry_that_cannot_be_prepared_is_reported_deferred_not_passed_over_with_exit_0() {
    let outbox = tempfile::tempdir().unwrap();
    let dir = outbox.path().to_str().unwrap();
    keep(dir, 2, &[]);
    let first = list(dir)
        .lines()
        .next()
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned();
    std::fs::create_dir(outbox.path().join(format!("{first}.sending"))).unwrap();
    let good = Server::start(&[]);
    let out = flush(dir, &good.url(), &["--output", "json"], 75);
    let reports = json(&out);
    let reports = reports.as_array().unwrap();
    assert_eq!(reports.len(), 2, "{reports:#?}");
    assert_eq!(reports[0]["outbox_id"], first.as_str());
    assert_eq!(reports[0]["status"], "deferred");
    assert_eq!(reports[0]["kept"], true);
    let reason = reports[0]["reason"].as_str().unwrap();
    assert!(reason.contains("could not be prepared"), "{reason}");
    assert_eq!(reports[1]["status"], "delivered");
    assert_eq!(good.record().messages.len(), 1);
    assert!(list(dir).contains(&first), "the entry stays");
}
