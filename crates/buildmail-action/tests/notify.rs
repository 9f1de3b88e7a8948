//! The build notification the step composes from the run when `subject` or `body` is not given,
//! the `log_file` tail in it, `scan_logs` annotations, the `outbox`, and input errors that name
//! the input.

use buildmail_core::outbox::{Listed, Outbox};

use crate::injection::{PASSWORD, assert_no_injected_command, assert_password_nowhere};
use crate::support::{SimServer, Step};

/// A simulator that takes the step's credentials, with `scenarios`.
fn sim(scenarios: &[&str]) -> SimServer {
    SimServer::with_auth(scenarios, "ci", PASSWORD)
}

/// A step with the connection and addresses only, as a workflow that wants the notification
/// writes it; the password is there to be kept out of every output.
fn notify_step(sim: &SimServer) -> Step {
    Step::new()
        .input("password", PASSWORD)
        .input("username", "ci")
        .input("server_address", "127.0.0.1")
        .input("server_port", &sim.port().to_string())
        .input("to", "dev@example.com")
        .input("from", "CI <ci@example.com>")
}

#[test]
fn a_push_without_subject_or_body_sends_the_build_notification() {
    let sim = sim(&[]);
    let ran = notify_step(&sim)
        .event("push", "push.with-new-branch.json")
        .input("status", "failure")
        .run();
    ran.assert_code(0);
    let mails = sim.mails();
    assert_eq!(mails.len(), 1, "{ran:#?}");
    assert_eq!(mails[0].subject, "[octo-repo] master #812 failed");
    assert!(
        mails[0].text.contains("Initial commit"),
        "{}",
        mails[0].text
    );
    assert!(
        mails[0].text.contains("Author:       Codertocat"),
        "{}",
        mails[0].text
    );
    assert_password_nowhere(&ran);
}

#[test]
fn a_pull_request_without_subject_or_body_names_the_pull_request() {
    let sim = sim(&[]);
    let ran = notify_step(&sim)
        .event("pull_request", "pull_request.opened.json")
        .env("GITHUB_HEAD_REF", "changes")
        .input("status", "success")
        .run();
    ran.assert_code(0);
    let mails = sim.mails();
    assert_eq!(mails[0].subject, "[octo-repo] changes PR #2 #812 passed");
    assert!(
        mails[0]
            .text
            .contains("Pull request: #2 Update the README with new information."),
        "{}",
        mails[0].text
    );
}

/// A workflow that reports on another run: the payload's conclusion is the status of the run
/// the mail is about, not this job's `status`.
#[test]
fn a_workflow_run_notification_is_about_the_triggering_run() {
    let sim = sim(&[]);
    notify_step(&sim)
        .event(
            "workflow_run",
            "workflow_run.completed.with-pull-requests.json",
        )
        .input("status", "failure")
        .run()
        .assert_code(0);
    assert_eq!(
        sim.mails()[0].subject,
        "[octo-repo] master PR #2 #163 passed"
    );
}

#[test]
fn a_body_without_subject_names_subject() {
    let sim = sim(&[]);
    let ran = notify_step(&sim).input("body", "All green.").run();
    ran.assert_code(78);
    assert!(
        ran.stdout
            .contains("::subject: body is given without a subject"),
        "{}",
        ran.stdout
    );
    assert!(sim.mails().is_empty());
}

#[test]
fn a_subject_without_body_replaces_only_the_subject() {
    let sim = sim(&[]);
    notify_step(&sim)
        .event("push", "push.with-new-branch.json")
        .input("status", "success")
        .input("subject", "Nightly build")
        .run()
        .assert_code(0);
    let mails = sim.mails();
    assert_eq!(mails[0].subject, "Nightly build");
    assert!(
        mails[0].text.starts_with("The build passed."),
        "{}",
        mails[0].text
    );
}

#[test]
fn the_log_files_tail_is_in_the_notification_of_a_failure() {
    let sim = sim(&[]);
    let log: String = (1..=200).map(|n| format!("build step {n}\n")).collect();
    notify_step(&sim)
        .event("push", "push.with-new-branch.json")
        .input("status", "failure")
        .file("build.log", &format!("{log}error: 3 tests failed\n"))
        .input("log_file", "build.log")
        .run()
        .assert_code(0);
    let text = &sim.mails()[0].text;
    assert!(text.contains("Last 50 lines of the build log"), "{text}");
    assert!(text.contains("    error: 3 tests failed\n"), "{text}");
    assert!(text.contains("    build step 200\n"), "{text}");
    assert!(!text.contains("build step 100\n"), "only the tail: {text}");
}

#[test]
fn a_missing_log_file_is_a_warning_and_the_notification_still_goes() {
    let sim = sim(&[]);
    let ran = notify_step(&sim)
        .event("push", "push.with-new-branch.json")
        .input("status", "failure")
        .input("log_file", "no-such.log")
        .run();
    ran.assert_code(0);
    assert_eq!(sim.mails().len(), 1);
    assert!(
        ran.stdout.lines().any(|l| l.starts_with(
            "::warning title=buildmail::reading the build log no-such.log (log_file): "
        ) && l.ends_with("; the notification goes without it")),
        "{}",
        ran.stdout
    );
}

#[test]
fn scan_logs_annotates_smtp_failures_on_their_file_and_line() {
    let sim = SimServer::start(&[]);
    let log = "deploying\n\
               sending the release mail\n\
               com.sun.mail.smtp.SMTPSendFailedException: 421 4.7.0 Try again later\n\
               done\n";
    let ran = Step::new()
        .dawidd6(&sim)
        .file("logs/deploy.log", log)
        .file("logs/quiet.log", "nothing to see\n")
        .input("scan_logs", "logs/*.log")
        .run();
    ran.assert_code(0);
    let found: Vec<_> = ran
        .stdout
        .lines()
        .filter(|l| l.contains("file=logs/"))
        .collect();
    assert_eq!(found.len(), 1, "{}", ran.stdout);
    assert!(
        found[0].starts_with("::warning title=SMTP failure in the log%3A "),
        "{}",
        found[0]
    );
    assert!(
        found[0].contains(",file=logs/deploy.log,line=3::421 4.7.0 Try again later"),
        "{}",
        found[0]
    );
}

#[test]
fn a_hostile_scanned_log_commands_nothing() {
    let sim = sim(&[]);
    let hostile = "::set-output name=status::delivered %0A ##[add-path]/tmp/evil ::error::forged";
    let log = format!(
        "{hostile}\n\
         SMTPSendFailedException: 550 5.7.1 {hostile}\r\n::add-mask::x\n\
         ::stop-commands::abc\n"
    );
    let ran = notify_step(&sim)
        .input("subject", "s")
        .input("body", "b")
        .file("mail,log::x.log", &log)
        .input("scan_logs", "*.log")
        .run();
    ran.assert_code(0);
    assert!(
        ran.stdout.contains("line=2::550 5.7.1"),
        "the failure is annotated: {}",
        ran.stdout
    );
    assert!(
        ran.stdout.contains("file=mail%2Clog%3A%3Ax.log"),
        "{}",
        ran.stdout
    );
    assert_no_injected_command(&ran);
    assert_password_nowhere(&ran);
    assert_eq!(ran.output("status"), "delivered");
}

/// A named pipe named in scan_logs would block the step forever if it were opened (a glob
/// matches regular files and links only).
#[cfg(unix)]
#[test]
fn a_named_pipe_in_scan_logs_is_left_out_not_read() {
    let sim = SimServer::start(&[]);
    let step = Step::new().dawidd6(&sim).input("scan_logs", "pipe.log");
    let fifo = step.path("pipe.log");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let ran = step.run();
    ran.assert_code(0);
    assert!(
        ran.stdout
            .contains("scan_logs: pipe.log is a named pipe (FIFO), not a log: left out"),
        "{}",
        ran.stdout
    );
}

#[test]
fn a_scan_logs_glob_that_matches_nothing_is_a_warning() {
    let sim = SimServer::start(&[]);
    let ran = Step::new()
        .dawidd6(&sim)
        .input("scan_logs", "logs/*.log")
        .run();
    ran.assert_code(0);
    assert!(
        ran.stdout.contains(
            "::warning title=scan_logs::scan_logs: nothing matches logs/*.log: no log was scanned for it"
        ),
        "{}",
        ran.stdout
    );
}

#[test]
fn the_outbox_keeps_a_deferred_message_and_outputs_its_id() {
    let sim = sim(&["fault:rcpt:451 4.3.0 Try again later:99"]);
    let step = notify_step(&sim)
        .input("subject", "Build passed")
        .input("body", "All green.")
        .input("max_attempts", "1")
        .input("outbox", ".outbox");
    let ran = step.run();
    ran.assert_code(75);
    assert_eq!(ran.output("status"), "deferred");
    let id = ran.output("outbox_id");
    assert!(!id.is_empty(), "{ran:#?}");
    let kept: Vec<String> = Outbox::open(step.path(".outbox"))
        .unwrap()
        .list()
        .unwrap()
        .into_iter()
        .filter_map(|entry| match entry {
            Listed::Entry(info) => Some(info.id),
            Listed::Broken(_) => None,
        })
        .collect();
    assert_eq!(kept, [id.to_owned()]);
    assert_password_nowhere(&ran);
}

#[test]
fn the_outbox_keeps_a_message_whose_credentials_were_refused() {
    let sim = SimServer::with_auth(&[], "ci", "another-password");
    let step = notify_step(&sim)
        .input("subject", "Build passed")
        .input("body", "All green.")
        .input("outbox", ".outbox");
    let ran = step.run();
    ran.assert_code(77);
    assert!(!ran.output("outbox_id").is_empty(), "{ran:#?}");
    assert_password_nowhere(&ran);
}

#[test]
fn a_deferred_message_without_an_outbox_has_no_outbox_id() {
    let sim = SimServer::start(&["fault:rcpt:451 4.3.0 Try again later:99"]);
    let ran = Step::new().dawidd6(&sim).input("max_attempts", "1").run();
    ran.assert_code(75);
    assert_eq!(ran.output("outbox_id"), "");
}

#[test]
fn an_unreadable_ca_file_is_named_as_the_input_not_a_flag() {
    let sim = sim(&[]);
    let ran = notify_step(&sim)
        .input("subject", "s")
        .input("body", "b")
        .input("secure", "true")
        .input("ca_file", "missing-ca.pem")
        .run();
    ran.assert_code(78);
    let error = ran
        .stdout
        .lines()
        .find(|l| l.starts_with("::error "))
        .expect("an error");
    assert!(error.contains("ca_file"), "{error}");
    assert!(!error.contains("--"), "no CLI flag: {error}");
    assert_password_nowhere(&ran);
}

#[test]
fn a_server_address_that_is_no_host_is_named_as_the_input() {
    let sim = sim(&[]);
    let ran = notify_step(&sim)
        .input("subject", "s")
        .input("body", "b")
        .input("server_address", "mail example.com")
        .run();
    ran.assert_code(78);
    let error = ran
        .stdout
        .lines()
        .find(|l| l.starts_with("::error "))
        .expect("an error");
    assert!(error.contains("::server_address: "), "{error}");
    assert!(!error.contains("--"), "no CLI flag: {error}");
}
