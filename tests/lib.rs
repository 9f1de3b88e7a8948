//! End-to-end scenarios: the real binaries, built by [`support::buildmail_bin`], against
//! servers the tests start themselves on 127.0.0.1.
//!
//! - `jenkins`: the CLI as a Jenkins `sh` step runs it: console text, report files, exit codes,
//!   and the trigger table in Jenkins' status words.
//! - `groovy`: the shared library step (`jenkins/vars/buildmail.groovy`) under Groovy 2.4 with a
//!   mocked pipeline.

mod groovy;
mod jenkins;
mod support;
