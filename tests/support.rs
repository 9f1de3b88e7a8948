//! The binaries under test, built once per test run, and a simulator on a free loopback port.

#![allow(dead_code)] // each module uses the helpers it needs
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use buildmail_sim::{Scenario, Sim, SimHandle};

/// The `buildmail` binary of this workspace, built (or found fresh) by cargo on first use, in
/// the profile these tests were built with.
pub fn buildmail_bin() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let mut build = escargot::CargoBuild::new()
            .manifest_path(workspace().join("Cargo.toml"))
            .package("buildmail")
            .bin("buildmail")
            .current_release();
        // Cargo gives a test the variables of its own package; build scripts that watch them
        // (ring's) would see another package and rebuild everything twice per run.
        for (key, _) in std::env::vars_os() {
            let key = key.to_string_lossy();
            if key.starts_with("CARGO_PKG_")
                || key == "CARGO_MANIFEST_DIR"
                || key == "CARGO_CRATE_NAME"
            {
                build = build.env_remove(key.as_ref());
            }
        }
        build
            .run()
            .expect("cargo builds the buildmail binary")
            .path()
            .to_owned()
    })
}

/// The workspace's root directory.
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ sits in the workspace")
        .to_owned()
}

/// `buildmail` with an environment holding nothing of the developer's CI, mail or terminal
/// settings: only what the test gives it.
pub fn buildmail() -> Command {
    let mut command = Command::new(buildmail_bin());
    command.env_clear();
    if let Some(path) = std::env::var_os("PATH") {
        command.env("PATH", path);
    }
    command
}

/// What a finished process printed and returned.
pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs a command and returns its output, whatever the exit code.
pub fn run(command: &mut Command) -> Output {
    let out = command.output().expect("the command runs");
    Output {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

impl Output {
    /// Asserts the exit code, showing everything printed when it differs.
    pub fn expect_code(self, code: i32) -> Output {
        assert_eq!(
            self.code, code,
            "exit {} instead of {code}\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        );
        self
    }
}

/// A sim on a free loopback port, served by its own runtime for as long as the test holds it.
pub struct Server {
    runtime: tokio::runtime::Runtime,
    sim: Option<SimHandle>,
}

impl Server {
    pub fn start(scenarios: &[&str]) -> Server {
        Server::start_with(scenarios, |builder| builder)
    }

    /// A sim configured further, e.g. to require `AUTH`.
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

    pub fn url(&self) -> String {
        let sim = self.sim.as_ref().expect("the sim runs until drop");
        format!("smtp://{}?tls=none", sim.addr())
    }

    pub fn record(&self) -> buildmail_sim::Record {
        self.sim.as_ref().expect("the sim runs until drop").record()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(sim) = self.sim.take() {
            self.runtime.block_on(sim.shutdown());
        }
    }
}
