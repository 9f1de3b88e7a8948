//! A small builder that runs the real binary and always asserts exit code, stdout and stderr.

#![allow(dead_code)] // each test module uses the helpers it needs
use std::io::Write;
use std::process::{Command, Stdio};

use buildmail_sim::{Record, Scenario, Sim, SimHandle};

/// One run of `buildmail`, with what it is expected to print and return.
pub struct Run {
    args: Vec<String>,
    stdin: Option<String>,
    envs: Vec<(String, String)>,
    dir: Option<std::path::PathBuf>,
}

/// What a finished run printed and returned.
pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub fn buildmail<I, S>(args: I) -> Run
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    Run {
        args: args.into_iter().map(Into::into).collect(),
        stdin: None,
        envs: Vec::new(),
        dir: None,
    }
}

impl Run {
    pub fn stdin(mut self, input: impl Into<String>) -> Self {
        self.stdin = Some(input.into());
        self
    }

    /// Runs in `dir` instead of the test's working directory.
    pub fn current_dir(mut self, dir: &std::path::Path) -> Self {
        self.dir = Some(dir.to_owned());
        self
    }

    pub fn env(mut self, key: &str, value: impl Into<String>) -> Self {
        self.envs.push((key.to_owned(), value.into()));
        self
    }

    /// Runs the binary with a clean `BUILDMAIL_*` environment and returns what it did.
    pub fn output(self) -> Output {
        let mut command = Command::new(env!("CARGO_BIN_EXE_buildmail"));
        command
            .args(&self.args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (key, _) in std::env::vars() {
            if key.starts_with("BUILDMAIL_") || key.starts_with("GITHUB_") || key == "JENKINS_URL" {
                command.env_remove(key);
            }
        }
        command.env("NO_COLOR", "1");
        // No config file of the machine's user: a test that wants one sets its own.
        command.env("XDG_CONFIG_HOME", "/nonexistent/buildmail-tests");
        if let Some(dir) = &self.dir {
            command.current_dir(dir);
        }
        for (key, value) in &self.envs {
            command.env(key, value);
        }
        let mut child = command.spawn().expect("the buildmail binary runs");
        let input = self.stdin.unwrap_or_default();
        child
            .stdin
            .take()
            .expect("stdin is piped")
            .write_all(input.as_bytes())
            .ok();
        let out = child.wait_with_output().expect("buildmail finishes");
        Output {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Runs and asserts the exit code; returns the output for further checks.
    pub fn expect_code(self, code: i32) -> Output {
        let args = self.args.join(" ");
        let out = self.output();
        assert_eq!(
            out.code, code,
            "buildmail {args}: exit {} instead of {code}\n--- stdout\n{}\n--- stderr\n{}",
            out.code, out.stdout, out.stderr
        );
        out
    }
}

/// A sim on a free loopback port, served by its own runtime for as long as the test holds it.
pub struct Server {
    pub runtime: tokio::runtime::Runtime,
    sim: Option<SimHandle>,
}

impl Server {
    pub fn start(scenarios: &[&str]) -> Server {
        Server::start_with(scenarios, |builder| builder)
    }

    pub fn start_with(
        scenarios: &[&str],
        configure: impl FnOnce(buildmail_sim::SimBuilder) -> buildmail_sim::SimBuilder,
    ) -> Server {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("a runtime for the sim");
        let scenarios: Vec<Scenario> = scenarios
            .iter()
            .map(|s| s.parse().expect("a valid scenario"))
            .collect();
        let builder = configure(
            Sim::builder()
                .scenarios(scenarios)
                .listen("127.0.0.1:0".parse().expect("a socket address")),
        );
        let sim = runtime.block_on(builder.start()).expect("the sim starts");
        Server {
            runtime,
            sim: Some(sim),
        }
    }

    pub fn sim(&self) -> &SimHandle {
        self.sim.as_ref().expect("the sim runs until drop")
    }

    pub fn url(&self) -> String {
        format!("smtp://{}?tls=none", self.sim().addr())
    }

    pub fn record(&self) -> Record {
        self.sim().record()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(sim) = self.sim.take() {
            self.runtime.block_on(sim.shutdown());
        }
    }
}

/// `buildmail send` from ci@ to dev@ through `url`, with `extra` flags after.
pub fn send_args(url: &str, extra: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = [
        "send",
        "--smtp-url",
        url,
        "--from",
        "ci@example.com",
        "--to",
        "dev@example.com",
        "--subject",
        "main: build 42 passed",
        "--body",
        "All green.",
    ]
    .map(String::from)
    .to_vec();
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}
