//! `buildmail explain`. (Not built yet: see the issue that introduces it.)

use crate::exit::{Exit, UserError};

#[derive(Debug, clap::Args)]
pub struct ExplainArgs {}

pub fn run(_args: ExplainArgs) -> anyhow::Result<Exit> {
    Err(UserError::new(
        Exit::Usage,
        "`buildmail explain` is not available in this build yet",
    )
    .into())
}
