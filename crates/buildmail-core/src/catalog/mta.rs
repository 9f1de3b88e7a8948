//! What the common mail servers say in their own words: Postfix (smtpd, postscreen, anvil),
//! greylisters (postgrey, milter-greylist, sqlgrey, Exim and rspamd greylisting), Exim, Sendmail
//! and on-premises Exchange. Listed before the providers, so an MTA's exact phrase wins a tie.

use super::{Entry, When};
use crate::category::Category;

const POSTFIX_ACCESS: &str = "https://www.postfix.org/postconf.5.html#smtpd_recipient_restrictions";
const POSTFIX_ANVIL: &str = "https://www.postfix.org/anvil.8.html";
const POSTSCREEN: &str = "https://www.postfix.org/POSTSCREEN_README.html";
const POSTGREY: &str = "https://postgrey.schweikert.ch/";
const MILTER_GREYLIST: &str = "https://hcpnet.free.fr/milter-greylist/";
const GREYLISTING: &str = "https://en.wikipedia.org/wiki/Greylisting_(email)";
const EXIM_ACL: &str =
    "https://www.exim.org/exim-html-current/doc/html/spec_html/ch-access_control_lists.html";
const EXIM_RETRY: &str =
    "https://www.exim.org/exim-html-current/doc/html/spec_html/ch-retry_configuration.html";
const SENDMAIL_OPS: &str = "https://www.sendmail.org/~ca/email/doc8.12/op-sh-5.html";
const RSPAMD_GREYLIST: &str = "https://rspamd.com/doc/modules/greylisting.html";
const EXCHANGE_LIMITS: &str =
    "https://learn.microsoft.com/en-us/exchange/mail-flow/message-rate-limits";

pub(super) static ENTRIES: &[Entry] = &[
    Entry {
        id: "greylisting",
        when: When {
            text: concat!(
                r"gr[ae]y-?list|gr[ae]ylisted|gr[ae]ylisting|triplet|try again in a few moments|deferred due to gr[ae]y|",
                // Greylisters' default texts that do not say "greylist": Mimecast's, and the
                // deny message of qpsmtpd's greylisting plugin (plugins/greylisting, $DENYMSG).
                r"internal resource temporarily unavailable|this mail is temporarily denied",
            ),
            ..When::ANY
        },
        category: Category::Greylisting,
        title: "Greylisted: the server wants a retry later",
        cause: "The server defers mail from a sender, recipient and IP it has not seen before and \
                accepts it when the sender retries after a window (often 1 to 15 minutes). Spam \
                software rarely retries; real mail servers do.",
        fix: &[
            "Retry after the window, from the same IP address and with the same sender and recipient; the retry is normally accepted and later mail passes at once.",
            "CI jobs with short retry budgets should allow at least 5 to 15 minutes, or send through a relay that queues and retries.",
            "Ask the receiving site to allowlist your relay if the delay matters.",
        ],
        references: &[GREYLISTING, POSTGREY, MILTER_GREYLIST],
        example: "451 4.7.1 Greylisting in action, please come back in 00:05:00",
    },
    Entry {
        id: "postscreen.unavailable",
        when: When {
            code: "4xx|5xx",
            enhanced: "X.3.2",
            text: r"^service currently unavailable$",
            ..When::ANY
        },
        category: Category::Policy,
        title: "Postfix postscreen refused the client",
        cause: "Postfix's postscreen answers exactly this when a client failed one of its \
                pre-greeting tests (it talked before the greeting, is on a DNS blocklist, or broke \
                the protocol); the session is refused before any real SMTP server sees it.",
        fix: &[
            "Wait for the greeting before sending (clients that pipeline EHLO too early fail the pregreet test).",
            "Check whether the sending IP is on a DNS blocklist.",
            "Retry later: postscreen often accepts a client after it passed the tests once.",
        ],
        references: &[POSTSCREEN],
        example: "450 4.3.2 Service currently unavailable",
    },
    Entry {
        id: "postfix.anvil-auth",
        when: When {
            text: r"too many (AUTH|auth) commands|too many (AUTH|authentication) (requests|commands)",
            ..When::ANY
        },
        category: Category::RateLimit,
        title: "Too many AUTH commands from this client",
        cause: "Postfix's anvil counts AUTH commands per client and period \
                (smtpd_client_auth_rate_limit); this client went over it.",
        fix: &[
            "Retry later; authenticate once per connection and reuse the connection.",
            "If every attempt fails, fix the credentials first: failed logins count too.",
        ],
        references: &[
            POSTFIX_ANVIL,
            "https://www.postfix.org/postconf.5.html#smtpd_client_auth_rate_limit",
        ],
        example: "450 4.7.1 Error: too many AUTH commands from 192.0.2.1",
    },
    Entry {
        id: "postfix.anvil-recipients",
        when: When {
            text: r"too many recipients|recipient rate limit|too many (rcpt|RCPT)",
            ..When::ANY
        },
        category: Category::RateLimit,
        title: "Too many recipients",
        cause: "The message names more recipients than the server takes per message or per period \
                (Postfix smtpd_recipient_limit or anvil's smtpd_client_recipient_rate_limit, Exim \
                recipients_max).",
        fix: &[
            "Send to a list address, or split recipients over several messages.",
            "Retry the refused recipients later if the reply is temporary.",
        ],
        references: &[
            POSTFIX_ANVIL,
            "https://www.postfix.org/postconf.5.html#smtpd_recipient_limit",
        ],
        example: "452 4.5.3 Error: too many recipients",
    },
    Entry {
        id: "postfix.anvil-messages",
        when: When {
            text: r"too many (messages|mail deliveries|message delivery requests)|message (delivery request )?rate limit",
            ..When::ANY
        },
        category: Category::RateLimit,
        title: "Too many messages from this client",
        cause: "The server limits messages per client and period (Postfix \
                smtpd_client_message_rate_limit, Exim ratelimit ACLs), and this client went over it.",
        fix: &[
            "Retry later, more slowly.",
            "Batch notifications: one message per build, and only on state changes.",
        ],
        references: &[POSTFIX_ANVIL, EXIM_ACL],
        example: "450 4.7.1 Error: too many messages from 192.0.2.1",
    },
    Entry {
        id: "postfix.relay-denied",
        when: When {
            text: r"relay(ing)? (access )?(denied|not permitted|not allowed|disallowed|prohibited)|unable to relay|not permitted to relay|we do not relay|relay not permitted|relaying disallowed|relay access|not configured to relay",
            ..When::ANY
        },
        category: Category::Policy,
        title: "Relaying denied",
        cause: "The server does not forward mail to other domains for this client: it is not \
                authenticated, not in the server's trusted networks, or is sending to the wrong \
                server (an MX instead of its own relay).",
        fix: &[
            "Authenticate (username and password) to your outgoing relay, on port 587.",
            "Send to your own submission server, not to the recipient domain's MX, unless you deliver directly on purpose.",
            "For a company relay, ask for the CI runners' addresses to be added to its trusted networks.",
        ],
        references: &[
            POSTFIX_ACCESS,
            "https://www.postfix.org/postconf.5.html#reject_unauth_destination",
        ],
        example: "554 5.7.1 <bob@example.org>: Relay access denied",
    },
    Entry {
        id: "postfix.sender-domain",
        when: When {
            text: r"sender address rejected: domain not found|domain of sender address .* does not (exist|resolve)|sender domain (must|does not) (exist|resolve)|could not resolve sender domain|unrouteable address|unroutable address|domain not found|host or domain name not found|no (MX|DNS) (record|entries)|name service error",
            ..When::ANY
        },
        category: Category::Dns,
        title: "A domain could not be resolved",
        cause: "The server looked up the sender's or recipient's domain in DNS and found nothing \
                usable (no MX or A record), so it cannot accept or route the mail.",
        fix: &[
            "Send from an address at a real, public domain (not localhost, *.local or a container's host name).",
            "Check the domain's MX and A records (`dig MX example.com`).",
        ],
        references: &[
            "https://www.postfix.org/postconf.5.html#reject_unknown_sender_domain",
            EXIM_ACL,
        ],
        example: "450 4.1.8 <ci@jenkins.local>: Sender address rejected: Domain not found",
    },
    Entry {
        id: "postfix.sender-login-mismatch",
        when: When {
            text: r"not owned by (the )?user|sender address rejected: not owned|sender login mismatch|(not allowed|not authori[sz]ed|not permitted) to send from (this|that|the) address",
            ..When::ANY
        },
        category: Category::Auth,
        title: "The authenticated user may not send as this sender",
        cause: "The relay ties sender addresses to login names (Postfix \
                reject_sender_login_mismatch) and this login does not own the From address.",
        fix: &[
            "Send with a From (envelope sender) address that belongs to the login, or ask for it to be mapped.",
        ],
        references: &["https://www.postfix.org/postconf.5.html#reject_sender_login_mismatch"],
        example: "553 5.7.1 <ci@example.com>: Sender address rejected: not owned by user jenkins",
    },
    Entry {
        id: "postfix.anvil-tls",
        when: When {
            text: r"too many new TLS sessions",
            ..When::ANY
        },
        category: Category::RateLimit,
        title: "Too many new TLS sessions from this client",
        cause: "Postfix's anvil counts new TLS sessions per client and period \
                (smtpd_client_new_tls_session_rate_limit); this client opened more than it allows.",
        fix: &[
            "Reuse one connection for several messages instead of reconnecting for each.",
            "Retry later, with fewer parallel connections.",
        ],
        references: &[POSTFIX_ANVIL],
        example: "454 4.7.0 Error: too many new TLS sessions from 192.0.2.1",
    },
    Entry {
        id: "rspamd.greylist",
        when: When {
            code: "451",
            enhanced: "4.7.1",
            text: r"^try again later\.?$",
            ..When::ANY
        },
        category: Category::Greylisting,
        title: "Greylisted (rspamd's default reply)",
        cause: "rspamd's greylist module defers mail from a sender it has not seen with a bare \
                \"451 4.7.1 Try again later\" (its default message); Mailu and mailcow use it as is.",
        fix: &[
            "Nothing to fix: retry after a few minutes (rspamd's default window is 5 minutes).",
            "Send from a stable IP address, so the retry comes from the same place.",
        ],
        references: &[RSPAMD_GREYLIST, GREYLISTING],
        example: "451 4.7.1 Try again later",
    },
    Entry {
        id: "dns.lookup-failed",
        when: When {
            text: r"DNS query failed|host unknown|unknown host|host not found|domain (is )?not reachable|name lookup failed|name service error|(cannot|could not|unable to) resolve",
            ..When::ANY
        },
        // Listed before the expiry entry: a relay that gave up because a name did not resolve
        // names a DNS problem, not an unreachable network.
        category: Category::Dns,
        title: "A name did not resolve",
        cause: "A host or domain name in the delivery (the recipient's domain, its MX hosts, or \
                the client's own address) could not be resolved, or its DNS answers were invalid \
                or missing.",
        fix: &[
            "Check the domain for typos, and query its MX and A records (`dig MX example.org`).",
            "If the name is yours, fix its DNS records (and the PTR of your sending IP).",
        ],
        references: &["https://www.rfc-editor.org/rfc/rfc5321#section-5"],
        example: "550 4.4.7 QUEUE.Expired; message expired after a DNS query failed for the destination domain",
    },
    Entry {
        id: "exim.retry-timeout",
        when: When {
            text: r"retry timeout exceeded|retry time not reached|delivery time expired|message expired|too old|expired in queue|delivery temporarily suspended|could not be delivered within",
            ..When::ANY
        },
        category: Category::Network,
        title: "A relay gave up after retrying for too long",
        cause: "The message sat in a relay's queue while the destination kept failing (unreachable \
                or deferring), until the relay's retry rules gave up.",
        fix: &[
            "Look at the earlier deferral reason in the relay's logs: that is the real cause.",
            "Send again once the destination accepts mail.",
        ],
        references: &[EXIM_RETRY],
        example: "550 5.4.7 retry timeout exceeded",
    },
    Entry {
        id: "exchange.rate-limit",
        when: When {
            text: r"message submission rate|recipient rate limit|rate limit exceeded|connection rate limit|ThrottlingPolicy|tarpit",
            ..When::ANY
        },
        category: Category::RateLimit,
        title: "The server's rate limit was exceeded",
        cause: "The server limits messages, recipients or connections per client and period \
                (Exchange receive connector limits, Sendmail ConnectionRateThrottle, Exim ratelimit).",
        fix: &["Retry later, more slowly, over fewer parallel connections."],
        references: &[EXCHANGE_LIMITS, SENDMAIL_OPS],
        example: "452 4.3.2 Connection rate limit exceeded.",
    },
];
