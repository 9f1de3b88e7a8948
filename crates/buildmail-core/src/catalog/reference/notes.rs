//! What the RFCs say about each reply code that has its own page, beyond its one-line meaning:
//! when servers send it, what a client should do, the enhanced codes that come with it. General
//! prose, kept apart from the catalog's entries (which explain one wording each).

/// The prose of one code's page.
pub(super) struct Notes {
    pub code: u16,
    /// When servers send it, from the RFCs and common practice.
    pub about: &'static str,
    /// What the RFCs ask of a client that receives it.
    pub client: &'static str,
    /// Enhanced status codes commonly seen with it, besides those of the catalog's examples.
    pub enhanced: &'static [&'static str],
    /// What is particular about buildmail's handling of this code; empty when nothing is.
    pub buildmail: &'static str,
}

const NOTHING: &str = "";

/// The codes with a page of their own, in order. `catalog::tests` checks that every code many
/// entries use is here.
pub(super) static NOTES: &[Notes] = &[
    Notes {
        code: 421,
        about: "421 is the one reply a server may give to any command, the greeting included, when \
                it must stop talking to this client: it is shutting down, overloaded, or limiting \
                this client's connections or rate. Providers put the real reason in the text \
                (Gmail and Yahoo use it for rate and reputation limits).",
        client: "The server closes the connection right after a 421 (RFC 5321 section 3.8): the \
                 client sends nothing more on it and retries later on a new connection.",
        enhanced: &["4.3.2", "4.4.5", "4.7.0", "4.7.1"],
        buildmail: "A 421 closes the connection: buildmail never sends another command on it, and \
                    its next attempt opens a new one.",
    },
    Notes {
        code: 450,
        about: "Usually the answer to RCPT TO: the server does not take mail for this recipient now. \
                The mailbox may be busy, but far more often the server defers for policy reasons: \
                greylisting (postgrey answers `450 4.2.0`), a sender domain that does not resolve \
                yet, a rate limit, or a check that could not complete.",
        client: "Keep the message and try again later; a 450 to one recipient does not stop \
                 delivery to the others in the same transaction.",
        enhanced: &["4.1.1", "4.1.8", "4.2.0", "4.2.1", "4.7.1"],
        buildmail: NOTHING,
    },
    Notes {
        code: 451,
        about: "The server aborted the command because of a problem on its side: a lookup that \
                failed, a content filter that timed out, a configuration error. Many servers also \
                use 451 for greylisting (Exim, most greylisting milters) and for throttling \
                (Microsoft's `451 4.7.500-699`).",
        client: "Keep the message and try again later. RFC 5321 section 3.8 also tells a client whose \
                 connection drops or times out to act as if it had received a 451.",
        enhanced: &["4.3.0", "4.4.3", "4.7.1"],
        buildmail: "When the connection drops or a step times out, buildmail acts as if it had \
                    received `451 4.4.2` (RFC 5321 section 3.8), with category `network`.",
    },
    Notes {
        code: 452,
        about: "The server cannot take the message or the recipient now: its storage is short, the \
                recipient's mailbox is full for the moment, or (the most common case in practice) \
                the transaction has more recipients than the server takes at once.",
        client: "Try again later. For too many recipients, RFC 5321 section 4.5.3.1.10 prescribes \
                 452, and the client sends the refused recipients in a later transaction (a server \
                 must take at least 100 recipients per transaction).",
        enhanced: &["4.2.2", "4.3.1", "4.5.3"],
        buildmail: "A 452 to RCPT TO leaves that recipient pending: the next attempt sends to the \
                    pending recipients only, in a new transaction.",
    },
    Notes {
        code: 454,
        about: "A temporary failure of TLS or authentication: the server cannot start TLS right now \
                (RFC 3207) or could not check the credentials (RFC 4954, e.g. its user directory is \
                unreachable). Some services also use it for throttling (Amazon SES) or for \
                relaying refused to an unauthenticated client.",
        client: "Try again later. When TLS is required, a 454 to STARTTLS is no reason to send in \
                 plaintext: RFC 3207 leaves the client free to give up or retry, not to downgrade.",
        enhanced: &["4.7.0", "4.7.1"],
        buildmail: "A 454 to STARTTLS never makes buildmail continue in plaintext: the attempt \
                    ends, and the retry starts again from a new connection.",
    },
    Notes {
        code: 500,
        about: "The server did not recognise the command, or the line was too long. From a mail \
                library this usually means the client sent something the server does not speak \
                (an extension it did not announce), or something in between (a proxy, an antivirus \
                scanner) garbled the conversation.",
        client: "Do not repeat the command unchanged. A client whose EHLO is refused with 500 falls \
                 back to HELO (RFC 5321 section 3.2); otherwise the client or its configuration must \
                 change.",
        enhanced: &["5.5.1", "5.5.2"],
        buildmail: NOTHING,
    },
    Notes {
        code: 501,
        about: "The command was recognised but its argument was not: an address without angle \
                brackets or with a display name in MAIL FROM or RCPT TO, a HELO name that is not a \
                host name, a malformed AUTH response.",
        client: "Do not repeat the command unchanged: fix the address or the name it carries.",
        enhanced: &["5.1.3", "5.1.7", "5.5.2", "5.5.4"],
        buildmail: NOTHING,
    },
    Notes {
        code: 503,
        about: "The command came out of order: DATA before any accepted RCPT TO, RCPT TO before \
                MAIL FROM, MAIL FROM before a required AUTH, AUTH on a server or port that offers \
                none. Often a 503 is only the echo of an earlier refusal: when every RCPT TO was \
                refused, the server answers DATA with `503 need RCPT command`.",
        client: "Do not repeat the command unchanged: look at the reply before the 503, which \
                 usually names the real problem, or at the order in which the client talks.",
        enhanced: &["5.5.1", "5.5.2", "5.7.0"],
        buildmail: NOTHING,
    },
    Notes {
        code: 530,
        about: "The server wants the client to authenticate (RFC 4954), or to start TLS first (then \
                the text says \"Must issue a STARTTLS command first\"), before it takes mail. Usually \
                the answer to MAIL FROM from a client that did not log in.",
        client: "Do not retry unchanged: log in (and start TLS) before MAIL FROM.",
        enhanced: &["5.7.0", "5.7.57"],
        buildmail: NOTHING,
    },
    Notes {
        code: 534,
        about: "The authentication mechanism is too weak for this server (RFC 4954). Google uses \
                534 for accounts that need an app password, or a login in the browser, before SMTP \
                AUTH works.",
        client: "Do not retry unchanged: use a stronger mechanism over TLS, or the credentials the \
                 provider asks for (an app password, OAuth).",
        enhanced: &["5.7.9", "5.7.14"],
        buildmail: NOTHING,
    },
    Notes {
        code: 535,
        about: "The server refused the credentials (RFC 4954): a wrong user name or password, an \
                account where SMTP AUTH is disabled, a password that only works with multi-factor \
                login, or an app password that was revoked.",
        client: "Do not retry with the same credentials: repeated failures can lock the account or \
                 block the client's IP address. Fix the credentials first.",
        enhanced: &["5.7.0", "5.7.3", "5.7.8", "5.7.139"],
        buildmail: NOTHING,
    },
    Notes {
        code: 550,
        about: "The most common permanent refusal. RFC 5321 names a mailbox that does not exist or \
                that the client may not use, and refusals for policy reasons; in practice servers \
                also use it for blocklists, spam verdicts, failed SPF, DKIM or DMARC checks, and \
                relaying. The enhanced code and the text tell which.",
        client: "Do not retry unchanged: a 550 is final. Read the enhanced code and the text for the \
                 cause, fix it, then send again.",
        enhanced: &["5.1.0", "5.1.1", "5.2.1", "5.4.1", "5.7.1", "5.7.26"],
        buildmail: NOTHING,
    },
    Notes {
        code: 552,
        about: "The message or the recipient's mailbox is over a size limit: the message is larger \
                than the server takes, or the mailbox is full. Older servers also send 552 for too \
                many recipients, the condition RFC 5321 assigns to 452.",
        client: "Do not retry unchanged: make the message smaller (attachments are the usual cause) \
                 or reach the recipient another way. RFC 5321 section 4.5.3.1.10 asks a client to \
                 treat a 552 that refuses a recipient for being one too many as a 452, and send \
                 that recipient later.",
        enhanced: &["5.2.2", "5.2.3", "5.3.4"],
        buildmail: "buildmail treats a 552 to RCPT TO that says \"too many recipients\" as the 452 \
                    it should be: those recipients get the message in a later attempt. Every \
                    other 552 is final.",
    },
    Notes {
        code: 553,
        about: "The server does not allow this mailbox name: an address whose syntax it refuses, a \
                sender domain that does not exist, or a sender address the logged-in user may not \
                use (Postfix's `smtpd_sender_login_maps`).",
        client: "Do not retry unchanged: fix the address, or send from an address the account owns.",
        enhanced: &["5.1.2", "5.1.3", "5.1.8", "5.7.1"],
        buildmail: NOTHING,
    },
    Notes {
        code: 554,
        about: "The transaction failed, with no more specific code: servers send it for relaying \
                denied, blocklisted senders, rejected content, unverified senders. As the greeting, \
                554 means \"no SMTP service here\" for this client (RFC 5321 section 3.1), often \
                because its IP address is blocked.",
        client: "Do not retry unchanged. After a 554 greeting, the client sends QUIT and gives up on \
                 this server (RFC 5321 section 3.1).",
        enhanced: &["5.2.0", "5.7.0", "5.7.1"],
        buildmail: NOTHING,
    },
];
