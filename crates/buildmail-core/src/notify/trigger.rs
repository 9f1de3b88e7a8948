//! When a notification is sent (`--when`, email-ext's vocabulary) and what the build's outcome
//! is called, both decided from the status and the previous status.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use crate::ci::Status;

/// A trigger: the builds worth a mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    /// Every build.
    Always,
    /// Every failed build.
    Failure,
    /// A failure after a build that did not fail (or with no previous build known).
    FirstFailure,
    /// A failure after a failure.
    StillFailing,
    /// A success after a failed or unstable build.
    Fixed,
    /// Every unstable build.
    Unstable,
    /// A status different from the previous one (or with no previous build known).
    Changed,
    /// Every build that did not succeed.
    NotSuccess,
    /// Every successful build (email-ext's Success).
    Success,
    /// A build stopped or cancelled before it finished (email-ext's Aborted).
    Aborted,
    /// A build that was not built (email-ext's Not Built).
    NotBuilt,
    /// An unstable build after a build that was not unstable, or with no previous build known
    /// (email-ext's 1st Unstable).
    FirstUnstable,
    /// An unstable build after an unstable build (email-ext's Still Unstable).
    StillUnstable,
}

impl When {
    /// Every trigger, in the order of the documentation.
    pub const ALL: [When; 13] = [
        When::Always,
        When::Failure,
        When::FirstFailure,
        When::StillFailing,
        When::Fixed,
        When::Unstable,
        When::Changed,
        When::NotSuccess,
        When::Success,
        When::Aborted,
        When::NotBuilt,
        When::FirstUnstable,
        When::StillUnstable,
    ];

    /// The word on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            When::Always => "always",
            When::Failure => "failure",
            When::FirstFailure => "first-failure",
            When::StillFailing => "still-failing",
            When::Fixed => "fixed",
            When::Unstable => "unstable",
            When::Changed => "changed",
            When::NotSuccess => "not-success",
            When::Success => "success",
            When::Aborted => "aborted",
            When::NotBuilt => "not-built",
            When::FirstUnstable => "first-unstable",
            When::StillUnstable => "still-unstable",
        }
    }

    /// Whether a build with `status`, after one with `previous`, is worth a mail; when it is
    /// not, the reason says why in a sentence.
    pub fn decide(self, status: Status, previous: Option<Status>) -> Decision {
        let send = match self {
            When::Always => true,
            When::Failure => status == Status::Failure,
            When::FirstFailure => status == Status::Failure && previous != Some(Status::Failure),
            When::StillFailing => status == Status::Failure && previous == Some(Status::Failure),
            When::Fixed => status == Status::Success && previous.is_some_and(Status::is_broken),
            When::Unstable => status == Status::Unstable,
            When::Changed => previous != Some(status),
            When::NotSuccess => status != Status::Success,
            When::Success => status == Status::Success,
            When::Aborted => matches!(status, Status::Aborted | Status::Cancelled),
            When::NotBuilt => status == Status::NotBuilt,
            When::FirstUnstable => status == Status::Unstable && previous != Some(Status::Unstable),
            When::StillUnstable => status == Status::Unstable && previous == Some(Status::Unstable),
        };
        if send {
            Decision::Send
        } else {
            Decision::Skip(self.skip_reason(status, previous))
        }
    }

    fn skip_reason(self, status: Status, previous: Option<Status>) -> String {
        let wanted = match self {
            When::Always => "every build",
            When::Failure => "a failed build",
            When::FirstFailure => "a failure after a build that did not fail",
            When::StillFailing => "a failure after a failure",
            When::Fixed => "a success after a failed or unstable build",
            When::Unstable => "an unstable build",
            When::Changed => "a status different from the previous build's",
            When::NotSuccess => "a build that did not succeed",
            When::Success => "a successful build",
            When::Aborted => "an aborted or cancelled build",
            When::NotBuilt => "a build that was not built",
            When::FirstUnstable => "an unstable build after a build that was not unstable",
            When::StillUnstable => "an unstable build after an unstable build",
        };
        let previous = match previous {
            Some(previous) => format!("the previous build's was {previous}"),
            None => "the previous build's is unknown (give {previous_status})".to_owned(),
        };
        format!("{{when}} {self} wants {wanted}; this build's status is {status} and {previous}")
    }
}

impl fmt::Display for When {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A word that is not a trigger.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{0:?} is not a trigger: use always, failure, first-failure, still-failing, fixed, unstable, first-unstable, still-unstable, changed, not-success, success, aborted or not-built"
)]
pub struct UnknownWhen(pub String);

impl FromStr for When {
    type Err = UnknownWhen;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let wanted = text.trim().to_ascii_lowercase().replace('_', "-");
        When::ALL
            .into_iter()
            .find(|when| when.as_str() == wanted)
            .ok_or_else(|| UnknownWhen(text.to_owned()))
    }
}

/// Send the notification, or not and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// The trigger matches.
    Send,
    /// The trigger does not match, for this reason.
    Skip(String),
}

/// What happened, in the words of the subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// A success (after a success, or with nothing known before).
    Passed,
    /// A success after a failed or unstable build.
    Fixed,
    /// A failure with nothing known before.
    Failed,
    /// A failure after a build that did not fail.
    FirstFailure,
    /// A failure after a failure.
    StillFailing,
    /// An unstable build.
    Unstable,
    /// A build stopped by a person or a timeout.
    Aborted,
    /// A build cancelled before it finished.
    Cancelled,
    /// A build that was not built.
    NotBuilt,
}

impl Outcome {
    /// The outcome of a build with `status` after one with `previous`.
    pub fn of(status: Status, previous: Option<Status>) -> Outcome {
        match (status, previous) {
            (Status::Success, Some(previous)) if previous.is_broken() => Outcome::Fixed,
            (Status::Success, _) => Outcome::Passed,
            (Status::Failure, Some(Status::Failure)) => Outcome::StillFailing,
            (Status::Failure, Some(_)) => Outcome::FirstFailure,
            (Status::Failure, None) => Outcome::Failed,
            (Status::Unstable, _) => Outcome::Unstable,
            (Status::Aborted, _) => Outcome::Aborted,
            (Status::Cancelled, _) => Outcome::Cancelled,
            (Status::NotBuilt, _) => Outcome::NotBuilt,
        }
    }

    /// The word in the subject: `passed`, `fixed`, `failed`, `still failing`, ...
    pub fn label(self) -> &'static str {
        match self {
            Outcome::Passed => "passed",
            Outcome::Fixed => "fixed",
            Outcome::Failed | Outcome::FirstFailure => "failed",
            Outcome::StillFailing => "still failing",
            Outcome::Unstable => "unstable",
            Outcome::Aborted => "aborted",
            Outcome::Cancelled => "cancelled",
            Outcome::NotBuilt => "not built",
        }
    }

    /// One sentence for the top of the body.
    pub fn sentence(self) -> &'static str {
        match self {
            Outcome::Passed => "The build passed.",
            Outcome::Fixed => "The build is fixed: it passed after a broken build.",
            Outcome::Failed => "The build failed.",
            Outcome::FirstFailure => {
                "The build failed. It is the first failure: the previous build did not fail."
            }
            Outcome::StillFailing => "The build is still failing: the previous build failed too.",
            Outcome::Unstable => {
                "The build is unstable: it ran, but tests failed or a quality gate was missed."
            }
            Outcome::Aborted => "The build was aborted before it finished.",
            Outcome::Cancelled => "The build was cancelled before it finished.",
            Outcome::NotBuilt => "The build was not built.",
        }
    }

    /// Whether the reader has something to fix (and the log tail is worth showing).
    pub fn is_bad(self) -> bool {
        !matches!(self, Outcome::Passed | Outcome::Fixed)
    }

    /// The banner colour: dark enough for white text in light and dark mode.
    pub fn color(self) -> &'static str {
        match self {
            Outcome::Passed | Outcome::Fixed => "#1a7f37",
            Outcome::Failed | Outcome::FirstFailure | Outcome::StillFailing => "#cf222e",
            Outcome::Unstable => "#9a6700",
            Outcome::Aborted | Outcome::Cancelled | Outcome::NotBuilt => "#57606a",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ci::Status::{Aborted, Cancelled, Failure, NotBuilt, Success, Unstable};

    /// Every trigger against every (status, previous) pair that tells them apart.
    #[test]
    fn trigger_table() {
        let cases: [(Status, Option<Status>); 13] = [
            (Success, None),
            (Success, Some(Success)),
            (Success, Some(Failure)),
            (Success, Some(Unstable)),
            (Failure, None),
            (Failure, Some(Success)),
            (Failure, Some(Failure)),
            (Unstable, None),
            (Unstable, Some(Success)),
            (Unstable, Some(Unstable)),
            (Aborted, Some(Success)),
            (Cancelled, Some(Success)),
            (NotBuilt, Some(Success)),
        ];
        #[rustfmt::skip]
        let expected: [(When, [bool; 13]); 13] = [
            //                       S/-    S/S    S/F    S/U    F/-    F/S    F/F    U/-    U/S    U/U    A/S    C/S    N/S
            (When::Always,        [true,  true,  true,  true,  true,  true,  true,  true,  true,  true,  true,  true,  true ]),
            (When::Failure,       [false, false, false, false, true,  true,  true,  false, false, false, false, false, false]),
            (When::FirstFailure,  [false, false, false, false, true,  true,  false, false, false, false, false, false, false]),
            (When::StillFailing,  [false, false, false, false, false, false, true,  false, false, false, false, false, false]),
            (When::Fixed,         [false, false, true,  true,  false, false, false, false, false, false, false, false, false]),
            (When::Unstable,      [false, false, false, false, false, false, false, true,  true,  true,  false, false, false]),
            (When::Changed,       [true,  false, true,  true,  true,  true,  false, true,  true,  false, true,  true,  true ]),
            (When::NotSuccess,    [false, false, false, false, true,  true,  true,  true,  true,  true,  true,  true,  true ]),
            (When::Success,       [true,  true,  true,  true,  false, false, false, false, false, false, false, false, false]),
            (When::Aborted,       [false, false, false, false, false, false, false, false, false, false, true,  true,  false]),
            (When::NotBuilt,      [false, false, false, false, false, false, false, false, false, false, false, false, true ]),
            (When::FirstUnstable, [false, false, false, false, false, false, false, true,  true,  false, false, false, false]),
            (When::StillUnstable, [false, false, false, false, false, false, false, false, false, true,  false, false, false]),
        ];
        for (when, sends) in expected {
            for ((status, previous), send) in cases.iter().zip(sends) {
                let decision = when.decide(*status, *previous);
                assert_eq!(
                    decision == Decision::Send,
                    send,
                    "--when {when} with {status} after {previous:?}: {decision:?}"
                );
            }
        }
    }

    #[test]
    fn a_skip_says_what_was_wanted_and_what_happened() {
        let Decision::Skip(reason) = When::Fixed.decide(Success, Some(Success)) else {
            panic!("a pass after a pass is not fixed");
        };
        assert_eq!(
            reason,
            "{when} fixed wants a success after a failed or unstable build; this build's status is success and the previous build's was success"
        );
        let Decision::Skip(reason) = When::StillFailing.decide(Failure, None) else {
            panic!("unknown previous is not still failing");
        };
        assert!(reason.contains("give {previous_status}"), "{reason}");
    }

    #[test]
    fn outcome_table() {
        let cases = [
            (Success, None, Outcome::Passed, "passed"),
            (Success, Some(Success), Outcome::Passed, "passed"),
            (Success, Some(Failure), Outcome::Fixed, "fixed"),
            (Success, Some(Unstable), Outcome::Fixed, "fixed"),
            (Success, Some(Aborted), Outcome::Passed, "passed"),
            (Failure, None, Outcome::Failed, "failed"),
            (Failure, Some(Success), Outcome::FirstFailure, "failed"),
            (
                Failure,
                Some(Failure),
                Outcome::StillFailing,
                "still failing",
            ),
            (Unstable, Some(Unstable), Outcome::Unstable, "unstable"),
            (Aborted, None, Outcome::Aborted, "aborted"),
            (Cancelled, Some(Success), Outcome::Cancelled, "cancelled"),
            (NotBuilt, Some(Success), Outcome::NotBuilt, "not built"),
        ];
        for (status, previous, outcome, label) in cases {
            assert_eq!(
                Outcome::of(status, previous),
                outcome,
                "{status} after {previous:?}"
            );
            assert_eq!(outcome.label(), label);
        }
    }

    #[test]
    fn trigger_words_parse_and_bad_ones_list_the_good_ones() {
        for when in When::ALL {
            assert_eq!(when.as_str().parse::<When>(), Ok(when));
        }
        assert_eq!("still_failing".parse::<When>(), Ok(When::StillFailing));
        let error = "sometimes".parse::<When>().expect_err("not a trigger");
        assert!(error.to_string().contains("first-failure"), "{error}");
    }
}
