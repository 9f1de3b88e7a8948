//! What several of the core's test binaries share: a connector to an in-process `buildmail-sim`.

use std::sync::Arc;

use buildmail_core::Server;
use buildmail_core::connector::{BoxStream, ConnectFuture, Connector};
use buildmail_sim::SimHandle;

/// Every connection goes to the sim over an in-memory pipe.
pub struct SimNet(pub Arc<SimHandle>);

impl Connector for SimNet {
    fn connect<'a>(&'a self, _server: &'a Server) -> ConnectFuture<'a> {
        Box::pin(async move {
            let (client, server) = tokio::io::duplex(64 * 1024);
            self.0.serve_stream(server);
            Ok(Box::new(client) as BoxStream)
        })
    }
}
