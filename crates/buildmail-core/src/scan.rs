//! Finding SMTP replies in arbitrary logs: raw transcripts, Java/Jakarta Mail exceptions as Jenkins
//! prints them, nodemailer and PHPMailer errors, Python smtplib exceptions, lettre errors, swaks and
//! msmtp output, Postfix and Exim logs.
//!
//! The scanner streams: it reads one line at a time (each capped at [`MAX_LINE`] bytes), so a log
//! of any size is scanned in constant memory. It reports failures only (4xx and 5xx): a log's
//! `250 OK` lines are noise, not something to explain. A code counts only in a reply-like position:
//! at the start of a line (after timestamps and transcript arrows), after a marker such as
//! `Exception:`, `response:`, `said:` or `SERVER -> CLIENT:`, inside a Python `(code, b'text')`
//! tuple, or anywhere when an enhanced status code of the same class follows it. A bare number
//! such as a port, a timestamp or an HTTP status is not a reply.

use std::collections::VecDeque;
use std::io::{self, BufRead};
use std::sync::LazyLock;

use regex::{Captures, Regex};

use crate::reply::Reply;

/// Lines longer than this are cut: a reply is never that long, and memory stays bounded.
pub const MAX_LINE: usize = 16 * 1024;

/// The same reply found again within this many lines is the same event printed twice (a Java
/// exception and its cause, nodemailer's message and its `response:` field).
const REPEAT_WINDOW: u64 = 20;

/// A reply found in a log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// The 1-based line where the reply starts.
    pub line: u64,
    /// The reply, multi-line replies joined.
    pub reply: Reply,
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
/// assert_eq!(found[0].reply.code(), 421);
/// ```
pub fn scan<R: BufRead>(reader: R) -> Scanner<R> {
    Scanner {
        reader,
        line_no: 0,
        buf: Vec::with_capacity(256),
        ready: VecDeque::new(),
        pending: None,
        last: None,
        done: false,
    }
}

/// The iterator returned by [`scan`].
#[derive(Debug)]
pub struct Scanner<R> {
    reader: R,
    line_no: u64,
    buf: Vec<u8>,
    ready: VecDeque<Found>,
    pending: Option<Pending>,
    last: Option<Found>,
    done: bool,
}

/// A multi-line reply whose last line has not been seen yet.
#[derive(Debug)]
struct Pending {
    line: u64,
    code: u16,
    wire: String,
}

/// A reply (or one line of a multi-line reply) found on a line.
#[derive(Debug, PartialEq, Eq)]
struct Candidate {
    code: u16,
    /// `false` for `421-...`: more lines of the same reply follow.
    last: bool,
    wire: String,
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
                }
                Ok(true) => {
                    self.line_no += 1;
                    let line = String::from_utf8_lossy(&self.buf).into_owned();
                    self.take_line(&line);
                }
            }
        }
    }
}

impl<R> Scanner<R> {
    fn take_line(&mut self, line: &str) {
        let candidates = if might_hold_reply(line.as_bytes()) {
            candidates(line)
        } else {
            Vec::new()
        };
        let mut candidates = candidates.into_iter();
        if let Some(pending) = &mut self.pending {
            match candidates.next() {
                Some(next) if next.code == pending.code => {
                    pending.wire.push('\n');
                    pending.wire.push_str(&next.wire);
                    if next.last {
                        self.flush();
                    }
                }
                other => {
                    self.flush();
                    self.start(other);
                }
            }
        }
        for candidate in candidates {
            self.start(Some(candidate));
        }
    }

    fn start(&mut self, candidate: Option<Candidate>) {
        let Some(candidate) = candidate else { return };
        let pending = Pending {
            line: self.line_no,
            code: candidate.code,
            wire: candidate.wire,
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
        let repeated = self
            .last
            .as_ref()
            .is_some_and(|last| last.reply == reply && pending.line - last.line <= REPEAT_WINDOW);
        let found = Found {
            line: pending.line,
            reply,
        };
        if !repeated {
            self.ready.push_back(found.clone());
        }
        self.last = Some(found);
    }
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
        let newline = chunk.iter().position(|&b| b == b'\n');
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

/// Cheap pre-filter: a failure reply needs the digits of a 4xx or 5xx code somewhere.
fn might_hold_reply(bytes: &[u8]) -> bool {
    bytes
        .windows(3)
        .any(|w| matches!(w[0], b'4' | b'5') && w[1].is_ascii_digit() && w[2].is_ascii_digit())
}

/// The codes RFC 5321 and its extensions define for failures; a code without an enhanced code is
/// believed only if it is one of these.
const FAILURE_CODES: &[u16] = &[
    421, 432, 450, 451, 452, 454, 455, 500, 501, 502, 503, 504, 521, 530, 534, 535, 538, 550, 551,
    552, 553, 554, 555, 556,
];

/// HTTP reason phrases: `503 Service Unavailable` in a web client's log is not an SMTP reply.
static HTTP_REASON: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^(bad gateway|gateway time-?out|service unavailable$|not found|internal server error|forbidden|unauthorized|too many requests|method not allowed|bad request|not implemented$)")
        .expect("the HTTP reason pattern is valid")
});

/// `(450, b'4.2.0 Greylisted')` as Python's smtplib prints its exceptions.
static PYTHON_TUPLE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"\((?P<code>[45]\d\d),\s*b?(?:'(?P<single>(?:\\.|[^'\\])*)'|"(?P<double>(?:\\.|[^"\\])*)")\)"#)
        .expect("the Python tuple pattern is valid")
});

/// lettre: `permanent error (550): 5.1.1 ...`, `transient error (421): ...`.
static LETTRE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(?:permanent|transient) error \((?P<code>[45]\d\d)\):?\s*(?P<rest>.*)")
        .expect("the lettre pattern is valid")
});

/// A code at the start of a line, after timestamps or `[...]` prefixes and swaks arrows
/// (`<-`, `<~`, `<**`, `<~*`).
static LINE_START: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*(?:\[[^\]]*\]\s*|\d{4}-\d\d-\d\d[T ][\d:.,]+Z?\s*)*(?P<arrow><[-~]?\*{0,2}\s*)?(?P<code>[45]\d\d)(?P<sep>[ -]|$)(?P<rest>.*)")
        .expect("the line-start pattern is valid")
});

/// The second half of a JavaScript string split over lines (nodemailer's `response: '...\n' +`
/// then `'535 5.7.8 ...'`).
static JS_CONTINUATION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"^\s*(?P<quote>['"])(?P<code>[45]\d\d)(?P<sep>[ -])(?P<rest>.*)"#)
        .expect("the continuation pattern is valid")
});

/// A code after a marker that introduces a server reply in client libraries and MTA logs.
static AFTER_MARKER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i)(?:exception|error|response|reply|said|server message|failed|rejected|login|client|smtp error from remote mail server after [^:]*(?::<[^>]*>)?)\s*[:=]\s*(?P<quote>['"]?)(?P<code>[45]\d\d)(?P<sep>[ -]|$)(?P<rest>.*)"#)
        .expect("the marker pattern is valid")
});

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

/// Postfix appends `(in reply to RCPT TO command)` to what the remote server said.
static IN_REPLY_TO: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\s*\(in reply to [^)]*\)\)?\s*$").expect("the in-reply-to pattern is valid")
});

fn candidates(line: &str) -> Vec<Candidate> {
    let python: Vec<Candidate> = PYTHON_TUPLE
        .captures_iter(line)
        .filter_map(|c| python_tuple(&c))
        .collect();
    if !python.is_empty() {
        return python;
    }
    if let Some(caps) = LETTRE.captures(line) {
        let wire = format!("{} {}", &caps["code"], caps["rest"].trim());
        return code_of(&caps)
            .map(|code| Candidate {
                code,
                last: true,
                wire,
            })
            .into_iter()
            .collect();
    }
    if let Some(caps) = JS_CONTINUATION.captures(line) {
        let quote = caps["quote"].to_owned();
        return from_captures(&caps, line, &quote).into_iter().collect();
    }
    let found = LINE_START
        .captures(line)
        .and_then(|c| {
            let candidate = from_captures(&c, line, "")?;
            // A bare `550 tests passed` is not a reply; a transcript arrow or SMTP words make it one.
            let evidence = c.name("arrow").is_some()
                || candidate.wire.as_bytes().get(3) == Some(&b'-')
                || has_enhanced(candidate.code, &candidate.wire[3..])
                || SMTP_WORDS.is_match(&candidate.wire);
            evidence.then_some(candidate)
        })
        .or_else(|| {
            AFTER_MARKER.captures(line).and_then(|c| {
                let quote = c.name("quote").map_or("", |m| m.as_str()).to_owned();
                from_captures(&c, line, &quote)
            })
        })
        .or_else(|| {
            WITH_ENHANCED.captures(line).and_then(|c| {
                let same_class = c["class"].as_bytes()[0] == c["code"].as_bytes()[0];
                same_class.then(|| from_captures(&c, line, "")).flatten()
            })
        });
    found.into_iter().collect()
}

fn code_of(caps: &Captures<'_>) -> Option<u16> {
    caps["code"].parse().ok()
}

fn from_captures(caps: &Captures<'_>, line: &str, quote: &str) -> Option<Candidate> {
    let code = code_of(caps)?;
    let mut rest = caps["rest"].trim_end().to_owned();
    let quoted = quote.chars().next();
    let mut continued = false;
    if let Some(q) = quoted {
        // A quoted reply carries its line breaks escaped (`\n`); one at the very end means the
        // string goes on in the next line (`'...\n' +`).
        let end = rest.rfind(q).unwrap_or(rest.len());
        continued = rest[..end].ends_with("\\n");
        rest = unescape_python(&rest[..end]);
    }
    let rest = IN_REPLY_TO.replace(&rest, "");
    let rest = rest.trim();
    if !plausible(code, rest, line) {
        return None;
    }
    let sep = caps.name("sep").map_or(" ", |m| m.as_str());
    let last = if quoted.is_some() {
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
    Some(Candidate { code, last, wire })
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
