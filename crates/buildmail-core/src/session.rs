//! One delivery attempt over one connection: the SMTP dialogue from connect to QUIT, with a
//! timeout around every step, each recipient's reply kept, and the connection dropped after a 421,
//! a network error or a protocol violation (never a word after a 421).
//!
//! A batch (an outbox flush) may keep the connection open after a finished transaction and send
//! the next message over it ([`Kept`]): RFC 5321 section 3.3 lets a new MAIL follow a completed
//! transaction, and RSET clears one that was abandoned. A kept connection is checked before it
//! is used again: a server that spoke or hung up while it sat idle (an idle-timeout 421) is left,
//! and the message goes over a fresh connection, as it does when the kept one fails before any
//! part of the new transaction was accepted.
//!
//! A server that offers PIPELINING (RFC 2920) gets MAIL FROM and every RCPT TO in one write, and
//! the replies are read in order after it; DATA waits for them and goes alone, and the message
//! goes only after its 354. A server that does not offer it gets one command at a time.
//!
//! lettre's `AsyncSmtpConnection` times out only the TCP connect, aborts at the first refused
//! recipient and cannot run over an in-memory pipe, so the dialogue is driven here, with lettre's
//! command types writing the wire lines and its `Mechanism` answering AUTH.

use std::time::Duration;

use lettre::Address;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::commands::{Auth, Data, Ehlo, Mail, Quit, Rcpt, Starttls};
use lettre::transport::smtp::extension::{ClientId, MailBodyParameter, MailParameter};
use lettre::transport::smtp::response::{
    Category as LettreCategory, Code, Detail, Response, Severity,
};
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};

use crate::clock::{self, Instant};
use crate::connector::{BoxStream, Connector, TlsTrust};
use crate::error::TlsMode;
use crate::error::{Error, Phase};
use crate::reply::Reply;
use crate::server::{Server, Tls};
use crate::tls_mode::{self, FirstBytes, SILENT_GREETING_PROBE_AFTER, Sniffed};
use crate::transcript::{self, Line, Transcript};

/// What a server may send in one reply before we stop reading: a defence against a runaway peer.
const MAX_REPLY_LINES: usize = 200;
const MAX_LINE_BYTES: usize = 4096;
/// QUIT is a courtesy: the message is already accepted or refused, so it gets a short leash.
const QUIT_TIMEOUT: Duration = Duration::from_secs(5);
/// The longest wait a batch holds an idle connection open through; before a longer one it
/// QUITs. RFC 5321 section 4.5.3.2.7 has servers wait 5 minutes for a command.
pub(crate) const KEEP_IDLE_AT_MOST: Duration = Duration::from_secs(60);
/// The most recipients sent in one pipelined group. A group is written before any reply is read,
/// so its replies wait in the socket buffers meanwhile; past this many, those buffers could fill
/// both ways and each side would wait for the other (the deadlock RFC 2920 warns of for a
/// client that does not read while it writes). A larger envelope goes one command at a time.
const PIPELINED_RECIPIENTS_AT_MOST: usize = 100;
/// AUTH LOGIN asks for the user name, then for the password: two challenges, never more.
const LOGIN_CHALLENGES: usize = 2;
/// Why credentials were not sent: the connection is not encrypted and the host is not loopback.
const PLAINTEXT_AUTH_REFUSED: &str = "the connection is not encrypted (the server offers no \
     STARTTLS, or tls=none), and credentials go in clear text only to a loopback address: use \
     STARTTLS (tls=required) or smtps://, or pass {allow_plaintext_auth} on a network you trust";

/// Everything one attempt needs.
pub(crate) struct AttemptSpec<'a> {
    pub server: &'a Server,
    pub connector: &'a dyn Connector,
    pub trust: Option<&'a TlsTrust>,
    pub timeout: Duration,
    /// When the delivery's retry budget runs out: no wait of this attempt goes past it.
    pub deadline: Option<Instant>,
    /// Credentials may go over a connection without TLS to a host that is not loopback.
    pub allow_plaintext_auth: bool,
    pub client_id: &'a ClientId,
    pub from: Option<&'a Address>,
    pub recipients: &'a [Address],
    pub message: &'a [u8],
    /// Where the dialogue goes, line by line, when someone asked to see it.
    pub transcript: Option<&'a Transcript>,
}

/// How one attempt went, recipient by recipient.
#[derive(Debug)]
pub(crate) struct SessionOutcome {
    /// The RCPT result of each recipient it got to, by index into `AttemptSpec::recipients`.
    pub rcpt: Vec<(usize, Result<Reply, Error>)>,
    /// The end: the reply to the final dot, or the error that ended the attempt.
    pub end: Result<Reply, Error>,
    /// When MAIL FROM was sent and when the server accepted it, if it did: what a server's rate
    /// limit counts.
    pub mail: Option<MailAccepted>,
    /// The attempt went over a connection kept from an earlier message.
    pub reused: bool,
}

/// When the server accepted a MAIL FROM: between `sent` and `accepted` by its own clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct MailAccepted {
    pub sent: Instant,
    pub accepted: Instant,
}

/// A connection left open after a transaction, for the next message of a batch.
pub(crate) struct Kept {
    session: Session,
    capabilities: Capabilities,
    /// A transaction was begun and not finished: RSET before the next MAIL.
    needs_reset: bool,
}

impl Kept {
    /// Ends the connection politely: QUIT, with a short leash.
    pub(crate) async fn quit(mut self) {
        self.session.quit().await;
    }

    /// The session, ready for a new transaction under `spec`'s limits; `None` when the server
    /// spoke or hung up while the connection sat idle, or refused the RSET.
    async fn resume(mut self, spec: &AttemptSpec<'_>) -> Option<Kept> {
        self.session.limits = Limits::of(spec);
        self.session.transcript = spec.transcript.cloned();
        if !self.session.is_quiet() {
            self.session.show(Line::note(
                "the kept connection was closed by the server: opening a new one",
            ));
            return None;
        }
        self.session.show(Line::note(format!(
            "Reusing the connection to {}",
            spec.server
        )));
        if self.needs_reset {
            match self.session.command(Phase::Mail, "RSET\r\n").await {
                Ok(_) => self.needs_reset = false,
                Err(error) => {
                    if !closes_connection(&error) {
                        self.session.quit().await;
                    }
                    return None;
                }
            }
        }
        Some(self)
    }
}

/// Runs one attempt: connect, greet, EHLO, TLS, AUTH, MAIL, RCPT each, DATA, message, QUIT.
/// With `keep`, a connection kept there is used instead of a new one when it is still good, and
/// the connection is left there after a finished transaction instead of being closed.
pub(crate) async fn attempt(
    spec: &AttemptSpec<'_>,
    mut keep: Option<&mut Option<Kept>>,
) -> SessionOutcome {
    let kept = keep.as_mut().and_then(|slot| slot.take());
    let mut outcome = SessionOutcome {
        rcpt: Vec::new(),
        end: Err(Error::garbled(Phase::Connect, "no attempt was made")),
        mail: None,
        reused: false,
    };
    let resumed = match kept {
        Some(kept) => kept.resume(spec).await,
        None => None,
    };
    let batch = keep.is_some();
    if let Some(kept) = resumed {
        outcome.reused = true;
        let left = dialogue(spec, kept, &mut outcome, batch).await;
        // A kept connection that died before the server accepted any part of the new
        // transaction has carried nothing: the message goes over a fresh connection, in the
        // same attempt.
        let stale = matches!(&outcome.end,
            Err(e) if e.phase() == Phase::Mail && e.is_network() && !e.is_budget_spent());
        if !stale {
            if let Some(slot) = keep {
                *slot = left;
            }
            return outcome;
        }
        outcome.reused = false;
    }
    let fresh = match open(spec).await {
        Ok(fresh) => fresh,
        Err(error) => {
            outcome.end = Err(error);
            return outcome;
        }
    };
    let left = dialogue(spec, fresh, &mut outcome, batch).await;
    if let Some(slot) = keep {
        *slot = left;
    }
    outcome
}

/// A new connection, greeted, secured and logged in: ready for MAIL.
async fn open(spec: &AttemptSpec<'_>) -> Result<Kept, Error> {
    let mut session = Session::open(spec).await?;
    match session.establish(spec).await {
        Ok(capabilities) => Ok(Kept {
            session,
            capabilities,
            needs_reset: false,
        }),
        Err(error) => {
            if !closes_connection(&error) {
                session.quit().await;
            }
            Err(error)
        }
    }
}

/// One transaction over `kept`; returns the connection when it may carry another message of
/// a `batch`, and otherwise ends it (QUIT, or nothing after a 421 or a lost connection).
async fn dialogue(
    spec: &AttemptSpec<'_>,
    mut kept: Kept,
    outcome: &mut SessionOutcome,
    batch: bool,
) -> Option<Kept> {
    outcome.end = kept
        .session
        .transaction(
            spec,
            &kept.capabilities,
            &mut outcome.rcpt,
            &mut outcome.mail,
        )
        .await;
    let usable = match &outcome.end {
        _ if kept.session.hung_up => None,
        Ok(_) => Some(false),
        Err(error) => reusable_after(error),
    };
    match usable {
        Some(needs_reset) if batch => {
            kept.needs_reset = needs_reset;
            Some(kept)
        }
        _ => {
            if !matches!(&outcome.end, Err(error) if closes_connection(error)) {
                kept.session.quit().await;
            }
            None
        }
    }
}

/// Whether a connection may carry another message after a transaction that ended in `error`
/// (`Some(needs RSET)`): only after a refusal for good of this message or its recipients. A
/// transient refusal may be the server's limit on messages per connection, or its rate limit:
/// the connection is closed and the retry decides when to come back.
fn reusable_after(error: &Error) -> Option<bool> {
    if closes_connection(error) || !error.is_permanent() || error.server_reply().is_none() {
        return None;
    }
    match error.phase() {
        Phase::Rcpt | Phase::Data => Some(true),
        Phase::EndOfData => Some(false),
        _ => None,
    }
}

/// A 421 means the server is closing; a network error means there is nothing left to talk to;
/// after a protocol violation the server's state is unknown (a QUIT could be read as a password);
/// a server of the other TLS mode does not understand a QUIT in this one.
fn closes_connection(error: &Error) -> bool {
    error.is_network()
        || error.is_protocol_violation()
        || error.tls_mode_mismatch().is_some()
        || error
            .server_reply()
            .is_some_and(|reply| reply.code() == 421)
}

struct Session {
    stream: BufReader<BoxStream>,
    limits: Limits,
    encrypted: bool,
    transcript: Option<Transcript>,
    /// The first bytes the server sent on this connection, whatever read them.
    first_bytes: FirstBytes,
    /// The server said 421 or hung up while replies that decide nothing were being read: not a
    /// word more goes over this connection, not even QUIT.
    hung_up: bool,
}

/// How MAIL FROM and the RCPT TOs of a transaction go to the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Envelope {
    /// Each command waits for its reply before the next one is sent.
    OneByOne,
    /// MAIL FROM and every RCPT TO in one write, then their replies in order (RFC 2920).
    Pipelined,
}

impl Envelope {
    fn for_transaction(capabilities: &Capabilities, recipients: usize) -> Envelope {
        if capabilities.pipelining && recipients <= PIPELINED_RECIPIENTS_AT_MOST {
            Envelope::Pipelined
        } else {
            Envelope::OneByOne
        }
    }
}

/// How long one wait may take: the per-command timeout, cut short by the delivery's deadline so
/// that a silent server cannot keep a delivery past its retry budget.
#[derive(Debug, Clone, Copy)]
struct Limits {
    timeout: Duration,
    deadline: Option<Instant>,
}

impl Limits {
    fn of(spec: &AttemptSpec<'_>) -> Self {
        Limits {
            timeout: spec.timeout,
            deadline: spec.deadline,
        }
    }

    /// Runs `future` within the timeout and the deadline, whichever ends first.
    async fn within<F: Future>(self, phase: Phase, future: F) -> Result<F::Output, Error> {
        let left = self
            .deadline
            .map(|deadline| deadline.saturating_duration_since(clock::now()));
        match left {
            Some(left) if left < self.timeout => clock::within(left, future)
                .await
                .ok_or_else(|| Error::budget_spent(phase)),
            _ => clock::within(self.timeout, future)
                .await
                .ok_or_else(|| Error::timed_out(phase, self.timeout)),
        }
    }
}

/// What EHLO told us the server can do.
#[derive(Debug, Default)]
struct Capabilities {
    starttls: bool,
    eight_bit_mime: bool,
    smtputf8: bool,
    pipelining: bool,
    auth: Vec<String>,
}

impl Session {
    async fn open(spec: &AttemptSpec<'_>) -> Result<Session, Error> {
        let limits = Limits::of(spec);
        let show = |text: String| show(spec.transcript, Line::note(text));
        let server = spec.server.to_string();
        show(format!("Trying {server}..."));
        let connect = spec.connector.connect(spec.server);
        let stream = limits
            .within(Phase::Connect, connect)
            .await?
            .map_err(|e| Error::from_connect(e, &server))?;
        show(format!("Connected to {server}"));
        let (stream, first_bytes) = Sniffed::new(stream);
        let stream: BoxStream = Box::new(stream);
        let encrypted = spec.server.tls() == Tls::Implicit;
        let stream = match encrypted {
            true => implicit_handshake(spec, stream, &first_bytes).await?,
            false => stream,
        };
        if encrypted {
            show("TLS started (smtps://)".to_owned());
        }
        Ok(Session {
            stream: BufReader::new(stream),
            limits,
            encrypted,
            transcript: spec.transcript.cloned(),
            first_bytes,
            hung_up: false,
        })
    }

    /// The greeting. A server that stays silent on an `smtp://` connection may be waiting for a
    /// TLS hello (port 465): after a few seconds of silence a second connection asks it, and a
    /// server that answers in TLS ends the attempt at once instead of after the whole
    /// `--timeout`. The wait for the greeting itself goes on meanwhile, under its usual limits.
    async fn greeting(&mut self, spec: &AttemptSpec<'_>) -> Result<Reply, Error> {
        if spec.server.tls() == Tls::Implicit {
            return self.expect(Phase::Greeting).await;
        }
        let first_bytes = self.first_bytes.clone();
        let transcript = self.transcript.clone();
        let probe = async {
            clock::sleep(SILENT_GREETING_PROBE_AFTER).await;
            if first_bytes.get().is_empty() {
                let note = "no greeting yet: asking on a second connection whether it speaks TLS";
                show(transcript.as_ref(), Line::note(note));
                if tls_mode::speaks_tls(spec.connector, spec.server).await {
                    show(transcript.as_ref(), Line::note("it answered a TLS hello"));
                    return Error::wrong_tls_mode(Phase::Greeting, TlsMode::ServerWantsImplicit);
                }
            }
            std::future::pending().await
        };
        tokio::select! {
            reply = self.expect(Phase::Greeting) => reply,
            wrong_mode = probe => Err(wrong_mode),
        }
    }

    /// Greeting, EHLO, STARTTLS, AUTH: what comes before the first MAIL of a connection.
    async fn establish(&mut self, spec: &AttemptSpec<'_>) -> Result<Capabilities, Error> {
        self.greeting(spec).await?;
        let mut capabilities = self.ehlo(spec.client_id).await?;
        if self.wants_starttls(spec.server.tls(), &capabilities)? {
            self.command(Phase::Starttls, &Starttls.to_string()).await?;
            self.starttls(spec).await?;
            capabilities = self.ehlo(spec.client_id).await?;
        }
        if let Some(credentials) = spec.server.credentials() {
            if !self.encrypted
                && !spec
                    .server
                    .may_authenticate_in_clear(spec.allow_plaintext_auth)
            {
                return Err(Error::tls(Phase::Starttls, PLAINTEXT_AUTH_REFUSED));
            }
            self.authenticate(&capabilities, credentials).await?;
        }
        Ok(capabilities)
    }

    /// MAIL, RCPT each, DATA, the message: one message over an established connection.
    async fn transaction(
        &mut self,
        spec: &AttemptSpec<'_>,
        capabilities: &Capabilities,
        rcpt: &mut Vec<(usize, Result<Reply, Error>)>,
        mail_accepted: &mut Option<MailAccepted>,
    ) -> Result<Reply, Error> {
        if let Some(address) = needs_smtputf8(spec).filter(|_| !capabilities.smtputf8) {
            return Err(Error::no_smtputf8(address));
        }
        let mail = Mail::new(spec.from.cloned(), mail_parameters(spec, capabilities)).to_string();
        let envelope = Envelope::for_transaction(capabilities, spec.recipients.len());
        let sent = clock::now();
        match envelope {
            Envelope::OneByOne => {
                self.command(Phase::Mail, &mail).await?;
            }
            Envelope::Pipelined => self.pipelined_mail(&mail, spec.recipients).await?,
        }
        *mail_accepted = Some(MailAccepted {
            sent,
            accepted: clock::now(),
        });
        let accepted = self.recipients(spec.recipients, rcpt, envelope).await?;
        if accepted == 0 {
            return Err(last_refusal(rcpt));
        }
        let data = self.command(Phase::Data, &Data.to_string()).await?;
        if data.code() != 354 {
            return Err(Error::garbled(
                Phase::Data,
                format!("{data} instead of 354"),
            ));
        }
        for shown in transcript::message_lines(spec.message, self.encrypted) {
            self.show(shown);
        }
        self.write(Phase::Data, &dot_stuffed(spec.message)).await?;
        self.expect(Phase::EndOfData).await
    }

    /// Whether the server has said nothing and kept the connection open since its last reply:
    /// an idle connection it timed out has a 421 waiting, or an end of stream.
    fn is_quiet(&mut self) -> bool {
        if !self.stream.buffer().is_empty() {
            return false;
        }
        let waker = std::task::Waker::noop();
        let mut context = std::task::Context::from_waker(waker);
        std::pin::Pin::new(&mut self.stream)
            .poll_fill_buf(&mut context)
            .is_pending()
    }

    /// MAIL FROM and every RCPT TO in one write, then MAIL's reply. When MAIL is refused, the
    /// replies to the RCPTs sent with it (a 503 "need MAIL" as a rule) are read to keep the
    /// stream in step and are not the recipients' own: the refusal is MAIL's, as it is without
    /// pipelining.
    async fn pipelined_mail(&mut self, mail: &str, recipients: &[Address]) -> Result<(), Error> {
        let mut group = Vec::with_capacity(recipients.len() + 1);
        group.push(mail.to_owned());
        group.extend(recipients.iter().map(rcpt_line));
        for line in &group {
            for shown in transcript::command_lines(line, false, self.encrypted) {
                self.show(shown);
            }
        }
        // Nothing was read yet: a connection lost while writing is lost waiting for MAIL's reply.
        self.write(Phase::Mail, group.concat().as_bytes()).await?;
        let refusal = match self.expect(Phase::Mail).await {
            Ok(_) => return Ok(()),
            Err(refusal) => refusal,
        };
        // Only after a refusal is the stream known to be at the RCPTs' replies.
        if refusal.server_reply().is_some() && !closes_connection(&refusal) {
            self.skip_replies(recipients.len()).await;
        }
        Err(refusal)
    }

    /// Reads `count` replies that decide nothing. A 421, a lost connection or a silence ends the
    /// reading and the connection with it.
    async fn skip_replies(&mut self, count: usize) {
        for _ in 0..count {
            match self.read_reply(Phase::Rcpt).await {
                Ok((reply, _)) if reply.code() != 421 => {}
                _ => {
                    self.hung_up = true;
                    return;
                }
            }
        }
    }

    /// Each recipient's RCPT reply, by its index; with `Envelope::Pipelined` the RCPTs were
    /// already sent with MAIL, and only their replies are read here.
    async fn recipients(
        &mut self,
        recipients: &[Address],
        rcpt: &mut Vec<(usize, Result<Reply, Error>)>,
        envelope: Envelope,
    ) -> Result<usize, Error> {
        let mut accepted = 0;
        for (index, address) in recipients.iter().enumerate() {
            let result = match envelope {
                Envelope::OneByOne => self.command(Phase::Rcpt, &rcpt_line(address)).await,
                Envelope::Pipelined => self.expect(Phase::Rcpt).await,
            };
            match &result {
                Ok(_) => accepted += 1,
                Err(error) if closes_connection(error) => return Err(error.clone()),
                Err(_) => {}
            }
            rcpt.push((index, result));
        }
        Ok(accepted)
    }

    fn wants_starttls(&self, tls: Tls, capabilities: &Capabilities) -> Result<bool, Error> {
        match tls {
            Tls::None | Tls::Implicit => Ok(false),
            Tls::Opportunistic => Ok(capabilities.starttls),
            Tls::Required if capabilities.starttls => Ok(true),
            Tls::Required => Err(Error::tls(
                Phase::Starttls,
                "the server does not offer STARTTLS; use smtps:// or, on a trusted network, ?tls=none",
            )),
        }
    }

    async fn starttls(&mut self, spec: &AttemptSpec<'_>) -> Result<(), Error> {
        let placeholder: BoxStream =
            Box::new(tokio::io::join(tokio::io::empty(), tokio::io::sink()));
        let plain = std::mem::replace(&mut self.stream, BufReader::new(placeholder));
        let tls = handshake(spec, plain.into_inner(), Phase::Starttls).await?;
        self.stream = BufReader::new(tls);
        self.encrypted = true;
        self.show(Line::note("TLS started with STARTTLS"));
        Ok(())
    }

    async fn ehlo(&mut self, client_id: &ClientId) -> Result<Capabilities, Error> {
        let line = Ehlo::new(client_id.clone()).to_string();
        self.send(Phase::Ehlo, &line).await?;
        let (reply, lines) = self.read_reply(Phase::Ehlo).await?;
        if ehlo_unknown(&reply) {
            return self.helo(client_id).await;
        }
        if !reply.is_positive() {
            return Err(Error::refused(Phase::Ehlo, reply));
        }
        Ok(Capabilities::parse(&lines))
    }

    /// RFC 5321 section 3.2: a server that does not know EHLO is greeted with HELO, and then
    /// offers no extension (no STARTTLS, no AUTH, no 8BITMIME).
    async fn helo(&mut self, client_id: &ClientId) -> Result<Capabilities, Error> {
        self.command(Phase::Ehlo, &format!("HELO {client_id}\r\n"))
            .await?;
        Ok(Capabilities::default())
    }

    async fn authenticate(
        &mut self,
        capabilities: &Capabilities,
        credentials: Credentials,
    ) -> Result<(), Error> {
        let offered = |name: &str| capabilities.auth.iter().any(|m| m == name);
        if offered("PLAIN") {
            // RFC 4616 with the initial response of RFC 4954: one command, then the verdict.
            let auth = Auth::new(Mechanism::Plain, credentials, None)
                .map_err(|e| Error::garbled(Phase::Auth, e))?;
            let verdict = self.command(Phase::Auth, &auth.to_string()).await?;
            return authenticated(&verdict);
        }
        if !offered("LOGIN") {
            return Err(Error::no_auth());
        }
        // LOGIN (draft-murchison-sasl-login): exactly two challenges, the user name and the
        // password. A server that keeps challenging must not get the password again and again.
        let mut reply = self.command(Phase::Auth, "AUTH LOGIN\r\n").await?;
        for _ in 0..LOGIN_CHALLENGES {
            if reply.code() != 334 {
                return Err(Error::protocol(
                    Phase::Auth,
                    format!(
                        "{} where AUTH LOGIN asks for a 334 challenge",
                        shorten(&reply.to_string())
                    ),
                ));
            }
            let response = lettre_challenge(&reply);
            let auth = Auth::new_from_response(Mechanism::Login, credentials.clone(), &response)
                .map_err(|e| Error::garbled(Phase::Auth, e))?;
            reply = self.command(Phase::Auth, &auth.to_string()).await?;
        }
        authenticated(&reply)
    }

    /// Sends a command and reads its reply: a 4xx or 5xx becomes an error of `phase`.
    async fn command(&mut self, phase: Phase, line: &str) -> Result<Reply, Error> {
        self.send(phase, line).await?;
        self.expect(phase).await
    }

    /// Writes a command line, shown in the transcript (credentials masked).
    async fn send(&mut self, phase: Phase, line: &str) -> Result<(), Error> {
        for shown in transcript::command_lines(line, phase == Phase::Auth, self.encrypted) {
            self.show(shown);
        }
        self.write(phase, line.as_bytes()).await
    }

    fn show(&self, line: Line) {
        show(self.transcript.as_ref(), line);
    }

    async fn expect(&mut self, phase: Phase) -> Result<Reply, Error> {
        let (reply, _) = self.read_reply(phase).await?;
        if reply.is_positive() {
            Ok(reply)
        } else {
            Err(Error::refused(phase, reply))
        }
    }

    async fn write(&mut self, phase: Phase, bytes: &[u8]) -> Result<(), Error> {
        let stream = self.stream.get_mut();
        let send = async {
            stream.write_all(bytes).await?;
            stream.flush().await
        };
        self.limits
            .within(phase, send)
            .await?
            .map_err(|e| Error::lost(phase, e))
    }

    /// Reads one (possibly multi-line) reply, the whole of it within the timeout.
    async fn read_reply(&mut self, phase: Phase) -> Result<(Reply, Vec<String>), Error> {
        let limits = self.limits;
        limits.within(phase, self.read_lines(phase)).await?
    }

    async fn read_lines(&mut self, phase: Phase) -> Result<(Reply, Vec<String>), Error> {
        let mut lines = Vec::new();
        loop {
            let line = self.read_line(phase).await?;
            let last = line.as_bytes().get(3) != Some(&b'-');
            lines.push(line);
            if last {
                break;
            }
            if lines.len() >= MAX_REPLY_LINES {
                return Err(Error::garbled(phase, "a reply of too many lines"));
            }
        }
        let reply = Reply::parse(&lines.join("\r\n")).map_err(|e| Error::garbled(phase, e))?;
        Ok((reply, lines))
    }

    async fn read_line(&mut self, phase: Phase) -> Result<String, Error> {
        let mut bytes = Vec::new();
        let mut limited = (&mut self.stream).take(MAX_LINE_BYTES as u64);
        let read = limited
            .read_until(b'\n', &mut bytes)
            .await
            .map_err(|e| Error::lost(phase, e))?;
        if read == 0 {
            return Err(Error::lost(phase, "the server closed the connection"));
        }
        if bytes.last() != Some(&b'\n') {
            return Err(Error::garbled(phase, "a reply line without an end"));
        }
        let line = String::from_utf8_lossy(&bytes).trim_end().to_owned();
        self.show(Line::received(&line, self.encrypted));
        if line.len() < 3 || !line.as_bytes()[..3].iter().all(u8::is_ascii_digit) {
            return Err(Error::garbled(phase, shorten(&line)));
        }
        Ok(line)
    }

    async fn quit(&mut self) {
        if self.hung_up {
            return;
        }
        let limits = Limits {
            timeout: QUIT_TIMEOUT.min(self.limits.timeout),
            ..self.limits
        };
        let session = async {
            self.send(Phase::EndOfData, &Quit.to_string()).await?;
            self.read_reply(Phase::EndOfData).await
        };
        // The outcome is already decided; a server that hangs up instead of answering QUIT is common.
        let _ = limits.within(Phase::EndOfData, session).await;
    }
}

/// The end of an AUTH exchange: `235`, or the server broke the exchange (a refusal is already
/// an error of `command`).
fn authenticated(verdict: &Reply) -> Result<(), Error> {
    if verdict.code() / 100 == 2 {
        return Ok(());
    }
    Err(Error::protocol(
        Phase::Auth,
        format!(
            "{} where the AUTH exchange should have ended with 235",
            shorten(&verdict.to_string())
        ),
    ))
}

/// `500` (command not recognized) or `502` (not implemented): the server predates EHLO.
fn ehlo_unknown(reply: &Reply) -> bool {
    matches!(reply.code(), 500 | 502)
}

/// The attempt ends when every recipient was refused: with the refusal the retry follows.
fn last_refusal(rcpt: &[(usize, Result<Reply, Error>)]) -> Error {
    deciding_refusal(rcpt.iter().filter_map(|(_, result)| result.as_ref().err()))
        .cloned()
        .unwrap_or_else(|| Error::garbled(Phase::Rcpt, "no recipient to send to"))
}

/// Of several refusals in one attempt, the one the retry follows: a transient one before a
/// permanent one (a recipient is still pending), and among those the longest stated delay, so
/// that no "try again in N" is cut short by another recipient's reply. Ties go to the later one.
pub(crate) fn deciding_refusal<'a>(
    errors: impl IntoIterator<Item = &'a Error>,
) -> Option<&'a Error> {
    let rank = |error: &Error| {
        let stated = error.server_reply().and_then(Reply::retry_hint);
        (error.is_transient(), stated)
    };
    errors.into_iter().fold(None, |best, error| match best {
        Some(best) if rank(best) > rank(error) => Some(best),
        _ => Some(error),
    })
}

fn show(transcript: Option<&Transcript>, line: Line) {
    if let Some(transcript) = transcript {
        transcript(&line);
    }
}

/// The TLS handshake of `smtps://`. When it fails on a plain-text greeting ("220 "), the server
/// wants `smtp://` with STARTTLS, and the error says so rather than rustls's "corrupt message".
async fn implicit_handshake(
    spec: &AttemptSpec<'_>,
    stream: BoxStream,
    first_bytes: &FirstBytes,
) -> Result<BoxStream, Error> {
    match handshake(spec, stream, Phase::Connect).await {
        Err(error) if error.is_tls() && tls_mode::looks_like_smtp(&first_bytes.get()) => Err(
            Error::wrong_tls_mode(Phase::Connect, TlsMode::ServerWantsPlain),
        ),
        result => result,
    }
}

async fn handshake(
    spec: &AttemptSpec<'_>,
    stream: BoxStream,
    phase: Phase,
) -> Result<BoxStream, Error> {
    let trust = spec
        .trust
        .ok_or_else(|| Error::tls(phase, "no TLS trust configured for this delivery"))?;
    Limits::of(spec)
        .within(phase, trust.handshake(spec.server.host(), stream))
        .await?
        .map_err(|e| Error::tls(phase, e))
}

impl Capabilities {
    fn parse(lines: &[String]) -> Capabilities {
        let mut capabilities = Capabilities::default();
        for line in lines.iter().skip(1) {
            let keywords = line.get(4..).unwrap_or_default().to_ascii_uppercase();
            let mut words = keywords.split([' ', '=']);
            match words.next().unwrap_or_default() {
                "STARTTLS" => capabilities.starttls = true,
                "8BITMIME" => capabilities.eight_bit_mime = true,
                "SMTPUTF8" => capabilities.smtputf8 = true,
                "PIPELINING" => capabilities.pipelining = true,
                "AUTH" => capabilities
                    .auth
                    .extend(words.filter(|w| !w.is_empty()).map(str::to_owned)),
                _ => {}
            }
        }
        capabilities
    }
}

fn rcpt_line(address: &Address) -> String {
    Rcpt::new(address.clone(), Vec::new()).to_string()
}

fn mail_parameters(spec: &AttemptSpec<'_>, capabilities: &Capabilities) -> Vec<MailParameter> {
    let mut parameters = Vec::new();
    if capabilities.eight_bit_mime && !spec.message.is_ascii() {
        parameters.push(MailParameter::Body(MailBodyParameter::EightBitMime));
    }
    if capabilities.smtputf8 && needs_smtputf8(spec).is_some() {
        parameters.push(MailParameter::SmtpUtfEight);
    }
    parameters
}

/// The first envelope address that only SMTPUTF8 can carry (RFC 6531 section 3.4). Compose
/// sends international domains as punycode, so in practice a non-ASCII local part.
fn needs_smtputf8<'a>(spec: &AttemptSpec<'a>) -> Option<&'a Address> {
    spec.from
        .into_iter()
        .chain(spec.recipients)
        .find(|address| !AsRef::<str>::as_ref(*address).is_ascii())
}

/// lettre's LOGIN answers a `Response`; ours is a `Reply`, so the challenge is handed over.
fn lettre_challenge(reply: &Reply) -> Response {
    let code = Code::new(
        Severity::PositiveIntermediate,
        LettreCategory::Unspecified3,
        Detail::Four,
    );
    Response::new(code, vec![reply.text().to_owned()])
}

/// The message as DATA carries it: lines starting with a dot doubled, CRLF at the end, then the
/// final dot (RFC 5321 section 4.5.2).
pub(crate) fn dot_stuffed(message: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(message.len() + 64);
    let mut line_start = true;
    for &byte in message {
        if line_start && byte == b'.' {
            out.push(b'.');
        }
        out.push(byte);
        line_start = byte == b'\n';
    }
    if !out.ends_with(b"\r\n") {
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b".\r\n");
    out
}

fn shorten(line: &str) -> String {
    line.chars().take(80).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dots_at_line_starts_are_doubled_and_the_message_ends_with_a_dot() {
        assert_eq!(
            dot_stuffed(b".hidden\r\nline\r\n..two"),
            b"..hidden\r\nline\r\n...two\r\n.\r\n".to_vec()
        );
    }

    #[test]
    fn ehlo_capabilities() {
        let lines: Vec<String> = [
            "250-mail.example.com",
            "250-STARTTLS",
            "250-AUTH PLAIN LOGIN",
            "250 8BITMIME",
        ]
        .map(String::from)
        .to_vec();
        let capabilities = Capabilities::parse(&lines);
        assert!(capabilities.starttls && capabilities.eight_bit_mime && !capabilities.smtputf8);
        assert!(!capabilities.pipelining);
        assert_eq!(capabilities.auth, ["PLAIN", "LOGIN"]);
    }

    #[test]
    fn pipelining_is_read_from_ehlo_in_any_case() {
        let lines: Vec<String> = ["250-mail.example.com", "250-pipelining", "250 8BITMIME"]
            .map(String::from)
            .to_vec();
        assert!(Capabilities::parse(&lines).pipelining);
    }
}
