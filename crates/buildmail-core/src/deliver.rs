//! The delivery loop: attempts, recipient by recipient, until everyone has the message, someone
//! refused it for good, or the budget says stop. Each attempt is reported as it happens through
//! an [`Event`] callback, and the whole as a [`Report`].

use std::sync::Arc;
use std::time::Duration;

use lettre::transport::smtp::extension::ClientId;
use lettre::{Address, Message};

use crate::category::Category;
use crate::clock::{self, Instant};
use crate::compose::ComposeError;
use crate::connector::{Connector, TcpConnector, TlsTrust};
use crate::error::{Error, Phase, TlsMode};
use crate::explain::{Explanation, explain, when_to_retry};
use crate::policy::Pace;
use crate::policy::{Attempted, Next, Retry, RetryPolicy, WaitReason};
use crate::reply::Reply;
use crate::report::{AttemptOutcome, AttemptReport, RecipientReport, RecipientStatus, Report};
use crate::server::{Server, Tls};
use crate::session::{self, AttemptSpec, Kept, SessionOutcome};
use crate::transcript::Transcript;

/// A message ready to go, the core's own message type: the exact bytes, the envelope, and its
/// Message-ID. [`Draft::build`](crate::compose::Draft::build) formats the bytes once, so every
/// attempt sends the same Message-ID and Date. Nothing of lettre shows in it, so a front end
/// does not pin lettre's version.
#[derive(Debug, Clone)]
pub struct Outgoing {
    /// The envelope sender (MAIL FROM); `None` for the null sender `<>`.
    pub(crate) from: Option<Address>,
    /// The envelope recipients (RCPT TO).
    pub(crate) to: Vec<Address>,
    /// The RFC 5322 message, as sent after DATA.
    pub bytes: Vec<u8>,
    /// The Message-ID header's value.
    pub message_id: String,
    /// An earlier run may have delivered it already (a flush killed mid-send): reported as a
    /// possible duplicate.
    pub possibly_sent_before: bool,
}

impl Outgoing {
    /// A message from bytes formatted elsewhere and its envelope (`None`: the null sender).
    ///
    /// ```
    /// use buildmail_core::Outgoing;
    ///
    /// let bytes = b"Message-ID: <1@example.com>\r\n\r\nhello\r\n".to_vec();
    /// let message = Outgoing::new(Some("ci@example.com"), ["dev@example.com"], "<1@example.com>", bytes)?;
    /// assert_eq!(message.envelope_to(), ["dev@example.com"]);
    /// # Ok::<(), buildmail_core::compose::ComposeError>(())
    /// ```
    pub fn new(
        from: Option<&str>,
        to: impl IntoIterator<Item = impl AsRef<str>>,
        message_id: &str,
        bytes: Vec<u8>,
    ) -> Result<Self, ComposeError> {
        let parse = |field: &'static str, text: &str| {
            text.parse::<Address>()
                .map_err(|error| ComposeError::Address {
                    field,
                    input: text.to_owned(),
                    reason: error.to_string().to_lowercase(),
                })
        };
        Ok(Outgoing {
            from: from.map(|from| parse("envelope-from", from)).transpose()?,
            to: to
                .into_iter()
                .map(|to| parse("envelope-to", to.as_ref()))
                .collect::<Result<_, _>>()?,
            bytes,
            message_id: message_id.to_owned(),
            possibly_sent_before: false,
        })
    }

    /// Formats a lettre message once, with its envelope and Message-ID.
    pub(crate) fn from_message(message: &Message) -> Self {
        let envelope = message.envelope();
        Outgoing {
            from: envelope.from().cloned(),
            to: envelope.to().to_vec(),
            bytes: message.formatted(),
            message_id: message
                .headers()
                .get_raw("Message-ID")
                .unwrap_or_default()
                .to_owned(),
            possibly_sent_before: false,
        }
    }

    /// The envelope sender (MAIL FROM); `None` for the null sender `<>`.
    pub fn envelope_from(&self) -> Option<&str> {
        self.from.as_ref().map(AsRef::as_ref)
    }

    /// The envelope recipients (RCPT TO), each once.
    pub fn envelope_to(&self) -> Vec<&str> {
        self.to.iter().map(AsRef::as_ref).collect()
    }
}

/// What the delivery tells its caller while it runs.
#[derive(Debug, Clone)]
pub enum Event {
    /// An attempt is starting.
    Connecting {
        /// Its number, 1 for the first.
        number: u32,
        /// `host:port`.
        server: String,
    },
    /// An attempt ended.
    Attempt(AttemptReport),
    /// The delivery waits before the next attempt.
    Waiting {
        /// How long.
        wait: Duration,
        /// Why that long.
        reason: WaitReason,
    },
    /// The delivery stops with recipients still deferred.
    GaveUp(GiveUp),
}

pub use crate::policy::GiveUp;

/// How to deliver: relays, TLS trust, timeouts, retry policy, and the network.
///
/// ```no_run
/// # async fn run(message: buildmail_core::Outgoing) {
/// use buildmail_core::deliver::Delivery;
///
/// let server = "smtp://relay.example.com".parse().unwrap();
/// let report = Delivery::new(server).send(&message, &mut |_| {}).await;
/// println!("{:?}", report.status);
/// # }
/// ```
#[derive(Clone)]
pub struct Delivery {
    servers: Vec<Server>,
    trust: Option<TlsTrust>,
    timeout: Duration,
    policy: RetryPolicy,
    connector: Arc<dyn Connector>,
    client_id: ClientId,
    allow_plaintext_auth: bool,
    transcript: Option<Transcript>,
}

impl Delivery {
    /// Delivery through `primary`, over TCP, 60 s per step, the default policy, no TLS trust
    /// (set one with [`Delivery::trust`] before using a TLS mode).
    pub fn new(primary: Server) -> Self {
        Delivery {
            servers: vec![primary],
            trust: None,
            timeout: Duration::from_secs(60),
            policy: RetryPolicy::default(),
            connector: Arc::new(TcpConnector),
            client_id: ClientId::default(),
            allow_plaintext_auth: false,
            transcript: None,
        }
    }

    /// Adds a relay tried in turn while the others fail transiently. A relay that refuses the
    /// session for good (before any recipient is named) is left out for the rest of a delivery
    /// while others are left; the last relay's refusal is final.
    pub fn fallback(mut self, server: Server) -> Self {
        self.servers.push(server);
        self
    }

    /// The certificates TLS accepts.
    pub fn trust(mut self, trust: TlsTrust) -> Self {
        self.trust = Some(trust);
        self
    }

    /// The connect and per-command timeout.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Lets credentials go over an unencrypted connection to a host that is not loopback
    /// (`tls=none`, or `tls=opportunistic` to a server without STARTTLS). Off by default: a
    /// delivery never sends them in clear text beyond this machine.
    pub fn allow_plaintext_auth(mut self, allowed: bool) -> Self {
        self.allow_plaintext_auth = allowed;
        self
    }

    /// What the user should know about these settings although nothing stops the delivery:
    /// TLS certificate checks turned off. Every report of this delivery carries them.
    pub fn warnings(&self) -> Vec<String> {
        let mut warnings = Vec::new();
        let uses_tls = self.servers.iter().any(|server| server.tls() != Tls::None);
        if uses_tls
            && self
                .trust
                .as_ref()
                .is_some_and(TlsTrust::skips_verification)
        {
            warnings.push(
                "TLS certificate checks are off ({insecure_skip_verify}): the connection is \
                 encrypted, but anyone on the path can pose as the server and read the message \
                 and the password; pass the relay's CA with {ca_file} instead"
                    .to_owned(),
            );
        }
        warnings
    }

    /// The retry budget and attempt limit.
    pub fn policy(mut self, policy: RetryPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// The network (tests point it at the simulator).
    pub fn connector(mut self, connector: Arc<dyn Connector>) -> Self {
        self.connector = connector;
        self
    }

    /// Shows the SMTP dialogue of every attempt, line by line, credentials masked and the body
    /// elided (see [`crate::transcript`]).
    pub fn transcript(mut self, transcript: Transcript) -> Self {
        self.transcript = Some(transcript);
        self
    }

    /// The name sent with EHLO (default: this host's name).
    pub fn ehlo_name(mut self, name: impl Into<String>) -> Self {
        self.client_id = ClientId::Domain(name.into());
        self
    }

    /// The relays, primary first.
    pub fn servers(&self) -> &[Server] {
        &self.servers
    }

    /// The retry budget and attempt limit.
    pub fn retry_policy(&self) -> RetryPolicy {
        self.policy
    }

    /// Delivers `message`, calling `events` as each attempt happens, and reports what happened.
    pub async fn send(&self, message: &Outgoing, events: &mut (dyn FnMut(Event) + Send)) -> Report {
        let mut run = Run::new(self, message);
        run.go(events).await;
        run.finish()
    }

    /// Delivers `message` as one of a `batch`: over the connection the previous message left
    /// open when it is still good, leaving it open in turn, and paced to what earlier refusals
    /// taught of the server's rate. Close the batch with [`Batch::close`].
    pub(crate) async fn send_in(
        &self,
        message: &Outgoing,
        batch: &mut Batch,
        events: &mut (dyn FnMut(Event) + Send),
    ) -> Report {
        let mut run = Run::new(self, message);
        run.retry.set_pace(std::mem::take(&mut batch.pace));
        run.batch = Some(batch.connection.take());
        run.go(events).await;
        batch.connection = run.batch.take().flatten();
        batch.pace = run.retry.take_pace();
        run.finish()
    }
}

/// What the messages of a batch (an outbox flush) carry from one to the next: the connection the
/// last one left open, and what the server's refusals taught of its rate.
#[derive(Default)]
pub(crate) struct Batch {
    connection: Option<(usize, Kept)>,
    pace: Pace,
}

impl Batch {
    /// Ends the connection left open, if any, with a QUIT.
    pub(crate) async fn close(&mut self) {
        if let Some((_, kept)) = self.connection.take() {
            kept.quit().await;
        }
    }
}

/// The state of one delivery in progress.
struct Run<'a> {
    delivery: &'a Delivery,
    message: &'a Outgoing,
    start: Instant,
    recipients: Vec<RecipientReport>,
    attempts: Vec<AttemptReport>,
    retry: Retry,
    possible_duplicate: bool,
    last_failure: Option<Failure>,
    /// The latest refusal of a relay left out: explains a delivery that ended without another.
    relay_failure: Option<Failure>,
    /// What decided the latest attempt: the reply (or failure) the next wait follows.
    decisive: Option<Error>,
    /// In a batch, the connection left open by the previous transaction, with its relay.
    batch: Option<Option<(usize, Kept)>>,
}

/// The latest failure: what the explanation will be about.
#[derive(Debug, Clone)]
struct Failure {
    error: Error,
}

impl<'a> Run<'a> {
    fn new(delivery: &'a Delivery, message: &'a Outgoing) -> Self {
        let recipients = message
            .to
            .iter()
            .map(|address| RecipientReport {
                address: address.to_string(),
                status: RecipientStatus::Deferred,
                reply: None,
                server: None,
            })
            .collect();
        let start = clock::now();
        let relays = delivery.servers.iter().map(Server::to_string).collect();
        Run {
            delivery,
            message,
            start,
            recipients,
            attempts: Vec::new(),
            retry: Retry::new(delivery.policy, relays, start),
            possible_duplicate: message.possibly_sent_before,
            last_failure: None,
            relay_failure: None,
            decisive: None,
            batch: None,
        }
    }

    /// Attempts until no recipient is pending or the retry decision gives up.
    async fn go(&mut self, events: &mut (dyn FnMut(Event) + Send)) {
        let mut relay = 0;
        let mut waited = Duration::ZERO;
        for number in 1.. {
            match self.retry.paced(clock::now()) {
                Ok(None) => {}
                Ok(Some((wait, reason))) => {
                    events(Event::Waiting { wait, reason });
                    self.idle_for(wait).await;
                    clock::sleep(wait).await;
                    waited += wait;
                }
                Err(why) => {
                    events(Event::GaveUp(why));
                    return;
                }
            }
            let attempt = self.attempt(number, relay, waited, events).await;
            events(Event::Attempt(attempt.clone()));
            if self.pending().is_empty() {
                return;
            }
            let attempted = Attempted {
                number,
                relay_dropped: attempt.relay_dropped,
                category: attempt.category,
                phase: attempt.phase,
                decisive: self.decisive.as_ref(),
            };
            (relay, waited) = match self.retry.next(&attempted, clock::now()) {
                Next::Now { relay } => (relay, Duration::ZERO),
                Next::Wait {
                    relay,
                    wait,
                    reason,
                } => {
                    events(Event::Waiting { wait, reason });
                    self.idle_for(wait).await;
                    clock::sleep(wait).await;
                    (relay, wait)
                }
                Next::GiveUp(why) => {
                    events(Event::GaveUp(why));
                    return;
                }
            };
            if let Err(why) = self.retry.may_start(clock::now()) {
                events(Event::GaveUp(why));
                return;
            }
        }
    }

    /// Ends the batch's open connection before a wait that long: an idle connection is not
    /// held for minutes (a server times it out, and it holds one of the server's slots).
    async fn idle_for(&mut self, wait: Duration) {
        if let Some(slot) = self.batch.as_mut()
            && wait > session::KEEP_IDLE_AT_MOST
            && let Some((_, kept)) = slot.take()
        {
            kept.quit().await;
        }
    }

    fn pending(&self) -> Vec<usize> {
        (0..self.recipients.len())
            .filter(|&i| self.recipients[i].status == RecipientStatus::Deferred)
            .collect()
    }

    async fn attempt(
        &mut self,
        number: u32,
        server: usize,
        waited: Duration,
        events: &mut (dyn FnMut(Event) + Send),
    ) -> AttemptReport {
        let pending = self.pending();
        let last_relay = self.retry.is_last_relay();
        let relay = server;
        let server = &self.delivery.servers[server];
        events(Event::Connecting {
            number,
            server: server.to_string(),
        });
        let recipients: Vec<Address> = pending
            .iter()
            .map(|&i| self.message.to[i].clone())
            .collect();
        let spec = AttemptSpec {
            server,
            connector: self.delivery.connector.as_ref(),
            trust: self.delivery.trust.as_ref(),
            timeout: self.delivery.timeout,
            deadline: self.retry.deadline(),
            allow_plaintext_auth: self.delivery.allow_plaintext_auth,
            client_id: &self.delivery.client_id,
            from: self.message.from.as_ref(),
            recipients: &recipients,
            message: &self.message.bytes,
            transcript: self.delivery.transcript.as_ref(),
        };
        let outcome = match self.batch.as_mut() {
            None => session::attempt(&spec, None).await,
            Some(slot) => {
                let mut kept = match slot.take() {
                    Some((open, kept)) if open == relay => Some(kept),
                    Some((_, other)) => {
                        other.quit().await;
                        None
                    }
                    None => None,
                };
                let outcome = session::attempt(&spec, Some(&mut kept)).await;
                *slot = kept.map(|kept| (relay, kept));
                outcome
            }
        };
        if let Some(mail) = outcome.mail {
            self.retry.mail_accepted(mail);
        }
        let server = server.to_string();
        let report = match &outcome.end {
            Err(error) if error.refuses_the_relay() && !last_relay => {
                self.leave_out(number, server, waited, error)
            }
            _ => self.record(number, server, &pending, waited, &outcome),
        };
        self.attempts.push(report.clone());
        report
    }

    /// A relay refused the session for good and others are left: the recipients stay pending
    /// for them (the refusal was before any was named), and the refusal is kept to explain a
    /// delivery that ends without another failure.
    fn leave_out(
        &mut self,
        number: u32,
        server: String,
        waited: Duration,
        error: &Error,
    ) -> AttemptReport {
        self.relay_failure = Some(Failure {
            error: error.clone(),
        });
        let judged = explanation_of(error);
        AttemptReport {
            number,
            server,
            phase: error.phase(),
            outcome: AttemptOutcome::Permanent,
            reply: error.reply(),
            category: Some(judged.category),
            title: Some(judged.title),
            waited_ms: clock::millis(waited),
            relay_dropped: true,
        }
    }

    /// Applies an attempt's outcome to the recipients and describes it.
    fn record(
        &mut self,
        number: u32,
        server: String,
        pending: &[usize],
        waited: Duration,
        outcome: &SessionOutcome,
    ) -> AttemptReport {
        let accepted_at_rcpt = self.apply_rcpt_refusals(pending, outcome);
        self.apply_end(&accepted_at_rcpt, &outcome.end, &server);
        self.decisive = decisive_of(outcome).cloned();
        let (phase, result, reply, judged) = match (&self.decisive, &outcome.end) {
            (Some(error), _) => (
                error.phase(),
                outcome_of(error),
                error.reply(),
                Some(explanation_of(error)),
            ),
            (None, Ok(reply)) => (
                Phase::EndOfData,
                AttemptOutcome::Ok,
                Some(reply.clone()),
                None,
            ),
            (None, Err(_)) => unreachable!("an error end is decisive"),
        };
        let (category, title) = judged.map(|e| (e.category, e.title)).unzip();
        AttemptReport {
            number,
            server,
            phase,
            outcome: result,
            reply,
            category,
            title,
            waited_ms: clock::millis(waited),
            relay_dropped: false,
        }
    }

    /// Fails the recipients refused at RCPT; returns the others, which the end decides.
    fn apply_rcpt_refusals(&mut self, pending: &[usize], outcome: &SessionOutcome) -> Vec<usize> {
        let mut refused_at_rcpt = vec![false; pending.len()];
        for (index, result) in &outcome.rcpt {
            if let Err(error) = result {
                refused_at_rcpt[*index] = true;
                self.fail(pending[*index], error);
            }
        }
        pending
            .iter()
            .zip(&refused_at_rcpt)
            .filter(|(_, refused)| !**refused)
            .map(|(&i, _)| i)
            .collect()
    }

    /// Applies the end of the attempt (the reply to the message, or the failure) to the
    /// recipients the server accepted at RCPT.
    fn apply_end(&mut self, accepted: &[usize], end: &Result<Reply, Error>, server: &str) {
        match end {
            Ok(reply) => {
                for &i in accepted {
                    let entry = &mut self.recipients[i];
                    entry.status = RecipientStatus::Delivered;
                    entry.reply = Some(reply.clone());
                    entry.server = Some(server.to_owned());
                }
            }
            Err(error) => {
                if error.phase() == Phase::EndOfData && error.is_network() {
                    self.possible_duplicate = true;
                }
                for &i in accepted {
                    self.fail(i, error);
                }
            }
        }
    }

    fn fail(&mut self, recipient: usize, error: &Error) {
        let entry = &mut self.recipients[recipient];
        entry.reply = error.reply();
        // A refusal of the session or the sender says nothing about the recipient.
        if error.refuses_the_relay() {
            entry.status = RecipientStatus::NotSent;
        } else if error.is_permanent() {
            entry.status = RecipientStatus::Rejected;
        }
        self.last_failure = Some(Failure {
            error: error.clone(),
        });
    }

    fn finish(self) -> Report {
        let status = Report::status_of(&self.recipients);
        let explanation = match status {
            crate::report::DeliveryStatus::Delivered => None,
            _ => self
                .last_failure
                .as_ref()
                .or(self.relay_failure.as_ref())
                .map(|f| explanation_of(&f.error)),
        };
        Report {
            status,
            message_id: self.message.message_id.clone(),
            elapsed_ms: clock::millis(clock::now() - self.start),
            possible_duplicate: self.possible_duplicate,
            recipients: self.recipients,
            attempts: self.attempts,
            warnings: (self.delivery.warnings().into_iter())
                .chain(
                    explanation
                        .iter()
                        .filter_map(Explanation::final_reply_delay_warning),
                )
                .collect(),
            explanation,
            reason: None,
            outbox_id: None,
            kept: None,
            added_recipients: Vec::new(),
        }
    }
}

/// What decides an attempt, and so the retry: the end and a deferral at RCPT both stand, and the
/// one that asks for more wins.
fn decisive_of(outcome: &SessionOutcome) -> Option<&Error> {
    let deferred_at_rcpt = outcome
        .rcpt
        .iter()
        .filter_map(|(_, result)| result.as_ref().err())
        .filter(|error| error.is_transient());
    session::deciding_refusal(deferred_at_rcpt.chain(outcome.end.as_ref().err()))
}

fn outcome_of(error: &Error) -> AttemptOutcome {
    if error.is_transient() {
        AttemptOutcome::Transient
    } else {
        AttemptOutcome::Permanent
    }
}

/// What an error is about: the catalog's word for a server's reply, ours for local failures.
fn category_of(error: &Error) -> Category {
    if error.is_network() {
        Category::Network
    } else if error.is_protocol_violation() {
        Category::Other
    } else if error.is_tls() {
        Category::Tls
    } else if error.is_unknown_host() {
        Category::Dns
    } else if error.needs_smtputf8() {
        Category::Syntax
    } else if let Some(reply) = error.server_reply() {
        explain(reply).category
    } else {
        Category::Auth
    }
}

/// The explanation of a failure: the catalog's for a server's reply, a local one otherwise.
fn explanation_of(error: &Error) -> Explanation {
    if let Some(reply) = error.server_reply() {
        return explain(reply);
    }
    let category = category_of(error);
    let (title, fix) = match category {
        Category::Network => network_advice(error),
        Category::Tls => tls_advice(error),
        _ => local_advice(category),
    };
    // Local failures have no server reply: the catalog's entry for the reply they stand for
    // (a 451 for a lost connection) is the base, with our own words about what happened.
    let stands_for = error.reply().unwrap_or_else(|| {
        Reply::new(554, None, error.to_string()).expect("554 is a valid reply code")
    });
    Explanation {
        category,
        transient: error.is_transient(),
        title: title.to_owned(),
        cause: capitalised(&error.to_string()),
        fix: fix.iter().map(|step| (*step).to_owned()).collect(),
        // A delay in a line that is not a server reply was asked for by no server.
        retry_after: None,
        when_to_retry: when_to_retry(stands_for.class(), category, None),
        ..explain(&stands_for)
    }
}

/// A title and the steps of a fix.
type Advice = (&'static str, &'static [&'static str]);

/// The connection failed, was refused, or ran out of budget.
fn network_advice(error: &Error) -> Advice {
    if error.is_budget_spent() {
        (
            "The retry budget ran out during an attempt",
            &[
                "The server was silent or slow until {retry_budget} was spent: the message is deferred.",
                "Raise {retry_budget}, or keep the message with {outbox} and send it later with `buildmail outbox flush`.",
            ],
        )
    } else if error.is_connection_refused() {
        (
            "Nothing listens on the server's port",
            &[
                "Check the port in {smtp_url}: 587 for STARTTLS (smtp://), 465 for smtps://; and that the host is the relay's.",
                "A relay that was restarting is back within seconds: run again, or keep the message with {outbox} and send it later with `buildmail outbox flush`.",
            ],
        )
    } else {
        (
            "The connection failed or was lost",
            &[
                "Check that the host and port of {smtp_url} are right and reachable from the runner.",
                "Raise {timeout} if the server is slow to answer, or {retry_budget} to keep trying longer.",
            ],
        )
    }
}

/// TLS could not be set up, or the two ends disagree on when it starts.
fn tls_advice(error: &Error) -> Advice {
    match error.tls_mode_mismatch() {
        Some(TlsMode::ServerWantsImplicit) => (
            "The server speaks TLS from the first byte",
            &[
                "Use smtps:// in {smtp_url} for this port (465 is the usual one), or smtp:// with the STARTTLS port (587).",
            ],
        ),
        Some(TlsMode::ServerWantsPlain) => (
            "The server speaks plain SMTP first",
            &[
                "Use smtp:// in {smtp_url} for this port: buildmail then requires STARTTLS (587 is the usual port), or keep smtps:// with port 465.",
            ],
        ),
        None => (
            "TLS could not be set up",
            &[
                "For a company CA, pass its certificate with {ca_file}.",
                "Use smtps:// for a server that speaks TLS from the first byte (port 465).",
                "Only on a network you trust: ?tls=none (with credentials, also {allow_plaintext_auth}), or {insecure_skip_verify}.",
            ],
        ),
    }
}

/// The other local failures: name resolution, SMTPUTF8, a broken protocol, no way to log in.
fn local_advice(category: Category) -> Advice {
    match category {
        Category::Dns => (
            "The server's host name does not resolve",
            &[
                "Check the host in {smtp_url} (or {fallback_smtp_url}) for typos.",
                "A relay known only inside the company network needs a runner that uses the company DNS.",
            ],
        ),
        Category::Syntax => (
            "An address needs SMTPUTF8, which the server does not offer",
            &[
                "Write the address's local part (before the @) in ASCII; an international domain may stay, buildmail sends it as punycode.",
                "Or send through a relay that offers SMTPUTF8.",
            ],
        ),
        Category::Other => (
            "The server broke the SMTP protocol",
            &[
                "The relay is unusable as it is: tell its operator what the cause above says.",
                "Meanwhile use another relay ({smtp_url}, or {fallback_smtp_url}) or another port of it.",
            ],
        ),
        _ => (
            "The server offers no way to log in that buildmail speaks",
            &["Use the server's submission port (587 with STARTTLS, or 465 with smtps://)."],
        ),
    }
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect::<String>() + ".",
        None => String::new(),
    }
}
