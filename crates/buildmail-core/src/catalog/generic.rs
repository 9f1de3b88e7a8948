//! Phrases every provider and MTA uses in its own way ("user unknown", "rate limit", "blocked
//! using", "try again later, busy"): the most generic text patterns, listed after the provider and
//! MTA entries so that any specific wording wins a tie.

use super::providers::FIX_REPUTATION;
use super::{Entry, When};
use crate::category::Category;

const DMARC: &str = "https://www.rfc-editor.org/rfc/rfc7489";
const GMAIL_ERRORS: &str = "https://support.google.com/a/answer/3726730";
const GMAIL_GUIDELINES: &str = "https://support.google.com/mail/answer/81126";
const MS_NDR: &str = "https://learn.microsoft.com/en-us/exchange/mail-flow-best-practices/non-delivery-reports-in-exchange-online/non-delivery-reports-in-exchange-online";
const MS_SMTP_AUTH: &str = "https://learn.microsoft.com/en-us/exchange/clients-and-mobile-in-exchange-online/authenticated-client-smtp-submission";
const MS_THROTTLING: &str = "https://learn.microsoft.com/en-us/exchange/mail-flow-best-practices/non-delivery-reports-in-exchange-online/fix-error-code-451-4-7-500-699-asxxx-in-exchange-online";
const YAHOO_ERRORS: &str = "https://senders.yahooinc.com/smtp-error-codes/";
const SES_SMTP: &str = "https://docs.aws.amazon.com/ses/latest/dg/troubleshoot-smtp.html";
const SES_QUOTAS: &str = "https://docs.aws.amazon.com/ses/latest/dg/manage-sending-quotas.html";
const SPAMHAUS_LOOKUP: &str = "https://check.spamhaus.org/";
const FIX_SENDER_AUTH: &[&str] = &[
    "Send through a relay the From domain's SPF record authorizes (or add the relay to the SPF record).",
    "Sign outgoing mail with DKIM for the From domain and publish the public key in DNS.",
    "Make SPF or DKIM align with the From domain so DMARC passes; do not send as a domain you do not control.",
];
const FIX_RATE: &[&str] = &[
    "Retry later, honouring any delay the server names; do not hammer it, that extends the limit.",
    "Send fewer messages or recipients per period: batch notifications, notify only on state changes.",
    "Use fewer parallel connections to the same server.",
];
const POSTFIX_ACCESS: &str = "https://www.postfix.org/postconf.5.html#smtpd_recipient_restrictions";
const EXIM_ACL: &str =
    "https://www.exim.org/exim-html-current/doc/html/spec_html/ch-access_control_lists.html";
const SENDMAIL_OPS: &str = "https://www.sendmail.org/~ca/email/doc8.12/op-sh-5.html";

pub(super) static ENTRIES: &[Entry] = &[
    Entry {
        id: "generic.bad-credentials",
        when: When {
            text: r"username and password not accepted|credentials (are )?(no longer valid|expired)|please re-?authenticate|BadCredentials|invalid credentials|credentials invalid|authentication (failed|unsuccessful)|invalid login|bad username|turn on SMTP authentication|(unrecognized|unsupported) authentication (type|mechanism)",
            ..When::ANY
        },
        category: Category::Auth,
        title: "User name or password not accepted",
        cause: "The server refused the credentials: a wrong or expired password, a user name that \
                is not the full address, or an account that needs an app password.",
        fix: &[
            "Check the user name (usually the full email address) and the password in your CI secrets.",
            "If the account has two-step verification, create an app password.",
            "Check that SMTP AUTH is enabled for the mailbox (Microsoft 365 disables it by default).",
        ],
        references: &[GMAIL_ERRORS, MS_SMTP_AUTH, SES_SMTP],
        example: "535 5.7.8 Username and Password not accepted. Learn more at https://support.google.com/mail/?p=BadCredentials",
    },
    Entry {
        id: "generic.sender-dns",
        when: When {
            text: r"temporary DNS failure|DNS failures? prevent|unresolvable .*from domain|could not complete sender verify|sender verify (defer|temporar)|DNS temporary",
            ..When::ANY
        },
        category: Category::Dns,
        title: "A DNS lookup about the sender failed",
        cause: "The receiver could not resolve the sender's domain (or its SPF, DKIM or DMARC \
                records) in time, so it could not check who is sending.",
        fix: &[
            "Check the From domain's DNS: MX or A records, SPF, DKIM and DMARC, and that its name servers answer.",
            "Retry later: temporary DNS failures usually clear by themselves.",
        ],
        references: &[GMAIL_ERRORS, YAHOO_ERRORS],
        example: "451 4.7.26 Unauthenticated email is not accepted due to domain's DMARC policy, but temporary DNS failures prevent authentication.",
    },
    Entry {
        id: "generic.sender-auth",
        when: When {
            text: r"unauthenticated (email|mail|senders)|\bDMARC\b|\bDKIM\b|\bSPF\b|authentication checks|sender authentication|authentication information|required authentication level|does not pass (DMARC|SPF|DKIM)",
            ..When::ANY
        },
        category: Category::Auth,
        title: "The message failed sender authentication (SPF, DKIM, DMARC)",
        cause: "The receiver checked that the sending domain authorizes this server (SPF) and signed \
                the message (DKIM), and the checks failed or did not align with the From domain, so \
                its DMARC policy applies.",
        fix: FIX_SENDER_AUTH,
        references: &[
            GMAIL_GUIDELINES,
            DMARC,
            "https://support.google.com/a/answer/81126",
        ],
        example: "550 5.7.26 Unauthenticated email from example.com is not accepted due to domain's DMARC policy.",
    },
    Entry {
        id: "generic.ptr",
        when: When {
            text: r"\bPTR\b|reverse DNS|reverse hostname|cannot find your (reverse )?hostname",
            ..When::ANY
        },
        category: Category::Dns,
        title: "The sending IP address has no valid reverse DNS",
        cause: "The sending server's IP address has no PTR record, or the PTR name does not resolve \
                back to the same address.",
        fix: &["Send through a relay with proper reverse DNS, not from a CI runner's own address."],
        references: &[GMAIL_ERRORS],
        example: "550 5.7.25 The IP address sending this message does not have a PTR record setup.",
    },
    Entry {
        id: "generic.tls",
        when: When {
            text: r"(wasn't|was not|not) sent over (a )?TLS|TLS required|requires? TLS|must issue a STARTTLS|STARTTLS is required|STARTTLS first|encryption required|TLS (currently )?(not )?available|TLS currently unavailable|TLS not available|TLS (support )?(is )?not (enabled|supported|configured)|STARTTLS (is )?not (supported|enabled|available)|(SSL/TLS|SSL|TLS)[- ]connection (is )?required",
            ..When::ANY
        },
        category: Category::Tls,
        title: "TLS is required or unavailable",
        cause: "The server wants the connection encrypted with STARTTLS before this step (or cannot \
                offer TLS right now), and the client did not, or could not, encrypt it.",
        fix: &[
            "Use STARTTLS (smtp:// with TLS required) on port 587, or implicit TLS (smtps://) on port 465.",
            "Check that nothing between the client and the server strips STARTTLS from the EHLO reply.",
            "If the server says TLS is unavailable, retry later and tell its administrator.",
        ],
        references: &[GMAIL_ERRORS, "https://www.rfc-editor.org/rfc/rfc3207"],
        example: "530 5.7.0 Must issue a STARTTLS command first.",
    },
    Entry {
        id: "generic.over-quota",
        when: When {
            text: r"over ?quota|out of storage|mailbox (is )?full|ShutoffQuotaExceeded|storage quota|mailbox size limit|insufficient (mailbox )?space for user|disk quota exceeded|(mailbox|user|storage|disk) quota (exceeded|reached)",
            ..When::ANY
        },
        category: Category::Mailbox,
        title: "The recipient's mailbox is full",
        cause: "The recipient has used up their storage quota.",
        fix: &[
            "Nothing to fix on the sending side: tell the recipient by another channel.",
            "Retry later if the reply is temporary.",
        ],
        references: &[GMAIL_ERRORS, MS_NDR],
        example: "452 4.2.2 The recipient's inbox is out of storage space.",
    },
    Entry {
        id: "generic.no-mailbox",
        when: When {
            text: r"account (that you tried to reach )?is (inactive|disabled)|DisabledUser|account has been disabled|mailbox (is )?(disabled|inactive)|no such user|user unknown|does not exist|doesn't exist|doesn't have a .* account|recipient not found|no valid recipients|invalid recipient|unknown (user|recipient)|user not found|banned recipient|recipient account is blocked|temporar(y|ily) locked|not (being )?accepted at this address|(mailbox|address|account|recipient) (is )?not accepting (mail|messages)",
            ..When::ANY
        },
        category: Category::Mailbox,
        title: "The recipient's mailbox does not exist or is disabled",
        cause: "The receiving server has no active mailbox for this address: a typo, a person who \
                left, or an account disabled for inactivity.",
        fix: &[
            "Check the recipient address for typos.",
            "Remove or replace the address in the notification list (CI settings, CODEOWNERS, email-ext recipients).",
        ],
        references: &[GMAIL_ERRORS, MS_NDR],
        example: "550 5.2.1 The email account that you tried to reach is inactive.",
    },
    Entry {
        id: "generic.too-large",
        when: When {
            text: r"message (size )?(is )?too (long|large|big)|size limits?|exceeds? (the )?(fixed |maximum )?(message )?size|message size exceeds|message length exceeds|headers? too (large|long)|size exceeds|message length\b[^.]*\bexceeds",
            ..When::ANY
        },
        category: Category::Size,
        title: "The message is too large",
        cause: "The message, with its attachments after encoding (about a third larger than the \
                files), exceeds the server's size limit.",
        fix: &[
            "Attach less: link to the build log and artifacts instead of attaching them, or attach only the log's tail.",
            "Check the SIZE the server announces in its EHLO reply.",
        ],
        references: &[GMAIL_ERRORS, SES_SMTP],
        example: "552 5.3.4 Your message exceeded Google's message size limits.",
    },
    Entry {
        id: "generic.too-many-connections",
        when: When {
            text: r"exceeded the maximum number of connections|too many (concurrent |open |simultaneous )?(SMTP )?connections|too frequent connects|connection (rate )?limit|max(imum)? (number of )?(message|messages|connections) per (connection|session)|max message per connection",
            ..When::ANY
        },
        category: Category::RateLimit,
        title: "Too many connections from this client",
        cause: "This client (or its IP address) opened more concurrent connections, or connected \
                more often, than the server allows.",
        fix: &[
            "Retry later over a single connection.",
            "Reuse one connection for several messages instead of opening one per message, and run fewer jobs that send mail in parallel.",
        ],
        references: &[
            MS_THROTTLING,
            "https://www.postfix.org/postconf.5.html#smtpd_client_connection_count_limit",
        ],
        example: "421 4.7.0 mx.example.com Error: too many connections from 192.0.2.1",
    },
    Entry {
        id: "generic.ip-reputation",
        when: When {
            text: r"due to IP reputation|ip reputation|sender reputation|poor reputation|bad reputation|reputation of",
            ..When::ANY
        },
        category: Category::Reputation,
        title: "Refused because of the sender's reputation",
        cause: "The receiver rates the sending IP address or domain poorly (spam, complaints, a new \
                IP without history) and limits or refuses its mail.",
        fix: FIX_REPUTATION,
        references: &[MS_THROTTLING, GMAIL_GUIDELINES],
        example: "554 Rejected due to the poor reputation of your IP address",
    },
    Entry {
        id: "generic.blocklist",
        when: When {
            text: r"block ?list|black ?list|blocked using|listed (at|on|in)|spamhaus|spamcop|barracuda|\bDNSBL\b|\bRBL\b|\[BL2\d\]|RTR:BL|is in .*'s list|open proxy|AUP#CDRBL|client host blocked",
            ..When::ANY
        },
        category: Category::Reputation,
        title: "The sending IP address is on a blocklist",
        cause: "The receiver looked the sending IP address up in a DNS blocklist (Spamhaus, \
                Spamcop, Barracuda or its own) and found it listed.",
        fix: &[
            "Look the IP up (check.spamhaus.org, mxtoolbox.com/blacklists) and follow the list's delisting procedure once the cause is fixed.",
            "Send through an authenticated relay rather than from a CI runner's own IP: cloud and residential ranges are often listed.",
        ],
        references: &[SPAMHAUS_LOOKUP],
        example: "554 5.7.1 Service unavailable; Client host [203.0.113.7] blocked using zen.spamhaus.org",
    },
    Entry {
        id: "generic.disk-space",
        when: When {
            text: r"insufficient (system|disk) (storage|space)|space shortage|disk (is )?full|no space left|out of (disk )?space|queue file write error",
            ..When::ANY
        },
        category: Category::Congestion,
        title: "The receiving server is short of disk space",
        cause: "The server's queue or spool has too little free space to take the message now.",
        fix: &[
            "Retry later.",
            "If it is your own relay, free space on its queue partition.",
        ],
        references: &[
            "https://www.postfix.org/postconf.5.html#queue_minfree",
            SENDMAIL_OPS,
        ],
        example: "452 4.3.1 Insufficient system storage",
    },
    Entry {
        id: "generic.connection-lost",
        when: When {
            text: r"lost (input )?connection|connection (timed out|expired|dropped|reset|lost)|timeout|timed out|idle (too long|timeout)|try reconnecting|broken pipe",
            ..When::ANY
        },
        // A server that says so in a reply is up and talking: the trouble is the session, not the
        // network (the labelled replies agree), so this is `other`; `network` is for failures with
        // no reply at all.
        category: Category::Other,
        title: "The connection timed out or was dropped",
        cause: "The connection ended before the transaction finished: the client was idle or slow \
                between commands, or the network between client and server broke.",
        fix: &[
            "Retry on a new connection.",
            "Check that the client does not pause for long between commands (large attachments on slow links), and proxies or firewalls that cut idle connections.",
        ],
        references: &[
            "https://www.rfc-editor.org/rfc/rfc5321#section-4.5.3.2",
            EXIM_ACL,
        ],
        example: "421 mx.example.com lost input connection",
    },
    Entry {
        id: "generic.policy",
        when: When {
            text: r"administrative prohibition|prohibited by administrator|rejected by policy|rejected for policy reasons|policy rejection",
            ..When::ANY
        },
        category: Category::Policy,
        title: "Refused by the receiving site's policy",
        cause: "An access rule of the receiving server refused the sender, the recipient or the \
                message (an ACL, an allow list, a content rule).",
        fix: &[
            "Read the server's text for the rule, and ask the receiving postmaster if it is unclear.",
            "Check that you send from the address and relay the receiver expects.",
        ],
        references: &[EXIM_ACL, POSTFIX_ACCESS],
        example: "550 Administrative prohibition",
    },
    Entry {
        id: "generic.rate-limit",
        when: When {
            text: r"throttl|DYN:T1|RLY:T|rate limit(ed)?|rate-limit|sending rate exceeded|maximum sending rate|message rate|too many messages|too much mail|ratelimit|\bRL0\d|frequency limited",
            ..When::ANY
        },
        category: Category::RateLimit,
        title: "Rate limited",
        cause: "The server limits how many messages, recipients or connections it takes from this \
                sender in a period, and this client went over it.",
        fix: FIX_RATE,
        references: &[YAHOO_ERRORS, SES_QUOTAS],
        example: "421 4.7.1 : (DYN:T1) http://postmaster.info.aol.com/errors/421dynt1.html (throttled)",
    },
    Entry {
        id: "generic.auth-not-enabled",
        when: When {
            text: r"authentication not enabled|auth(entication)? not (available|supported|allowed)|auth(entication)? (mechanism|type|method) not supported|AUTH (command )?not (available|permitted)|no identity changes",
            ..When::ANY
        },
        category: Category::Auth,
        title: "The server does not offer authentication here",
        cause: "The client sent AUTH where the server does not offer it: on a port or listener \
                without SMTP AUTH (port 25 instead of 587), before STARTTLS on a server that \
                offers AUTH only over TLS, or a second time.",
        fix: &[
            "Use the submission port (587 with STARTTLS, or 465 with smtps://) for authenticated sending.",
            "Keep TLS on (`tls=required` or `smtps://`): many servers offer AUTH only after STARTTLS.",
            "If the relay accepts your CI's IP without credentials, drop the user and password from the URL.",
        ],
        references: &[
            "https://www.rfc-editor.org/rfc/rfc4954#section-4",
            POSTFIX_ACCESS,
        ],
        example: "503 5.5.1 Error: authentication not enabled",
    },
    Entry {
        id: "generic.bad-sequence",
        when: When {
            code: "503",
            text: r"need (MAIL|RCPT|HELO|EHLO)|(MAIL|RCPT|HELO|EHLO) (command )?(first|required)|sender already specified|nested MAIL|no valid recipients|valid RCPT command must precede DATA",
            ..When::ANY
        },
        category: Category::Syntax,
        title: "Commands out of order",
        cause: "The server got a command before the one it needs first. Most often an earlier \
                command was refused (every RCPT refused, so DATA has no recipient), and this \
                reply is only its echo.",
        fix: &[
            "Look at the replies before this one: the first refusal is the real cause.",
            "If no earlier command failed, the client is broken or a proxy rewrote the dialogue.",
        ],
        references: &["https://www.rfc-editor.org/rfc/rfc5321#section-4.1.4"],
        example: "503 5.5.1 Error: need RCPT command",
    },
    Entry {
        id: "generic.throttled-4.7.0",
        when: When {
            code: "421",
            enhanced: "4.7.0",
            ..When::ANY
        },
        category: Category::RateLimit,
        title: "Throttled: the server closes the connection and wants a retry later",
        cause: "A 421 with 4.7.0 and no more specific wording is how large providers throttle a \
                client that connects or sends too much; a reputation or TLS problem would \
                usually be named in the text.",
        fix: FIX_RATE,
        references: &[GMAIL_ERRORS],
        example: "421 4.7.0",
    },
    Entry {
        id: "generic.spam",
        when: When {
            text: r"spam|junk|phish|malware|virus|suspicious content|content rejected|message content|message filtered|security policies|illegal attachment|content presents a potential",
            ..When::ANY
        },
        // A content filter's verdict is about this message, not the sender's standing: `policy`
        // ("a policy of the receiving site refuses the message ... content"). A listed IP or
        // domain is `reputation` (the blocklist entries above).
        category: Category::Policy,
        title: "The message was judged as spam or harmful",
        cause: "The receiver's content filter scored the message as spam, phishing or malware.",
        fix: &[
            "Check what in the message looks like spam: link shorteners, bare links, large attachments, executable files.",
            "Make SPF, DKIM and DMARC pass for the From domain; authenticated mail scores better.",
        ],
        references: &[GMAIL_GUIDELINES],
        example: "550 5.7.1 Message rejected as spam by Content Filtering.",
    },
    Entry {
        id: "generic.site-policy",
        when: When {
            text: r"delivery not authori[sz]ed|denied by policy|not in (the )?(whitelist|allow-?list)|allowed-senders|policy violation|has a policy that prohibited|(delivery|sending|mail) (is )?not allowed to (this|that) (address|recipient|domain)",
            ..When::ANY
        },
        category: Category::Policy,
        title: "A rule of the receiving site refuses the message",
        cause: "The receiving site has a rule (an allow list, a transport rule, a restriction on \
                who may send to this recipient) that this message or sender does not pass.",
        fix: &[
            "Ask the recipient's administrator which rule applies, and to allow the sender if the mail is wanted.",
        ],
        references: &[MS_NDR, GMAIL_ERRORS],
        example: "550 5.7.1 Sender is not in the allow-list of this recipient",
    },
];
