//! The step's inputs, read from `INPUT_*` as the runner sets them, into [`RawInputs`]: one field
//! per input, one-to-one with what the user typed (strings, booleans, lists, `file://` texts,
//! the `headers` JSON object, the SMTP connection). Every dawidd6/action-send-mail input keeps
//! its name and meaning, so switching is one `uses:` line; buildmail's own inputs follow.
//!
//! An error names the input as the user wrote it in the workflow (`server_port: ...`).

mod connection;
mod parse;

use std::path::PathBuf;
use std::time::Duration;

use buildmail_core::ci::BuildStatus;
use buildmail_core::compose::Priority;
use buildmail_core::notify::Trigger;

pub use connection::{Connection, Security};
pub use parse::Text;

/// An input the user got wrong, named as in the workflow file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{input}: {problem}")]
pub struct InputError {
    /// The input's name (`server_port`).
    pub input: &'static str,
    /// What is wrong and how to fix it.
    pub problem: String,
}

impl InputError {
    pub(crate) fn new(input: &'static str, problem: impl Into<String>) -> Self {
        InputError {
            input,
            problem: problem.into(),
        }
    }
}

/// The environment variable the runner sets for an input: `INPUT_` and the name upper-cased,
/// spaces turned to `_` (dashes stay), as the toolkit's `getInput` reads it.
pub fn variable(input: &str) -> String {
    format!("INPUT_{}", input.replace(' ', "_").to_uppercase())
}

/// Every input the step reads, in the order of `actions/notify/action.yml` (a test holds the two
/// together).
pub const NAMES: [&str; 39] = [
    "connection_url",
    "server_address",
    "server_port",
    "secure",
    "username",
    "password",
    "require_tls",
    "ignore_cert",
    "ca_file",
    "subject",
    "body",
    "html_body",
    "convert_markdown",
    "from",
    "to",
    "cc",
    "bcc",
    "reply_to",
    "in_reply_to",
    "attachments",
    "priority",
    "headers",
    "envelope_from",
    "envelope_to",
    "nodemailerlog",
    "nodemailerdebug",
    "status",
    "previous_status",
    "notify_when",
    "retry_budget",
    "max_attempts",
    "fallback_servers",
    "outbox",
    "log_file",
    "scan_logs",
    "github_token",
    "annotate",
    "fail_on_error",
    "comment_on_failure",
];

/// dawidd6/action-send-mail inputs buildmail does not use; set, they earn a warning.
pub const IGNORED: [&str; 2] = ["nodemailerlog", "nodemailerdebug"];

const STATUS_WORDS: &str = "success, failure, cancelled (GitHub's job.status words)";
const WHEN_WORDS: &str =
    "always, failure, first-failure, still-failing, fixed, unstable, changed or not-success";

/// Every input, as typed. `None` or empty: not given (the default applies later).
#[derive(Debug, Default)]
pub struct RawInputs {
    // The inputs of dawidd6/action-send-mail, with its meaning.
    /// Where to send: `connection_url`, or `server_address`, `server_port`, `secure`, with
    /// `username`, `password`, `require_tls`.
    pub connection: Option<Connection>,
    /// `subject` (text or `file://path`).
    pub subject: Option<Text>,
    /// `to`: comma-separated recipients.
    pub to: Vec<String>,
    /// `from`: `a@b` or `Name <a@b>`.
    pub from: Option<String>,
    /// `body` (text or `file://path`).
    pub body: Option<Text>,
    /// `html_body` (text or `file://path`).
    pub html_body: Option<Text>,
    /// `cc`: comma-separated.
    pub cc: Vec<String>,
    /// `bcc`: comma-separated.
    pub bcc: Vec<String>,
    /// `reply_to`.
    pub reply_to: Option<String>,
    /// `in_reply_to`: a Message-ID.
    pub in_reply_to: Option<String>,
    /// `ignore_cert`: accept any TLS certificate.
    pub ignore_cert: bool,
    /// `convert_markdown`: render the HTML body from Markdown.
    pub convert_markdown: bool,
    /// `attachments`: comma-separated paths or globs.
    pub attachments: Vec<String>,
    /// `priority`: high, normal or low.
    pub priority: Option<Priority>,
    /// `headers`: a JSON object of extra headers, in its order.
    pub headers: Vec<(String, String)>,
    /// `envelope_from`: the SMTP MAIL FROM address.
    pub envelope_from: Option<String>,
    /// `envelope_to`: comma-separated SMTP RCPT TO addresses.
    pub envelope_to: Vec<String>,
    /// The dawidd6 inputs that were set but mean nothing here.
    pub ignored: Vec<&'static str>,

    // buildmail's own.
    /// `status`: this job's result (`${{ job.status }}` by default).
    pub status: Option<BuildStatus>,
    /// `previous_status`: the previous run's result, when known without the API.
    pub previous_status: Option<BuildStatus>,
    /// `notify_when`: which results send mail.
    pub notify_when: Option<Trigger>,
    /// `retry_budget`: total time retries may take (`10m`).
    pub retry_budget: Option<Duration>,
    /// `max_attempts`: attempts per message, the first included.
    pub max_attempts: Option<u32>,
    /// `fallback_servers`: comma-separated SMTP URLs tried while the primary fails transiently.
    pub fallback_servers: Vec<String>,
    /// `log_file`: a log whose tail goes into the notification.
    pub log_file: Option<PathBuf>,
    /// `github_token`: for the previous run, the check run and the PR comment.
    pub github_token: Option<String>,
    /// `annotate`: print annotations (default true).
    pub annotate: bool,
    /// `fail_on_error`: fail the step when delivery fails (default true).
    pub fail_on_error: bool,
    /// `comment_on_failure`: comment on the pull request when delivery failed (default false).
    pub comment_on_failure: bool,
    /// `ca_file`: extra CA certificates (PEM).
    pub ca_file: Option<PathBuf>,
    /// `outbox`: where a deferred message waits.
    pub outbox: Option<PathBuf>,
    /// `scan_logs`: comma-separated globs of logs to scan for SMTP failures.
    pub scan_logs: Vec<String>,
}

impl RawInputs {
    /// Reads every input through `lookup` (the process environment in the binary). Values are
    /// trimmed, as the toolkit's `getInput` does.
    pub fn read(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, InputError> {
        let get = |input: &'static str| {
            lookup(&variable(input))
                .map(|value| value.trim().to_owned())
                .filter(|value| !value.is_empty())
        };
        let list = |input: &'static str| get(input).map(|v| parse::list(&v)).unwrap_or_default();
        let text = |input: &'static str| get(input).map(|v| Text::parse(&v));
        let flag = |input: &'static str, default: bool| {
            get(input).map_or(Ok(default), |v| parse::boolean(input, &v))
        };
        Ok(RawInputs {
            connection: Connection::read(&get, &flag)?,
            subject: text("subject"),
            to: list("to"),
            from: get("from"),
            body: text("body"),
            html_body: text("html_body"),
            cc: list("cc"),
            bcc: list("bcc"),
            reply_to: get("reply_to"),
            in_reply_to: get("in_reply_to"),
            ignore_cert: flag("ignore_cert", false)?,
            convert_markdown: flag("convert_markdown", false)?,
            attachments: list("attachments"),
            priority: get("priority").map(|v| parse::priority(&v)).transpose()?,
            headers: get("headers")
                .map(|v| parse::headers(&v))
                .transpose()?
                .unwrap_or_default(),
            envelope_from: get("envelope_from"),
            envelope_to: list("envelope_to"),
            ignored: IGNORED
                .into_iter()
                .filter(|input| get(input).is_some())
                .collect(),
            status: get("status")
                .map(|v| parse::word("status", &v, STATUS_WORDS))
                .transpose()?,
            previous_status: get("previous_status")
                .map(|v| parse::word("previous_status", &v, STATUS_WORDS))
                .transpose()?,
            notify_when: get("notify_when")
                .map(|v| parse::word("notify_when", &v, WHEN_WORDS))
                .transpose()?,
            retry_budget: get("retry_budget")
                .map(|v| parse::duration("retry_budget", &v))
                .transpose()?,
            max_attempts: get("max_attempts")
                .map(|v| parse::attempts(&v))
                .transpose()?,
            fallback_servers: list("fallback_servers"),
            log_file: get("log_file").map(PathBuf::from),
            github_token: get("github_token"),
            annotate: flag("annotate", true)?,
            fail_on_error: flag("fail_on_error", true)?,
            comment_on_failure: flag("comment_on_failure", false)?,
            ca_file: get("ca_file").map(PathBuf::from),
            outbox: get("outbox").map(PathBuf::from),
            scan_logs: list("scan_logs"),
        })
    }

    /// The secrets to mask before anything is printed: the password, the connection URL's,
    /// and the GitHub token.
    pub fn secrets(&self) -> Vec<&str> {
        let mut secrets: Vec<&str> = self
            .connection
            .iter()
            .flat_map(Connection::secrets)
            .collect();
        secrets.extend(self.github_token.as_deref());
        secrets
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn read(pairs: &[(&str, &str)]) -> Result<RawInputs, InputError> {
        let env: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (variable(k), (*v).to_owned()))
            .collect();
        RawInputs::read(|name| env.get(name).cloned())
    }

    #[test]
    fn every_input_read_is_listed_in_names_and_every_name_is_read() {
        let asked = std::cell::RefCell::new(std::collections::BTreeSet::new());
        for server in [None, Some("mail.example.com")] {
            RawInputs::read(|name| {
                asked.borrow_mut().insert(name.to_owned());
                server
                    .filter(|_| name == "INPUT_SERVER_ADDRESS")
                    .map(str::to_owned)
            })
            .unwrap();
        }
        let listed: std::collections::BTreeSet<_> = NAMES.iter().map(|n| variable(n)).collect();
        assert_eq!(asked.into_inner(), listed);
    }

    #[test]
    fn the_variable_is_upper_case_with_spaces_to_underscores_and_dashes_kept() {
        assert_eq!(variable("server_address"), "INPUT_SERVER_ADDRESS");
        assert_eq!(variable("my input-name"), "INPUT_MY_INPUT-NAME");
    }

    #[test]
    fn nothing_set_reads_as_defaults() {
        let inputs = read(&[]).unwrap();
        assert!(inputs.connection.is_none());
        assert!(inputs.annotate && inputs.fail_on_error && !inputs.comment_on_failure);
        assert!(!inputs.ignore_cert && !inputs.convert_markdown);
        assert!(inputs.to.is_empty() && inputs.headers.is_empty());
    }

    #[test]
    fn blank_values_are_not_given_and_values_are_trimmed() {
        let inputs = read(&[("from", "  ci@example.com \n"), ("reply_to", "   ")]).unwrap();
        assert_eq!(inputs.from.as_deref(), Some("ci@example.com"));
        assert_eq!(inputs.reply_to, None);
    }

    #[test]
    fn subject() {
        let inputs = read(&[("subject", "Build 42")]).unwrap();
        assert_eq!(inputs.subject, Some(Text::Inline("Build 42".into())));
    }

    #[test]
    fn body_and_html_body_take_file_urls() {
        let inputs = read(&[("body", "file://out/body.txt"), ("html_body", "<b>hi</b>")]).unwrap();
        assert_eq!(inputs.body, Some(Text::File("out/body.txt".into())));
        assert_eq!(inputs.html_body, Some(Text::Inline("<b>hi</b>".into())));
    }

    #[test]
    fn recipients_are_comma_lists_that_keep_quoted_names_whole() {
        let inputs = read(&[
            ("to", "a@example.com, \"Doe, Jane\" <jane@example.com>,,"),
            ("cc", "c@example.com"),
            ("bcc", "d@example.com,e@example.com"),
            ("envelope_to", "f@example.com"),
        ])
        .unwrap();
        assert_eq!(
            inputs.to,
            ["a@example.com", "\"Doe, Jane\" <jane@example.com>"]
        );
        assert_eq!(inputs.cc, ["c@example.com"]);
        assert_eq!(inputs.bcc, ["d@example.com", "e@example.com"]);
        assert_eq!(inputs.envelope_to, ["f@example.com"]);
    }

    #[test]
    fn from_reply_to_in_reply_to_and_envelope_from_are_strings() {
        let inputs = read(&[
            ("from", "CI <ci@example.com>"),
            ("reply_to", "dev@example.com"),
            ("in_reply_to", "<1@example.com>"),
            ("envelope_from", "bounce@example.com"),
        ])
        .unwrap();
        assert_eq!(inputs.from.as_deref(), Some("CI <ci@example.com>"));
        assert_eq!(inputs.reply_to.as_deref(), Some("dev@example.com"));
        assert_eq!(inputs.in_reply_to.as_deref(), Some("<1@example.com>"));
        assert_eq!(inputs.envelope_from.as_deref(), Some("bounce@example.com"));
    }

    #[test]
    fn booleans_accept_the_toolkits_spellings_only() {
        for (text, value) in [
            ("true", true),
            ("True", true),
            ("TRUE", true),
            ("false", false),
            ("False", false),
            ("FALSE", false),
        ] {
            assert_eq!(
                read(&[("ignore_cert", text)]).unwrap().ignore_cert,
                value,
                "{text}"
            );
        }
        let error = read(&[("convert_markdown", "yes")]).unwrap_err();
        assert_eq!(error.input, "convert_markdown");
        assert!(
            error.to_string().starts_with("convert_markdown: "),
            "{error}"
        );
        assert!(error.to_string().contains("true or false"), "{error}");
    }

    #[test]
    fn annotate_fail_on_error_and_comment_on_failure_are_booleans() {
        let inputs = read(&[
            ("annotate", "false"),
            ("fail_on_error", "false"),
            ("comment_on_failure", "true"),
        ])
        .unwrap();
        assert!(!inputs.annotate && !inputs.fail_on_error && inputs.comment_on_failure);
        assert_eq!(
            read(&[("fail_on_error", "no")]).unwrap_err().input,
            "fail_on_error"
        );
    }

    #[test]
    fn attachments_and_scan_logs_are_glob_lists() {
        let inputs = read(&[
            ("attachments", "report.xml, logs/*.txt"),
            ("scan_logs", "build.log\n**/*.log"),
        ])
        .unwrap();
        assert_eq!(inputs.attachments, ["report.xml", "logs/*.txt"]);
        assert_eq!(inputs.scan_logs, ["build.log", "**/*.log"]);
    }

    #[test]
    fn priority_is_high_normal_or_low() {
        assert_eq!(
            read(&[("priority", "High")]).unwrap().priority,
            Some(Priority::High)
        );
        assert_eq!(
            read(&[("priority", "low")]).unwrap().priority,
            Some(Priority::Low)
        );
        let error = read(&[("priority", "urgent")]).unwrap_err();
        assert_eq!(error.input, "priority");
    }

    #[test]
    fn headers_are_a_json_object_of_one_line_values() {
        let inputs = read(&[("headers", r#"{"X-Build": "42", "X-Retries": 3}"#)]).unwrap();
        assert_eq!(
            inputs.headers,
            [
                ("X-Build".into(), "42".into()),
                ("X-Retries".into(), "3".into())
            ]
        );
        for bad in [
            r#"["X-A"]"#,
            r#"{"X-A": {"b": 1}}"#,
            r#"{"X-A": "a\r\nBcc: evil@example.com"}"#,
            "{nope",
        ] {
            let error = read(&[("headers", bad)]).unwrap_err();
            assert_eq!(error.input, "headers", "{bad}");
        }
    }

    #[test]
    fn nodemailer_inputs_are_noted_as_ignored() {
        let inputs = read(&[("nodemailerlog", "true")]).unwrap();
        assert_eq!(inputs.ignored, ["nodemailerlog"]);
    }

    #[test]
    fn status_and_previous_status_take_githubs_and_jenkins_words() {
        let inputs = read(&[("status", "failure"), ("previous_status", "SUCCESS")]).unwrap();
        assert_eq!(inputs.status, Some(BuildStatus::Failure));
        assert_eq!(inputs.previous_status, Some(BuildStatus::Success));
        assert_eq!(read(&[("status", "purple")]).unwrap_err().input, "status");
    }

    #[test]
    fn notify_when_takes_the_trigger_names() {
        assert_eq!(
            read(&[("notify_when", "still-failing")])
                .unwrap()
                .notify_when,
            Some(Trigger::StillFailing)
        );
        assert_eq!(
            read(&[("notify_when", "fixed")]).unwrap().notify_when,
            Some(Trigger::Fixed)
        );
        assert_eq!(
            read(&[("notify_when", "sometimes")]).unwrap_err().input,
            "notify_when"
        );
    }

    #[test]
    fn retry_budget_is_a_duration() {
        assert_eq!(
            read(&[("retry_budget", "15m")]).unwrap().retry_budget,
            Some(Duration::from_secs(900))
        );
        let error = read(&[("retry_budget", "soon")]).unwrap_err();
        assert_eq!(error.input, "retry_budget");
        assert!(error.problem.contains("10m"), "{error}");
    }

    #[test]
    fn max_attempts_is_at_least_one() {
        assert_eq!(
            read(&[("max_attempts", "3")]).unwrap().max_attempts,
            Some(3)
        );
        assert_eq!(
            read(&[("max_attempts", "0")]).unwrap_err().input,
            "max_attempts"
        );
        assert_eq!(
            read(&[("max_attempts", "many")]).unwrap_err().input,
            "max_attempts"
        );
    }

    #[test]
    fn paths_and_fallbacks() {
        let inputs = read(&[
            ("log_file", "build.log"),
            ("ca_file", "ca.pem"),
            ("outbox", ".outbox"),
            (
                "fallback_servers",
                "smtp://b.example.com, smtps://c.example.com",
            ),
        ])
        .unwrap();
        assert_eq!(inputs.log_file, Some(PathBuf::from("build.log")));
        assert_eq!(inputs.ca_file, Some(PathBuf::from("ca.pem")));
        assert_eq!(inputs.outbox, Some(PathBuf::from(".outbox")));
        assert_eq!(
            inputs.fallback_servers,
            ["smtp://b.example.com", "smtps://c.example.com"]
        );
    }

    #[test]
    fn the_secrets_are_the_passwords_and_the_token() {
        let inputs = read(&[
            ("connection_url", "smtp://u:url%25pass@mail.example.com"),
            ("github_token", "ghs_x"),
        ])
        .unwrap();
        let secrets = inputs.secrets();
        assert!(secrets.contains(&"url%pass"), "{secrets:?}");
        assert!(secrets.contains(&"url%25pass"), "{secrets:?}");
        assert!(secrets.contains(&"ghs_x"), "{secrets:?}");
    }
}
