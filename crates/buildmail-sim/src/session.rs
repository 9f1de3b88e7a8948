//! One SMTP dialogue (RFC 5321, with STARTTLS and AUTH PLAIN/LOGIN), from greeting to close,
//! with the scenarios consulted at each phase. Replies go out in command order, so pipelining
//! clients are served by simply reading one line after another from a buffered reader.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;

use crate::policy::{Action, Dice, SHUTTING_DOWN, Step};
use crate::record::{self, AcceptedMessage, Close, ConnectionLog, Event};
use crate::scenario::{Phase, Scenario};
use crate::shared::{Shared, stopped};

/// Any byte stream a session can run over: TCP, TLS over TCP, an in-memory duplex.
pub(crate) trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

/// RFC 5321 asks for at least 512 octets; real servers accept a few KiB (Postfix: 2048).
const MAX_COMMAND_LINE: usize = 4096;
/// RFC 5321 section 4.5.3.1.8 asks for at least 100.
const MAX_RECIPIENTS: usize = 1000;

/// Serves one connection to its end and records it. Never panics on what the client sends.
pub(crate) async fn serve(
    shared: Arc<Shared>,
    io: Box<dyn Io>,
    peer: Option<SocketAddr>,
    shutdown: watch::Receiver<bool>,
    done: Option<mpsc::Sender<()>>,
) {
    let _done = done;
    let (connection, dice) = {
        let mut state = shared.state();
        state.concurrent += 1;
        state.record.connections.push(ConnectionLog {
            peer: peer.map_or_else(|| "stream".to_owned(), |p| p.to_string()),
            events: Vec::new(),
        });
        let connection = state.record.connections.len() - 1;
        (connection, shared.policy.dice_for(connection))
    };
    let _open = OpenConnection(Arc::clone(&shared));
    let mut session = Session {
        client_ip: peer.map_or_else(|| "127.0.0.1".to_owned(), |p| p.ip().to_string()),
        shared,
        connection,
        io: BufReader::new(io),
        shutdown,
        dice,
        tls_active: false,
        greeted: false,
        no_service: false,
        last_code: 0,
        auth_user: None,
        transaction: None,
        commands: 0,
    };
    let close = session.run().await;
    session.log(Event::Closed { by: close });
    let _ = tokio::time::timeout(Duration::from_secs(1), session.io.get_mut().shutdown()).await;
}

/// Counts the connection as open for `conn-limit` for as long as it lives.
struct OpenConnection(Arc<Shared>);

impl Drop for OpenConnection {
    fn drop(&mut self) {
        let mut state = self.0.state();
        state.concurrent = state.concurrent.saturating_sub(1);
    }
}

/// Whether the dialogue goes on after a reply.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Flow {
    Continue,
    Close(Close),
}

/// What the scenarios made of a step.
enum Verdict {
    Proceed,
    LostOk,
    Done(Flow),
}

/// One line from the client, or why there is none.
enum Input {
    Line(Vec<u8>),
    TooLong,
    Eof,
    Shutdown,
    Idle,
}

/// RFC 6531 section 3.7.4.1's reply to a non-ASCII address without SMTPUTF8.
const NEEDS_SMTPUTF8: &str = "553 5.6.7 Error: a non-ASCII address needs SMTPUTF8";

struct Transaction {
    mail_from: String,
    rcpt_to: Vec<String>,
    /// MAIL carried the SMTPUTF8 parameter: non-ASCII addresses may follow.
    smtputf8: bool,
}

struct Session {
    shared: Arc<Shared>,
    connection: usize,
    client_ip: String,
    io: BufReader<Box<dyn Io>>,
    shutdown: watch::Receiver<bool>,
    dice: Vec<Option<Dice>>,
    tls_active: bool,
    greeted: bool,
    no_service: bool,
    last_code: u16,
    auth_user: Option<String>,
    transaction: Option<Transaction>,
    commands: u32,
}

impl Session {
    async fn run(&mut self) -> Close {
        if self.shared.implicit_tls && self.start_tls().await.is_err() {
            return Close::Dropped;
        }
        if let Flow::Close(close) = self.greet().await {
            return close;
        }
        loop {
            let flow = match self.next_line(MAX_COMMAND_LINE).await {
                Input::Line(line) => self.command(&line).await,
                Input::TooLong => self.reply("500 5.5.2 Error: line too long").await,
                Input::Eof => return Close::Client,
                Input::Shutdown => return self.closing(SHUTTING_DOWN).await,
                Input::Idle => return self.idle_timeout().await,
            };
            if let Flow::Close(close) = flow {
                return close;
            }
            self.commands += 1;
            if self
                .shared
                .policy
                .shutdown_after()
                .is_some_and(|limit| self.commands >= limit)
            {
                return self.closing(SHUTTING_DOWN).await;
            }
        }
    }

    async fn greet(&mut self) -> Flow {
        match self.verdict(Phase::Greeting, "", "").await {
            Verdict::Proceed | Verdict::LostOk => {
                let greeting = format!("220 {} ESMTP buildmail-sim", self.shared.hostname);
                self.reply(greeting).await
            }
            Verdict::Done(flow) => {
                // RFC 5321 3.1: after a 554 greeting the server answers 503 until QUIT.
                self.no_service = self.last_code >= 400;
                flow
            }
        }
    }

    async fn command(&mut self, line: &[u8]) -> Flow {
        let line = String::from_utf8_lossy(line).into_owned();
        let (verb, arg) = match line.split_once(' ') {
            Some((verb, arg)) => (verb.to_ascii_uppercase(), arg.trim()),
            None => (line.trim().to_ascii_uppercase(), ""),
        };
        self.log(Event::Command {
            line: redacted(&line, &verb, arg),
        });
        if self.no_service && verb != "QUIT" {
            return self.reply("503 5.5.1 Error: no service").await;
        }
        match verb.as_str() {
            "EHLO" => self.ehlo(arg, true).await,
            "HELO" => self.ehlo(arg, false).await,
            "STARTTLS" => self.starttls(arg).await,
            "AUTH" => self.auth(arg).await,
            "MAIL" => self.mail(arg).await,
            "RCPT" => self.rcpt(arg).await,
            "DATA" => self.data(arg).await,
            "RSET" => {
                self.transaction = None;
                self.reply("250 2.0.0 Ok").await
            }
            "NOOP" => self.reply("250 2.0.0 Ok").await,
            "VRFY" => {
                self.reply(
                    "252 2.0.0 Cannot VRFY user, but will accept message and attempt delivery",
                )
                .await
            }
            "QUIT" => {
                let _ = self.send("221 2.0.0 Bye").await;
                Flow::Close(Close::Client)
            }
            "" => self.reply("500 5.5.2 Error: bad syntax").await,
            _ => self.reply("500 5.5.2 Error: command not recognized").await,
        }
    }

    async fn ehlo(&mut self, arg: &str, extended: bool) -> Flow {
        if arg.is_empty() {
            let verb = if extended { "EHLO" } else { "HELO" };
            return self
                .reply(format!("501 5.5.4 Syntax: {verb} hostname"))
                .await;
        }
        if let Some(flow) = self.intervene(Phase::Ehlo, "", "").await {
            return flow;
        }
        self.greeted = true;
        self.transaction = None;
        let host = self.shared.hostname.clone();
        if !extended {
            return self.reply(format!("250 {host}")).await;
        }
        let mut lines = vec![
            host,
            "PIPELINING".to_owned(),
            format!("SIZE {}", self.shared.max_message_size),
        ];
        if self.tls_available() && !self.tls_active {
            lines.push("STARTTLS".to_owned());
        }
        if self.auth_available() {
            let mechanisms = self.shared.policy.auth_mechanisms().join(" ");
            lines.push(format!("AUTH {mechanisms}"));
        }
        lines.push("ENHANCEDSTATUSCODES".to_owned());
        lines.push("8BITMIME".to_owned());
        if self.shared.smtputf8 {
            lines.push("SMTPUTF8".to_owned());
        }
        self.reply(multiline(250, &lines)).await
    }

    async fn starttls(&mut self, arg: &str) -> Flow {
        if self.tls_active {
            return self.reply("554 5.5.1 Error: TLS already active").await;
        }
        if !self.tls_available() {
            return self.reply("502 5.5.1 Error: command not implemented").await;
        }
        if !arg.is_empty() {
            return self.reply("501 5.5.4 Syntax: STARTTLS").await;
        }
        if let Some(flow) = self.intervene(Phase::Starttls, "", "").await {
            return flow;
        }
        if let Flow::Close(close) = self.reply("220 2.0.0 Ready to start TLS").await {
            return Flow::Close(close);
        }
        if self.start_tls().await.is_err() {
            return Flow::Close(Close::Dropped);
        }
        // RFC 3207: the client starts over with EHLO, and forgets what it learnt in plain text.
        self.greeted = false;
        self.transaction = None;
        self.auth_user = None;
        Flow::Continue
    }

    async fn auth(&mut self, arg: &str) -> Flow {
        let refusal = if self.shared.auth.is_none() {
            Some("503 5.5.1 Error: authentication not enabled")
        } else if !self.greeted {
            Some("503 5.5.1 Error: send HELO/EHLO first")
        } else if !self.auth_available() {
            Some("538 5.7.11 Encryption required for requested authentication mechanism")
        } else if self.auth_user.is_some() {
            Some("503 5.5.1 Error: already authenticated")
        } else if self.transaction.is_some() {
            Some("503 5.5.1 Error: MAIL transaction in progress")
        } else {
            None
        };
        if let Some(refusal) = refusal {
            return self.reply(refusal).await;
        }
        let (mechanism, initial) = match arg.split_once(' ') {
            Some((mechanism, initial)) => (mechanism.to_ascii_uppercase(), Some(initial.trim())),
            None => (arg.to_ascii_uppercase(), None),
        };
        if !self.shared.policy.auth_mechanisms().contains(&mechanism) {
            return self
                .reply("504 5.5.4 Unrecognized authentication type")
                .await;
        }
        if self.shared.policy.has(&Scenario::AuthEndless) {
            return self.endless_challenges().await;
        }
        let credentials = match mechanism.as_str() {
            "PLAIN" => self.auth_plain(initial).await,
            "LOGIN" => self.auth_login(initial).await,
            _ => {
                return self
                    .reply("504 5.5.4 Unrecognized authentication type")
                    .await;
            }
        };
        let (user, password) = match credentials {
            Ok(credentials) => credentials,
            Err(flow) => return flow,
        };
        if let Some(flow) = self.intervene(Phase::Auth, "", "").await {
            return flow;
        }
        let accepted = !self.shared.policy.has(&Scenario::AuthFail)
            && self
                .shared
                .auth
                .as_ref()
                .is_some_and(|(u, p)| *u == user && *p == password);
        if !accepted {
            return self
                .reply("535 5.7.8 Error: authentication failed: authentication failure")
                .await;
        }
        self.auth_user = Some(user);
        self.reply("235 2.7.0 Authentication successful").await
    }

    /// `auth-endless`: challenges until the client gives up or the connection ends.
    async fn endless_challenges(&mut self) -> Flow {
        loop {
            if let Err(flow) = self.challenge("334 UGFzc3dvcmQ6").await {
                return flow;
            }
        }
    }

    async fn auth_plain(&mut self, initial: Option<&str>) -> Result<(String, String), Flow> {
        let response = match initial {
            Some(response) => response.to_owned(),
            None => self.challenge("334 ").await?,
        };
        let decoded = self.decode(&response).await?;
        let mut parts = decoded.split('\0');
        match (parts.next(), parts.next(), parts.next(), parts.next()) {
            (Some(_authzid), Some(user), Some(password), None) => {
                Ok((user.to_owned(), password.to_owned()))
            }
            _ => Err(self.reply("501 5.5.2 Cannot decode response").await),
        }
    }

    async fn auth_login(&mut self, initial: Option<&str>) -> Result<(String, String), Flow> {
        let user = match initial {
            Some(user) => user.to_owned(),
            None => self.challenge("334 VXNlcm5hbWU6").await?,
        };
        let user = self.decode(&user).await?;
        let password = self.challenge("334 UGFzc3dvcmQ6").await?;
        let password = self.decode(&password).await?;
        Ok((user, password))
    }

    /// Sends a 334 challenge and reads the client's answer (logged as `***`).
    async fn challenge(&mut self, prompt: &str) -> Result<String, Flow> {
        if let Flow::Close(close) = self.reply(prompt).await {
            return Err(Flow::Close(close));
        }
        let line = match self.next_line(MAX_COMMAND_LINE).await {
            Input::Line(line) => String::from_utf8_lossy(&line).into_owned(),
            Input::TooLong => return Err(self.reply("500 5.5.2 Error: line too long").await),
            Input::Eof => return Err(Flow::Close(Close::Client)),
            Input::Shutdown => return Err(Flow::Close(self.closing(SHUTTING_DOWN).await)),
            Input::Idle => return Err(Flow::Close(self.idle_timeout().await)),
        };
        self.log(Event::Command {
            line: "***".to_owned(),
        });
        if line.trim() == "*" {
            return Err(self.reply("501 5.7.0 Authentication aborted").await);
        }
        Ok(line)
    }

    async fn decode(&mut self, base64: &str) -> Result<String, Flow> {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(base64.trim())
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok());
        match decoded {
            Some(text) => Ok(text),
            None => Err(self.reply("501 5.5.2 Cannot decode response").await),
        }
    }

    async fn mail(&mut self, arg: &str) -> Flow {
        let refusal = if !self.greeted {
            Some("503 5.5.1 Error: send HELO/EHLO first")
        } else if self.transaction.is_some() {
            Some("503 5.5.1 Error: nested MAIL command")
        } else if self.shared.auth.is_some() && self.auth_user.is_none() {
            Some("530 5.7.0 Authentication required")
        } else {
            None
        };
        if let Some(refusal) = refusal {
            return self.reply(refusal).await;
        }
        let Some((mail_from, params)) = path_after(arg, "FROM:") else {
            return self.reply("501 5.5.4 Syntax: MAIL FROM:<address>").await;
        };
        let declared_size = params.split_whitespace().find_map(|param| {
            let (name, value) = param.split_once('=')?;
            name.eq_ignore_ascii_case("SIZE")
                .then(|| value.parse::<u64>().ok())
                .flatten()
        });
        if declared_size.is_some_and(|size| size > self.shared.max_message_size as u64) {
            return self
                .reply("552 5.3.4 Message size exceeds fixed limit")
                .await;
        }
        let smtputf8 = self.shared.smtputf8
            && params
                .split_whitespace()
                .any(|param| param.eq_ignore_ascii_case("SMTPUTF8"));
        if !smtputf8 && !mail_from.is_ascii() {
            return self.reply(NEEDS_SMTPUTF8).await;
        }
        if let Some(flow) = self.intervene(Phase::Mail, &mail_from, "").await {
            return flow;
        }
        self.transaction = Some(Transaction {
            mail_from,
            rcpt_to: Vec::new(),
            smtputf8,
        });
        self.reply("250 2.1.0 Ok").await
    }

    async fn rcpt(&mut self, arg: &str) -> Flow {
        let Some(mail_from) = self.transaction.as_ref().map(|t| t.mail_from.clone()) else {
            return self.reply("503 5.5.1 Error: need MAIL command").await;
        };
        let rcpt = match path_after(arg, "TO:") {
            Some((rcpt, _)) if !rcpt.is_empty() => rcpt,
            _ => return self.reply("501 5.5.4 Syntax: RCPT TO:<address>").await,
        };
        if !rcpt.is_ascii() && self.transaction.as_ref().is_some_and(|t| !t.smtputf8) {
            return self.reply(NEEDS_SMTPUTF8).await;
        }
        if self
            .transaction
            .as_ref()
            .is_some_and(|t| t.rcpt_to.len() >= MAX_RECIPIENTS)
        {
            return self.reply("452 4.5.3 Error: too many recipients").await;
        }
        if let Some(flow) = self.intervene(Phase::Rcpt, &mail_from, &rcpt).await {
            return flow;
        }
        if let Some(transaction) = self.transaction.as_mut() {
            transaction.rcpt_to.push(rcpt);
        }
        self.reply("250 2.1.5 Ok").await
    }

    async fn data(&mut self, arg: &str) -> Flow {
        let (mail_from, has_recipients) = match &self.transaction {
            None => return self.reply("503 5.5.1 Error: need RCPT command").await,
            Some(t) => (t.mail_from.clone(), !t.rcpt_to.is_empty()),
        };
        if !has_recipients {
            return self.reply("554 5.5.1 Error: no valid recipients").await;
        }
        if !arg.is_empty() {
            return self.reply("501 5.5.4 Syntax: DATA").await;
        }
        if let Some(flow) = self.intervene(Phase::Data, &mail_from, "").await {
            return flow;
        }
        if let Flow::Close(close) = self.reply("354 End data with <CR><LF>.<CR><LF>").await {
            return Flow::Close(close);
        }
        let content = match self.read_content().await {
            Ok(content) => content,
            Err(flow) => return flow,
        };
        let Some(transaction) = self.transaction.take() else {
            return self.reply("503 5.5.1 Error: need RCPT command").await;
        };
        let Some(data) = content else {
            return self
                .reply("552 5.3.4 Message size exceeds fixed limit")
                .await;
        };
        self.end_of_data(transaction, data).await
    }

    /// Reads the message up to its final dot, unstuffing dots; `None` when it is too large.
    async fn read_content(&mut self) -> Result<Option<Vec<u8>>, Flow> {
        let limit = self.shared.max_message_size;
        let mut data = Vec::new();
        let mut too_large = false;
        loop {
            match self.next_line(limit.max(998) + 2).await {
                Input::Line(line) if line == b"." => break,
                Input::Line(line) => {
                    let line = line.strip_prefix(b".").unwrap_or(&line);
                    too_large |= data.len() + line.len() + 2 > limit;
                    if !too_large {
                        data.extend_from_slice(line);
                        data.extend_from_slice(b"\r\n");
                    }
                }
                Input::TooLong => too_large = true,
                Input::Eof => return Err(Flow::Close(Close::Client)),
                Input::Shutdown => return Err(Flow::Close(self.closing(SHUTTING_DOWN).await)),
                Input::Idle => return Err(Flow::Close(self.idle_timeout().await)),
            }
            if too_large {
                data = Vec::new();
            }
        }
        self.log(Event::Data { bytes: data.len() });
        Ok((!too_large).then_some(data))
    }

    async fn end_of_data(&mut self, transaction: Transaction, data: Vec<u8>) -> Flow {
        let verdict = self
            .verdict(Phase::EndOfData, &transaction.mail_from, "")
            .await;
        let lost = match verdict {
            Verdict::Done(flow) => return flow,
            Verdict::LostOk => true,
            Verdict::Proceed => false,
        };
        let message = AcceptedMessage {
            message_id: record::message_id(&data),
            mail_from: transaction.mail_from,
            rcpt_to: transaction.rcpt_to,
            data,
            connection: self.connection,
            tls: self.tls_active,
            auth_user: self.auth_user.clone(),
        };
        self.shared.accept_message(message).await;
        if lost {
            return Flow::Close(Close::Dropped);
        }
        let queue_id = self.shared.state().next_queue_id();
        self.reply(format!("250 2.0.0 Ok: queued as {queue_id}"))
            .await
    }

    /// Lets the scenarios act at a step that cannot lose a message: `None` means proceed.
    async fn intervene(&mut self, phase: Phase, mail_from: &str, rcpt: &str) -> Option<Flow> {
        match self.verdict(phase, mail_from, rcpt).await {
            Verdict::Proceed => None,
            Verdict::LostOk => Some(Flow::Close(Close::Dropped)),
            Verdict::Done(flow) => Some(flow),
        }
    }

    async fn verdict(&mut self, phase: Phase, mail_from: &str, rcpt: &str) -> Verdict {
        let decision = {
            let step = Step {
                phase,
                hostname: &self.shared.hostname,
                client_ip: &self.client_ip,
                mail_from,
                rcpt,
            };
            let mut state = self.shared.state();
            self.shared
                .policy
                .decide(&mut state, &step, &mut self.dice, Instant::now())
        };
        if !decision.stall.is_zero() && !self.pause(decision.stall).await {
            return Verdict::Done(Flow::Close(self.closing(SHUTTING_DOWN).await));
        }
        match decision.action {
            Action::Proceed => Verdict::Proceed,
            Action::LostOk => Verdict::LostOk,
            Action::Drop => Verdict::Done(Flow::Close(Close::Dropped)),
            Action::Reply(text) => Verdict::Done(self.reply(text).await),
        }
    }

    /// Waits on tokio's clock; false when the sim shuts down meanwhile.
    async fn pause(&mut self, duration: Duration) -> bool {
        tokio::select! {
            () = stopped(&mut self.shutdown) => false,
            () = tokio::time::sleep(duration) => true,
        }
    }

    async fn start_tls(&mut self) -> io::Result<()> {
        let acceptor = self
            .shared
            .tls
            .as_ref()
            .ok_or_else(|| io::Error::other("no certificate"))?
            .acceptor();
        let placeholder: Box<dyn Io> =
            Box::new(tokio::io::join(tokio::io::empty(), tokio::io::sink()));
        // Dropping the buffer discards anything pipelined after STARTTLS in plain text
        // (the command injection of CVE-2011-0411).
        let plain = std::mem::replace(&mut self.io, BufReader::new(placeholder)).into_inner();
        let tls = tokio::time::timeout(self.shared.idle_timeout, acceptor.accept(plain))
            .await
            .map_err(io::Error::other)??;
        self.io = BufReader::new(Box::new(tls));
        self.tls_active = true;
        self.log(Event::TlsEstablished);
        Ok(())
    }

    fn tls_available(&self) -> bool {
        self.shared.tls.is_some()
            && (self.shared.implicit_tls || !self.shared.policy.has(&Scenario::NoStarttls))
    }

    /// AUTH is offered only over TLS when TLS is to be had.
    fn auth_available(&self) -> bool {
        self.shared.auth.is_some() && (self.tls_active || !self.tls_available())
    }

    async fn next_line(&mut self, limit: usize) -> Input {
        let idle = self.shared.idle_timeout;
        tokio::select! {
            biased;
            () = stopped(&mut self.shutdown) => Input::Shutdown,
            read = tokio::time::timeout(idle, read_line(&mut self.io, limit)) => match read {
                Err(_) => Input::Idle,
                Ok(Err(_)) => Input::Eof,
                Ok(Ok(input)) => input,
            },
        }
    }

    async fn idle_timeout(&mut self) -> Close {
        let text = format!("421 4.4.2 {} Error: timeout exceeded", self.shared.hostname);
        self.closing(&text).await
    }

    /// Sends a reply that ends the connection.
    async fn closing(&mut self, text: &str) -> Close {
        let _ = self.send(text).await;
        Close::Server
    }

    /// Sends a reply; a 421 closes the connection, as RFC 5321 section 3.8 has it.
    async fn reply(&mut self, text: impl Into<String>) -> Flow {
        let text = text.into();
        match self.send(&text).await {
            Err(_) => Flow::Close(Close::Client),
            Ok(()) if text.starts_with("421") => Flow::Close(Close::Server),
            Ok(()) => Flow::Continue,
        }
    }

    async fn send(&mut self, text: &str) -> io::Result<()> {
        self.last_code = text.get(..3).and_then(|c| c.parse().ok()).unwrap_or(0);
        self.log(Event::Reply {
            text: text.to_owned(),
        });
        let wire = text.replace('\n', "\r\n") + "\r\n";
        let io = self.io.get_mut();
        io.write_all(wire.as_bytes()).await?;
        io.flush().await
    }

    fn log(&self, event: Event) {
        let mut state = self.shared.state();
        if let Some(log) = state.record.connections.get_mut(self.connection) {
            log.events.push(event);
        }
    }
}

/// Reads one line without its line end, discarding all of it when it is longer than `limit`.
async fn read_line<R: AsyncBufReadExt + Unpin>(reader: &mut R, limit: usize) -> io::Result<Input> {
    let mut line = Vec::new();
    let mut too_long = false;
    loop {
        let available = reader.fill_buf().await?;
        if available.is_empty() {
            return Ok(Input::Eof);
        }
        let newline = available.iter().position(|b| *b == b'\n');
        let taken = newline.map_or(available.len(), |at| at + 1);
        too_long |= line.len() + taken > limit;
        if !too_long {
            line.extend_from_slice(&available[..taken]);
        }
        reader.consume(taken);
        if newline.is_some() {
            break;
        }
    }
    if too_long {
        return Ok(Input::TooLong);
    }
    line.pop();
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    Ok(Input::Line(line))
}

/// The address in `FROM:<a@b> SIZE=1` (or `TO:`), and the parameters after it.
fn path_after<'a>(arg: &'a str, keyword: &str) -> Option<(String, &'a str)> {
    let head = arg.get(..keyword.len())?;
    if !head.eq_ignore_ascii_case(keyword) {
        return None;
    }
    let rest = arg[keyword.len()..].trim_start();
    let inner = rest.strip_prefix('<')?;
    let end = inner.find('>')?;
    Some((inner[..end].trim().to_owned(), inner[end + 1..].trim()))
}

fn multiline(code: u16, lines: &[String]) -> String {
    let last = lines.len().saturating_sub(1);
    lines
        .iter()
        .enumerate()
        .map(|(i, line)| format!("{code}{}{line}", if i == last { ' ' } else { '-' }))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The command as it goes into the record: AUTH's initial response is a credential.
fn redacted(line: &str, verb: &str, arg: &str) -> String {
    match (verb, arg.split_once(' ')) {
        ("AUTH", Some((mechanism, _))) => format!("AUTH {mechanism} ***"),
        _ => line.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_read_with_their_parameters() {
        assert_eq!(
            path_after("FROM:<a@b.c> SIZE=12 BODY=8BITMIME", "FROM:"),
            Some(("a@b.c".to_owned(), "SIZE=12 BODY=8BITMIME"))
        );
        assert_eq!(path_after("from: <>", "FROM:"), Some((String::new(), "")));
        assert_eq!(path_after("FROM:a@b.c", "FROM:"), None);
        assert_eq!(path_after("TO", "TO:"), None);
        assert_eq!(path_after("TÖ:<x>", "TO:"), None);
    }

    #[test]
    fn auth_credentials_never_reach_the_record() {
        assert_eq!(
            redacted("AUTH PLAIN AGEAYg==", "AUTH", "PLAIN AGEAYg=="),
            "AUTH PLAIN ***"
        );
        assert_eq!(redacted("AUTH LOGIN", "AUTH", "LOGIN"), "AUTH LOGIN");
    }
}
