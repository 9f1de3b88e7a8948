//! Finding SMTP replies, and the connection-level failures that come without one (see
//! `connection.rs`), in arbitrary logs: raw transcripts, Java/Jakarta Mail exceptions as Jenkins
//! prints them, nodemailer and PHPMailer errors, Python smtplib exceptions, Symfony Mailer and
//! SwiftMailer, Ruby's Net::SMTP, .NET's SmtpClient and MailKit, Go's net/smtp, lettre errors, swaks
//! and msmtp output, Postfix and Exim logs.
//!
//! The scanner streams: it reads one line at a time (each capped at [`MAX_LINE`] bytes), so a log
//! of any size is scanned in constant memory. It reports failures only (4xx and 5xx): a log's
//! `250 OK` lines are noise, not something to explain. A code counts only in a reply-like position:
//! at the start of a line (after timestamps and transcript arrows), after a marker such as
//! `Exception:`, `response:`, `said:`, `with message "` or `SERVER -> CLIENT:`, inside a Python
//! `(code, b'text')` tuple, or anywhere when an enhanced status code of the same class follows it.
//! A reply quoted with only its enhanced code (.NET's `The server response was: 5.7.1 ...`) counts
//! after such a marker. A bare number such as a port, a timestamp or an HTTP status is not a reply.
//!
//! Multi-line replies are joined whether the log keeps their lines (`535-5.7.8 ...` then
//! `535 5.7.8 ...`), escapes the breaks (Exim's `\n`) or runs them together on one line
//! (Postfix's `said: 550-5.7.26 ... 550 5.7.26 ...`, PHPMailer's HTML debug output).

use std::collections::VecDeque;
use std::io::{self, BufRead};
use std::sync::LazyLock;

use regex::{Captures, Regex};

use crate::explain::Explanation;
use crate::reply::Reply;

mod connection;
mod quiet;

pub use connection::{ConnectionExplanation, ConnectionFailure, ConnectionKind};

/// How many lines after one that mentions mail a generic connection wording still counts.
const MAIL_CONTEXT_LINES: u64 = connection::MAIL_CONTEXT_LINES;

/// Lines longer than this are cut: a reply is never that long, and memory stays bounded.
pub const MAX_LINE: usize = 16 * 1024;

/// The same reply found again within this many lines is the same event printed twice (a Java
/// exception and its cause, nodemailer's message and its `response:` field).
const REPEAT_WINDOW: u64 = 20;

/// A failure found in a log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// The 1-based line where the reply or failure starts.
    pub line: u64,
    /// What was found there.
    pub finding: Finding,
}

/// What a scan finds: an SMTP reply, or a failure before any reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finding {
    /// A 4xx or 5xx reply, multi-line replies joined.
    Reply(Reply),
    /// A connection, TLS or DNS failure: no server reply at all.
    Connection(ConnectionFailure),
}

/// A finding explained: its line and what it means, ready to render or serialize. Every front
/// end shows a scanned log this way (the CLI's `explain --scan`, the Action's annotations).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(untagged)]
pub enum Explained {
    /// A reply and its explanation from the catalog.
    Reply {
        /// The 1-based line.
        line: u64,
        /// What the reply means.
        #[serde(flatten)]
        explanation: Explanation,
    },
    /// A failure before any reply.
    Connection {
        /// The 1-based line.
        line: u64,
        /// What the failure means.
        #[serde(flatten)]
        failure: ConnectionExplanation,
    },
}

impl Explained {
    /// The line the finding starts on.
    pub fn line(&self) -> u64 {
        match self {
            Explained::Reply { line, .. } | Explained::Connection { line, .. } => *line,
        }
    }

    /// The fixes naming settings as `spell` writes them.
    pub fn spell(&mut self, spell: crate::settings::Spelling) {
        match self {
            Explained::Reply { explanation, .. } => explanation.spell(spell),
            Explained::Connection { failure, .. } => failure.spell(spell),
        }
    }

    /// The plain-text article, without the line number.
    pub fn to_text(&self) -> String {
        match self {
            Explained::Reply { explanation, .. } => explanation.to_text(),
            Explained::Connection { failure, .. } => failure.to_text(),
        }
    }
}

impl Found {
    /// The finding with its explanation.
    pub fn explain(&self) -> Explained {
        match &self.finding {
            Finding::Reply(reply) => Explained::Reply {
                line: self.line,
                explanation: crate::explain(reply),
            },
            Finding::Connection(failure) => Explained::Connection {
                line: self.line,
                failure: failure.explanation(),
            },
        }
    }

    /// The reply, when a reply was found.
    pub fn reply(&self) -> Option<&Reply> {
        match &self.finding {
            Finding::Reply(reply) => Some(reply),
            Finding::Connection(_) => None,
        }
    }
}

/// Scans a log for SMTP replies, line by line.
///
/// ```
/// use buildmail_core::scan::scan;
///
/// let log = "Sending notification...\n\
///            com.sun.mail.smtp.SMTPSendFailedException: 421 4.7.0 Try again later\n";
/// let found: Vec<_> = scan(log.as_bytes()).collect::<Result<_, _>>().unwrap();
/// assert_eq!(found[0].line, 2);
/// assert_eq!(found[0].reply().unwrap().code(), 421);
/// ```
pub fn scan<R: BufRead>(reader: R) -> Scanner<R> {
    Scanner {
        skip_quiet: true,
        ..scan_line_by_line(reader)
    }
}

/// Parses every line, quiet or not: what [`scan`] must find, for the tests.
fn scan_line_by_line<R: BufRead>(reader: R) -> Scanner<R> {
    Scanner {
        skip_quiet: false,
        recent_quiet: VecDeque::new(),
        reader,
        line_no: 0,
        buf: Vec::with_capacity(256),
        ready: VecDeque::new(),
        pending: None,
        last: None,
        last_connection: None,
        open_event: None,
        mail_context_until: 0,
        done: false,
    }
}

/// The iterator returned by [`scan`].
#[derive(Debug)]
pub struct Scanner<R> {
    /// Whether lines that cannot change the findings are passed over (see `quiet.rs`).
    skip_quiet: bool,
    /// The last quiet lines passed over, with their numbers, for [`Self::catch_up_mail_context`].
    recent_quiet: VecDeque<(u64, Vec<u8>)>,
    reader: R,
    line_no: u64,
    buf: Vec<u8>,
    ready: VecDeque<Found>,
    pending: Option<Pending>,
    last: Option<(u64, Reply)>,
    /// The last connection failure reported, to recognise it printed again: see [`Event`].
    last_connection: Option<Event>,
    /// A connection failure not reported yet: a later line of its event may name its cause.
    open_event: Option<(Found, Event)>,
    /// Generic connection wordings count up to this line (one that mentions mail, plus a few).
    mail_context_until: u64,
    done: bool,
}

/// The lines of a log that show one connection failure: its kind, its last line so far, and the
/// gist of each line (a later copy of one of them is the same failure printed again).
#[derive(Debug)]
struct Event {
    kind: &'static str,
    last: u64,
    gists: Vec<String>,
}

/// A multi-line reply whose last line has not been seen yet.
#[derive(Debug)]
struct Pending {
    line: u64,
    code: u16,
    wire: String,
    /// The quote a quoted reply opened and has not closed yet: its next line ends at the close.
    quote: Option<char>,
}

/// A reply (or one line of a multi-line reply) found on a line.
#[derive(Debug, PartialEq, Eq)]
struct Candidate {
    code: u16,
    /// `false` for `421-...`: more lines of the same reply follow.
    last: bool,
    wire: String,
    /// The quote this reply opened on its line and did not close (`with message "535-...`).
    open_quote: Option<char>,
}

impl<R: BufRead> Iterator for Scanner<R> {
    type Item = io::Result<Found>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(found) = self.ready.pop_front() {
                return Some(Ok(found));
            }
            if self.done {
                return None;
            }
            match read_capped_line(&mut self.reader, &mut self.buf) {
                Err(error) => {
                    self.done = true;
                    return Some(Err(error));
                }
                Ok(false) => {
                    self.done = true;
                    self.flush();
                    self.close_event();
                }
                Ok(true) => {
                    self.line_no += 1;
                    if self.skip_quiet {
                        if self.pass_over_quiet_line() {
                            continue;
                        }
                        self.catch_up_mail_context();
                    }
                    // The buffer is lent out for the line's lifetime, so the line needs no copy.
                    let buf = std::mem::take(&mut self.buf);
                    let line = String::from_utf8_lossy(&buf);
                    if memchr::memchr(0x1b, &buf).is_some() {
                        self.take_line(&ANSI_ESCAPE.replace_all(&line, ""));
                    } else {
                        self.take_line(&line);
                    }
                    self.buf = buf;
                }
            }
        }
    }
}

impl<R> Scanner<R> {
    /// Passes over the line in `buf` when parsing it could change nothing: no reply or event is
    /// open (a line of any kind would end them), and its bytes hold nothing the parser looks for.
    /// The line is kept (a few of them) in case the next busy line needs to know whether it
    /// mentioned mail.
    fn pass_over_quiet_line(&mut self) -> bool {
        if self.pending.is_some() || self.open_event.is_some() {
            return false;
        }
        if quiet::classify(&self.buf) == quiet::Line::Busy {
            return false;
        }
        let mut kept = if self.recent_quiet.len() as u64 >= MAIL_CONTEXT_LINES {
            self.recent_quiet
                .pop_front()
                .map(|(_, kept)| kept)
                .unwrap_or_default()
        } else {
            Vec::new()
        };
        kept.clear();
        kept.extend_from_slice(&self.buf);
        self.recent_quiet.push_back((self.line_no, kept));
        true
    }

    /// Sets the mail context as parsing the quiet lines passed over would have: only those
    /// close enough to the current line can still make a difference.
    fn catch_up_mail_context(&mut self) {
        for (line_no, bytes) in self.recent_quiet.drain(..) {
            // Quiet lines are ASCII.
            let line = std::str::from_utf8(&bytes).unwrap_or_default();
            if line_no + MAIL_CONTEXT_LINES >= self.line_no && connection::mentions_mail(line) {
                self.mail_context_until = line_no + MAIL_CONTEXT_LINES;
            }
        }
    }

    fn take_line(&mut self, line: &str) {
        let candidates = reply_candidates(line);
        if connection::mentions_mail(line) {
            self.mail_context_until = self.line_no + connection::MAIL_CONTEXT_LINES;
        }
        let no_reply = candidates.is_empty();
        if !no_reply || self.event_is_over() {
            self.close_event();
        }
        let mut candidates = candidates.into_iter();
        if self.pending.is_some() {
            self.continue_pending(candidates.next());
        }
        for candidate in candidates {
            self.start(Some(candidate));
        }
        if no_reply {
            self.take_connection_failure(line);
        }
    }

    /// Whether the open connection failure's event is over: none of its lines for a while.
    fn event_is_over(&self) -> bool {
        self.open_event
            .as_ref()
            .is_some_and(|(_, event)| self.line_no - event.last > connection::EVENT_LINES)
    }

    /// The line after the start of a multi-line reply: the next line of it (the same code), or
    /// anything else, which ends it.
    fn continue_pending(&mut self, next: Option<Candidate>) {
        let Some(pending) = &mut self.pending else {
            return;
        };
        match next {
            Some(next) if next.code == pending.code => {
                let (wire, closed) = match pending.quote {
                    Some(quote) => match closing_quote(&next.wire, quote) {
                        Some(end) => (&next.wire[..end], true),
                        None => (next.wire.as_str(), false),
                    },
                    None => (next.wire.as_str(), false),
                };
                pending.wire.push('\n');
                pending.wire.push_str(wire);
                if next.last || closed {
                    self.flush();
                }
            }
            other => {
                self.flush();
                self.start(other);
            }
        }
    }

    fn take_connection_failure(&mut self, line: &str) {
        let near_mail = self.line_no <= self.mail_context_until;
        let Some(failure) = connection::connection_failure(line, near_mail) else {
            return;
        };
        let line_no = self.line_no;
        let gist = failure.gist().to_owned();
        if let Some((found, event)) = &mut self.open_event {
            // The same event: keep its first line, and the most telling kind.
            if let Finding::Connection(open) = &mut found.finding
                && open.is_refined_by(&failure)
            {
                event.kind = failure.kind.id;
                *open = failure;
            }
            event.last = line_no;
            event.gists.push(gist);
            return;
        }
        if let Some(event) = &mut self.last_connection
            && line_no - event.last <= REPEAT_WINDOW
            && event.kind == failure.kind.id
            && event.gists.contains(&gist)
        {
            event.last = line_no;
            return;
        }
        let event = Event {
            kind: failure.kind.id,
            last: line_no,
            gists: vec![gist],
        };
        let found = Found {
            line: line_no,
            finding: Finding::Connection(failure),
        };
        self.open_event = Some((found, event));
    }

    /// Reports the open connection failure, with the kind its event ended up with.
    fn close_event(&mut self) {
        if let Some((found, event)) = self.open_event.take() {
            self.ready.push_back(found);
            self.last_connection = Some(event);
        }
    }

    fn start(&mut self, candidate: Option<Candidate>) {
        let Some(candidate) = candidate else { return };
        let pending = Pending {
            line: self.line_no,
            code: candidate.code,
            wire: candidate.wire,
            quote: candidate.open_quote,
        };
        self.pending = Some(pending);
        if candidate.last {
            self.flush();
        }
    }

    fn flush(&mut self) {
        let Some(pending) = self.pending.take() else {
            return;
        };
        let Ok(reply) = Reply::parse(&pending.wire) else {
            return;
        };
        let repeated = self.last.as_ref().is_some_and(|(line, last)| {
            pending.line - line <= REPEAT_WINDOW && same_event(last, &reply)
        });
        if !repeated {
            self.ready.push_back(Found {
                line: pending.line,
                finding: Finding::Reply(reply.clone()),
            });
        }
        self.last = Some((pending.line, reply));
    }
}

/// Whether two replies found close together are one event printed twice: the same codes, and
/// texts that are equal or that one quotes the start of the other (a Symfony exception repeats
/// its message cut short, a log repeats the last line of a multi-line reply).
fn same_event(a: &Reply, b: &Reply) -> bool {
    const HEAD: usize = 24;
    let head = |text: &str| -> String { text.chars().take(HEAD).collect() };
    let quotes = |long: &str, short: &str| {
        let short = head(short);
        !short.is_empty() && long.contains(&short)
    };
    a.code() == b.code()
        && a.enhanced() == b.enhanced()
        && (a.text() == b.text() || quotes(a.text(), b.text()) || quotes(b.text(), a.text()))
}

/// Reads one line into `buf` (without the line break), keeping at most [`MAX_LINE`] bytes of it.
/// Returns `false` at the end of input.
fn read_capped_line(reader: &mut impl BufRead, buf: &mut Vec<u8>) -> io::Result<bool> {
    buf.clear();
    let mut read_any = false;
    loop {
        let chunk = match reader.fill_buf() {
            Ok(chunk) => chunk,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(error),
        };
        if chunk.is_empty() {
            return Ok(read_any);
        }
        read_any = true;
        let newline = memchr::memchr(b'\n', chunk);
        let end = newline.unwrap_or(chunk.len());
        let room = MAX_LINE.saturating_sub(buf.len());
        buf.extend_from_slice(&chunk[..end.min(room)]);
        let used = newline.map_or(chunk.len(), |at| at + 1);
        reader.consume(used);
        if newline.is_some() {
            if buf.last() == Some(&b'\r') {
                buf.pop();
            }
            return Ok(true);
        }
    }
}

/// Cheap pre-filter: a failure reply needs the digits of a 4xx or 5xx code somewhere, or an
/// enhanced code of class 4 or 5 (`5.7.1`) for the replies quoted without their basic code.
fn might_hold_reply(bytes: &[u8]) -> bool {
    failure_codes(bytes).next().is_some() || has_failure_enhanced(bytes)
}

/// Where `4xx` or `5xx` starts in `bytes`: memchr finds the 4s and 5s, so the bytes between
/// cost next to nothing.
fn failure_codes(bytes: &[u8]) -> impl Iterator<Item = usize> + '_ {
    memchr::memchr2_iter(b'4', b'5', bytes).filter(move |&at| {
        bytes.get(at + 1).is_some_and(u8::is_ascii_digit)
            && bytes.get(at + 2).is_some_and(u8::is_ascii_digit)
    })
}

/// Whether a failure code is followed by an enhanced code (`550 5.1.1`, `421-4.7.0`): a byte
/// scan that spares most noise lines the unanchored [`WITH_ENHANCED`] search.
fn code_then_enhanced(bytes: &[u8]) -> bool {
    failure_codes(bytes).any(|at| {
        matches!(bytes.get(at + 3), Some(b' ' | b'-'))
            && matches!(bytes.get(at + 4), Some(b'2' | b'4' | b'5'))
            && bytes.get(at + 5) == Some(&b'.')
    })
}

/// Whether an enhanced code of class 4 or 5 (`5.7.1`) appears somewhere.
fn has_failure_enhanced(bytes: &[u8]) -> bool {
    memchr::memchr2_iter(b'4', b'5', bytes).any(|at| {
        bytes.get(at + 1) == Some(&b'.')
            && bytes.get(at + 2).is_some_and(u8::is_ascii_digit)
            && is_enhanced_at(&bytes[at + 2..])
    })
}

/// Whether `bytes` (just after `4.` or `5.`) go on as the rest of an enhanced code: `7.1`.
fn is_enhanced_at(bytes: &[u8]) -> bool {
    let subject = bytes.iter().take_while(|b| b.is_ascii_digit()).count();
    (1..=3).contains(&subject)
        && bytes.get(subject) == Some(&b'.')
        && bytes.get(subject + 1).is_some_and(u8::is_ascii_digit)
}

/// The codes RFC 5321 and its extensions define for failures; a code without an enhanced code is
/// believed only if it is one of these.
const FAILURE_CODES: &[u16] = &[
    421, 432, 450, 451, 452, 454, 455, 500, 501, 502, 503, 504, 521, 530, 534, 535, 538, 550, 551,
    552, 553, 554, 555, 556,
];

/// Terminal colour and cursor codes (`\e[31m`, `\e[0;1m`, `\e[K`) that CI runners keep in their
/// logs: a reply right after one is still at the start of its line.
static ANSI_ESCAPE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)")
        .expect("the ANSI escape pattern is valid")
});

/// HTTP reason phrases: `503 Service Unavailable` in a web client's log is not an SMTP reply.
static HTTP_REASON: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^(bad gateway|gateway time-?out|service unavailable$|not found|internal server error|forbidden|unauthorized|too many requests|method not allowed|bad request|not implemented$)")
        .expect("the HTTP reason pattern is valid")
});

/// `(450, b'4.2.0 Greylisted')` as Python's smtplib prints its exceptions (a third member, the
/// sender of `SMTPSenderRefused`, may follow).
static PYTHON_TUPLE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"\((?P<code>[45]\d\d),\s*u?b?(?:'(?P<single>(?:\\.|[^'\\])*)'|"(?P<double>(?:\\.|[^"\\])*)")[),]"#)
        .expect("the Python tuple pattern is valid")
});

/// lettre: `permanent error (550): 5.1.1 ...`, `transient error (421): ...`.
static LETTRE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(?:permanent|transient) error \((?P<code>[45]\d\d)\):?\s*(?P<rest>.*)")
        .expect("the lettre pattern is valid")
});

/// lettre's Debug form: `Error { kind: Permanent(Code { severity: PermanentNegativeCompletion,
/// category: Unspecified3, detail: Four }), source: "..." }`, the code spelt out digit by digit.
static LETTRE_DEBUG: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"\b(?:Permanent|Transient)\(Code \{ severity: (?P<severity>\w+), category: (?P<category>\w+), detail: (?P<detail>\w+) \}\)(?:,\s*source:\s*"(?P<text>(?:\\.|[^"\\])*)")?"#)
        .expect("the lettre Debug pattern is valid")
});

/// The basic code of lettre's `Code` Debug form (`lettre::transport::smtp::response`'s
/// `Severity`, `Category` and `Detail` enums).
fn lettre_debug_code(caps: &Captures<'_>) -> Option<u16> {
    let severity = match &caps["severity"] {
        "TransientNegativeCompletion" => 4,
        "PermanentNegativeCompletion" => 5,
        _ => return None,
    };
    let category = match &caps["category"] {
        "Syntax" => 0,
        "Information" => 1,
        "Connections" => 2,
        "Unspecified3" => 3,
        "Unspecified4" => 4,
        "MailSystem" => 5,
        _ => return None,
    };
    let digits = [
        "Zero", "One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine",
    ];
    let detail = digits.iter().position(|d| *d == &caps["detail"])? as u16;
    Some(severity * 100 + category * 10 + detail)
}

fn lettre_debug(caps: &Captures<'_>) -> Option<Candidate> {
    let code = lettre_debug_code(caps)?;
    let text = caps
        .name("text")
        .map_or(String::new(), |t| unescape_python(t.as_str()));
    let wire = format!("{code} {}", text.trim());
    Reply::parse(&wire).ok()?;
    Some(Candidate {
        code,
        last: true,
        wire: wire.trim_end().to_owned(),
        open_quote: None,
    })
}

/// A code at the start of a line, after timestamps (ISO, or Go's `2024/05/01 10:00:00`) or `[...]`
/// prefixes and transcript arrows: swaks (`<-`, `<~`, `<**`, `<~*`), MailKit's protocol log
/// (`S:`), Exim's debug output (`SMTP<<`), Perl's Net::SMTP (`<<<`).
static LINE_START: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*(?:\[[^\]]*\]\s*|\d{4}[-/]\d\d[-/]\d\d[T ][\d:.,]+Z?\s*)*(?P<arrow><[-~]?\*{0,2}\s*|S:\s+|SMTP<<\s*|<<<\s*)?(?P<code>[45]\d\d)(?P<sep>[ -]|$)(?P<rest>.*)")
        .expect("the line-start pattern is valid")
});

/// The second half of a JavaScript string split over lines (nodemailer's `response: '...\n' +`
/// then `'535 5.7.8 ...'`).
static JS_CONTINUATION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"^\s*(?P<quote>['"])(?P<code>[45]\d\d)(?P<sep>[ -])(?P<rest>.*)"#)
        .expect("the continuation pattern is valid")
});

/// A code after a marker that introduces a server reply in client libraries and MTA logs:
/// `Exception:`, nodemailer's `response:`, Postfix's `said:` and `refused to talk to me:`, msmtp's
/// `server message:`, Symfony's `with message "`, Ruby's `Net::SMTPServerBusy:` and
/// `Net::SMTPFatalError (`, Go's `failed to issue MAIL command:`, Exim's `SMTP error from remote mail
/// server after RCPT TO:<...>:` (and the older `... mailer after ...: host h [ip]:`).
static AFTER_MARKER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i)(?:(?:exception|error|response|reply|said|message|failed|rejected|login|client|busy|smtp|command|talk to me|smtp error from remote (?:mail server|mailer) after [^:]*(?::<[^>]*>)?(?::\s*host [^:]*)?)\s*[:=]|with message|(?:error|busy) \()\s*(?P<quote>['"]?)(?P<code>[45]\d\d)(?P<sep>[ -]|$)(?P<rest>.*)"#)
        .expect("the marker pattern is valid")
});

/// A reply quoted with only its enhanced code, after .NET's `SmtpException: Mailbox
/// unavailable. The server response was: 5.7.1 ...` or an SMTP exception's name (MailKit's
/// `SmtpCommandException: 5.7.60 ...`); after any other `Exception:` it may be a version number.
static ENHANCED_ONLY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i)(?:server response was|smtp\w*exception)\s*:\s*(?P<rest>(?P<class>[45])\.\d{1,3}\.\d{1,3}\s.*)"#)
        .expect("the enhanced-only pattern is valid")
});

/// What .NET's `SmtpException` says before the server's text, even when that has no code.
const DOTNET_MARKER: &str = "The server response was:";

/// .NET's `SmtpException` names its `SmtpStatusCode` by message, not by number, then quotes the
/// server's text: `Mailbox unavailable. The server response was: 5.7.1 Unable to relay`. The
/// messages are those of dotnet/runtime's `SmtpException.GetMessageForStatus`.
static DOTNET_STATUS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?P<status>Service not available, closing transmission channel|Mailbox unavailable|Error in processing|Insufficient system storage|Client does not have permission to submit mail to this server|Syntax error, command unrecognized|Syntax error in parameters or arguments|Command not implemented|Bad sequence of commands|Command parameter not implemented|The SMTP server requires a secure connection or the client was not authenticated|User not local; please try a different path|Exceeded storage allocation|Mailbox name not allowed|Transaction failed)\.?\s*The server response was:\s*(?P<rest>.*)"#)
        .expect("the .NET status pattern is valid")
});

/// The basic code of a .NET `SmtpStatusCode` message. "Mailbox unavailable." is both
/// `MailboxBusy` (450) and `MailboxUnavailable` (550): an enhanced code of class 4 says which.
fn dotnet_status_code(status: &str, rest: &str) -> Option<u16> {
    Some(match status {
        "Service not available, closing transmission channel" => 421,
        "Mailbox unavailable" if rest.starts_with("4.") => 450,
        "Mailbox unavailable" => 550,
        "Error in processing" => 451,
        "Insufficient system storage" => 452,
        "Client does not have permission to submit mail to this server" => 454,
        "Syntax error, command unrecognized" => 500,
        "Syntax error in parameters or arguments" => 501,
        "Command not implemented" => 502,
        "Bad sequence of commands" => 503,
        "Command parameter not implemented" => 504,
        "The SMTP server requires a secure connection or the client was not authenticated" => 530,
        "User not local; please try a different path" => 551,
        "Exceeded storage allocation" => 552,
        "Mailbox name not allowed" => 553,
        "Transaction failed" => 554,
        _ => return None,
    })
}

/// A reply as .NET's `SmtpException` prints it, with the basic code its message names.
fn dotnet_reply(caps: &Captures<'_>) -> Option<Candidate> {
    let rest = caps["rest"].trim_end().trim_end_matches(['"', '\'']);
    let rest = IN_REPLY_TO.replace(rest, "");
    let code = dotnet_status_code(&caps["status"], &rest)?;
    let wire = format!("{code} {}", rest.trim());
    let reply = Reply::parse(&wire).ok()?;
    // An enhanced code of the other class contradicts the status: trust neither.
    (reply.code() == code).then_some(Candidate {
        code,
        last: true,
        wire,
        open_quote: None,
    })
}

/// A code anywhere, when an enhanced status code of the same class follows it.
static WITH_ENHANCED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?:^|[\s:'"(\[])(?P<code>[45]\d\d)(?P<sep>[ -])(?P<rest>(?P<class>[245])\.\d{1,3}\.\d{1,3}\b.*)"#)
        .expect("the enhanced-code pattern is valid")
});

/// Words of SMTP replies, required of a bare code at the start of a line.
static SMTP_WORDS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(smtp|e?smtp|mail|mailbox|relay(ing)?|recipient|sender|later|service|closing|connection|denied|rejected|refused|unavailable|authentication|auth|tls|starttls|gr[ae]ylist\w*|quota|limit|spam|blocked|not accepted|too many|timeout|temporar\w*|command|syntax|user|address|domain|policy|message|deferred|busy|exceeded|insufficient|storage|unknown|throttl\w*|transaction|requested action)\b")
        .expect("the SMTP vocabulary pattern is valid")
});

/// Postfix appends `(in reply to RCPT TO command)` to what the remote server said, and
/// `; from=<...> to=<...> proto=ESMTP helo=<...>` to the replies its smtpd sent.
static IN_REPLY_TO: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\s*(?:\(in reply to [^)]*\)\)?|;\s*from=<[^>]*>\s+to=<.*)\s*$")
        .expect("the in-reply-to pattern is valid")
});

/// The replies on a line, when it may hold one at all (the cheap test first).
fn reply_candidates(line: &str) -> Vec<Candidate> {
    let spelt_out = line.contains(DOTNET_MARKER) || line.contains(LETTRE_DEBUG_MARKER_TEXT);
    if might_hold_reply(line.as_bytes()) || spelt_out {
        candidates(line)
    } else {
        Vec::new()
    }
}

/// The replies on a line: Python's tuples (several may share a line), a library's own shape,
/// or one reply written out loosely.
fn candidates(line: &str) -> Vec<Candidate> {
    let bytes = line.as_bytes();
    if python_tuple_possible(bytes) {
        let python: Vec<Candidate> = PYTHON_TUPLE
            .captures_iter(line)
            .filter_map(|c| python_tuple(&c))
            .collect();
        if !python.is_empty() {
            return python;
        }
    }
    match library_reply(line) {
        Some(shaped) => shaped.into_iter().collect(),
        None => loose_reply(line).into_iter().collect(),
    }
}

/// A reply in the shape a library prints it (lettre's error and its Debug form, a Node.js
/// continuation line); `None` when the line has none of those shapes. A line of such a shape
/// holds no other reply, even when its own does not parse.
fn library_reply(line: &str) -> Option<Option<Candidate>> {
    let bytes = line.as_bytes();
    if let Some(caps) = LETTRE_DEBUG_MARKER
        .find(bytes)
        .and_then(|_| LETTRE_DEBUG.captures(line))
    {
        return Some(lettre_debug(&caps));
    }
    if let Some(caps) = error_paren_possible(bytes)
        .then(|| LETTRE.captures(line))
        .flatten()
    {
        let wire = format!("{} {}", &caps["code"], caps["rest"].trim());
        return Some(code_of(&caps).map(|code| Candidate {
            code,
            last: true,
            wire,
            open_quote: None,
        }));
    }
    let first = bytes.iter().find(|&&b| !is_space_like(b));
    matches!(first, Some(b'\'' | b'"'))
        .then(|| JS_CONTINUATION.captures(line))
        .flatten()
        .map(|caps| {
            let quote = caps["quote"].to_owned();
            from_captures(&caps, line, &quote)
        })
}

/// A reply written out in a log line, the most telling shape first: at the start of the line,
/// after a marker, before an enhanced code, .NET's spelt-out status, an enhanced code alone.
fn loose_reply(line: &str) -> Option<Candidate> {
    at_line_start(line)
        .or_else(|| after_marker(line))
        .or_else(|| before_enhanced(line))
        .or_else(|| {
            DOTNET_STATUS_MARKER.find(line.as_bytes())?;
            DOTNET_STATUS.captures(line).and_then(|c| dotnet_reply(&c))
        })
        .or_else(|| {
            has_failure_enhanced(line.as_bytes())
                .then(|| ENHANCED_ONLY.captures(line).and_then(|c| enhanced_only(&c)))
                .flatten()
        })
}

/// A code at the start of the line, with evidence that it is a reply.
fn at_line_start(line: &str) -> Option<Candidate> {
    let c = LINE_START.captures(line)?;
    let candidate = from_captures(&c, line, "")?;
    // A bare `550 tests passed` is not a reply; a transcript arrow or SMTP words make it one.
    let evidence = c.name("arrow").is_some()
        || candidate.wire.as_bytes().get(3) == Some(&b'-')
        || has_enhanced(candidate.code, &candidate.wire[3..])
        || SMTP_WORDS.is_match(&candidate.wire);
    evidence.then_some(candidate)
}

/// A code after a marker such as `response:` or `SMTP error`.
fn after_marker(line: &str) -> Option<Candidate> {
    if !code_after_marker_possible(line.as_bytes()) {
        return None;
    }
    let c = AFTER_MARKER.captures(line)?;
    let quote = c.name("quote").map_or("", |m| m.as_str()).to_owned();
    from_captures(&c, line, &quote)
}

/// A code anywhere, followed by an enhanced status code of the same class.
fn before_enhanced(line: &str) -> Option<Candidate> {
    if !code_then_enhanced(line.as_bytes()) {
        return None;
    }
    let c = WITH_ENHANCED.captures(line)?;
    let same_class = c["class"].as_bytes()[0] == c["code"].as_bytes()[0];
    let start = c.name("code").map_or(0, |m| m.start());
    let quote = quote_before(line, start);
    same_class.then(|| from_captures(&c, line, quote)).flatten()
}

/// Byte-level gates: each says whether a line holds the bytes a pattern cannot match without, so
/// the noise of a build log (numbers everywhere) skips the unanchored regex searches. A gate may
/// let a line through that the pattern then refuses, never the other way round.
static LETTRE_DEBUG_MARKER: LazyLock<memchr::memmem::Finder<'static>> =
    LazyLock::new(|| memchr::memmem::Finder::new(LETTRE_DEBUG_MARKER_TEXT));
/// What lettre's Debug form of a reply always holds.
const LETTRE_DEBUG_MARKER_TEXT: &str = "(Code { severity: ";
static DOTNET_STATUS_MARKER: LazyLock<memchr::memmem::Finder<'static>> =
    LazyLock::new(|| memchr::memmem::Finder::new(DOTNET_MARKER));

/// `(550,` somewhere: what [`PYTHON_TUPLE`] needs.
fn python_tuple_possible(bytes: &[u8]) -> bool {
    failure_codes(bytes)
        .any(|at| at > 0 && bytes[at - 1] == b'(' && bytes.get(at + 3) == Some(&b','))
}

/// `error (` in any case: what [`LETTRE`] needs.
fn error_paren_possible(bytes: &[u8]) -> bool {
    memchr::memchr_iter(b'(', bytes).any(|at| ends_with_ignoring_case(&bytes[..at], b"error "))
}

/// Whether `needle` (lower case) appears in `bytes` in any ASCII case.
fn has_ignoring_case(bytes: &[u8], needle: &[u8]) -> bool {
    bytes
        .windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle))
}

/// A failure code right after one of [`AFTER_MARKER`]'s markers (`error:`, `said=`, `busy (`,
/// `with message`), past an optional quote and spaces; or anywhere on an Exim line (`SMTP error
/// from remote mail server after ...: host ...:`), whose marker is not next to the code.
fn code_after_marker_possible(bytes: &[u8]) -> bool {
    failure_codes(bytes).any(|at| {
        let Some(before) = text_before_code(bytes, at) else {
            return false;
        };
        match before.last() {
            Some(b'(' | b'e' | b'E') => true,
            Some(b':' | b'=') => {
                marker_word_ends(&before[..before.len() - 1])
                    || has_ignoring_case(bytes, b"from remote")
            }
            _ => false,
        }
    })
}

/// The line before the code at `at`, past an optional quote and spaces: it ends with the
/// character a marker would end with; `None` when nothing comes before.
pub(super) fn text_before_code(bytes: &[u8], at: usize) -> Option<&[u8]> {
    let mut before = &bytes[..at];
    if let [rest @ .., b'\'' | b'"'] = before {
        before = rest;
    }
    let end = before.iter().rposition(|&b| !is_space_like(b))?;
    Some(&before[..=end])
}

/// Whether `text`, spaces at its end aside, ends with one of [`MARKER_WORDS`] (`error`, `said`,
/// ...): the word before a marker's `:` or `=`.
pub(super) fn marker_word_ends(text: &[u8]) -> bool {
    let end = text
        .iter()
        .rposition(|&b| !is_space_like(b))
        .map_or(0, |e| e + 1);
    MARKER_WORDS
        .iter()
        .any(|marker| ends_with_ignoring_case(&text[..end], marker))
}

/// The words [`AFTER_MARKER`] accepts before its `:` or `=`.
const MARKER_WORDS: &[&[u8]] = &[
    b"exception",
    b"error",
    b"response",
    b"reply",
    b"said",
    b"message",
    b"failed",
    b"rejected",
    b"login",
    b"client",
    b"busy",
    b"smtp",
    b"command",
    b"talk to me",
];

fn ends_with_ignoring_case(bytes: &[u8], suffix: &[u8]) -> bool {
    bytes.len() >= suffix.len() && bytes[bytes.len() - suffix.len()..].eq_ignore_ascii_case(suffix)
}

/// What a gate passes over where a pattern has `\s`: ASCII spaces, and any non-ASCII byte (which
/// may belong to a Unicode space).
fn is_space_like(byte: u8) -> bool {
    byte >= 0x80 || matches!(byte, b' ' | b'\t' | b'\n' | b'\x0B' | b'\x0C' | b'\r')
}

fn code_of(caps: &Captures<'_>) -> Option<u16> {
    caps["code"].parse().ok()
}

/// The quote just before a code found in the middle of a line (`"550 5.7.1 ..."`), if any.
fn quote_before(line: &str, start: usize) -> &'static str {
    match line[..start].chars().next_back() {
        Some('"') => "\"",
        Some('\'') => "'",
        _ => "",
    }
}

/// Where a reply quoted with `quote` ends: the first such quote followed by the end of the line,
/// white space or punctuation. A quote inside the reply (`550 "sender not allowed"`) is followed
/// by a word and does not end it.
fn closing_quote(text: &str, quote: char) -> Option<usize> {
    let mut chars = text.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        let next = chars.peek().map(|&(_, next)| next);
        let ends = next.is_none_or(|n| n.is_whitespace() || ".,;)]}".contains(n));
        if c == quote && ends {
            return Some(at);
        }
    }
    None
}

fn from_captures(caps: &Captures<'_>, line: &str, quote: &str) -> Option<Candidate> {
    let code = code_of(caps)?;
    let mut rest = caps["rest"].trim_end().to_owned();
    let quoted = quote.chars().next();
    let mut open_quote = None;
    let mut continued = false;
    if let Some(q) = quoted {
        match closing_quote(&rest, q) {
            Some(end) => {
                // A quoted reply carries its line breaks escaped (`\n`); one at the very end
                // means the string goes on in the next line (`'...\n' +`).
                continued = rest[..end].ends_with("\\n");
                rest = unescape_python(&rest[..end]);
            }
            // The quote closes on a later line (Symfony prints the reply's own line breaks).
            None => open_quote = Some(q),
        }
    }
    let rest = IN_REPLY_TO.replace(&rest, "");
    let rest = rest.trim();
    if !plausible(code, rest, line) {
        return None;
    }
    let sep = caps.name("sep").map_or(" ", |m| m.as_str());
    let (rest, joined_last_line) = split_run_together_lines(code, rest);
    let last = if joined_last_line {
        true
    } else if quoted.is_some() && open_quote.is_none() {
        !continued
    } else {
        sep != "-"
    };
    let wire = if rest.is_empty() {
        code.to_string()
    } else if sep == "-" {
        format!("{code}-{rest}")
    } else {
        format!("{code} {rest}")
    };
    Some(Candidate {
        code,
        last,
        wire,
        open_quote,
    })
}

/// Puts back the line breaks of a multi-line reply that a log ran together on one line: Exim
/// escapes them (`...is\n550-5.7.1 likely...`), Postfix joins the lines with spaces (`said:
/// 550-5.7.26 ... 550-5.7.26 ... 550 5.7.26 ...`), PHPMailer's HTML debug output drops them
/// (`Learn more at534 5.7.14 https://...`). A line is recognised by the reply's own code and
/// enhanced code, so a number in the text is never taken for one. Returns the text and whether
/// the reply's last line (`550 5.7.26 ...`) was among them.
fn split_run_together_lines(code: u16, rest: &str) -> (String, bool) {
    let rest = rest.replace(&format!("\\n{code}"), &format!("\n{code}"));
    let Some(enhanced) = rest
        .split_whitespace()
        .next()
        .filter(|token| has_enhanced(code, token))
    else {
        let last = rest.contains(&format!("\n{code} "));
        return (rest, last);
    };
    let middle = format!("{code}-{enhanced}");
    let last_line = format!("{code} {enhanced}");
    let mut out = String::with_capacity(rest.len() + 8);
    let mut saw_last = false;
    let mut at = 0;
    while at < rest.len() {
        let tail = &rest[at..];
        let is_middle = tail.starts_with(&middle);
        let is_last = tail.starts_with(&last_line);
        if at > 0 && (is_middle || is_last) {
            if !out.ends_with('\n') {
                out.push('\n');
            }
            saw_last |= is_last;
        }
        let step = tail.chars().next().map_or(1, char::len_utf8);
        out.push_str(&tail[..step]);
        at += step;
    }
    (out, saw_last)
}

/// A reply quoted with only its enhanced code: the reply model gives it the class's generic code.
fn enhanced_only(caps: &Captures<'_>) -> Option<Candidate> {
    let rest = caps["rest"].trim_end().trim_end_matches(['"', '\'']);
    let rest = IN_REPLY_TO.replace(rest, "");
    let reply = Reply::parse(&rest).ok()?;
    Some(Candidate {
        code: reply.code(),
        last: true,
        wire: rest.into_owned(),
        open_quote: None,
    })
}

/// Whether a code without other evidence is an SMTP reply rather than an HTTP status or a number.
fn plausible(code: u16, rest: &str, line: &str) -> bool {
    if has_enhanced(code, rest) {
        return true;
    }
    FAILURE_CODES.contains(&code) && !line.contains("HTTP/") && !HTTP_REASON.is_match(rest)
}

/// Whether `rest` opens with an enhanced status code of the same class as `code`.
fn has_enhanced(code: u16, rest: &str) -> bool {
    let class = char::from(b'0' + (code / 100) as u8);
    rest.split_whitespace().next().is_some_and(|token| {
        token.starts_with(class) && token.parse::<crate::reply::EnhancedCode>().is_ok()
    })
}

fn python_tuple(caps: &Captures<'_>) -> Option<Candidate> {
    let code = code_of(caps)?;
    let raw = caps
        .name("single")
        .or_else(|| caps.name("double"))?
        .as_str();
    let text = unescape_python(raw);
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let wire = match lines.split_last() {
        None => code.to_string(),
        Some((last, first)) => {
            let mut wire: String = first.iter().map(|l| format!("{code}-{l}\n")).collect();
            wire.push_str(&format!("{code} {last}"));
            wire
        }
    };
    Some(Candidate {
        code,
        last: true,
        wire,
        open_quote: None,
    })
}

fn unescape_python(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('r') | None => {}
            Some('t') => out.push(' '),
            Some(other) => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests;
