//! A step as the runner runs it, a simulator to send to, and what the step left behind.

use std::path::PathBuf;
use std::process::Command;

use buildmail_sim::{Record, Scenario, Sim, SimHandle};

/// The environment of one step, in a fresh workspace directory.
pub struct Step {
    dir: tempfile::TempDir,
    env: Vec<(String, String)>,
}

/// What the step did: exit code, stdout, stderr, the outputs it set and the summary it wrote.
#[derive(Debug)]
pub struct Ran {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub outputs: Vec<(String, String)>,
    pub env_file: String,
    pub summary: String,
}

impl Ran {
    pub fn output(&self, name: &str) -> &str {
        let found = self.outputs.iter().find(|(n, _)| n == name);
        &found
            .unwrap_or_else(|| panic!("no output {name}: {self:#?}"))
            .1
    }

    /// Asserts the exit code, showing everything when it is not the one expected.
    pub fn assert_code(&self, code: i32) -> &Self {
        assert_eq!(self.code, code, "{self:#?}");
        self
    }
}

impl Step {
    pub fn new() -> Step {
        let dir = tempfile::tempdir().unwrap();
        let mut step = Step { dir, env: vec![] };
        for (name, file) in [
            ("GITHUB_OUTPUT", "output"),
            ("GITHUB_STEP_SUMMARY", "summary.md"),
            ("GITHUB_ENV", "env"),
        ] {
            let path = step.path(file);
            std::fs::write(&path, "").unwrap();
            step = step.env(name, path.to_str().unwrap());
        }
        step.env("GITHUB_ACTIONS", "true")
    }

    pub fn path(&self, file: &str) -> PathBuf {
        self.dir.path().join(file)
    }

    pub fn env(mut self, name: &str, value: &str) -> Step {
        self.env.push((name.to_owned(), value.to_owned()));
        self
    }

    /// An input as the runner passes it: `INPUT_` and the name upper-cased.
    pub fn input(self, name: &str, value: &str) -> Step {
        let variable = format!("INPUT_{}", name.replace(' ', "_").to_uppercase());
        self.env(&variable, value)
    }

    /// The inputs of a dawidd6/action-send-mail step sending to `sim`.
    pub fn dawidd6(self, sim: &SimServer) -> Step {
        self.input("server_address", "127.0.0.1")
            .input("server_port", &sim.port().to_string())
            .input("subject", "Build passed")
            .input("body", "All green.")
            .input("to", "dev@example.com")
            .input("from", "CI <ci@example.com>")
    }

    /// The run's context for `repo` at `api_url`, with an event payload fixture.
    pub fn github(self, api_url: &str, event: &str) -> Step {
        let fixture = format!(
            "{}/../../tests/fixtures/github-events/{event}",
            env!("CARGO_MANIFEST_DIR")
        );
        self.env("GITHUB_API_URL", api_url)
            .env("GITHUB_REPOSITORY", "octo-org/octo-repo")
            .env("GITHUB_RUN_ID", "5012")
            .env("GITHUB_RUN_ATTEMPT", "1")
            .env("GITHUB_SHA", "1111111111111111111111111111111111111111")
            .env(
                "GITHUB_WORKFLOW_REF",
                "octo-org/octo-repo/.github/workflows/ci.yml@refs/heads/main",
            )
            .env("GITHUB_EVENT_PATH", &fixture)
    }

    /// The run's `GITHUB_*` variables for an `event` with its payload fixture, as the runner
    /// sets them for `octo-org/octo-repo` run #812 of the workflow `CI`.
    pub fn event(self, event: &str, fixture: &str) -> Step {
        let payload = format!(
            "{}/../../tests/fixtures/github-events/{fixture}",
            env!("CARGO_MANIFEST_DIR")
        );
        self.env("GITHUB_EVENT_NAME", event)
            .env("GITHUB_EVENT_PATH", &payload)
            .env("GITHUB_REPOSITORY", "octo-org/octo-repo")
            .env("GITHUB_SERVER_URL", "https://github.com")
            .env("GITHUB_RUN_ID", "5012")
            .env("GITHUB_RUN_NUMBER", "812")
            .env("GITHUB_WORKFLOW", "CI")
            .env("GITHUB_ACTOR", "octocat")
            .env("GITHUB_SHA", "1111111111111111111111111111111111111111")
    }

    /// Writes a file in the workspace.
    pub fn file(self, name: &str, text: &str) -> Step {
        let path = self.path(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
        self
    }

    pub fn run(&self) -> Ran {
        let output = Command::new(env!("CARGO_BIN_EXE_buildmail-action"))
            .env_clear()
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .current_dir(self.dir.path())
            .output()
            .unwrap();
        let read = |file| std::fs::read_to_string(self.path(file)).unwrap();
        Ran {
            code: output.status.code().unwrap(),
            stdout: String::from_utf8(output.stdout).unwrap(),
            stderr: String::from_utf8(output.stderr).unwrap(),
            outputs: buildmail_action::workflow::files::parse_file_commands(&read("output")),
            env_file: read("env"),
            summary: read("summary.md"),
        }
    }
}

/// A simulator on a free loopback port, served by its own runtime while the test holds it.
pub struct SimServer {
    runtime: tokio::runtime::Runtime,
    sim: Option<SimHandle>,
}

impl SimServer {
    pub fn start(scenarios: &[&str]) -> SimServer {
        SimServer::start_with(scenarios, |builder| builder)
    }

    /// A simulator that takes only the user `user` with `password`.
    pub fn with_auth(scenarios: &[&str], user: &str, password: &str) -> SimServer {
        SimServer::start_with(scenarios, |builder| builder.auth(user, password))
    }

    fn start_with(
        scenarios: &[&str],
        configure: impl FnOnce(buildmail_sim::SimBuilder) -> buildmail_sim::SimBuilder,
    ) -> SimServer {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let scenarios: Vec<Scenario> = scenarios.iter().map(|s| s.parse().unwrap()).collect();
        let builder = configure(
            Sim::builder()
                .scenarios(scenarios)
                .listen("127.0.0.1:0".parse().unwrap()),
        );
        let sim = runtime.block_on(builder.start()).unwrap();
        SimServer {
            runtime,
            sim: Some(sim),
        }
    }

    pub fn port(&self) -> u16 {
        self.sim.as_ref().unwrap().addr().port()
    }

    pub fn record(&self) -> Record {
        self.sim.as_ref().unwrap().record()
    }
}

impl SimServer {
    /// The subject and plain-text body of every message the sim accepted, decoded, in order.
    pub fn mails(&self) -> Vec<Mail> {
        let record = self.record();
        let parse = |data: &[u8]| {
            let parsed = mail_parser::MessageParser::default().parse(data).unwrap();
            Mail {
                subject: parsed.subject().unwrap_or_default().to_owned(),
                text: parsed
                    .body_text(0)
                    .unwrap_or_default()
                    .replace("\r\n", "\n"),
            }
        };
        record.messages.iter().map(|m| parse(&m.data)).collect()
    }
}

/// A mail as its reader sees it.
#[derive(Debug)]
pub struct Mail {
    pub subject: String,
    pub text: String,
}

impl Drop for SimServer {
    fn drop(&mut self) {
        if let Some(sim) = self.sim.take() {
            self.runtime.block_on(sim.shutdown());
        }
    }
}
