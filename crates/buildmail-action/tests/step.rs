//! A step from start to end: dawidd6's inputs unchanged, outputs, summary, exit codes.

use crate::support::{SimServer, Step};

#[test]
fn a_dawidd6_step_works_unchanged() {
    let sim = SimServer::start(&[]);
    let ran = Step::new().dawidd6(&sim).run();
    ran.assert_code(0);
    assert_eq!(sim.record().deliveries_to("dev@example.com"), 1);
    assert_eq!(ran.output("status"), "delivered");
    assert_eq!(ran.output("attempts"), "1");
    assert!(
        ran.output("message_id").starts_with("<buildmail."),
        "{ran:#?}"
    );
    assert_eq!(ran.output("outbox_id"), "");
    assert!(
        ran.summary.starts_with("## buildmail: delivered\n"),
        "{}",
        ran.summary
    );
    assert!(ran.summary.contains("| 1 | 127.0.0.1:"), "{}", ran.summary);
    assert_eq!(ran.env_file, "", "the step sets no environment variable");
}

#[test]
fn a_greylisted_delivery_retries_and_warns_what_it_cost() {
    // The server states a one-second window: an unplaced 450 would be probed after greylisting's
    // 10 s, a real wait this test does not need (the schedule is the paused-clock tests' subject).
    let sim = SimServer::start(&[
        "fault:rcpt:450 4.2.0 Greylisted for 1 second, see https://postgrey.schweikert.ch/:1",
    ]);
    let ran = Step::new().dawidd6(&sim).input("retry_budget", "1m").run();
    ran.assert_code(0);
    assert_eq!(ran.output("attempts"), "2");
    let warning = ran
        .stdout
        .lines()
        .find(|l| l.starts_with("::warning "))
        .expect("a warning");
    assert!(warning.starts_with("::warning title=Delivered after 2 attempts::the server first said: 450 4.2.0 Greylisted"), "{warning}");
}

#[test]
fn a_rejection_fails_the_step_with_an_explained_error() {
    let sim = SimServer::start(&["fault:rcpt:550 5.7.1 Relaying denied:5"]);
    let ran = Step::new().dawidd6(&sim).run();
    ran.assert_code(69);
    assert_eq!(ran.output("status"), "rejected");
    let error = ran
        .stdout
        .lines()
        .find(|l| l.starts_with("::error "))
        .expect("an error annotation");
    assert!(error.contains("title=Mail rejected%3A "), "{error}");
    assert!(
        error.contains("The server said: 550 5.7.1 Relaying denied"),
        "{error}"
    );
    assert!(ran.summary.contains("**Fix:**"), "{}", ran.summary);
}

#[test]
fn fail_on_error_false_keeps_the_step_green_and_warns() {
    let sim = SimServer::start(&["fault:rcpt:550 5.7.1 Relaying denied:5"]);
    let ran = Step::new()
        .dawidd6(&sim)
        .input("fail_on_error", "false")
        .run();
    ran.assert_code(0);
    assert_eq!(ran.output("status"), "rejected");
    assert!(!ran.stdout.contains("::error"), "{}", ran.stdout);
    assert!(
        ran.stdout
            .lines()
            .any(|l| l.starts_with("::warning title=Mail rejected")),
        "{}",
        ran.stdout
    );
}

#[test]
fn a_bad_input_is_named_and_exits_78() {
    let sim = SimServer::start(&[]);
    let ran = Step::new().dawidd6(&sim).input("server_port", "smtp").run();
    ran.assert_code(78);
    assert_eq!(
        ran.stdout.trim(),
        "::error title=buildmail::server_port: \"smtp\" is not a port: write 587 or 465"
    );
    assert_eq!(sim.record().deliveries_to("dev@example.com"), 0);
}

#[test]
fn without_a_server_the_error_names_server_address() {
    let ran = Step::new()
        .input("subject", "s")
        .input("body", "b")
        .input("to", "a@example.com")
        .input("from", "c@example.com")
        .run();
    ran.assert_code(78);
    assert!(
        ran.stdout.contains("server_address: no SMTP server"),
        "{}",
        ran.stdout
    );
}

#[test]
fn notify_when_with_previous_status_skips_without_sending() {
    let sim = SimServer::start(&[]);
    let ran = Step::new()
        .dawidd6(&sim)
        .input("notify_when", "fixed")
        .input("status", "success")
        .input("previous_status", "success")
        .run();
    ran.assert_code(0);
    assert_eq!(ran.output("status"), "skipped");
    assert_eq!(sim.record().deliveries_to("dev@example.com"), 0);
}

/// Without `body`, the step sends the build notification the core composes from the run and
/// the job's status, as `buildmail notify` does: the same `notify::Request`.
#[test]
fn without_a_body_the_step_sends_the_build_notification() {
    let sim = SimServer::start(&[]);
    let step = Step::new();
    std::fs::write(step.path("build.log"), "compiling\nerror: tests failed\n").unwrap();
    let ran = step
        .input("server_address", "127.0.0.1")
        .input("server_port", &sim.port().to_string())
        .input("to", "dev@example.com")
        .input("from", "CI <ci@example.com>")
        .input("status", "failure")
        .input("log_file", "build.log")
        .run();
    ran.assert_code(0);
    let record = sim.record();
    let mail = record.messages[0].text();
    assert!(mail.contains("Subject: "), "{mail}");
    assert!(mail.to_lowercase().contains("fail"), "{mail}");
    assert!(
        mail.contains("error: tests failed"),
        "the log's tail is quoted: {mail}"
    );
    assert!(
        mail.contains("In-Reply-To: "),
        "threaded like the CLI's: {mail}"
    );
}

/// A status the notification needs but nobody gave names the input to set.
#[test]
fn without_a_body_or_a_status_the_error_names_status() {
    let sim = SimServer::start(&[]);
    let ran = Step::new()
        .input("server_address", "127.0.0.1")
        .input("server_port", &sim.port().to_string())
        .input("to", "dev@example.com")
        .input("from", "CI <ci@example.com>")
        .run();
    ran.assert_code(78);
    assert!(
        ran.stdout.contains("status: the build status is unknown"),
        "{ran:#?}"
    );
    assert_eq!(sim.record().messages.len(), 0);
}
