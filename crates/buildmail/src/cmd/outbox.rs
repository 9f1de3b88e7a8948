//! `buildmail outbox`. (Not built yet: see the issue that introduces it.)

use crate::exit::{Exit, UserError};

#[derive(Debug, clap::Args)]
pub struct OutboxArgs {}

pub fn run(_args: OutboxArgs) -> anyhow::Result<Exit> {
    Err(UserError::new(
        Exit::Usage,
        "`buildmail outbox` is not available in this build yet",
    )
    .into())
}
