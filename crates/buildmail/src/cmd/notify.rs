//! `buildmail notify`. (Not built yet: see the issue that introduces it.)

use crate::exit::{Exit, UserError};

#[derive(Debug, clap::Args)]
pub struct NotifyArgs {}

pub fn run(_args: NotifyArgs) -> anyhow::Result<Exit> {
    Err(UserError::new(
        Exit::Usage,
        "`buildmail notify` is not available in this build yet",
    )
    .into())
}
