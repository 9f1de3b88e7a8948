//! What the large providers say, from their own error references: Gmail, Microsoft 365 /
//! Outlook.com / Exchange, Yahoo and AOL, Amazon SES, SendGrid, Mailgun, and the generic phrasings
//! every provider shares (blocklists, rate limits, sender authentication). A text pattern beats any
//! code, so these entries decide whenever their words appear.

use super::{Entry, When};
use crate::category::Category;

const GMAIL_ERRORS: &str = "https://support.google.com/a/answer/3726730";
const GMAIL_GUIDELINES: &str = "https://support.google.com/mail/answer/81126";
const GMAIL_LIMITS: &str = "https://support.google.com/a/answer/166852";
const GMAIL_APP_PASSWORDS: &str = "https://support.google.com/accounts/answer/185833";
const MS_NDR: &str = "https://learn.microsoft.com/en-us/exchange/mail-flow-best-practices/non-delivery-reports-in-exchange-online/non-delivery-reports-in-exchange-online";
const MS_SMTP_AUTH: &str = "https://learn.microsoft.com/en-us/exchange/clients-and-mobile-in-exchange-online/authenticated-client-smtp-submission";
const MS_THROTTLING: &str = "https://learn.microsoft.com/en-us/exchange/mail-flow-best-practices/non-delivery-reports-in-exchange-online/fix-error-code-451-4-7-500-699-asxxx-in-exchange-online";
const MS_BANNED_IP: &str = "https://learn.microsoft.com/en-us/exchange/mail-flow-best-practices/non-delivery-reports-in-exchange-online/fix-error-code-5-7-606-through-5-7-649-in-exchange-online";
const MS_TENANT: &str = "https://learn.microsoft.com/en-us/exchange/mail-flow-best-practices/non-delivery-reports-in-exchange-online/fix-error-code-5-7-700-through-5-7-750";
const MS_LIMITS: &str = "https://learn.microsoft.com/en-us/office365/servicedescriptions/exchange-online-service-description/exchange-online-limits";
const OUTLOOK_SENDERS: &str =
    "https://sendersupport.olc.protection.outlook.com/pm/troubleshooting.aspx";
const YAHOO_ERRORS: &str = "https://senders.yahooinc.com/smtp-error-codes/";
const SES_SMTP: &str = "https://docs.aws.amazon.com/ses/latest/dg/troubleshoot-smtp.html";
const SES_QUOTAS: &str = "https://docs.aws.amazon.com/ses/latest/dg/manage-sending-quotas.html";
const SES_VERIFY: &str =
    "https://docs.aws.amazon.com/ses/latest/dg/verify-addresses-and-domains.html";
const SENDGRID_SMTP: &str = "https://www.twilio.com/docs/sendgrid/for-developers/sending-email/smtp-errors-and-troubleshooting";
const MAILGUN_AUTHORIZED: &str =
    "https://help.mailgun.com/hc/en-us/articles/217531258-Authorized-Recipients";

pub(super) const FIX_REPUTATION: &[&str] = &[
    "Check whether the sending IP or domain is on a blocklist (Spamhaus, the provider's postmaster tools) and request removal once the cause is fixed.",
    "Send build mail through an authenticated relay with a good reputation (your company's relay or a transactional provider) rather than from CI runners' own IPs.",
    "Cut volume and complaints: notify only on state changes, and only people who want the mail.",
];
const FIX_RATE: &[&str] = &[
    "Retry later, honouring any delay the server names; do not hammer it, that extends the limit.",
    "Send fewer messages or recipients per period: batch notifications, notify only on state changes.",
    "Use fewer parallel connections to the same server.",
];

pub(super) static ENTRIES: &[Entry] = &[
    // Gmail / Google Workspace.
    Entry {
        id: "gmail.unsolicited",
        when: When {
            text: r"unusual rate of (unsolicited )?mail|unsolicited mail|likely unsolicited|very low reputation|low reputation of the sending|suspicious due to",
            ..When::ANY
        },
        category: Category::Reputation,
        title: "Gmail thinks the mail is unsolicited (low sender reputation)",
        cause: "Gmail's filters judged mail from this IP address or domain as likely spam, from its \
                reputation, user complaints or an unusual volume, and is limiting or refusing it.",
        fix: FIX_REPUTATION,
        references: &[
            GMAIL_ERRORS,
            GMAIL_GUIDELINES,
            "https://support.google.com/mail/?p=UnsolicitedRateLimitError",
        ],
        example: "421 4.7.0 [192.0.2.1] Our system has detected an unusual rate of unsolicited mail originating from your IP address.",
    },
    Entry {
        id: "gmail.dos-helo",
        when: When {
            text: r"denial of service|\bDoS\b",
            ..When::ANY
        },
        category: Category::RateLimit,
        title: "Too many connections: the server suspects a flood",
        cause: "The server closed the connection early because this client opened connections or \
                sent commands faster than it allows (Gmail calls it a suspected denial of service \
                at the HELO stage).",
        fix: FIX_RATE,
        references: &[GMAIL_ERRORS],
        example: "421 4.7.0 Try again later, closing connection. This usually indicates a Denial of Service (DoS) for the SMTP relay at the HELO stage.",
    },
    Entry {
        id: "gmail.receiving-too-fast",
        when: When {
            text: r"receiving mail (at a rate|too quickly)|receiving mail too fast",
            ..When::ANY
        },
        category: Category::RateLimit,
        title: "The recipient is receiving mail too fast",
        cause: "The recipient's mailbox gets more mail per period than the provider allows, from all \
                senders together; the limit is on the recipient, not on you.",
        fix: &[
            "Retry later; the window usually clears within an hour.",
            "Send fewer messages to this recipient: batch notifications, notify on state changes only.",
        ],
        references: &[GMAIL_ERRORS, YAHOO_ERRORS],
        example: "450 4.2.1 The user you are trying to contact is receiving mail too quickly. Please resend your message at a later time.",
    },
    Entry {
        id: "gmail.daily-limit",
        when: When {
            text: r"daily (user )?(sending|smtp relay) (quota|limit)|sending limit exceeded|daily smtp relay limit|daily limit for (message )?recipients|reached your daily limit|email quota exceeded|relay limit exceeded",
            ..When::ANY
        },
        category: Category::RateLimit,
        title: "The account's daily sending limit is used up",
        cause: "The account (or relay) has sent as many messages or recipients as it may in 24 hours.",
        fix: &[
            "Wait until the rolling 24-hour window frees up, or send from an account with a higher limit.",
            "Send fewer messages: one notification per build state change, a list address instead of many recipients.",
        ],
        references: &[GMAIL_LIMITS, MS_LIMITS],
        example: "550 5.4.5 Daily user sending limit exceeded. For more information on Gmail sending limits go to https://support.google.com/a/answer/166852",
    },
    Entry {
        id: "gmail.app-password",
        when: When {
            text: r"application-specific password|app password|please log in (with|via) your web browser|web login required",
            ..When::ANY
        },
        category: Category::Auth,
        title: "An app password is required",
        cause: "The account has two-step verification (or the provider blocks password sign-in for \
                SMTP), so the normal account password is refused.",
        fix: &[
            "Create an app password in the account's security settings and use it as the SMTP password.",
            "Or use a relay that takes OAuth or an API key meant for applications.",
        ],
        references: &[GMAIL_APP_PASSWORDS, GMAIL_ERRORS],
        example: "534 5.7.9 Application-specific password required. Learn more at https://support.google.com/mail/?p=InvalidSecondFactor",
    },
    Entry {
        id: "gmail.too-many-logins",
        when: When {
            text: r"too many (login|authentication) attempts|too many failed (login|auth)|too many auth(entication)? (errors|failures)",
            ..When::ANY
        },
        category: Category::Auth,
        title: "Too many login attempts",
        cause: "The account or client tried to authenticate too often, usually with a wrong or \
                expired password, and logins are paused.",
        fix: &[
            "Fix the stored password (or create an app password) before retrying: every failed attempt extends the lock.",
            "Retry later, once.",
        ],
        references: &[GMAIL_ERRORS],
        example: "454 4.7.0 Too many login attempts, please try again later.",
    },
    Entry {
        id: "gmail.rfc5322",
        when: When {
            text: r"not RFC ?(2822|5322) compliant|RFC ?5322 section|missing a valid Message-ID|duplicate headers|malformed (message|header)|message is malformed|duplicate header|multiple addresses in From|invalid characters|bare (LF|line ?feeds?)|improper use of 8-bit|\bheader error",
            ..When::ANY
        },
        category: Category::Syntax,
        title: "The message is not well-formed (RFC 5322)",
        cause: "The message's headers break RFC 5322: a missing or duplicate header (Message-ID, \
                Date, From), or a malformed one.",
        fix: &[
            "Send one From, one Date and one Message-ID header; buildmail's messages have them, a custom template may not.",
            "Check headers added with {header} for duplicates of standard ones.",
        ],
        references: &[
            GMAIL_GUIDELINES,
            "https://www.rfc-editor.org/rfc/rfc5322#section-3.6",
        ],
        example: "550 5.7.1 Messages missing a valid Message-ID: header are not accepted.",
    },
    Entry {
        id: "gmail.protocol-violation",
        when: When {
            text: r"protocol violation|improper use of SMTP command pipelining|synchroni[sz]ation error|bad HELO|invalid HELO|need fully-qualified (hostname|address)|invalid ip address|too many (invalid|unrecognized|unknown|bad) commands",
            ..When::ANY
        },
        category: Category::Syntax,
        title: "SMTP protocol violation",
        cause: "The client broke the SMTP conversation: it pipelined commands where it may not, sent \
                before the greeting, or announced a host name the server refuses in HELO/EHLO.",
        fix: &[
            "Announce a fully qualified host name in EHLO (not localhost or a container id).",
            "Check proxies or scanners that rewrite SMTP traffic.",
        ],
        references: &[
            GMAIL_ERRORS,
            "https://www.rfc-editor.org/rfc/rfc5321#section-4.1.1.1",
        ],
        example: "451 4.5.0 SMTP protocol violation, see RFC 2821.",
    },
    Entry {
        id: "gmail.multiple-domains",
        when: When {
            text: r"multiple destination domains",
            ..When::ANY
        },
        category: Category::Policy,
        title: "One transaction may not go to several domains",
        cause: "The server takes recipients of only one domain per SMTP transaction.",
        fix: &[
            "Send one message per recipient domain (a good client retries the rest in a new transaction).",
        ],
        references: &[GMAIL_ERRORS],
        example: "451 4.3.0 Multiple destination domains per transaction is unsupported. Please try again.",
    },
    // Microsoft 365 / Outlook.com / Exchange.
    Entry {
        id: "microsoft.smtp-auth-disabled",
        when: When {
            text: r"SmtpClientAuthentication is disabled|basic authentication is (not supported|disabled)|5\.7\.139",
            ..When::ANY
        },
        category: Category::Auth,
        title: "SMTP AUTH is disabled for this Microsoft 365 mailbox or tenant",
        cause: "Microsoft 365 turns off authenticated SMTP (and basic authentication) by default; \
                the mailbox or the whole tenant does not allow it.",
        fix: &[
            "Enable Authenticated SMTP for the sending mailbox in the Microsoft 365 admin center (Mail > Manage email apps), if tenant policy allows.",
            "Or use OAuth, or a relay/connector meant for applications.",
        ],
        references: &[MS_SMTP_AUTH, MS_NDR],
        example: "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant.",
    },
    Entry {
        id: "microsoft.5.7.57",
        when: When {
            enhanced: "5.7.57",
            ..When::ANY
        },
        category: Category::Auth,
        title: "Client not authenticated to send mail (Microsoft 365)",
        cause: "The client sent MAIL FROM to smtp.office365.com without authenticating, or its \
                authentication failed.",
        fix: &[
            "Authenticate with the mailbox's credentials on port 587 with STARTTLS.",
            "Check that SMTP AUTH is enabled for the mailbox.",
        ],
        references: &[
            MS_SMTP_AUTH,
            "https://learn.microsoft.com/en-us/exchange/mail-flow-best-practices/non-delivery-reports-in-exchange-online/fix-error-code-5-7-57-in-exchange-online",
        ],
        example: "530 5.7.57 Client not authenticated to send mail. [DM5PR]",
    },
    Entry {
        id: "microsoft.send-as",
        when: When {
            text: r"SendAsDenied|not allowed to send as|does not have permissions to send as|send on behalf|not authorized to perform ses:Send|is not authorized to send (as|on behalf|from this)",
            ..When::ANY
        },
        category: Category::Auth,
        title: "The account may not send as this sender",
        cause: "The authenticated account is not allowed to use this From address (or the API user \
                lacks the permission to send).",
        fix: &[
            "Send with a From address the account owns, or grant it Send As rights on that address.",
            "For Amazon SES, give the IAM user ses:SendRawEmail on the identity.",
        ],
        references: &[MS_NDR, SES_SMTP],
        example: "550 5.7.60 SMTP; Client does not have permissions to send as this sender",
    },
    Entry {
        id: "microsoft.submission-quota",
        when: When {
            text: r"SubmissionQuotaExceeded|sender thread limit|message submission rate|submission rate for this client|per hour message receive limit|too many recipients errors|RecipientRateLimit|MessageRateLimit|exceeded permitted limits|limits for how many messages|RP-00[1-3]",
            ..When::ANY
        },
        category: Category::RateLimit,
        title: "Microsoft's sending or receiving limits were exceeded",
        cause: "The mailbox sent more messages or recipients than Exchange Online allows per minute \
                or day, opened too many concurrent submissions, or a recipient got more messages \
                from this sender per hour than allowed.",
        fix: &[
            "Retry later; per-minute limits clear within minutes, daily ones within 24 hours.",
            "Send fewer messages and recipients, over fewer parallel connections (Exchange Online allows 3 concurrent submissions per mailbox).",
        ],
        references: &[MS_LIMITS, MS_NDR],
        example: "554 5.2.0 STOREDRV.Submission.Exception:SubmissionQuotaExceededException",
    },
    Entry {
        id: "microsoft.ip-reputation",
        when: When {
            code: "4xx",
            enhanced: "X.7.500-699",
            text: r"reputation",
            ..When::ANY
        },
        category: Category::Reputation,
        title: "Limited because of the sending IP's reputation",
        cause: "The receiver rates the sending IP address or domain poorly (spam, complaints, a new \
                IP without history) and limits or refuses its mail.",
        fix: FIX_REPUTATION,
        references: &[MS_THROTTLING, OUTLOOK_SENDERS],
        example: "451 4.7.651 The mail server [192.0.2.1] has been temporarily rate limited due to IP reputation.",
    },
    Entry {
        id: "microsoft.throttled-4.7.500-699",
        when: When {
            code: "4xx",
            enhanced: "X.7.500-699",
            provider_codes: true,
            ..When::ANY
        },
        category: Category::RateLimit,
        title: "Microsoft is throttling this sender",
        cause: "Exchange Online Protection limits new or suspicious sending IP addresses and sends \
                4.7.500-699 (ASxxx) deferrals; volume from the IP is too high for its reputation.",
        fix: FIX_RATE,
        references: &[MS_THROTTLING, OUTLOOK_SENDERS],
        example: "451 4.7.500 Server busy. Please try again later from [192.0.2.2]. (AS761)",
    },
    Entry {
        id: "microsoft.routing-loop",
        when: When {
            enhanced: "X.4.14",
            // Exchange's own wording with its code, so it stays more specific than the
            // loop family (`causes.loop`) that explains other servers' loops.
            text: r"loop|hop count",
            ..When::ANY
        },
        category: Category::Other,
        title: "A mail loop (Exchange Online's 5.4.14)",
        cause: "The message passed through more relays than allowed (RFC 5321 section 6.3; \
                Exchange Online says 5.4.14 where RFC 3463 says X.4.6): a \
                forwarding rule or MX setup sends it around in a circle.",
        fix: &[
            "Check forwarding rules and MX/smarthost settings of the recipient's domain and of your relay.",
        ],
        references: &["https://www.rfc-editor.org/rfc/rfc5321#section-6.3", MS_NDR],
        example: "550 5.4.14 Routing loop detected",
    },
    Entry {
        id: "microsoft.outbound-tls",
        when: When {
            enhanced: "X.7.321-323|X.7.325",
            ..When::ANY
        },
        category: Category::Tls,
        title: "The destination's TLS failed the sender's requirements (DANE, certificates)",
        cause: "Exchange Online requires TLS to this destination (DANE or MTA-STS) and the \
                destination did not offer STARTTLS, presented an expired certificate, one for \
                another host, or one its TLSA records do not match.",
        fix: &[
            "If the destination is yours, renew or fix its certificate and TLSA records.",
            "Otherwise tell the recipient's administrator; retrying will not help until they fix it.",
        ],
        references: &[MS_NDR],
        example: "451 4.7.322 certificate-expired: Destination mail server's certificate is expired.",
    },
    Entry {
        id: "microsoft.dnssec-invalid",
        when: When {
            enhanced: "X.7.324",
            ..When::ANY
        },
        category: Category::Dns,
        title: "The destination's DNSSEC records are invalid",
        cause: "The destination domain claims DNSSEC, but its records could not be validated.",
        fix: &["The recipient's domain administrator must fix its DNSSEC signatures."],
        references: &[MS_NDR],
        example: "451 4.7.324 dnssec-invalid: Destination domain returned invalid DNSSEC records",
    },
    Entry {
        id: "microsoft.suspicious-ip",
        when: When {
            code: "4xx",
            enhanced: "X.7.850-899",
            ..When::ANY
        },
        category: Category::Reputation,
        title: "Microsoft is evaluating suspicious traffic from this IP",
        cause: "Suspicious activity was detected from the sending IP address, and mail from it is \
                deferred while Microsoft evaluates it (4.7.850-899).",
        fix: FIX_REPUTATION,
        references: &[MS_NDR],
        example: "451 4.7.850 Access denied, please try again later",
    },
    Entry {
        id: "gmail.direct-to-mx",
        when: When {
            text: r"not authorized to send e-?mail directly|use the SMTP relay (at|of) your (service|internet service) provider",
            ..When::ANY
        },
        category: Category::Reputation,
        title: "The IP address may not send mail directly (a dynamic or residential address)",
        cause: "The sending IP address is known as a dynamic or end-user address (for example on \
                the Spamhaus PBL), which receivers do not accept mail from directly.",
        fix: &[
            "Send through an authenticated relay (your provider's or your company's) instead of straight to the MX.",
        ],
        references: &[GMAIL_ERRORS],
        example: "550 5.7.1 The IP you're using to send mail is not authorized to send email directly to our servers.",
    },
    Entry {
        id: "microsoft.banned-ip",
        when: When {
            enhanced: "5.7.606-649|5.7.511|5.7.513|5.7.700-749",
            provider_codes: true,
            ..When::ANY
        },
        category: Category::Reputation,
        title: "Microsoft bans this sending IP, sender or tenant",
        cause: "Exchange Online Protection blocks the sending IP address, the sender, or the whole \
                tenant after spam or suspicious volume.",
        fix: &[
            "For a banned IP, use Microsoft's delist portal (sender.office.com) after fixing the cause.",
            "For a tenant or sender block, the tenant's admin must contact Microsoft support.",
            "Send through an authenticated relay with a good reputation.",
        ],
        references: &[MS_BANNED_IP, MS_TENANT, "https://sender.office.com/"],
        example: "550 5.7.606 Access denied, banned sending IP [192.0.2.1]",
    },
    Entry {
        id: "microsoft.bad-outbound-sender",
        when: When {
            text: r"bad outbound sender|banned sender|spam abuse detected|blocked (by|for) (sending|outbound) spam|sending spam|restricted from sending",
            ..When::ANY
        },
        category: Category::Reputation,
        title: "The sender is blocked for sending spam",
        cause: "The provider blocked the account after it sent mail that looked like spam; often a \
                sign of a compromised account.",
        fix: &[
            "Change the account's password and review what it sent.",
            "Ask the tenant's admin to release the account from the restricted users list.",
        ],
        references: &[
            MS_NDR,
            "https://learn.microsoft.com/en-us/defender-office-365/outbound-spam-restore-restricted-users",
        ],
        example: "550 5.1.8 Access denied, bad outbound sender",
    },
    Entry {
        id: "outlook.blocklist",
        when: When {
            text: r"\(S3150\)|\(S3140\)|\(S3114\)|part of their network is on our block list|on our block ?list",
            ..When::ANY
        },
        category: Category::Reputation,
        title: "Outlook.com blocks this IP range",
        cause: "Outlook.com/Hotmail refuses mail from the sending IP or its network, which is on \
                Microsoft's own block list.",
        fix: &[
            "Request delisting through Outlook.com's sender support form.",
            "Send through a relay with a good reputation instead of the CI runner's own address.",
        ],
        references: &[OUTLOOK_SENDERS],
        example: "550 5.7.1 Unfortunately, messages from [192.0.2.1] weren't sent. Please contact your Internet service provider since part of their network is on our block list (S3150).",
    },
    Entry {
        id: "microsoft.ipv6",
        when: When {
            text: r"(does not|doesn't) accept (e-?mail|mail|messages) over IPv6|IPv6 (is )?not (accepted|supported)",
            ..When::ANY
        },
        category: Category::Policy,
        title: "The domain does not accept mail over IPv6",
        cause: "The receiving domain takes mail only over IPv4, or wants senders over IPv6 to pass \
                stricter authentication.",
        fix: &["Send over IPv4, or make SPF and DKIM pass for mail sent over IPv6."],
        references: &[MS_NDR],
        example: "550 5.7.510 Access denied, example.com does not accept email over IPv6",
    },
    // Yahoo / AOL.
    Entry {
        id: "yahoo.complaints",
        when: When {
            text: r"\[TSS?0[1-9]\]|\[GL01\]|user complaints|unexpected volume",
            ..When::ANY
        },
        category: Category::Reputation,
        title: "Yahoo/AOL defers mail from this sender",
        cause: "Yahoo's filters defer or refuse mail from this IP because of user complaints, \
                unexpected volume or a poor reputation (codes TS01-TS04, TSS04, TSS09, GL01).",
        fix: FIX_REPUTATION,
        references: &[YAHOO_ERRORS],
        example: "421 4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred due to unexpected volume or user complaints",
    },
    Entry {
        id: "yahoo.policy",
        when: When {
            text: r"\[?PH0[1-9]\]?|not accepted for policy reasons|message not allowed",
            ..When::ANY
        },
        category: Category::Policy,
        title: "Refused for policy reasons",
        cause: "The receiver's policy refused this message: content, links, or a sender it does \
                not accept (Yahoo's PH codes).",
        fix: &[
            "Check the message for content that looks like spam (URL shorteners, bare links, attachments).",
            "Make SPF, DKIM and DMARC pass for the From domain.",
        ],
        references: &[YAHOO_ERRORS],
        example: "554 Message not allowed - [PH01] Email not accepted for policy reasons.",
    },
    // Amazon SES.
    Entry {
        id: "ses.daily-quota",
        when: When {
            text: r"daily message quota exceeded|maximum credits exceeded|sending quota",
            ..When::ANY
        },
        category: Category::RateLimit,
        title: "The account's sending quota is used up",
        cause: "The provider account has sent as many messages as its plan or quota allows in the \
                current period (Amazon SES's 24-hour quota, SendGrid's credits).",
        fix: &[
            "Wait until the quota frees up, or ask the provider for a higher quota or plan.",
            "Send fewer messages: one per build state change.",
        ],
        references: &[SES_QUOTAS, SENDGRID_SMTP],
        example: "454 Throttling failure: Daily message quota exceeded.",
    },
    Entry {
        id: "ses.not-verified",
        when: When {
            text: r"(address|identity|domain) is not verified|identities failed the check|not (a )?verified sender|does not match a verified sender|verified sender identity|unverified (sender|domain)",
            ..When::ANY
        },
        category: Category::Policy,
        title: "The sender address or domain is not verified with the provider",
        cause: "Transactional providers send only from identities (addresses or domains) verified \
                in the account; in Amazon SES's sandbox, recipients must be verified too.",
        fix: &[
            "Verify the From address or its domain in the provider's console (SES: Verified identities; SendGrid: Sender Identity).",
            "Amazon SES sandbox: verify the recipients too, or request production access.",
        ],
        references: &[SES_VERIFY, SENDGRID_SMTP],
        example: "554 Message rejected: Email address is not verified. The following identities failed the check in region US-EAST-1: ci@example.com",
    },
    Entry {
        id: "ses.not-subscribed",
        when: When {
            text: r"not subscribed to SES|account (is )?(not )?(enabled|subscribed)|authentication required|unauthenticated senders not allowed|not logged in",
            ..When::ANY
        },
        category: Category::Auth,
        title: "Authentication required",
        cause: "The server accepts mail from this client only after SMTP AUTH with a valid \
                account, and the client did not authenticate (or the account may not send).",
        fix: &[
            "Configure the SMTP credentials (for Amazon SES: SMTP credentials made in the SES console, not IAM access keys).",
            "Authenticate before MAIL FROM; servers often offer AUTH only after STARTTLS.",
        ],
        references: &[SES_SMTP],
        example: "530 Authentication required",
    },
    Entry {
        id: "ses.temporary-auth",
        when: When {
            code: "4xx",
            text: r"temporary authentication failure|cannot authenticate due to (a )?temporary|unable to authenticate (at present|now|at this time)|authentication (is )?temporarily unavailable",
            ..When::ANY
        },
        category: Category::Auth,
        title: "Temporary authentication failure",
        cause: "The server could not check the credentials right now.",
        fix: &[
            "Retry later.",
            "If it persists, check that the credentials are still valid.",
        ],
        references: &[SES_SMTP, "https://www.rfc-editor.org/rfc/rfc4954#section-6"],
        example: "454 Temporary authentication failure",
    },
    Entry {
        id: "mailgun.sandbox",
        when: When {
            text: r"sandbox (sub)?domains?|authorized recipients|free accounts are for test purposes",
            ..When::ANY
        },
        category: Category::Policy,
        title: "A sandbox domain may only send to authorized recipients",
        cause: "Mailgun's sandbox domains (and free plans) deliver only to recipients verified in \
                the account.",
        fix: &[
            "Add the recipients as Authorized Recipients, or send from your own verified domain.",
        ],
        references: &[MAILGUN_AUTHORIZED],
        example: "554 Sandbox subdomains are for test purposes only. Please add your own domain or add the address to authorized recipients in Account Settings.",
    },
    Entry {
        id: "ses.paused",
        when: When {
            text: r"sending (is )?(paused|suspended)|account (is )?(paused|suspended|terminated)|domain (is )?disabled|is not allowed to send:",
            ..When::ANY
        },
        category: Category::Reputation,
        title: "The provider suspended sending for this account or domain",
        cause: "The provider stopped the account or domain from sending, usually after high bounce \
                or complaint rates.",
        fix: &[
            "Read the provider's notice in its console and answer it.",
            "Clean the recipient list of addresses that bounce.",
        ],
        references: &[
            SES_QUOTAS,
            "https://help.mailgun.com/hc/en-us/articles/202051664-My-domain-has-been-disabled-Now-what",
        ],
        example: "554 Sending paused for this account. For more information, please check the AWS Management Console.",
    },
];
