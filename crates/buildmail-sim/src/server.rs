//! The sim's outside: its builder, the running handle (address, record, shutdown) and the accept loop.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use crate::SimError;
use crate::policy::{Policy, State};
use crate::record::Record;
use crate::scenario::Scenario;
use crate::session;
use crate::shared::{Shared, stopped};
use crate::tls::SimTls;

/// The fault-injecting SMTP server. Configure one with [`Sim::builder`].
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use buildmail_sim::{Scenario, Sim, SimTls};
///
/// let sim = Sim::builder()
///     .scenario("greylist:5s".parse::<Scenario>()?)
///     .tls(SimTls::generate()?)
///     .auth("user", "secret")
///     .max_message_size(10 << 20)
///     .listen("127.0.0.1:0".parse()?)
///     .start()
///     .await?;
/// assert!(sim.addr().port() > 0);
/// assert!(sim.tls_ca_pem().is_some());
/// assert!(sim.record().messages.is_empty());
/// sim.shutdown().await;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct Sim {
    _private: (),
}

impl Sim {
    /// A builder with no scenario (a well-behaved server), no TLS, no AUTH, a 10 MiB size limit,
    /// listening on a free loopback port.
    pub fn builder() -> SimBuilder {
        SimBuilder {
            scenarios: Vec::new(),
            tls: None,
            implicit_tls: false,
            auth: None,
            max_message_size: 10 << 20,
            smtputf8: false,
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            hostname: "localhost".to_owned(),
            record_file: None,
            idle_timeout: Duration::from_secs(300),
        }
    }
}

/// How a sim is set up before it starts. See [`Sim`] for an example.
#[derive(Debug)]
pub struct SimBuilder {
    scenarios: Vec<Scenario>,
    tls: Option<SimTls>,
    implicit_tls: bool,
    auth: Option<(String, String)>,
    max_message_size: usize,
    smtputf8: bool,
    listen: SocketAddr,
    hostname: String,
    record_file: Option<PathBuf>,
    idle_timeout: Duration,
}

impl SimBuilder {
    /// Adds a scenario; scenarios act in the order they were added.
    pub fn scenario(mut self, scenario: Scenario) -> Self {
        self.scenarios.push(scenario);
        self
    }

    /// Adds several scenarios.
    pub fn scenarios(mut self, scenarios: impl IntoIterator<Item = Scenario>) -> Self {
        self.scenarios.extend(scenarios);
        self
    }

    /// Offers STARTTLS with this certificate (and AUTH only after it).
    pub fn tls(mut self, tls: SimTls) -> Self {
        self.tls = Some(tls);
        self
    }

    /// Speaks TLS from the first byte (smtps), with the certificate given to [`SimBuilder::tls`].
    pub fn implicit_tls(mut self, implicit: bool) -> Self {
        self.implicit_tls = implicit;
        self
    }

    /// Requires AUTH PLAIN or LOGIN with these credentials before MAIL.
    pub fn auth(mut self, user: impl Into<String>, password: impl Into<String>) -> Self {
        self.auth = Some((user.into(), password.into()));
        self
    }

    /// The largest message accepted, advertised as `SIZE` in the EHLO reply.
    pub fn max_message_size(mut self, bytes: usize) -> Self {
        self.max_message_size = bytes;
        self
    }

    /// Offers SMTPUTF8 (RFC 6531). Without it, as with real servers, a non-ASCII address in MAIL
    /// or RCPT is refused with `553 5.6.7`; with it, such an address needs the `SMTPUTF8`
    /// parameter of MAIL.
    pub fn smtputf8(mut self, offered: bool) -> Self {
        self.smtputf8 = offered;
        self
    }

    /// Where to listen; port 0 picks a free port (see [`SimHandle::addr`]).
    pub fn listen(mut self, addr: SocketAddr) -> Self {
        self.listen = addr;
        self
    }

    /// The name in the greeting and in replies that name the server; `localhost` by default.
    pub fn hostname(mut self, name: impl Into<String>) -> Self {
        self.hostname = name.into();
        self
    }

    /// Appends each accepted message to this file as one JSON line.
    pub fn record_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.record_file = Some(path.into());
        self
    }

    /// How long a connection may stay silent before a `421 4.4.2`; 5 minutes by default.
    pub fn idle_timeout(mut self, timeout: Duration) -> Self {
        self.idle_timeout = timeout;
        self
    }

    /// Binds the address and starts serving in the background of the current tokio runtime.
    pub async fn start(self) -> Result<SimHandle, SimError> {
        if self.implicit_tls && self.tls.is_none() {
            return Err(SimError::ImplicitTlsWithoutCertificate);
        }
        let listener = TcpListener::bind(self.listen)
            .await
            .map_err(|source| SimError::Bind {
                addr: self.listen,
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| SimError::Bind {
            addr: self.listen,
            source,
        })?;
        let record_file = match &self.record_file {
            Some(path) => Some(tokio::sync::Mutex::new(open_record(path).await?)),
            None => None,
        };
        let shared = Arc::new(Shared {
            state: Mutex::new(State::new(&self.scenarios)),
            policy: Policy::new(self.scenarios),
            tls: self.tls,
            implicit_tls: self.implicit_tls,
            auth: self.auth,
            max_message_size: self.max_message_size,
            smtputf8: self.smtputf8,
            hostname: self.hostname,
            idle_timeout: self.idle_timeout,
            record_file,
        });
        let (shutdown, shutdown_rx) = watch::channel(false);
        let (done, finished) = mpsc::channel(1);
        let accept = tokio::spawn(accept_loop(
            listener,
            Arc::clone(&shared),
            shutdown_rx,
            done.clone(),
        ));
        Ok(SimHandle {
            addr,
            shared,
            shutdown,
            accept: Some(accept),
            done: Some(done),
            finished,
        })
    }
}

async fn open_record(path: &PathBuf) -> Result<tokio::fs::File, SimError> {
    tokio::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .await
        .map_err(|source| SimError::RecordFile {
            path: path.clone(),
            source,
        })
}

/// A running sim. Dropping it stops the server too, without waiting.
#[derive(Debug)]
pub struct SimHandle {
    addr: SocketAddr,
    shared: Arc<Shared>,
    shutdown: watch::Sender<bool>,
    accept: Option<JoinHandle<()>>,
    // Every session holds a clone; when all are gone, `finished` yields None.
    done: Option<mpsc::Sender<()>>,
    finished: mpsc::Receiver<()>,
}

impl SimHandle {
    /// The address the sim is listening on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The test CA's PEM when TLS is configured: what the client must trust.
    pub fn tls_ca_pem(&self) -> Option<String> {
        self.shared.tls.as_ref().map(|tls| tls.ca_pem().to_owned())
    }

    /// A snapshot of every connection and accepted message so far.
    pub fn record(&self) -> Record {
        self.shared.state().record.clone()
    }

    /// Serves one connection over any stream, such as one end of [`tokio::io::duplex`]: the way
    /// to test on tokio's paused clock. The task ends when the dialogue does.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    ///
    /// let sim = buildmail_sim::Sim::builder().start().await?;
    /// let (client, server) = tokio::io::duplex(4096);
    /// let session = sim.serve_stream(server);
    /// let mut client = BufReader::new(client);
    /// let mut greeting = String::new();
    /// client.read_line(&mut greeting).await?;
    /// assert_eq!(greeting, "220 localhost ESMTP buildmail-sim\r\n");
    /// client.write_all(b"QUIT\r\n").await?;
    /// session.await?;
    /// assert_eq!(sim.record().connections[0].peer, "stream");
    /// # Ok(()) }
    /// ```
    pub fn serve_stream<S>(&self, stream: S) -> JoinHandle<()>
    where
        S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        tokio::spawn(session::serve(
            Arc::clone(&self.shared),
            Box::new(stream),
            None,
            self.shutdown.subscribe(),
            self.done.clone(),
        ))
    }

    /// Stops accepting, ends every open connection with a `421 4.3.2`, and waits for them.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        if let Some(accept) = self.accept.take() {
            let _ = accept.await;
        }
        self.done = None;
        while self.finished.recv().await.is_some() {}
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
    }
}

async fn accept_loop(
    listener: TcpListener,
    shared: Arc<Shared>,
    mut shutdown: watch::Receiver<bool>,
    done: mpsc::Sender<()>,
) {
    let sessions_shutdown = shutdown.clone();
    loop {
        tokio::select! {
            biased;
            () = stopped(&mut shutdown) => return,
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    let _ = stream.set_nodelay(true);
                    tokio::spawn(session::serve(
                        Arc::clone(&shared),
                        Box::new(stream),
                        Some(peer),
                        sessions_shutdown.clone(),
                        Some(done.clone()),
                    ));
                }
                // Out of file descriptors and the like: wait a little instead of spinning.
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            },
        }
    }
}
