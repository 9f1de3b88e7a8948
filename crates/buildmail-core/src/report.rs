//! What a delivery did, as typed data: the overall status, each recipient's fate, each attempt,
//! and the explanation of the final failure. Serialises exactly to the JSON report of the
//! interface; the CLI renders the same data as text.

#[cfg(test)]
mod hostile_text_tests;
pub mod markdown;
pub mod text;

use serde::{Deserialize, Serialize, Serializer};

use crate::category::Category;
use crate::error::Phase;
use crate::explain::Explanation;
use crate::reply::Reply;

/// The overall outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Every recipient has it.
    Delivered,
    /// Some recipients have it, others were refused or are still deferred.
    Partial,
    /// Nobody has it yet and somebody may later: a transient failure outlasted the budget.
    Deferred,
    /// Every recipient was refused for good (some may also be `not_sent`).
    Rejected,
    /// Nothing was sent for a reason of the sender's side: the relay refused the session or the
    /// sender (greeting, EHLO, TLS, AUTH, MAIL), or the settings cannot work. Every recipient is
    /// `not_sent`, and may well get the message from a later try with other settings.
    Failed,
    /// Nothing was sent on purpose (a `notify` trigger that did not match).
    Skipped,
}

/// One recipient's fate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecipientStatus {
    /// The server accepted the message for this recipient.
    Delivered,
    /// Refused for now; still pending when the delivery stopped.
    Deferred,
    /// Refused for good by a reply about this recipient (its RCPT TO, or the reply to the message
    /// itself after DATA).
    Rejected,
    /// Never offered to a server: the session or the sender was refused before this recipient
    /// was named. Not a verdict on the recipient.
    NotSent,
}

impl DeliveryStatus {
    /// The status as the JSON report and the Action's `status` output write it (`delivered`,
    /// `partial`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Delivered => "delivered",
            DeliveryStatus::Partial => "partial",
            DeliveryStatus::Deferred => "deferred",
            DeliveryStatus::Rejected => "rejected",
            DeliveryStatus::Failed => "failed",
            DeliveryStatus::Skipped => "skipped",
        }
    }
}

impl RecipientStatus {
    /// Whether nothing is left to do for this recipient: delivered, or refused for good by a
    /// reply about it. A recipient that is deferred or was never offered is not settled.
    pub fn is_settled(self) -> bool {
        matches!(self, RecipientStatus::Delivered | RecipientStatus::Rejected)
    }
}

/// How one attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttemptOutcome {
    /// Nothing left to do after it, for the recipients it reached.
    Ok,
    /// Refused for now, or the connection failed: worth another attempt.
    Transient,
    /// Refused for good.
    Permanent,
}

impl AttemptOutcome {
    /// The outcome as the JSON report writes it (`ok`, `transient`, `permanent`).
    pub fn as_str(self) -> &'static str {
        match self {
            AttemptOutcome::Ok => "ok",
            AttemptOutcome::Transient => "transient",
            AttemptOutcome::Permanent => "permanent",
        }
    }
}

/// A recipient in the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecipientReport {
    /// The envelope address.
    pub address: String,
    /// Its fate.
    pub status: RecipientStatus,
    /// The last reply about it.
    pub reply: Option<Reply>,
    /// `host:port` of the server that accepted the message for it, once delivered (a field
    /// beyond the interface, absent until then).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server: Option<String>,
}

/// One attempt in the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttemptReport {
    /// 1 for the first attempt.
    pub number: u32,
    /// `host:port` of the server that answered (never the credentials).
    pub server: String,
    /// The step where it ended.
    pub phase: Phase,
    /// How it ended.
    pub outcome: AttemptOutcome,
    /// The reply that decided it (for a lost connection, the 451 that RFC 5321 says to assume).
    pub reply: Option<Reply>,
    /// What the deciding failure is about; a success has none (absent from the JSON).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category: Option<Category>,
    /// The headline of the deciding failure's explanation, judged once with its category so
    /// that no renderer explains the reply again; not part of the JSON (its `explanation` is).
    #[serde(skip)]
    pub title: Option<String>,
    /// How long the delivery waited before this attempt.
    pub waited_ms: u64,
    /// The relay refused the session for good (its greeting, EHLO, TLS, AUTH or MAIL) while
    /// other relays were left: it is left out for the rest of this delivery, and the recipients
    /// stay pending for the others. Shown in JSON only when true.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub relay_dropped: bool,
}

/// The whole report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    /// The overall outcome.
    pub status: DeliveryStatus,
    /// The Message-ID, identical on every attempt.
    pub message_id: String,
    /// Wall time from the first attempt to the end.
    pub elapsed_ms: u64,
    /// The connection was lost after the message was sent and before the server's reply, and
    /// the message was sent again: the recipient may get it twice.
    pub possible_duplicate: bool,
    /// Each recipient's fate.
    pub recipients: Vec<RecipientReport>,
    /// Each attempt, in order.
    pub attempts: Vec<AttemptReport>,
    /// Why the delivery failed and what to do; absent on success.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "serialize_explanation"
    )]
    pub explanation: Option<Explanation>,
    /// Why nothing was sent: a trigger that did not match (`skipped`), or an outbox entry a
    /// flush left untried because the batch's retry budget was spent (`deferred`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// What the user should know that did not stop the delivery: an attachment left out, a log
    /// that could not be read.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// The outbox entry that holds the message's unsettled recipients, when one does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outbox_id: Option<String>,
    /// Whether the message is (still) in the outbox, when an outbox was involved: `false` with a
    /// warning saying why when a deferred message could not be kept.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kept: Option<bool>,
    /// The recipients a notification took from the CI context (`--to-authors`,
    /// `--to-requester`), each with why (a field beyond the interface, absent when none).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub added_recipients: Vec<crate::notify::Added>,
}

impl Report {
    /// A report for a message that was not sent on purpose, and why (its message id is empty).
    pub fn skipped(reason: impl Into<String>) -> Self {
        Report {
            status: DeliveryStatus::Skipped,
            message_id: String::new(),
            elapsed_ms: 0,
            possible_duplicate: false,
            recipients: Vec::new(),
            attempts: Vec::new(),
            explanation: None,
            reason: Some(reason.into()),
            warnings: Vec::new(),
            outbox_id: None,
            kept: None,
            added_recipients: Vec::new(),
        }
    }

    /// The report with the settings its reason, warnings and explanation name written as
    /// `spell` writes them; a front end calls this once, before it shows the report.
    pub fn spell(&mut self, spell: crate::settings::Spelling) {
        let spelled = |text: &str| crate::settings::spell_placeholders(text, spell);
        self.reason = self.reason.as_deref().map(spelled);
        self.warnings = self.warnings.iter().map(|w| spelled(w)).collect();
        if let Some(explanation) = &mut self.explanation {
            explanation.spell(spell);
        }
    }

    /// What the report means for whoever asked for the delivery; see [`Verdict`].
    pub fn verdict(&self) -> Verdict {
        match self.status {
            DeliveryStatus::Delivered | DeliveryStatus::Skipped => Verdict::Delivered,
            _ if self.any_deferred() => Verdict::Deferred,
            _ if self.address_unsendable() => Verdict::BadAddress,
            _ if self.auth_refused() => Verdict::AuthRefused,
            _ if self.setup_failed() => Verdict::Misconfigured,
            _ => Verdict::Rejected,
        }
    }

    /// Whether any recipient is still waiting for the message: deferred, or never offered to a
    /// server because the session or the sender was refused.
    pub fn any_unsettled(&self) -> bool {
        self.recipients.iter().any(|r| !r.status.is_settled())
    }

    /// Whether any recipient is still deferred.
    pub fn any_deferred(&self) -> bool {
        self.count(RecipientStatus::Deferred) > 0
    }

    /// Whether any recipient was refused for good.
    pub fn any_rejected(&self) -> bool {
        self.count(RecipientStatus::Rejected) > 0
    }

    /// Whether the final failure was the server refusing our credentials.
    ///
    /// That is a refusal of AUTH itself, or a `530` ("authentication required", RFC 4954) to a
    /// later command: either way the fix is the credentials.
    pub fn auth_refused(&self) -> bool {
        self.last_failure().is_some_and(|attempt| {
            (attempt.phase == Phase::Auth && !broke_the_protocol(attempt))
                || attempt.reply.as_ref().is_some_and(|r| r.code() == 530)
        })
    }

    /// Whether the final failure was an address the server cannot carry: a non-ASCII local part
    /// and no SMTPUTF8 (the one failure at MAIL that is ours, with no reply of the server's).
    pub fn address_unsendable(&self) -> bool {
        self.last_failure().is_some_and(|attempt| {
            attempt.phase == Phase::Mail
                && attempt.reply.is_none()
                && attempt.category == Some(Category::Syntax)
        })
    }

    /// Whether the final failure was a setup that cannot work: TLS that could not be set up, or
    /// a host name that does not resolve (configuration matters: `--smtp-url`, `--ca-file`).
    pub fn setup_failed(&self) -> bool {
        self.last_failure().is_some_and(|attempt| {
            attempt.reply.is_none()
                && matches!(
                    attempt.phase,
                    Phase::Starttls | Phase::Connect | Phase::Greeting
                )
        })
    }

    /// The server that accepted the message, when one did; the first of them when relays
    /// shared the recipients (see [`Report::accepted_by`]).
    pub fn delivered_by(&self) -> Option<&str> {
        self.accepted_by().first().copied()
    }

    /// Every server that accepted the message for a recipient, in the recipients' order, each
    /// once.
    pub fn accepted_by(&self) -> Vec<&str> {
        let mut servers: Vec<&str> = Vec::new();
        for server in self.recipients.iter().filter_map(|r| r.server.as_deref()) {
            if !servers.contains(&server) {
                servers.push(server);
            }
        }
        servers
    }

    /// The attempt whose permanent failure ended the delivery (a relay left out ended nothing).
    fn last_failure(&self) -> Option<&AttemptReport> {
        self.attempts.last().filter(|attempt| {
            attempt.outcome == AttemptOutcome::Permanent && !attempt.relay_dropped
        })
    }

    fn count(&self, status: RecipientStatus) -> usize {
        self.recipients
            .iter()
            .filter(|recipient| recipient.status == status)
            .count()
    }

    /// The overall status from the recipients' fates.
    pub(crate) fn status_of(recipients: &[RecipientReport]) -> DeliveryStatus {
        let has = |status| recipients.iter().any(|r| r.status == status);
        match (
            has(RecipientStatus::Delivered),
            has(RecipientStatus::Deferred),
            has(RecipientStatus::Rejected),
            has(RecipientStatus::NotSent),
        ) {
            (true, false, false, false) => DeliveryStatus::Delivered,
            (true, _, _, _) => DeliveryStatus::Partial,
            (false, true, _, _) => DeliveryStatus::Deferred,
            (false, false, false, true) => DeliveryStatus::Failed,
            (false, false, _, _) => DeliveryStatus::Rejected,
        }
    }
}

/// What a report means for whoever asked for the delivery, from the best to the worst; each
/// front end maps it to its own terms (the CLI to a sysexits code).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Verdict {
    /// Every recipient has the message, or nothing was to be sent (a skipped notification).
    Delivered,
    /// Refused for good (for at least one recipient, or the session), nothing left deferred.
    Rejected,
    /// An address the message cannot carry to this server (a non-ASCII local part without
    /// SMTPUTF8): the input must change, not the server.
    BadAddress,
    /// Settings that cannot work: TLS that cannot be set up, a host name that does not resolve.
    Misconfigured,
    /// The server refused the credentials.
    AuthRefused,
    /// Somebody may still get it: a transient failure outlasted the budget.
    Deferred,
}

impl Verdict {
    /// The verdict of a batch (an outbox flush): the worst of its deliveries, where deferred
    /// beats refused credentials beats settings beats a refusal; `Delivered` for none.
    ///
    /// ```
    /// use buildmail_core::report::Verdict;
    ///
    /// let batch = [Verdict::Rejected, Verdict::Deferred, Verdict::Delivered];
    /// assert_eq!(Verdict::worst(batch), Verdict::Deferred);
    /// assert_eq!(Verdict::worst([]), Verdict::Delivered);
    /// ```
    pub fn worst(verdicts: impl IntoIterator<Item = Verdict>) -> Verdict {
        verdicts.into_iter().max().unwrap_or(Verdict::Delivered)
    }
}

/// A server that broke the AUTH exchange (endless challenges) refused no credentials: the
/// relay is unusable (exit 69), the credentials may be fine. Such a failure has no reply of
/// its own and no category but `other`.
fn broke_the_protocol(attempt: &AttemptReport) -> bool {
    attempt.reply.is_none() && attempt.category == Some(Category::Other)
}

/// The interface's explanation object: the catalog's fields without `transient`, which the
/// report's status already says.
fn serialize_explanation<S: Serializer>(
    explanation: &Option<Explanation>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    #[derive(Serialize)]
    struct Shown<'a> {
        category: Category,
        title: &'a str,
        cause: &'a str,
        fix: &'a [String],
        retry_after_s: Option<u64>,
    }
    match explanation {
        Some(e) => Shown {
            category: e.category,
            title: &e.title,
            cause: &e.cause,
            fix: &e.fix,
            retry_after_s: e.retry_after.map(|d| d.as_secs()),
        }
        .serialize(serializer),
        None => serializer.serialize_none(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(statuses: &[RecipientStatus], last: Option<(Phase, u16)>) -> Report {
        let recipients: Vec<RecipientReport> = statuses
            .iter()
            .map(|&status| RecipientReport {
                address: "a@example.com".into(),
                status,
                reply: None,
                server: None,
            })
            .collect();
        let attempts = last
            .map(|(phase, code)| AttemptReport {
                number: 1,
                server: "relay:25".into(),
                phase,
                outcome: if code >= 500 {
                    AttemptOutcome::Permanent
                } else {
                    AttemptOutcome::Transient
                },
                reply: Some(Reply::new(code, None, "no").unwrap()),
                category: Some(Category::Other),
                title: None,
                waited_ms: 0,
                relay_dropped: false,
            })
            .into_iter()
            .collect();
        Report {
            status: Report::status_of(&recipients),
            recipients,
            attempts,
            ..Report::skipped("")
        }
    }

    #[test]
    fn the_verdict_of_each_ending() {
        use RecipientStatus::{Deferred, Delivered, NotSent, Rejected};
        let cases = [
            (report(&[Delivered], None), Verdict::Delivered),
            (Report::skipped("trigger"), Verdict::Delivered),
            (
                report(&[Delivered, Deferred], Some((Phase::Rcpt, 451))),
                Verdict::Deferred,
            ),
            (
                report(&[Rejected], Some((Phase::Rcpt, 550))),
                Verdict::Rejected,
            ),
            (
                report(&[NotSent], Some((Phase::Greeting, 554))),
                Verdict::Rejected,
            ),
            (
                report(&[NotSent], Some((Phase::Auth, 535))),
                Verdict::AuthRefused,
            ),
            (
                report(&[NotSent], Some((Phase::Mail, 530))),
                Verdict::AuthRefused,
            ),
        ];
        for (report, verdict) in cases {
            assert_eq!(report.verdict(), verdict, "{report:#?}");
        }
    }

    #[test]
    fn only_delivered_and_rejected_recipients_are_settled() {
        use RecipientStatus::{Deferred, Delivered, NotSent, Rejected};
        assert_eq!(
            [Delivered, Rejected, Deferred, NotSent].map(RecipientStatus::is_settled),
            [true, true, false, false]
        );
        assert_eq!(
            Report::status_of(&report(&[NotSent], None).recipients),
            DeliveryStatus::Failed
        );
        let mixed = report(&[Rejected, NotSent], None);
        assert_eq!(mixed.status, DeliveryStatus::Rejected);
        assert!(mixed.any_unsettled());
    }

    #[test]
    fn the_status_words_are_the_json_reports() {
        use DeliveryStatus::*;
        for status in [Delivered, Partial, Deferred, Rejected, Failed, Skipped] {
            let json = serde_json::to_value(status).unwrap();
            assert_eq!(json.as_str(), Some(status.as_str()));
        }
        for outcome in [
            AttemptOutcome::Ok,
            AttemptOutcome::Transient,
            AttemptOutcome::Permanent,
        ] {
            let json = serde_json::to_value(outcome).unwrap();
            assert_eq!(json.as_str(), Some(outcome.as_str()));
        }
    }

    #[test]
    fn the_worst_verdict_of_a_batch() {
        use Verdict::*;
        assert_eq!(
            Verdict::worst([Delivered, Rejected, Misconfigured]),
            Misconfigured
        );
        assert_eq!(Verdict::worst([Misconfigured, AuthRefused]), AuthRefused);
        assert_eq!(Verdict::worst([AuthRefused, Deferred, Rejected]), Deferred);
        assert_eq!(Verdict::worst([Delivered]), Delivered);
    }
}
