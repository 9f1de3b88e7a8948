//! `buildmail send`. (Not built yet: see the issue that introduces it.)

use crate::exit::{Exit, UserError};

#[derive(Debug, clap::Args)]
pub struct SendArgs {}

pub fn run(_args: SendArgs) -> anyhow::Result<Exit> {
    Err(UserError::new(
        Exit::Usage,
        "`buildmail send` is not available in this build yet",
    )
    .into())
}
