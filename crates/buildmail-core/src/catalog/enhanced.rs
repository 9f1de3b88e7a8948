//! The enhanced status codes of RFC 3463 and the IANA registry (RFC 5248, with RFC 4954, 6710,
//! 7293, 7372, 7505, 8689 and others): an entry per subject, and one per detail people meet.

use super::{Entry, When};
use crate::category::Category;

const RFC3463: &str = "https://www.rfc-editor.org/rfc/rfc3463#section-3";
const IANA: &str = "https://www.iana.org/assignments/smtp-enhanced-status-codes/";
const RFC4954: &str = "https://www.rfc-editor.org/rfc/rfc4954#section-6";
const RFC7372: &str = "https://www.rfc-editor.org/rfc/rfc7372";

/// `(subject, detail, meaning)`; detail `None` is the subject's own meaning.
static MEANINGS: &[(u16, Option<u16>, &str)] = &[
    (0, None, "Other or undefined status"),
    (1, None, "Addressing status"),
    (1, Some(0), "Other address status"),
    (1, Some(1), "Bad destination mailbox address"),
    (1, Some(2), "Bad destination system address"),
    (1, Some(3), "Bad destination mailbox address syntax"),
    (1, Some(4), "Destination mailbox address ambiguous"),
    (1, Some(5), "Destination address valid"),
    (
        1,
        Some(6),
        "Destination mailbox has moved, no forwarding address",
    ),
    (1, Some(7), "Bad sender's mailbox address syntax"),
    (1, Some(8), "Bad sender's system address"),
    (1, Some(9), "Message relayed to non-compliant mailer"),
    (1, Some(10), "Recipient address has null MX"),
    (2, None, "Mailbox status"),
    (2, Some(0), "Other or undefined mailbox status"),
    (2, Some(1), "Mailbox disabled, not accepting messages"),
    (2, Some(2), "Mailbox full"),
    (2, Some(3), "Message length exceeds administrative limit"),
    (2, Some(4), "Mailing list expansion problem"),
    (3, None, "Mail system status"),
    (3, Some(0), "Other or undefined mail system status"),
    (3, Some(1), "Mail system full"),
    (3, Some(2), "System not accepting network messages"),
    (3, Some(3), "System not capable of selected features"),
    (3, Some(4), "Message too big for system"),
    (3, Some(5), "System incorrectly configured"),
    (3, Some(6), "Requested priority was changed"),
    (4, None, "Network and routing status"),
    (4, Some(0), "Other or undefined network or routing status"),
    (4, Some(1), "No answer from host"),
    (4, Some(2), "Bad connection"),
    (4, Some(3), "Directory server failure"),
    (4, Some(4), "Unable to route"),
    (4, Some(5), "Mail system congestion"),
    (4, Some(6), "Routing loop detected"),
    (4, Some(7), "Delivery time expired"),
    (5, None, "Mail delivery protocol status"),
    (5, Some(0), "Other or undefined protocol status"),
    (5, Some(1), "Invalid command"),
    (5, Some(2), "Syntax error"),
    (5, Some(3), "Too many recipients"),
    (5, Some(4), "Invalid command arguments"),
    (5, Some(5), "Wrong protocol version"),
    (5, Some(6), "Authentication exchange line is too long"),
    (6, None, "Message content or media status"),
    (6, Some(0), "Other or undefined media error"),
    (6, Some(1), "Media not supported"),
    (6, Some(2), "Conversion required and prohibited"),
    (6, Some(3), "Conversion required but not supported"),
    (6, Some(4), "Conversion with loss performed"),
    (6, Some(5), "Conversion failed"),
    (6, Some(6), "Message content not available"),
    (
        6,
        Some(7),
        "Non-ASCII addresses not permitted for that sender/recipient",
    ),
    (
        6,
        Some(8),
        "UTF-8 string reply is required, but not permitted by the SMTP client",
    ),
    (
        6,
        Some(9),
        "UTF-8 header message cannot be transferred to one or more recipients",
    ),
    (7, None, "Security or policy status"),
    (7, Some(0), "Other or undefined security status"),
    (7, Some(1), "Delivery not authorized, message refused"),
    (7, Some(2), "Mailing list expansion prohibited"),
    (7, Some(3), "Security conversion required but not possible"),
    (7, Some(4), "Security features not supported"),
    (7, Some(5), "Cryptographic failure"),
    (7, Some(6), "Cryptographic algorithm not supported"),
    (7, Some(7), "Message integrity failure"),
    (7, Some(8), "Authentication credentials invalid"),
    (7, Some(9), "Authentication mechanism is too weak"),
    (7, Some(10), "Encryption needed"),
    (
        7,
        Some(11),
        "Encryption required for requested authentication mechanism",
    ),
    (7, Some(12), "A password transition is needed"),
    (7, Some(13), "User account disabled"),
    (7, Some(14), "Trust relationship required"),
    (7, Some(15), "Priority level is too low"),
    (7, Some(16), "Message is too big for the specified priority"),
    (7, Some(17), "Mailbox owner has changed"),
    (7, Some(18), "Domain owner has changed"),
    (7, Some(19), "RRVS test cannot be completed"),
    (7, Some(20), "No passing DKIM signature found"),
    (7, Some(21), "No acceptable DKIM signature found"),
    (7, Some(22), "No valid author-matched DKIM signature found"),
    (7, Some(23), "SPF validation failed"),
    (7, Some(24), "SPF validation error"),
    (7, Some(25), "Reverse DNS validation failed"),
    (7, Some(26), "Multiple authentication checks failed"),
    (7, Some(27), "Sender address has null MX"),
    (7, Some(28), "Mail flood detected"),
    (7, Some(29), "ARC validation failure"),
    (7, Some(30), "REQUIRETLS support required"),
];

pub(super) fn meaning(subject: u16, detail: u16) -> Option<&'static str> {
    let find = |want: Option<u16>| {
        MEANINGS
            .iter()
            .find(|(s, d, _)| *s == subject && *d == want)
            .map(|(_, _, meaning)| *meaning)
    };
    find(Some(detail)).or_else(|| find(None))
}

/// Details first (more specific), then one entry per subject.
pub(super) static ENTRIES: &[Entry] = &[
    // Combinations where the basic code changes what the enhanced code means.
    Entry {
        id: "enhanced.530-x.7.0",
        when: When {
            code: "530",
            enhanced: "X.7.0",
            ..When::ANY
        },
        category: Category::Auth,
        title: "Authentication required",
        cause: "The server accepts mail from this client only after SMTP AUTH (RFC 4954 pairs 530 with 5.7.0).",
        fix: &[
            "Configure a user name and password for the relay.",
            "Authenticate before MAIL FROM; many servers offer AUTH only after STARTTLS.",
        ],
        references: &[RFC4954],
        example: "530 5.7.0 Not permitted",
    },
    Entry {
        id: "enhanced.454-x.7.0",
        when: When {
            code: "454",
            enhanced: "X.7.0",
            ..When::ANY
        },
        category: Category::Auth,
        title: "Temporary authentication failure",
        cause: "The server could not check the credentials right now (RFC 4954 pairs 454 with 4.7.0): \
                its authentication back end is slow or down, or it is slowing down repeated logins.",
        fix: &[
            "Retry later.",
            "If it persists, check that the account is not locked after failed logins.",
        ],
        references: &[RFC4954],
        example: "454 4.7.0 Cannot check the credentials now",
    },
    // X.1: addressing.
    Entry {
        id: "enhanced.x.1.1",
        when: When {
            enhanced: "X.1.1",
            ..When::ANY
        },
        category: Category::Mailbox,
        title: "The recipient's mailbox does not exist",
        cause: "The receiving server has no mailbox by this name: a typo, a person who left, or a \
                retired list address.",
        fix: &[
            "Check the recipient address for typos.",
            "Remove or replace the address in the notification list (CI settings, CODEOWNERS, email-ext recipients).",
        ],
        references: &[RFC3463, IANA],
        example: "550 5.1.1 <nobody@example.com>",
    },
    Entry {
        id: "enhanced.x.1.2",
        when: When {
            enhanced: "X.1.2",
            ..When::ANY
        },
        category: Category::Dns,
        title: "The recipient's domain does not exist or does not take mail",
        cause: "The domain part of the address is wrong, has no MX or A record, or the host named \
                there does not accept mail.",
        fix: &[
            "Check the domain part of the recipient address (typos such as gmial.com).",
            "Check the domain's MX records with `dig MX domain`.",
        ],
        references: &[RFC3463, IANA],
        example: "553 5.1.2 The recipient domain could not be found",
    },
    Entry {
        id: "enhanced.x.1.3",
        when: When {
            enhanced: "X.1.3",
            ..When::ANY
        },
        category: Category::Syntax,
        title: "The recipient address is malformed",
        cause: "The recipient address is not a valid address: missing @, spaces, stray quotes or brackets.",
        fix: &["Correct the address; give it as `a@b` or `Name <a@b>`."],
        references: &[RFC3463, IANA],
        example: "501 5.1.3 <bob@@example.org>",
    },
    Entry {
        id: "enhanced.x.1.6",
        when: When {
            enhanced: "X.1.6",
            ..When::ANY
        },
        category: Category::Mailbox,
        title: "The mailbox has moved",
        cause: "The recipient's mailbox moved and the server has no forwarding address.",
        fix: &["Ask the recipient for their current address and update the list."],
        references: &[RFC3463, IANA],
        example: "550 5.1.6 Recipient mailbox has moved",
    },
    Entry {
        id: "enhanced.x.1.7",
        when: When {
            enhanced: "X.1.7",
            ..When::ANY
        },
        category: Category::Syntax,
        title: "The sender address is malformed",
        cause: "The envelope sender (MAIL FROM) is not a valid address.",
        fix: &["Set a valid From or envelope sender address (`{from}`, `{envelope_from}`)."],
        references: &[RFC3463, IANA],
        example: "501 5.1.7 <ci@@example.com>",
    },
    Entry {
        id: "enhanced.x.1.8",
        when: When {
            enhanced: "X.1.8",
            ..When::ANY
        },
        category: Category::Dns,
        title: "The sender's domain is not accepted",
        cause: "The domain of the sender address does not resolve or is not allowed to send mail: \
                receivers check that a sender domain has MX or A records.",
        fix: &[
            "Send from an address at a real, resolvable domain (not localhost, jenkins.local or a container name).",
            "Check the domain's DNS records.",
        ],
        references: &[RFC3463, IANA],
        example: "553 5.1.8 <ci@jenkins.local>",
    },
    Entry {
        id: "enhanced.x.1.10",
        when: When {
            enhanced: "X.1.10",
            ..When::ANY
        },
        category: Category::Dns,
        title: "The recipient's domain publishes a null MX",
        cause: "The recipient domain says it receives no mail at all (RFC 7505).",
        fix: &["Check the recipient address: the domain is probably wrong or retired."],
        references: &[IANA, "https://www.rfc-editor.org/rfc/rfc7505"],
        example: "556 5.1.10 <bob@example.org>: Recipient address rejected",
    },
    Entry {
        id: "enhanced.x.1.*",
        when: When {
            enhanced: "X.1.*",
            ..When::ANY
        },
        category: Category::Mailbox,
        title: "A problem with an address",
        cause: "The server could not use a sender or recipient address.",
        fix: &["Check the sender and recipient addresses."],
        references: &[RFC3463, IANA],
        example: "550 5.1.0 Address rejected",
    },
    // X.2: mailbox.
    Entry {
        id: "enhanced.x.2.1",
        when: When {
            enhanced: "X.2.1",
            ..When::ANY
        },
        category: Category::Mailbox,
        title: "The mailbox is disabled",
        cause: "The recipient's mailbox exists but does not accept messages (suspended, inactive or \
                disabled by its administrator).",
        fix: &["Remove the address from the list or ask the recipient for another one."],
        references: &[RFC3463, IANA],
        example: "550 5.2.1 <bob@example.com>",
    },
    Entry {
        id: "enhanced.x.2.2",
        when: When {
            enhanced: "X.2.2",
            ..When::ANY
        },
        category: Category::Mailbox,
        title: "The recipient's mailbox is full",
        cause: "The recipient has used up their storage quota.",
        fix: &[
            "Nothing to fix on the sending side: tell the recipient by another channel.",
            "Retry later if the reply is temporary (4.2.2).",
        ],
        references: &[RFC3463, IANA],
        example: "552 5.2.2 <bob@example.com>",
    },
    Entry {
        id: "enhanced.x.2.3",
        when: When {
            enhanced: "X.2.3",
            ..When::ANY
        },
        category: Category::Size,
        title: "The message is larger than this mailbox accepts",
        cause: "The message exceeds a per-mailbox or administrative size limit.",
        fix: &["Send smaller messages: link to logs and artifacts instead of attaching them."],
        references: &[RFC3463, IANA],
        example: "552 5.2.3 Administrative limit",
    },
    Entry {
        id: "enhanced.x.2.4",
        when: When {
            enhanced: "X.2.4",
            ..When::ANY
        },
        category: Category::Mailbox,
        title: "A mailing list could not be expanded",
        cause: "The recipient is a list the server could not expand.",
        fix: &["Tell the list's owner; send to its members directly in the meantime."],
        references: &[RFC3463, IANA],
        example: "550 5.2.4 Mailing list expansion problem",
    },
    Entry {
        id: "enhanced.x.2.*",
        when: When {
            enhanced: "X.2.*",
            ..When::ANY
        },
        category: Category::Mailbox,
        title: "A problem with the recipient's mailbox",
        cause: "The address is right, but the mailbox cannot take the message.",
        fix: &["Read the server's text; tell the recipient by another channel."],
        references: &[RFC3463, IANA],
        example: "550 5.2.0 Mailbox unavailable",
    },
    // X.3: mail system.
    Entry {
        id: "enhanced.x.3.1",
        when: When {
            enhanced: "X.3.1",
            ..When::ANY
        },
        category: Category::Congestion,
        title: "The receiving mail system is full",
        cause: "The server has run out of disk space or queue capacity.",
        fix: &[
            "Retry later.",
            "If it is your own relay, free disk space on its queue partition.",
        ],
        references: &[RFC3463, IANA],
        example: "452 4.3.1 Try later",
    },
    Entry {
        id: "enhanced.x.3.2",
        when: When {
            enhanced: "X.3.2",
            ..When::ANY
        },
        category: Category::Maintenance,
        title: "The server is not accepting mail right now",
        cause: "The server (or the service behind it) is shutting down, starting up or under \
                maintenance, and refuses network messages for now.",
        fix: &[
            "Retry later.",
            "Configure a fallback relay (`{fallback_smtp_url}`) for maintenance windows.",
        ],
        references: &[RFC3463, IANA],
        example: "421 4.3.2 Not accepting network messages",
    },
    Entry {
        id: "enhanced.x.3.4",
        when: When {
            enhanced: "X.3.4",
            ..When::ANY
        },
        category: Category::Size,
        title: "The message is too big for this server",
        cause: "The message is larger than the largest the server accepts (its SIZE limit).",
        fix: &[
            "Send smaller messages: link to logs and artifacts instead of attaching them.",
            "Check the SIZE the server announces in its EHLO reply.",
        ],
        references: &[RFC3463, IANA],
        example: "552 5.3.4 Too big for system",
    },
    Entry {
        id: "enhanced.x.3.5",
        when: When {
            enhanced: "X.3.5",
            ..When::ANY
        },
        category: Category::Other,
        title: "The receiving server is misconfigured",
        cause: "The server reports an error in its own configuration.",
        fix: &["Retry later; tell the receiving site's administrator if it persists."],
        references: &[RFC3463, IANA],
        example: "451 4.3.5 Server configuration problem",
    },
    Entry {
        id: "enhanced.x.3.*",
        when: When {
            enhanced: "X.3.*",
            ..When::ANY
        },
        category: Category::Other,
        title: "A problem in the receiving mail system",
        cause: "The receiving server has a problem of its own.",
        fix: &["Retry later if temporary; otherwise contact the receiving site's postmaster."],
        references: &[RFC3463, IANA],
        example: "451 4.3.0 Try again",
    },
    // X.4: network and routing.
    Entry {
        id: "enhanced.x.4.1",
        when: When {
            enhanced: "X.4.1",
            ..When::ANY
        },
        category: Category::Network,
        title: "No answer from the next host",
        cause: "A server on the delivery path did not answer.",
        fix: &[
            "Retry later.",
            "If it is your relay that says so, check its outbound connectivity (port 25 is often blocked in clouds).",
        ],
        references: &[RFC3463, IANA],
        example: "451 4.4.1 No answer from host",
    },
    Entry {
        id: "enhanced.x.4.2",
        when: When {
            enhanced: "X.4.2",
            ..When::ANY
        },
        category: Category::Network,
        title: "The connection went bad",
        cause: "The connection was dropped or timed out: the client was too slow or idle between \
                commands, or the network between the servers broke.",
        fix: &[
            "Retry on a new connection.",
            "Check timeouts and proxies between the client and the server.",
        ],
        references: &[RFC3463, IANA],
        example: "421 4.4.2 Bad connection",
    },
    Entry {
        id: "enhanced.x.4.3",
        when: When {
            enhanced: "X.4.3",
            ..When::ANY
        },
        category: Category::Dns,
        title: "A directory or DNS lookup failed",
        cause: "The server could not complete a DNS or directory lookup it needs for routing.",
        fix: &[
            "Retry later.",
            "Check the DNS records of the domains involved.",
        ],
        references: &[RFC3463, IANA],
        example: "451 4.4.3 Directory server failure",
    },
    Entry {
        id: "enhanced.x.4.4",
        when: When {
            enhanced: "X.4.4",
            ..When::ANY
        },
        category: Category::Dns,
        title: "The message cannot be routed",
        cause: "No route to the destination: the domain has no usable MX or A record.",
        fix: &["Check the recipient domain's MX records."],
        references: &[RFC3463, IANA],
        example: "550 5.4.4 Unable to route",
    },
    Entry {
        id: "enhanced.5.4.5-quota",
        when: When {
            code: "5xx",
            enhanced: "5.4.5",
            ..When::ANY
        },
        category: Category::RateLimit,
        title: "A sending limit is used up",
        cause: "A permanent 5.4.5 is how Gmail and others say a sending quota (per day or per \
                period) is used up: the mail is refused, not delayed.",
        fix: &[
            "Wait for the quota to reset (usually within 24 hours), then send again.",
            "Send fewer messages or recipients: notify on state changes only, or use a relay with higher limits.",
        ],
        references: &["https://support.google.com/a/answer/3726730", RFC3463],
        example: "550 5.4.5",
    },
    Entry {
        id: "enhanced.x.4.5",
        when: When {
            enhanced: "X.4.5",
            ..When::ANY
        },
        category: Category::Congestion,
        title: "The mail system is congested",
        cause: "The server or the path to it is overloaded.",
        fix: &["Retry later with increasing delays."],
        references: &[RFC3463, IANA],
        example: "421 4.4.5 Congestion",
    },
    Entry {
        id: "enhanced.x.4.6",
        when: When {
            enhanced: "X.4.6",
            ..When::ANY
        },
        category: Category::Other,
        title: "A routing loop was detected",
        cause: "The message went round between servers (too many Received headers), usually a \
                forwarding or MX misconfiguration.",
        fix: &[
            "Check forwarding rules and MX records of the recipient domain; tell its administrator.",
        ],
        references: &[RFC3463, IANA],
        // The code alone: a text that says "loop" selects the loop family (`causes.loop`).
        example: "554 5.4.6",
    },
    Entry {
        id: "enhanced.x.4.7",
        when: When {
            enhanced: "X.4.7",
            ..When::ANY
        },
        category: Category::Network,
        title: "Delivery time expired",
        cause: "A relay kept the message in its queue until it gave up: the destination was \
                unreachable or deferring for too long.",
        fix: &[
            "Check whether the destination is reachable and what it answered in the relay's logs.",
            "Send again once the cause is fixed.",
        ],
        references: &[RFC3463, IANA],
        example: "554 5.4.7 Giving up",
    },
    Entry {
        id: "enhanced.x.4.*",
        when: When {
            enhanced: "X.4.*",
            ..When::ANY
        },
        category: Category::Network,
        title: "A network or routing problem",
        cause: "The message could not travel to its destination.",
        fix: &["Retry later; check connectivity and DNS of the destination."],
        references: &[RFC3463, IANA],
        example: "451 4.4.0 Routing error",
    },
    // X.5: protocol.
    Entry {
        id: "enhanced.x.5.3",
        when: When {
            enhanced: "X.5.3",
            ..When::ANY
        },
        category: Category::RateLimit,
        title: "Too many recipients",
        cause: "The message names more recipients than the server takes in one transaction or period.",
        fix: &[
            "Send to fewer recipients per message (use a list address).",
            "Retry the refused recipients later if the reply is temporary.",
        ],
        references: &[RFC3463, IANA],
        example: "452 4.5.3 Recipients",
    },
    Entry {
        id: "enhanced.x.5.6",
        when: When {
            enhanced: "X.5.6",
            ..When::ANY
        },
        category: Category::Auth,
        title: "The authentication exchange was too long",
        cause: "A line of the AUTH exchange exceeded the server's limit (RFC 4954).",
        fix: &["Use a shorter mechanism or token; check the client's SASL settings."],
        references: &[RFC4954, IANA],
        example: "500 5.5.6 Authentication Exchange line is too long",
    },
    Entry {
        id: "enhanced.x.5.*",
        when: When {
            enhanced: "X.5.*",
            ..When::ANY
        },
        category: Category::Syntax,
        title: "An SMTP protocol error",
        cause: "The server did not accept a command as sent: unknown, malformed, out of order or \
                pipelined where it is not allowed.",
        fix: &[
            "Check the client and any proxy that rewrites SMTP traffic.",
            "Check the port and TLS mode (465 implicit TLS, 587 STARTTLS).",
        ],
        references: &[RFC3463, IANA],
        example: "500 5.5.2 Command not understood",
    },
    // X.6: content.
    Entry {
        id: "enhanced.x.6.7-9",
        when: When {
            enhanced: "X.6.7-9",
            ..When::ANY
        },
        category: Category::Syntax,
        title: "Internationalized address or header not supported",
        cause: "The message uses non-ASCII addresses or headers (SMTPUTF8, RFC 6531) that the \
                receiver cannot take.",
        fix: &["Use ASCII addresses, or encode headers (RFC 2047)."],
        references: &[IANA, "https://www.rfc-editor.org/rfc/rfc6531"],
        example: "553 5.6.7 Non-ASCII addresses not permitted",
    },
    Entry {
        id: "enhanced.x.6.*",
        when: When {
            enhanced: "X.6.*",
            ..When::ANY
        },
        category: Category::Policy,
        title: "The message content was refused",
        cause: "The server refused the message's content or media type, or could not convert it.",
        fix: &["Check the message format: MIME structure, attachments, encodings, line lengths."],
        references: &[RFC3463, IANA],
        example: "554 5.6.0 Media error",
    },
    // X.7: security and policy.
    Entry {
        id: "enhanced.x.7.1",
        when: When {
            enhanced: "X.7.1",
            ..When::ANY
        },
        category: Category::Policy,
        title: "Delivery not authorized",
        cause: "A policy of the receiving site refused the message: relaying without \
                authentication, a sender it does not accept, or a content or spam decision.",
        fix: &[
            "Read the server's text for the reason.",
            "Authenticate to your relay instead of sending to it anonymously.",
            "Check the sender domain's SPF, DKIM and DMARC records.",
        ],
        references: &[RFC3463, IANA],
        example: "550 5.7.1 Not authorized",
    },
    Entry {
        id: "enhanced.x.7.3-7",
        when: When {
            enhanced: "X.7.3-7",
            ..When::ANY
        },
        category: Category::Tls,
        title: "A security feature is missing or failed",
        cause: "The server requires a security feature (TLS, a signature, an algorithm) the \
                connection or message does not have, or a cryptographic check failed.",
        fix: &[
            "Use TLS (STARTTLS or implicit TLS) and a current TLS library.",
            "Read the server's text for the feature it wants.",
        ],
        references: &[RFC3463, IANA],
        example: "554 5.7.5 Cryptographic failure",
    },
    Entry {
        id: "enhanced.x.7.8",
        when: When {
            enhanced: "X.7.8",
            ..When::ANY
        },
        category: Category::Auth,
        title: "Authentication credentials invalid",
        cause: "The server refused the user name and password (RFC 4954).",
        fix: &[
            "Check the user name (often the full address) and the password in your CI secrets.",
            "If the account uses two-step verification, create an app password.",
        ],
        references: &[RFC4954, IANA],
        example: "535 5.7.8 Bad",
    },
    Entry {
        id: "enhanced.x.7.9",
        when: When {
            enhanced: "X.7.9",
            ..When::ANY
        },
        category: Category::Auth,
        title: "Authentication mechanism too weak",
        cause: "The account may not use this mechanism: the provider wants an app password, OAuth, \
                or a stronger mechanism.",
        fix: &["Create an app password or use OAuth; authenticate over TLS."],
        references: &[RFC4954, IANA],
        example: "534 5.7.9 Authentication mechanism is too weak",
    },
    Entry {
        id: "enhanced.x.7.10-11",
        when: When {
            enhanced: "X.7.10-11",
            ..When::ANY
        },
        category: Category::Tls,
        title: "Encryption required",
        cause: "The server requires an encrypted connection for this step (RFC 4954, RFC 5248).",
        fix: &["Use STARTTLS (smtp:// with TLS required) or implicit TLS (smtps://)."],
        references: &[RFC4954, IANA],
        example: "538 5.7.11 Use a secure channel",
    },
    Entry {
        id: "enhanced.x.7.13",
        when: When {
            enhanced: "X.7.13",
            ..When::ANY
        },
        // RFC 5248's registry: "User Account Disabled". As a reply to RCPT it is the recipient's
        // account; the 535 of a disabled sending account still names AUTH (`code.535`'s text).
        category: Category::Mailbox,
        title: "The account is disabled",
        cause: "The mailbox's account has been disabled by its provider or administrator.",
        fix: &[
            "Remove or correct the recipient address; ask the recipient for a working one.",
            "If it is your own sending account, ask its administrator to enable it again.",
        ],
        references: &[IANA],
        example: "550 5.7.13 User account disabled",
    },
    Entry {
        id: "enhanced.x.7.12-14",
        when: When {
            enhanced: "X.7.12-14",
            ..When::ANY
        },
        category: Category::Auth,
        title: "The account cannot authenticate this way",
        cause: "A password change is pending, the account is disabled, or a trust relationship is \
                required.",
        fix: &[
            "Log in to the provider's web or admin interface and check the account's state.",
            "Update the stored password.",
        ],
        references: &[IANA],
        example: "535 5.7.14 Trust relationship required",
    },
    Entry {
        id: "enhanced.x.7.15-16",
        when: When {
            enhanced: "X.7.15-16",
            ..When::ANY
        },
        category: Category::Policy,
        title: "Message priority refused",
        cause: "The requested message priority (RFC 6710) is too low or too high for this message.",
        fix: &["Send without a priority, or with a lower one."],
        references: &[IANA, "https://www.rfc-editor.org/rfc/rfc6710"],
        example: "550 5.7.15 Priority level is too low",
    },
    Entry {
        id: "enhanced.x.7.17-18",
        when: When {
            enhanced: "X.7.17-18",
            ..When::ANY
        },
        category: Category::Mailbox,
        title: "The mailbox or domain changed owner",
        cause: "The address now belongs to someone else (RFC 7293 require-recipient-valid-since).",
        fix: &["Confirm the recipient's current address before sending to it again."],
        references: &[IANA, "https://www.rfc-editor.org/rfc/rfc7293"],
        example: "550 5.7.17 Mailbox owner has changed",
    },
    Entry {
        id: "enhanced.x.7.20-23",
        when: When {
            enhanced: "X.7.20-23|X.7.26|X.7.29",
            ..When::ANY
        },
        category: Category::Auth,
        title: "The message failed sender authentication (SPF, DKIM, DMARC or ARC)",
        cause: "The receiver checked that the sending domain authorized this server (SPF) and \
                signed the message (DKIM), and the checks failed or did not align with the From \
                domain.",
        fix: &[
            "Send through a relay the From domain's SPF record authorizes.",
            "Sign with DKIM for the From domain and publish the key.",
            "Make SPF or DKIM align with the From domain so DMARC passes.",
        ],
        references: &[RFC7372, IANA, "https://www.rfc-editor.org/rfc/rfc7489"],
        example: "550 5.7.23 Validation failed",
    },
    Entry {
        id: "enhanced.x.7.24",
        when: When {
            enhanced: "X.7.24",
            ..When::ANY
        },
        category: Category::Dns,
        title: "SPF could not be evaluated",
        cause: "The sending domain's SPF record could not be checked: a DNS error or a record with \
                too many lookups.",
        fix: &[
            "Check the SPF record of the From domain (syntax, at most 10 DNS lookups).",
            "Retry later if the reply is temporary.",
        ],
        references: &[RFC7372, IANA],
        example: "451 4.7.24 Validation error",
    },
    Entry {
        id: "enhanced.x.7.25",
        when: When {
            enhanced: "X.7.25",
            ..When::ANY
        },
        category: Category::Dns,
        title: "The sending IP address has no valid reverse DNS",
        cause: "The sending server's IP address has no PTR record, or the PTR name does not resolve \
                back to the same address.",
        fix: &[
            "Send through a relay with proper reverse DNS (a PTR record whose name resolves back to the IP).",
        ],
        references: &[RFC7372, IANA],
        example: "550 5.7.25 Validation failed",
    },
    Entry {
        id: "enhanced.x.7.27",
        when: When {
            enhanced: "X.7.27",
            ..When::ANY
        },
        category: Category::Dns,
        title: "The sender's domain publishes a null MX",
        cause: "The sender address is at a domain that receives no mail (RFC 7505), so bounces could not be delivered.",
        fix: &["Send from an address at a domain that receives mail."],
        references: &[IANA, "https://www.rfc-editor.org/rfc/rfc7505"],
        example: "550 5.7.27 <ci@example.org>: Sender domain rejected",
    },
    Entry {
        id: "enhanced.x.7.28",
        when: When {
            enhanced: "X.7.28",
            ..When::ANY
        },
        category: Category::RateLimit,
        title: "Mail flood detected",
        cause: "The receiver saw an unusual volume of similar messages from this sender.",
        fix: &[
            "Send fewer messages: batch notifications, notify only on state changes (`{when} changed`).",
        ],
        references: &[IANA],
        example: "550 5.7.28 Mail flood detected",
    },
    Entry {
        id: "enhanced.x.7.30",
        when: When {
            enhanced: "X.7.30",
            ..When::ANY
        },
        category: Category::Tls,
        title: "REQUIRETLS support required",
        cause: "The message asked for REQUIRETLS (RFC 8689) and a server on the path does not support it.",
        fix: &["Send without REQUIRETLS, or through a path that supports it."],
        references: &[IANA, "https://www.rfc-editor.org/rfc/rfc8689"],
        example: "550 5.7.30 REQUIRETLS support required",
    },
    Entry {
        id: "enhanced.x.7.*",
        when: When {
            enhanced: "X.7.*",
            ..When::ANY
        },
        category: Category::Policy,
        title: "Refused by security or policy",
        cause: "A security or policy rule of the receiving site refused the command.",
        fix: &[
            "Read the server's text for the rule.",
            "Check authentication, TLS and the sender domain's SPF/DKIM/DMARC.",
        ],
        references: &[RFC3463, IANA],
        example: "550 5.7.0 Refused",
    },
];
