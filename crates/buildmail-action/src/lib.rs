//! The GitHub Action of buildmail, as a library so its tests and the end-to-end tests can reach
//! each concern: [`inputs`] (the step's `INPUT_*`), [`workflow`] (the runner's commands and
//! files), [`github`] (the API), [`message`] (what is sent), [`scan_logs`] (failures in other
//! logs), [`step_report`] (a report on GitHub), [`run`] (the step in order)
//! and [`exit`] (the exit code).

pub mod exit;
pub mod github;
pub mod inputs;
pub mod message;
pub mod run;
pub mod scan_logs;
pub mod spelling;
pub mod step_report;
pub mod workflow;
