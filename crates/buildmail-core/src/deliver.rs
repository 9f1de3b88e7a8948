//! The delivery loop: attempts, recipient by recipient, until everyone has the message, someone
//! refused it for good, or the budget says stop. Each attempt is reported as it happens through
//! an [`Event`] callback, and the whole as a [`Report`].

use std::sync::Arc;
use std::time::Duration;

use lettre::transport::smtp::extension::ClientId;
use lettre::{Address, Message};

use crate::category::Category;
use crate::clock::{self, Instant};
use crate::connector::{Connector, TcpConnector, TlsTrust};
use crate::error::{Error, Phase};
use crate::explain::{Explanation, explain};
use crate::policy::{RetryPolicy, Schedule, WaitReason};
use crate::reply::Reply;
use crate::report::{AttemptReport, Outcome, RecipientReport, RecipientStatus, Report};
use crate::server::{Server, Tls};
use crate::session::{self, AttemptOutcome, AttemptSpec};

/// A message ready to go: the exact bytes, the envelope, and its Message-ID. The bytes are
/// formatted once, so every attempt sends the same Message-ID and Date.
#[derive(Debug, Clone)]
pub struct Outgoing {
    /// The envelope sender (MAIL FROM); `None` for the null sender `<>`.
    pub from: Option<Address>,
    /// The envelope recipients (RCPT TO).
    pub to: Vec<Address>,
    /// The RFC 5322 message, as sent after DATA.
    pub bytes: Vec<u8>,
    /// The Message-ID header's value.
    pub message_id: String,
    /// An earlier run may have delivered it already (a flush killed mid-send): reported as a
    /// possible duplicate.
    pub possibly_sent_before: bool,
}

impl Outgoing {
    /// Formats a lettre message once, with its envelope and Message-ID.
    pub fn from_message(message: &Message) -> Self {
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

/// Why a delivery stopped while recipients were still deferred.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GiveUp {
    /// The next wait would end at or after the end of the retry budget.
    Budget {
        /// The wait the policy (or the server) asked for.
        wait: Duration,
        /// What was left of the budget.
        left: Duration,
    },
    /// The retry budget was spent before the next relay could be tried (a slow attempt, its
    /// timeouts): no attempt starts after the budget. A budget of zero allows no retry at all.
    BudgetSpent {
        /// The time taken so far.
        elapsed: Duration,
        /// The retry budget.
        budget: Duration,
    },
    /// `max_attempts` attempts were made.
    MaxAttempts(u32),
}

/// How to deliver: relays, TLS trust, timeouts, retry policy, and the network.
///
/// ```no_run
/// # async fn run(message: lettre::Message) {
/// use buildmail_core::deliver::{Delivery, Outgoing};
///
/// let server = "smtp://relay.example.com".parse().unwrap();
/// let report = Delivery::new(server).send(&Outgoing::from_message(&message), &mut |_| {}).await;
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

    /// The name sent with EHLO.
    pub fn client_id(mut self, client_id: ClientId) -> Self {
        self.client_id = client_id;
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
}

/// The state of one delivery in progress.
struct Run<'a> {
    delivery: &'a Delivery,
    message: &'a Outgoing,
    start: Instant,
    recipients: Vec<RecipientReport>,
    attempts: Vec<AttemptReport>,
    schedule: Schedule,
    possible_duplicate: bool,
    last_failure: Option<Failure>,
    /// The latest refusal of a relay left out: explains a delivery that ended without another.
    relay_failure: Option<Failure>,
    /// What decided the latest attempt: the reply (or failure) the next wait follows.
    decisive: Option<Error>,
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
        Run {
            delivery,
            message,
            start: clock::now(),
            recipients,
            attempts: Vec::new(),
            schedule: Schedule::new(),
            possible_duplicate: message.possibly_sent_before,
            last_failure: None,
            relay_failure: None,
            decisive: None,
        }
    }

    /// When the retry budget runs out: every wait of every attempt ends by then. A budget of
    /// zero means one attempt, bounded only by the timeout, and no retry.
    fn deadline(&self) -> Option<Instant> {
        let budget = self.delivery.policy.budget;
        (!budget.is_zero()).then(|| self.start + budget)
    }

    async fn go(&mut self, events: &mut (dyn FnMut(Event) + Send)) {
        let deadline = self.deadline();
        let mut rotation = Rotation::new(self.delivery.servers.len());
        let mut server = 0;
        let mut waited = Duration::ZERO;
        let mut hold_until: Option<Instant> = None;
        // The latest attempt the next wait follows: a relay left out says nothing about when the
        // others want us back.
        let mut retry_basis: Option<AttemptReport> = None;
        for number in 1.. {
            let pending = self.pending();
            if pending.is_empty() {
                return;
            }
            // Waits are checked against the budget below; a fallback tried at once after a slow
            // attempt (its timeouts) is checked here: no attempt starts once the budget is spent.
            // The first attempt always starts.
            let now = clock::now();
            if deadline.is_some_and(|deadline| number > 1 && now >= deadline) {
                events(Event::GaveUp(GiveUp::BudgetSpent {
                    elapsed: now - self.start,
                    budget: self.delivery.policy.budget,
                }));
                return;
            }
            let last_relay = rotation.remaining() == 1;
            let attempt = self
                .attempt(number, server, &pending, waited, last_relay, events)
                .await;
            events(Event::Attempt(attempt.clone()));
            if attempt.relay_dropped {
                rotation.leave_out(server);
            } else {
                // A relay's "try again in N" holds for the whole round: the fallbacks tried after
                // it must not bring the primary back sooner.
                if let Some(delay) = self.stated_delay() {
                    let until = clock::now() + delay;
                    hold_until = Some(hold_until.map_or(until, |held: Instant| held.max(until)));
                }
                retry_basis = Some(attempt.clone());
            }
            if self.pending().is_empty() {
                return;
            }
            if deadline.is_none() {
                events(Event::GaveUp(GiveUp::BudgetSpent {
                    elapsed: clock::now() - self.start,
                    budget: Duration::ZERO,
                }));
                return;
            }
            if number >= self.delivery.policy.max_attempts {
                events(Event::GaveUp(GiveUp::MaxAttempts(number)));
                return;
            }
            // The last relay's refusal is final, so with recipients pending one is always left.
            let Some(next) = rotation.after(server) else {
                return;
            };
            let new_round = next <= server;
            server = next;
            if !new_round {
                waited = Duration::ZERO;
                continue;
            }
            let now = clock::now();
            let mut wait = self.next_wait(retry_basis.as_ref().unwrap_or(&attempt), now);
            if let Some(until) = hold_until.take() {
                let held = until.saturating_duration_since(now);
                if held > wait.0 {
                    wait = (held, WaitReason::ServerHint);
                }
            }
            // What is left of the budget, not the whole of it: a wait that ends at or after the
            // deadline is not started, as the attempt after it would have no time left.
            let left = deadline.map_or(Duration::ZERO, |d| d.saturating_duration_since(now));
            if left.is_zero() {
                // The attempt itself ran into the deadline: nothing is left to wait with.
                events(Event::GaveUp(GiveUp::BudgetSpent {
                    elapsed: now - self.start,
                    budget: self.delivery.policy.budget,
                }));
                return;
            }
            if wait.0 >= left {
                events(Event::GaveUp(GiveUp::Budget { wait: wait.0, left }));
                return;
            }
            events(Event::Waiting {
                wait: wait.0,
                reason: wait.1,
            });
            clock::sleep(wait.0).await;
            waited = wait.0;
        }
    }

    fn pending(&self) -> Vec<usize> {
        (0..self.recipients.len())
            .filter(|&i| self.recipients[i].status == RecipientStatus::Deferred)
            .collect()
    }

    fn next_wait(&mut self, attempt: &AttemptReport, now: Instant) -> (Duration, WaitReason) {
        // Only the server's own words can state a delay: a lost connection stands for a bare
        // 451, not for our description of it ("no reply within 5s" is no request to wait 5 s).
        let bare = Reply::new(451, None, "").expect("451 is a valid reply code");
        let reply = self
            .decisive
            .as_ref()
            .and_then(Error::server_reply)
            .unwrap_or(&bare);
        let category = attempt.category.unwrap_or(Category::Other);
        self.schedule.next_wait(reply, category, attempt.phase, now)
    }

    /// The delay the server of the latest attempt stated, if it did.
    fn stated_delay(&self) -> Option<Duration> {
        self.decisive
            .as_ref()
            .and_then(Error::server_reply)
            .and_then(Reply::retry_hint)
    }

    async fn attempt(
        &mut self,
        number: u32,
        server: usize,
        pending: &[usize],
        waited: Duration,
        last_relay: bool,
        events: &mut (dyn FnMut(Event) + Send),
    ) -> AttemptReport {
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
            deadline: self.deadline(),
            allow_plaintext_auth: self.delivery.allow_plaintext_auth,
            client_id: &self.delivery.client_id,
            from: self.message.from.as_ref(),
            recipients: &recipients,
            message: &self.message.bytes,
        };
        let outcome = session::attempt(&spec).await;
        let server = server.to_string();
        let report = match &outcome.end {
            Err(error) if error.refuses_the_relay() && !last_relay => {
                self.leave_out(number, server, waited, error)
            }
            _ => self.record(number, server, pending, waited, &outcome),
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
            outcome: Outcome::Permanent,
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
        outcome: &AttemptOutcome,
    ) -> AttemptReport {
        let mut refused_at_rcpt = vec![false; pending.len()];
        for (index, result) in &outcome.rcpt {
            if let Err(error) = result {
                refused_at_rcpt[*index] = true;
                self.fail(pending[*index], error);
            }
        }
        let deferred_at_rcpt = session::deciding_refusal(
            outcome
                .rcpt
                .iter()
                .filter_map(|(_, result)| result.as_ref().err())
                .filter(|error| error.is_transient()),
        )
        .cloned();
        let others = pending
            .iter()
            .zip(&refused_at_rcpt)
            .filter(|(_, refused)| !**refused)
            .map(|(&i, _)| i);
        match &outcome.end {
            Ok(reply) => {
                for i in others {
                    let entry = &mut self.recipients[i];
                    entry.status = RecipientStatus::Delivered;
                    entry.reply = Some(reply.clone());
                    entry.server = Some(server.clone());
                }
            }
            Err(error) => {
                if error.phase() == Phase::EndOfData && error.is_network() {
                    self.possible_duplicate = true;
                }
                for i in others.collect::<Vec<_>>() {
                    self.fail(i, error);
                }
            }
        }
        // The end and a deferral at RCPT both stand: the retry follows the one that asks for more.
        let decisive =
            session::deciding_refusal(deferred_at_rcpt.iter().chain(outcome.end.as_ref().err()));
        self.decisive = decisive.cloned();
        let (phase, result, reply, judged) = match (decisive, &outcome.end) {
            (Some(error), _) => (
                error.phase(),
                outcome_of(error),
                error.reply(),
                Some(explanation_of(error)),
            ),
            (None, Ok(reply)) => (Phase::EndOfData, Outcome::Ok, Some(reply.clone()), None),
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
            crate::report::Status::Delivered => None,
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
        }
    }
}

/// The relays still in a delivery's rotation, by index, primary first.
struct Rotation {
    in_turn: Vec<bool>,
}

impl Rotation {
    fn new(relays: usize) -> Self {
        Rotation {
            in_turn: vec![true; relays],
        }
    }

    fn remaining(&self) -> usize {
        self.in_turn.iter().filter(|&&in_turn| in_turn).count()
    }

    fn leave_out(&mut self, relay: usize) {
        self.in_turn[relay] = false;
    }

    /// The relay after `current` in turn, wrapping round to the first; `current` itself when
    /// it is the only one left.
    fn after(&self, current: usize) -> Option<usize> {
        let count = self.in_turn.len();
        (1..=count)
            .map(|step| (current + step) % count)
            .find(|&relay| self.in_turn[relay])
    }
}

fn outcome_of(error: &Error) -> Outcome {
    if error.is_transient() {
        Outcome::Transient
    } else {
        Outcome::Permanent
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
    let (title, fix): (&str, &[&str]) = match category {
        Category::Network if error.is_budget_spent() => (
            "The retry budget ran out during an attempt",
            &[
                "The server was silent or slow until {retry_budget} was spent: the message is deferred.",
                "Raise {retry_budget}, or keep the message with {outbox} and send it later with `buildmail outbox flush`.",
            ],
        ),
        Category::Network => (
            "The connection failed or was lost",
            &[
                "Check that the host and port of {smtp_url} are right and reachable from the runner.",
                "Raise {timeout} if the server is slow to answer, or {retry_budget} to keep trying longer.",
            ],
        ),
        Category::Tls => (
            "TLS could not be set up",
            &[
                "For a company CA, pass its certificate with {ca_file}.",
                "Use smtps:// for a server that speaks TLS from the first byte (port 465).",
                "Only on a network you trust: ?tls=none (with credentials, also {allow_plaintext_auth}), or {insecure_skip_verify}.",
            ],
        ),
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
        retry_after: None,
        ..explain(&stands_for)
    }
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect::<String>() + ".",
        None => String::new(),
    }
}
