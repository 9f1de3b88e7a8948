//! The basic reply codes of RFC 5321 section 4.2 and its extensions (RFC 3207 STARTTLS, RFC 4954
//! AUTH, RFC 7504 521/556), one entry each, and a fallback per class so every reply has an entry.

use super::{Entry, When};
use crate::category::Category;

const RFC5321: &str = "https://www.rfc-editor.org/rfc/rfc5321#section-4.2.3";
const RFC3207: &str = "https://www.rfc-editor.org/rfc/rfc3207#section-4";
const RFC4954: &str = "https://www.rfc-editor.org/rfc/rfc4954#section-6";
const RFC7504: &str = "https://www.rfc-editor.org/rfc/rfc7504";

/// What each code means in the RFCs, for the "what it means" part of an explanation.
pub(super) static MEANINGS: &[(u16, &str)] = &[
    (211, "System status, or system help reply"),
    (214, "Help message"),
    (220, "Service ready"),
    (221, "Service closing transmission channel"),
    (235, "Authentication succeeded"),
    (250, "Requested mail action okay, completed"),
    (251, "User not local; will forward"),
    (
        252,
        "Cannot verify the user, but will accept the message and attempt delivery",
    ),
    (
        334,
        "Authentication challenge: the server waits for the next step",
    ),
    (354, "Start mail input; end with <CRLF>.<CRLF>"),
    (421, "Service not available, closing transmission channel"),
    (432, "A password transition is needed"),
    (
        450,
        "Requested mail action not taken: mailbox unavailable (busy, or temporarily blocked for policy reasons)",
    ),
    (451, "Requested action aborted: local error in processing"),
    (
        452,
        "Requested action not taken: insufficient system storage",
    ),
    (
        454,
        "Temporary failure: TLS or authentication not available right now",
    ),
    (455, "Server unable to accommodate parameters"),
    (500, "Syntax error, command unrecognized"),
    (501, "Syntax error in parameters or arguments"),
    (502, "Command not implemented"),
    (503, "Bad sequence of commands"),
    (504, "Command parameter not implemented"),
    (521, "The host does not accept mail"),
    (530, "Authentication required"),
    (534, "Authentication mechanism is too weak"),
    (535, "Authentication credentials invalid"),
    (
        538,
        "Encryption required for the requested authentication mechanism",
    ),
    (
        550,
        "Requested action not taken: mailbox unavailable (not found, no access, or rejected for policy reasons)",
    ),
    (551, "User not local"),
    (
        552,
        "Requested mail action aborted: exceeded storage allocation",
    ),
    (553, "Requested action not taken: mailbox name not allowed"),
    (
        554,
        "Transaction failed (or, as a greeting, no SMTP service here)",
    ),
    (
        555,
        "MAIL FROM/RCPT TO parameters not recognized or not implemented",
    ),
    (556, "The domain does not accept mail"),
];

/// Specific codes first, then one fallback per class.
pub(super) static ENTRIES: &[Entry] = &[
    Entry {
        id: "code.421",
        when: When {
            code: "421",
            ..When::ANY
        },
        category: Category::Congestion,
        title: "Service not available: the server closed the connection",
        cause: "The server cannot take mail right now (overloaded, restarting, or limiting this \
                client) and has closed the connection. RFC 5321 makes 421 a temporary reply.",
        fix: &[
            "Retry later on a new connection, with increasing delays.",
            "If it persists, read the server's text: providers put the real reason (rate limit, reputation, TLS) there.",
            "Spread large batches out over time and reuse fewer parallel connections.",
        ],
        references: &[RFC5321],
        example: "421 mail.example.com closing transmission channel",
    },
    Entry {
        id: "code.432",
        when: When {
            code: "432",
            ..When::ANY
        },
        category: Category::Auth,
        title: "A password transition is needed",
        cause: "The account must change or re-establish its password (for example after a policy \
                change) before this authentication mechanism can be used.",
        fix: &[
            "Log in once with the provider's web or admin interface and complete the password change.",
            "Update the stored SMTP password in your CI secrets.",
        ],
        references: &[RFC4954],
        example: "432 Password transition needed",
    },
    Entry {
        id: "code.450",
        when: When {
            code: "450",
            ..When::ANY
        },
        category: Category::Mailbox,
        title: "Mailbox temporarily unavailable",
        cause: "The server did not take the message for this mailbox now: the mailbox is busy, or \
                the server is deferring it for policy reasons (often greylisting or a rate limit).",
        fix: &[
            "Retry later; most 450s clear within minutes to an hour.",
            "Read the server's text for a named reason or delay.",
        ],
        references: &[RFC5321],
        example: "450 Requested mail action not taken: mailbox unavailable",
    },
    Entry {
        id: "code.451",
        when: When {
            code: "451",
            ..When::ANY
        },
        category: Category::Other,
        title: "Local error in processing",
        cause: "The receiving server hit a problem of its own while handling the message (a lookup \
                that failed, a filter that timed out, a configuration error) and aborted.",
        fix: &[
            "Retry later; the sender side usually has nothing to change.",
            "If it persists for hours, contact the receiving site's postmaster with the full reply.",
        ],
        references: &[RFC5321],
        example: "451 Requested action aborted",
    },
    Entry {
        id: "code.452",
        when: When {
            code: "452",
            ..When::ANY
        },
        category: Category::Congestion,
        title: "Insufficient system storage",
        cause: "The receiving server is short of disk space or another resource, or (RFC 5321 \
                section 4.5.3.1.10) refuses further recipients in this transaction.",
        fix: &[
            "Retry later.",
            "If the text mentions recipients, send to fewer recipients per message.",
        ],
        references: &[RFC5321],
        example: "452 Requested action not taken",
    },
    Entry {
        id: "code.454",
        when: When {
            code: "454",
            ..When::ANY
        },
        category: Category::Tls,
        title: "TLS not available right now",
        cause: "The server cannot start TLS (RFC 3207) at the moment, or a temporary failure stopped \
                authentication (RFC 4954).",
        fix: &[
            "Retry later.",
            "If it persists, check whether the server's TLS certificate or key is broken, and tell its administrator.",
        ],
        references: &[RFC3207, RFC4954],
        example: "454 Not available right now",
    },
    Entry {
        id: "code.455",
        when: When {
            code: "455",
            ..When::ANY
        },
        category: Category::Syntax,
        title: "Server unable to accommodate parameters",
        cause: "The server understood a MAIL FROM or RCPT TO parameter but cannot honour it now.",
        fix: &[
            "Retry later, or send without the optional parameter (for example SIZE or DSN options).",
        ],
        references: &[RFC5321],
        example: "455 Server unable to accommodate parameters",
    },
    Entry {
        id: "code.500",
        when: When {
            code: "500",
            ..When::ANY
        },
        category: Category::Syntax,
        title: "Command not recognized",
        cause: "The server did not understand a command: a client bug, a line that was too long, or \
                something that is not an SMTP client talking to the port (for example TLS on a \
                plain port, or the other way round).",
        fix: &[
            "Check the port and TLS mode: 465 expects implicit TLS (smtps://), 587 and 25 expect STARTTLS (smtp://).",
            "Check for proxies or scanners that rewrite SMTP traffic.",
        ],
        references: &[RFC5321],
        example: "500 Command not understood",
    },
    Entry {
        id: "code.501",
        when: When {
            code: "501",
            ..When::ANY
        },
        category: Category::Syntax,
        title: "Syntax error in parameters",
        cause: "A command's argument was malformed, most often an address in MAIL FROM or RCPT TO, or \
                the host name given in HELO/EHLO.",
        fix: &[
            "Check the sender and recipient addresses for typos, spaces and missing angle brackets.",
            "Make sure the client announces a fully qualified host name in EHLO.",
        ],
        references: &[RFC5321],
        example: "501 Invalid argument",
    },
    Entry {
        id: "code.502",
        when: When {
            code: "502",
            ..When::ANY
        },
        category: Category::Syntax,
        title: "Command not implemented",
        cause: "The server does not support a command the client sent (for example AUTH on a port \
                that does not offer it, or VRFY).",
        fix: &[
            "Check that you connect to the submission port of the right server (587 or 465).",
            "Check the server's EHLO capabilities; authentication is often offered only after STARTTLS.",
        ],
        references: &[RFC5321],
        example: "502 Not implemented",
    },
    Entry {
        id: "code.503",
        when: When {
            code: "503",
            ..When::ANY
        },
        category: Category::Syntax,
        title: "Bad sequence of commands",
        cause: "A command came out of order: RCPT before MAIL, DATA without an accepted recipient, or \
                AUTH required before MAIL.",
        fix: &[
            "If earlier commands failed, look at their replies first: a refused RCPT makes DATA fail with 503.",
            "Authenticate before sending if the server requires it.",
        ],
        references: &[RFC5321],
        example: "503 Bad sequence of commands",
    },
    Entry {
        id: "code.504",
        when: When {
            code: "504",
            ..When::ANY
        },
        category: Category::Syntax,
        title: "Command parameter not implemented",
        cause: "The server does not support a parameter the client used, often an authentication \
                mechanism it does not offer.",
        fix: &[
            "Use a mechanism the server lists in its EHLO reply (usually PLAIN or LOGIN over TLS).",
        ],
        references: &[RFC5321],
        example: "504 Unrecognized parameter",
    },
    Entry {
        id: "code.521",
        when: When {
            code: "521",
            ..When::ANY
        },
        category: Category::Policy,
        title: "This host does not accept mail",
        cause: "The server announces that it never accepts mail (RFC 7504): it is not a mail \
                server for this domain or only sends.",
        fix: &["Check the domain's MX records and the SMTP host you configured."],
        references: &[RFC7504],
        example: "521 mail.example.com does not accept mail",
    },
    Entry {
        id: "code.530",
        when: When {
            code: "530",
            ..When::ANY
        },
        category: Category::Auth,
        title: "Authentication required",
        cause: "The server accepts mail from this client only after SMTP AUTH, and the client did \
                not authenticate.",
        fix: &[
            "Configure a user name and password (or an app password) for the relay.",
            "Check that the client authenticates before MAIL FROM; some servers offer AUTH only after STARTTLS.",
        ],
        references: &[RFC4954],
        example: "530 Not permitted",
    },
    Entry {
        id: "code.534",
        when: When {
            code: "534",
            ..When::ANY
        },
        category: Category::Auth,
        title: "Authentication mechanism is too weak",
        cause: "The server refuses the chosen authentication mechanism (or plain passwords) for this \
                account, often because the provider requires an app password or OAuth.",
        fix: &[
            "Use an app password or the provider's OAuth flow if the account has two-step verification.",
            "Use a stronger mechanism, over TLS.",
        ],
        references: &[RFC4954],
        example: "534 Mechanism too weak",
    },
    Entry {
        id: "code.535",
        when: When {
            code: "535",
            ..When::ANY
        },
        category: Category::Auth,
        title: "Authentication credentials invalid",
        cause: "The server refused the user name and password.",
        fix: &[
            "Check the user name (often the full email address) and the password in your CI secrets.",
            "If the account uses two-step verification, create an app password.",
            "Check that SMTP AUTH is enabled for the account.",
        ],
        references: &[RFC4954],
        example: "535 Denied",
    },
    Entry {
        id: "code.538",
        when: When {
            code: "538",
            ..When::ANY
        },
        category: Category::Tls,
        title: "Encryption required for this authentication mechanism",
        cause: "The client tried to authenticate over an unencrypted connection.",
        fix: &[
            "Use STARTTLS (smtp:// with TLS required) or implicit TLS (smtps://) before authenticating.",
        ],
        references: &[RFC4954],
        example: "538 Secure channel needed",
    },
    Entry {
        id: "code.550",
        when: When {
            code: "550",
            ..When::ANY
        },
        category: Category::Mailbox,
        title: "Mailbox unavailable",
        cause: "The server refused the action for good: most often the recipient does not exist, \
                but RFC 5321 also uses 550 for refusals by policy.",
        fix: &[
            "Check the recipient address for typos.",
            "Read the server's text: a policy or reputation reason is often named there.",
        ],
        references: &[RFC5321],
        example: "550 Requested action not taken: mailbox unavailable",
    },
    Entry {
        id: "code.551",
        when: When {
            code: "551",
            ..When::ANY
        },
        category: Category::Mailbox,
        title: "User not local",
        cause: "The recipient is not hosted on this server and it will not forward the message.",
        fix: &["Use the recipient's current address; the server's text may name it."],
        references: &[RFC5321],
        example: "551 User not local; please try <bob@example.org>",
    },
    Entry {
        id: "code.552",
        when: When {
            code: "552",
            ..When::ANY
        },
        category: Category::Size,
        title: "Exceeded storage allocation",
        cause: "The message is larger than the server accepts, or the mailbox has no room for it.",
        fix: &[
            "Send smaller messages: link to build logs and artifacts instead of attaching them.",
            "Check the SIZE the server announces in its EHLO reply.",
        ],
        references: &[RFC5321],
        example: "552 Requested mail action aborted: exceeded storage allocation",
    },
    Entry {
        id: "code.553",
        when: When {
            code: "553",
            ..When::ANY
        },
        category: Category::Syntax,
        title: "Mailbox name not allowed",
        cause: "The address is not acceptable to this server: bad syntax, or a sender or recipient \
                it will not take.",
        fix: &[
            "Check the address syntax.",
            "Check that the From address is one the relay lets you send as.",
        ],
        references: &[RFC5321],
        example: "553 Requested action not taken: mailbox name not allowed",
    },
    Entry {
        id: "code.554",
        when: When {
            code: "554",
            ..When::ANY
        },
        category: Category::Policy,
        title: "Transaction failed",
        cause: "The server refused the message for good without a more specific code; in practice \
                usually a content, policy or spam decision.",
        fix: &[
            "Read the server's text for the reason.",
            "Do not resend unchanged: fix the reason first, or contact the receiving postmaster.",
        ],
        references: &[RFC5321],
        example: "554 Transaction failed",
    },
    Entry {
        id: "code.555",
        when: When {
            code: "555",
            ..When::ANY
        },
        category: Category::Syntax,
        title: "MAIL FROM/RCPT TO parameters not recognized",
        cause: "The client sent an ESMTP parameter the server does not know or support.",
        fix: &[
            "Check the client's options (SMTPUTF8, DSN, SIZE) against the server's EHLO capabilities.",
        ],
        references: &[RFC5321],
        example: "555 Unsupported option: SMTPUTF8",
    },
    Entry {
        id: "code.556",
        when: When {
            code: "556",
            ..When::ANY
        },
        category: Category::Dns,
        title: "The recipient's domain does not accept mail",
        cause: "The recipient domain publishes a null MX record (RFC 7505): it receives no mail at all.",
        fix: &["Check the recipient address: the domain is probably wrong or retired."],
        references: &[RFC7504, "https://www.rfc-editor.org/rfc/rfc7505"],
        example: "556 example.com does not accept mail",
    },
    Entry {
        id: "class.2xx",
        when: When {
            code: "2xx",
            ..When::ANY
        },
        category: Category::Other,
        title: "Accepted",
        cause: "The server accepted the command; nothing failed here.",
        fix: &[
            "Nothing to do. If mail still does not arrive, look at the recipient's spam folder and the server's logs.",
        ],
        references: &[RFC5321],
        example: "250 2.0.0 Ok: queued as 4BX2Lw3c",
    },
    Entry {
        id: "class.3xx",
        when: When {
            code: "3xx",
            ..When::ANY
        },
        category: Category::Other,
        title: "The server waits for more",
        cause: "An intermediate reply: the server accepted the command and waits for the next step \
                (the message after DATA, the next AUTH exchange).",
        fix: &["Nothing to do: this is part of a normal SMTP conversation."],
        references: &[RFC5321],
        example: "354 End data with <CR><LF>.<CR><LF>",
    },
    Entry {
        id: "class.4xx",
        when: When {
            code: "4xx",
            ..When::ANY
        },
        category: Category::Other,
        title: "Temporary failure",
        cause: "The server refused for now without saying more; the same message may be accepted later.",
        fix: &[
            "Retry later with increasing delays.",
            "If it persists, contact the receiving site's postmaster with the full reply.",
        ],
        references: &[RFC5321],
        example: "499 Try again",
    },
    Entry {
        id: "class.5xx",
        when: When {
            code: "5xx",
            ..When::ANY
        },
        category: Category::Other,
        title: "Permanent failure",
        cause: "The server refused for good without saying more; repeating the same message will not help.",
        fix: &[
            "Read the server's text and correct the message, the address or the account.",
            "Contact the receiving site's postmaster with the full reply if the reason is unclear.",
        ],
        references: &[RFC5321],
        example: "599 No",
    },
];
