//! Wordings that name no cause: "service unavailable", "access denied", "sender rejected", "try
//! again later", "temporary problem". They say only that the server refused, so they decide a
//! reply only when no wording in the other files names a cause; they still outrank the codes,
//! whose registry meaning is the last resort.

use super::{Entry, When};
use crate::category::Category;

const GMAIL_ERRORS: &str = "https://support.google.com/a/answer/3726730";
const MS_NDR: &str = "https://learn.microsoft.com/en-us/exchange/mail-flow-best-practices/non-delivery-reports-in-exchange-online/non-delivery-reports-in-exchange-online";
const SES_SMTP: &str = "https://docs.aws.amazon.com/ses/latest/dg/troubleshoot-smtp.html";
const POSTFIX_ACCESS: &str = "https://www.postfix.org/postconf.5.html#smtpd_recipient_restrictions";
const FIX_RATE: &[&str] = &[
    "Retry later, honouring any delay the server names; do not hammer it, that extends the limit.",
    "Send fewer messages or recipients per period: batch notifications, notify only on state changes.",
    "Use fewer parallel connections to the same server.",
];

pub(super) static ENTRIES: &[Entry] = &[
    Entry {
        id: "generic.sender-blocked",
        when: When {
            text: r"sender (address )?(is )?blocked|sender (address )?rejected|sender denied|rejected sender",
            ..When::ANY
        },
        category: Category::Policy,
        title: "The sender address is refused",
        cause: "The receiving site refuses mail from this sender address or domain by its own rule.",
        fix: &[
            "Send from an address the receiver accepts; ask the receiving postmaster why this one is blocked.",
        ],
        references: &[POSTFIX_ACCESS],
        example: "554 5.1.8 Sender Address Blocked",
    },
    Entry {
        id: "microsoft.access-denied-5.4.1",
        when: When {
            code: "5xx",
            enhanced: "5.4.1",
            text: r"access denied|recipient address rejected",
            ..When::ANY
        },
        category: Category::Mailbox,
        title: "The recipient does not exist at Microsoft 365",
        cause: "Exchange Online's directory-based edge blocking refuses recipients that are not \
                in the receiving organisation's directory (\"Recipient address rejected: Access \
                denied\"), before any message is accepted.",
        fix: &[
            "Check the recipient address for typos, and that the mailbox exists in that organisation.",
            "If it should exist, the receiving admin must check the accepted domain's settings (Directory Based Edge Blocking).",
        ],
        references: &[MS_NDR],
        example: "550 5.4.1 Recipient address rejected: Access denied. AS(201806281)",
    },
    Entry {
        id: "generic.service-unavailable",
        when: When {
            code: "4xx",
            text: r"service (is )?(temporarily |currently )?unavailable",
            ..When::ANY
        },
        category: Category::Congestion,
        title: "The service is unavailable for now",
        cause: "The receiving service refuses new mail for the moment, most often because it is \
                overloaded or shedding load; it says nothing more specific.",
        fix: &[
            "Retry later with increasing delays; nothing to change on the sending side.",
            "Configure a fallback relay (`{fallback_smtp_url}`) if this happens often.",
        ],
        references: &["https://www.rfc-editor.org/rfc/rfc5321#section-4.2.2"],
        example: "451 4.7.1 Service unavailable - try again later",
    },
    Entry {
        id: "generic.try-again-later",
        when: When {
            code: "421",
            text: r"^try again later[.,]?( closing connection\.?)?$",
            ..When::ANY
        },
        category: Category::RateLimit,
        title: "Throttled: the server closes the connection and wants a retry later",
        cause: "A bare \"Try again later\" with a 421 is how large providers (Gmail first) throttle \
                a client that opens too many connections or sends too fast; it closes the connection.",
        fix: FIX_RATE,
        references: &[GMAIL_ERRORS],
        example: "421 4.7.0 Try again later",
    },
    Entry {
        id: "generic.temporary-problem",
        when: When {
            code: "4xx",
            text: r"temporary (local |system |service )(problem|error|failure)|temporary system problem|service (is )?not available|system not accepting",
            ..When::ANY
        },
        category: Category::Maintenance,
        title: "The server has a temporary problem",
        cause: "The receiving service is having a temporary problem of its own (maintenance, a \
                failing component, a restart) and refuses mail for now.",
        fix: &[
            "Retry later with increasing delays; nothing to change on the sending side.",
            "Configure a fallback relay (`{fallback_smtp_url}`) for outages.",
        ],
        references: &[GMAIL_ERRORS, SES_SMTP],
        example: "421 4.3.0 Temporary System Problem. Try again later.",
    },
];
