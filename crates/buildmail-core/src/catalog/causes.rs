//! Cause families: the phrasings servers use to say *why* they refuse, one family per cause,
//! written from RFC 5321, RFC 3463 / 5248 and the providers' and MTAs' documentation rather than
//! from single replies. A family's wording outranks the enhanced code's registry meaning: "5.4.6
//! Unusual sending activity" is about the sender's activity, whatever 5.4.6 means in the
//! registry (`docs/decisions.md`, "Wording that names a cause beats the codes").
//!
//! Each family's pattern is assembled from one line per group of phrasings, with where they
//! come from; `tests.rs` checks that every family's examples select it.

use super::{Entry, When};
use crate::category::Category;

const RFC5321_ADDRESSES: &str = "https://www.rfc-editor.org/rfc/rfc5321#section-4.1.2";
const RFC5321_REPLIES: &str = "https://www.rfc-editor.org/rfc/rfc5321#section-4.2.3";
const RFC3463_SYSTEM: &str = "https://www.rfc-editor.org/rfc/rfc3463#section-3.5";
const RFC4954: &str = "https://www.rfc-editor.org/rfc/rfc4954#section-6";
const RFC7505: &str = "https://www.rfc-editor.org/rfc/rfc7505#section-4";
const RFC5321_DNS: &str = "https://www.rfc-editor.org/rfc/rfc5321#section-5";
const RFC5321_LOOPS: &str = "https://www.rfc-editor.org/rfc/rfc5321#section-6.3";
const RFC4954_AUTH: &str = "https://www.rfc-editor.org/rfc/rfc4954#section-4";
const POSTFIX_UNKNOWN: &str =
    "https://www.postfix.org/postconf.5.html#reject_unknown_sender_domain";
const POSTFIX_VERIFY: &str = "https://www.postfix.org/ADDRESS_VERIFICATION_README.html";
const POSTFIX_CONNECTIONS: &str =
    "https://www.postfix.org/postconf.5.html#smtpd_client_connection_count_limit";
const POSTFIX_TUNING: &str = "https://www.postfix.org/STRESS_README.html";
const EXCHANGE_RECEIVE: &str =
    "https://learn.microsoft.com/en-us/exchange/mail-flow/connectors/receive-connectors";
const MS_THROTTLING: &str = "https://learn.microsoft.com/en-us/exchange/mail-flow-best-practices/non-delivery-reports-in-exchange-online/fix-error-code-451-4-7-500-699-asxxx-in-exchange-online";
const EXIM_RATELIMIT: &str =
    "https://www.exim.org/exim-html-current/doc/html/spec_html/ch-access_control_lists.html";
const GMAIL_ERRORS: &str = "https://support.google.com/a/answer/3726730";
const GMAIL_LIMITS: &str = "https://support.google.com/a/answer/166852";
const SES_QUOTAS: &str = "https://docs.aws.amazon.com/ses/latest/dg/manage-sending-quotas.html";
const SENDGRID_SMTP: &str = "https://www.twilio.com/docs/sendgrid/for-developers/sending-email/smtp-errors-and-troubleshooting";

const FIX_RATE: &[&str] = &[
    "Retry later, honouring any delay the server names; do not hammer it, that extends the limit.",
    "Send fewer messages or recipients per period: batch notifications, notify only on state changes.",
    "Use fewer parallel connections to the same server.",
];

pub(super) static ENTRIES: &[Entry] = &[
    Entry {
        id: "causes.concurrency",
        when: When {
            text: concat!(
                // Exchange's MaxInboundConnectionPerSource, Postfix's anvil connection count.
                r"concurren(t|cy) (server |smtp |incoming |inbound )?connections?|concurrency limit|",
                r"per-source limit|connections? (limit )?(per|from) (this |your |the )?(ip|host|source|client)\b|",
                // Exim's smtp_accept_max_per_host, Sendmail's MaxDaemonChildren wording.
                r"simultaneous (smtp )?(connections|sessions)|connection count limit|",
                r"maximum number of (concurrent |simultaneous |server |open )*connections|too many (smtp )?sessions",
            ),
            ..When::ANY
        },
        category: Category::RateLimit,
        title: "Too many connections at once from this client",
        cause: "The server limits how many connections one client (or IP address) may hold open at \
                the same time, and this one exceeded it: usually several CI jobs sending mail in \
                parallel from the same runner or NAT address.",
        fix: &[
            "Run fewer jobs that send mail in parallel, or send from one job at the end of the pipeline.",
            "Send several messages over one connection instead of opening one per message.",
            "Retry later: the limit clears as the other connections close.",
        ],
        references: &[EXCHANGE_RECEIVE, POSTFIX_CONNECTIONS, MS_THROTTLING],
        example: "421 4.3.2 The maximum number of concurrent server connections has exceeded a per-source limit, closing transmission channel",
    },
    Entry {
        id: "causes.volume",
        when: When {
            text: concat!(
                // Volume wording: Exim ratelimit ACLs, hosting providers' outbound filters.
                r"excessive (message |mail |sending )?(volume|traffic)|(high|excessive|too much) (message |mail |sending )?volume|volume (limit|exceeded)|",
                // "Slow down": greylisting daemons and throttles asking for a slower client.
                r"(try|retry|send)( again)? (more )?slow(er|ly)|slow down|sending too (fast|quickly|much)|",
                // A throttle named without the word "rate" (Postfix policyd, Mailgun, SendGrid).
                r"(sender|client|ip|account|user) (is |has been |was )?(being )?throttled|too many (e-?mails|mails)|",
                r"(hourly|daily|per-hour|per-minute|per-second) (sending |message |recipient |send )?(limit|rate)|messages? per (second|minute|hour|day) (limit )?exceeded|",
                // A count of messages or recipients over a period (RFC 3463 X.7.1 and X.5.3 are
                // what mox and Courier send with it): "max number of messages ... reached".
                r"(max(imum)?|number of) (number of )?(messages|e-?mails|mails|recipients)\b[^.;]*\b(reached|exceeded)|(message|sending|recipient) (count )?(quota|limit) (reached|exceeded)",
            ),
            ..When::ANY
        },
        category: Category::RateLimit,
        title: "Too much mail: the server is throttling this sender",
        cause: "The server counts messages, recipients or errors per sender over time and is \
                slowing this sender down; the reply says so in its own words (volume, slower, \
                throttled) rather than \"rate limit\".",
        fix: FIX_RATE,
        references: &[EXIM_RATELIMIT, GMAIL_LIMITS, SES_QUOTAS, SENDGRID_SMTP],
        example: "451 4.7.1 Deferred due to excessive volume, please try again slower",
    },
    Entry {
        id: "causes.verification",
        when: When {
            text: concat!(
                // Postfix's reject_unverified_recipient / sender while its probe runs.
                r"(address|sender|recipient) verification (is )?(in progress|pending)|verification in progress|",
                // Exim's callout verification deferring until it has an answer.
                r"callout verification (is )?(pending|in progress|deferred)|could not verify .*(try|retry) (again )?later",
            ),
            ..When::ANY
        },
        category: Category::Greylisting,
        title: "The server is still verifying the address",
        cause: "The server checks the sender or recipient address (it probes the next server) before \
                accepting mail, and defers the message until the check has an answer; like \
                greylisting, a retry after a few minutes normally passes.",
        fix: &[
            "Retry after a few minutes from the same client: the verification result is cached.",
            "If retries keep failing, check that the address exists and that its domain accepts mail.",
        ],
        references: &[POSTFIX_VERIFY],
        example: "450 4.1.1 <bob@example.org>: Recipient address rejected: unverified address: Address verification in progress",
    },
    Entry {
        id: "causes.suspicious-activity",
        when: When {
            text: concat!(
                r"unusual (sending )?activity|suspicious (sending |login )?(activity|behaviou?r)|",
                r"account (has been |is )?(compromised|flagged)|(sending|activity|account) (has been |is )?(temporarily )?restricted|",
                // A provider suspending the sending account or server (Postal, hosting relays).
                r"(sending |sender |smtp |user )?(account|mail server) (has been |is )?(temporarily )?suspended",
            ),
            ..When::ANY
        },
        category: Category::Reputation,
        title: "The provider flagged the sending account's activity",
        cause: "The provider saw sending it considers abnormal for this account (a burst of mail, \
                many bounces, a login from elsewhere) and restricts it until it is reviewed or \
                the restriction expires.",
        fix: &[
            "Check the account for compromise (changed password, unknown sessions) in the provider's console.",
            "Send build mail from a dedicated account or relay meant for automated mail, at a steady volume.",
            "Wait for the restriction to lift, or ask the provider's support to review it.",
        ],
        references: &[MS_THROTTLING, GMAIL_ERRORS],
        example: "550 5.4.6 Unusual sending activity detected, sending has been temporarily restricted",
    },
    Entry {
        id: "causes.shutdown",
        when: When {
            text: concat!(
                // RFC 5321 4.2.3: 421 "if the service knows it must shut down".
                r"shutting down|shut ?down|going down|restarting|",
                r"maintenance|(server|system|service) (is )?(down|offline)|(being|is being) upgraded|upgrade in progress|try again later.*restart",
            ),
            ..When::ANY
        },
        category: Category::Maintenance,
        title: "The server is shutting down or under maintenance",
        cause: "The receiving server is stopping, restarting or in a maintenance window, and refuses \
                new mail until it is back.",
        fix: &[
            "Retry later with increasing delays; nothing to change on the sending side.",
            "Configure a fallback relay (`{fallback_smtp_url}`) for outages.",
        ],
        references: &[RFC5321_REPLIES],
        example: "421 4.3.2 Service shutting down, try again later",
    },
    Entry {
        id: "causes.server-error",
        when: When {
            text: concat!(
                // RFC 5321's 451 "local error in processing", .NET's "Error in processing".
                r"local error in processing|error in processing|internal (server |system )?error|",
                // Postfix: a lookup table or its configuration failed on the server.
                r"temporary lookup (failure|error)|(server )?configuration error|mail system error|unexpected error",
            ),
            ..When::ANY
        },
        category: Category::Other,
        title: "The server failed internally",
        cause: "Something broke inside the receiving server (a lookup table, its configuration, a \
                component): nothing about this message or sender caused it.",
        fix: &[
            "Retry later with increasing delays; if it persists, tell the server's administrator.",
        ],
        references: &[RFC5321_REPLIES, RFC3463_SYSTEM],
        example: "421 4.3.2 Local error in processing",
    },
    Entry {
        id: "causes.null-mx",
        when: When {
            text: r"null ?MX",
            ..When::ANY
        },
        category: Category::Dns,
        title: "The domain publishes a null MX: it receives no mail",
        cause: "The domain's DNS says it accepts no mail at all (a null MX record, RFC 7505); as a \
                sender domain it cannot receive bounces, so servers refuse mail from it.",
        fix: &[
            "Send from a domain that receives mail (the From and envelope sender), or remove the null MX.",
            "For a recipient with a null MX, remove the address: it can never receive mail.",
        ],
        references: &[RFC7505],
        example: "550 5.7.27 Sender address has null MX",
    },
    Entry {
        id: "causes.auth-required",
        when: When {
            text: concat!(
                // RFC 4954 530 5.7.0 "Authentication required"; OpenSMTPD, Exchange, cPanel wordings.
                r"must issue an AUTH command|authentication (is )?required|must (first )?authenticate|please authenticate|",
                r"SMTP AUTH(entication)? (is )?required|relay(ing)? requires? auth",
            ),
            ..When::ANY
        },
        category: Category::Auth,
        title: "The server wants the client to log in first",
        cause: "The server accepts mail from this client only after SMTP AUTH, and the client sent \
                the message without logging in.",
        fix: &[
            "Give buildmail the SMTP credentials (`{username}` and `{password}`, or in `{smtp_url}`).",
            "Use the submission port (587 with STARTTLS, or 465) that your provider documents for authenticated clients.",
        ],
        references: &[RFC4954],
        example: "550 5.7.1 If MAIL FROM is local then you must authenticate",
    },
    Entry {
        id: "causes.malformed-address",
        when: When {
            text: concat!(
                // RFC 5321 4.1.2 address syntax; chasquid, Exim, aiosmtpd and Postfix wordings.
                r"malformed (sender |recipient |destination )?(address|domain)|(sender |recipient |destination )?address (is )?malformed|",
                r"must contain a domain|improper (sender |recipient |destination )?address|address too long|address must be specified|(sender|recipient) address (is )?(missing|required)|(invalid|bad) (sender |recipient |destination )?address syntax|IDNA conversion failed",
            ),
            ..When::ANY
        },
        category: Category::Syntax,
        title: "An address is malformed",
        cause: "The server could not read the sender or recipient address: a missing domain, \
                characters or a length the syntax of RFC 5321 does not allow, or an \
                internationalized domain that does not convert.",
        fix: &[
            "Check the address in `{from}` or `{to}` (or the CI variable it comes from): a full `name@domain` address, no stray quotes or spaces.",
            "For a non-ASCII domain, give its punycode form (`xn--...`) or a server that supports SMTPUTF8.",
        ],
        references: &[RFC5321_ADDRESSES],
        example: "501 5.1.8 Malformed sender address",
    },
    Entry {
        id: "causes.command-syntax",
        when: When {
            text: concat!(
                // RFC 5321 4.2.2 (500, 501); the wordings of Postfix, Exim, hMailServer, aiosmtpd.
                r"invalid syntax|syntax error|bad syntax|syntax should be|syntactically invalid|",
                r"no domain parameter|(parameter|argument)s? (is )?(missing|required)|unrecognized command|command unrecognized|",
                // A client that breaks the dialogue itself (talks before the greeting, ignores
                // the reply order): spamdyke, Courier, Exim's "SMTP protocol violation".
                r"(not following|violat(es|ing|ion of)) (the )?(E?SMTP )?protocol|SMTP protocol violation|violates RFC ?(821|2821|5321)",
            ),
            ..When::ANY
        },
        category: Category::Syntax,
        title: "The server could not parse a command",
        cause: "A command the client sent does not follow the syntax RFC 5321 gives it (a missing \
                or malformed parameter, an unknown command): usually a client bug or a proxy \
                that mangles the session.",
        fix: &[
            "Check what sits between the client and the server (a proxy or an antivirus that rewrites SMTP).",
            "Report it with the session transcript (`{output} json` keeps each reply) if the client is buildmail.",
        ],
        references: &[RFC5321_REPLIES],
        example: "550 Invalid syntax. Syntax should be RCPT TO:<mailbox@domain>",
    },
    Entry {
        id: "causes.busy",
        when: When {
            text: concat!(
                // RFC 3463 X.3.1/X.4.5 and Postfix's "All server ports are busy", "No system resources".
                r"\bbusy\b|no (system )?resources|insufficient (system )?resources|out of resources|",
                r"(server|system|host) (is )?overloaded|high load|load (is )?too high|load average|too much load|",
                r"(unable to|cannot|could not) fork|fork failed|out of memory|",
                // RFC 3463 X.3.1's own wording, which Courier and Stalwart send as the text.
                r"mail system full",
            ),
            ..When::ANY
        },
        category: Category::Congestion,
        title: "The server is busy",
        cause: "The receiving server (or one of its agents) is short of processes, connections or \
                resources right now and asks the client to come back.",
        fix: &[
            "Retry in a few minutes with increasing delays; nothing to change on the sending side.",
        ],
        references: &[RFC3463_SYSTEM, POSTFIX_TUNING],
        example: "421 4.3.2 All server ports are busy",
    },
    Entry {
        id: "causes.dns-resolution",
        when: When {
            text: concat!(
                // RFC 5321 section 5: a domain must resolve to an MX or an address. Postfix's
                // reject_unknown_* and reject_unknown_helo_hostname, Courier's and mox's checks.
                r"(does not|doesn't|did not) resolve|not resolvable|",
                r"dns (lookup|query|resolution) (failure|failed|error)|dns lookup\b.*\bfailed|",
                r"domain (name )?(does not|doesn't) exist|no such domain|non-?existent domain|NXDOMAIN|",
                r"no mail exchanger|no MX (record|host)s?|has no MX",
            ),
            ..When::ANY
        },
        category: Category::Dns,
        title: "A domain or host name has no usable DNS records",
        cause: "The server looked up a name of this delivery (the sender's domain, the client's \
                HELO name, or the recipient's domain) and found no address or MX record, or the \
                lookup failed; a temporary reply means the lookup itself failed for now.",
        fix: &[
            "Check the sender domain (`{from}`) and the name the client announces in HELO: both should have DNS records (`dig MX example.org`, `dig A mail.example.org`).",
            "For a recipient's domain, check the address for typos.",
            "If the reply is temporary, retry later: the server's DNS may be failing.",
        ],
        references: &[RFC5321_DNS, POSTFIX_UNKNOWN],
        example: "550 5.5.0 your ehlo domain does not resolve to an IP address",
    },
    Entry {
        id: "causes.loop",
        when: When {
            text: concat!(
                // RFC 5321 section 6.3: loop detection by counting Received headers (hops).
                r"(routing|mail|message|delivery) loop|loop detected|looping (message|mail)|",
                r"too many hops|hop count exceeded|too many .?received:?.? headers",
            ),
            ..When::ANY
        },
        category: Category::Other,
        title: "The message is looping between servers",
        cause: "The message has passed through too many servers (it carries too many Received \
                headers), usually because two servers forward it to each other.",
        fix: &[
            "Check forwarding and aliases for the recipient: a forward that points back to the sender's system loops.",
            "Tell the receiving postmaster; nothing in the message itself needs to change.",
        ],
        references: &[RFC5321_LOOPS],
        example: "550 Loop detected",
    },
    Entry {
        id: "causes.auth-mechanism",
        when: When {
            text: concat!(
                // RFC 4954: 504 5.5.4 "Unrecognized authentication type"; 501 when the exchange
                // is cancelled or malformed.
                r"unimplemented (authentication|auth) mechanism|unrecognized (authentication|auth) (type|mechanism)|",
                r"unknown (authentication|auth) (method|mechanism|type)|(authentication|auth) mechanism\b[^.]*\bnot (supported|available|implemented)|",
                r"mechanism \S+ not supported|auth(entication)? (aborted|cancel+ed)",
            ),
            ..When::ANY
        },
        category: Category::Auth,
        title: "The authentication exchange failed",
        cause: "The client asked for an authentication mechanism the server does not offer (RFC \
                4954's 504), or the exchange was cancelled or broken off before the server could \
                check the credentials.",
        fix: &[
            "Let the client pick a mechanism from the server's EHLO reply (PLAIN or LOGIN over TLS are the common ones).",
            "Keep TLS on: many servers offer their mechanisms only after STARTTLS.",
        ],
        references: &[RFC4954_AUTH],
        example: "504 5.5.4 Unrecognized authentication type",
    },
];
