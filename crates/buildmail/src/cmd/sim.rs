//! `buildmail sim`. (Not built yet: see the issue that introduces it.)

use crate::exit::{Exit, UserError};

#[derive(Debug, clap::Args)]
pub struct SimArgs {}

pub fn run(_args: SimArgs) -> anyhow::Result<Exit> {
    Err(UserError::new(
        Exit::Usage,
        "`buildmail sim` is not available in this build yet",
    )
    .into())
}
