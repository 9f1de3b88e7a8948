//! Untrusted text (a server's reply, a subject from a commit message, a file name) carrying
//! workflow commands produces no command the binary did not mean, no extra output or
//! environment line, and the password appears nowhere.

use crate::support::{Ran, SimServer, Step};

pub const PASSWORD: &str = "hunter2-secret";
const HOSTILE: &str =
    "::set-output name=status::delivered %0A ##[add-path]/tmp/evil ::error::forged";

/// The commands the binary means to print; anything else that the runner would read as a
/// command is an injection.
const MEANT: [&str; 4] = ["add-mask", "error", "warning", "notice"];

pub fn assert_no_injected_command(ran: &Ran) {
    for line in ran.stdout.split(['\n', '\r']) {
        let trimmed = line.trim_start();
        if let Some(rest) = trimmed.strip_prefix("::") {
            let name = rest.split([' ', ':']).next().unwrap();
            assert!(
                MEANT.contains(&name) && line == trimmed,
                "an unmeant command: {line:?}"
            );
        } else {
            assert!(!line.contains("##["), "an old-style command: {line:?}");
        }
    }
}

pub fn assert_password_nowhere(ran: &Ran) {
    for (place, text) in [
        ("stderr", &ran.stderr),
        ("summary", &ran.summary),
        ("env", &ran.env_file),
    ] {
        assert!(!text.contains(PASSWORD), "the password in {place}: {text}");
    }
    for (name, value) in &ran.outputs {
        assert!(!value.contains(PASSWORD), "the password in output {name}");
    }
    let unmasked: Vec<_> = ran
        .stdout
        .lines()
        .filter(|l| l.contains(PASSWORD) && !l.starts_with("::add-mask::"))
        .collect();
    assert!(unmasked.is_empty(), "the password on stdout: {unmasked:?}");
    assert!(
        ran.stdout.starts_with(&format!("::add-mask::{PASSWORD}\n")),
        "masked first: {}",
        ran.stdout
    );
}

#[test]
fn a_hostile_server_reply_commands_nothing() {
    let sim = SimServer::start(&[&format!("fault:rcpt:550 5.7.1 {HOSTILE}:5")]);
    let ran = Step::new()
        .dawidd6(&sim)
        .input(
            "connection_url",
            &format!("smtp://127.0.0.1:{}", sim.port()),
        )
        .input(
            "subject",
            &format!("fix: {HOSTILE}\n::warning::from the commit message"),
        )
        .run();
    ran.assert_code(69);
    assert_no_injected_command(&ran);
    let names: Vec<_> = ran.outputs.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "status",
            "message_id",
            "attempts",
            "explanation",
            "outbox_id"
        ]
    );
    assert_eq!(ran.output("status"), "rejected");
    assert!(
        ran.stdout.contains("#[add-path]/tmp/evil") && !ran.stdout.contains("##[add-path]"),
        "the reply is in the log, escaped: {}",
        ran.stdout
    );
}

#[test]
fn a_hostile_file_name_commands_nothing() {
    let sim = SimServer::start(&[]);
    let ran = Step::new()
        .dawidd6(&sim)
        .input("password", PASSWORD)
        .input("username", "ci")
        .input("attachments", &format!("{HOSTILE}\r\n::add-path::/x.txt"))
        .run();
    assert_no_injected_command(&ran);
    assert_password_nowhere(&ran);
}

#[test]
fn a_password_that_fails_an_input_is_still_masked_first() {
    let ran = Step::new()
        .input(
            "connection_url",
            &format!("smtp://ci:{PASSWORD}@mail.example.com"),
        )
        .input("max_attempts", "many")
        .run();
    ran.assert_code(78);
    assert!(
        ran.stdout
            .contains("max_attempts: \"many\" is not a number"),
        "{}",
        ran.stdout
    );
    assert_password_nowhere(&ran);
}
