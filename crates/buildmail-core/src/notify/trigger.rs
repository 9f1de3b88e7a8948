//! When a notification is sent (`--when`, email-ext's vocabulary) and what the build's outcome
//! is called, both decided from the status and the previous status.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use crate::ci::BuildStatus;

/// A trigger: the builds worth a mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
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

impl Trigger {
    /// Every trigger, in the order of the documentation.
    pub const ALL: [Trigger; 13] = [
        Trigger::Always,
        Trigger::Failure,
        Trigger::FirstFailure,
        Trigger::StillFailing,
        Trigger::Fixed,
        Trigger::Unstable,
        Trigger::Changed,
        Trigger::NotSuccess,
        Trigger::Success,
        Trigger::Aborted,
        Trigger::NotBuilt,
        Trigger::FirstUnstable,
        Trigger::StillUnstable,
    ];

    /// The word on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Trigger::Always => "always",
            Trigger::Failure => "failure",
            Trigger::FirstFailure => "first-failure",
            Trigger::StillFailing => "still-failing",
            Trigger::Fixed => "fixed",
            Trigger::Unstable => "unstable",
            Trigger::Changed => "changed",
            Trigger::NotSuccess => "not-success",
            Trigger::Success => "success",
            Trigger::Aborted => "aborted",
            Trigger::NotBuilt => "not-built",
            Trigger::FirstUnstable => "first-unstable",
            Trigger::StillUnstable => "still-unstable",
        }
    }

    /// Whether a build with `status`, after one with `previous`, is worth a mail; when it is
    /// not, the reason says why in a sentence.
    pub fn decide(self, status: BuildStatus, previous: Option<BuildStatus>) -> Decision {
        let send = match self {
            Trigger::Always => true,
            Trigger::Failure => status == BuildStatus::Failure,
            Trigger::FirstFailure => {
                status == BuildStatus::Failure && previous != Some(BuildStatus::Failure)
            }
            Trigger::StillFailing => {
                status == BuildStatus::Failure && previous == Some(BuildStatus::Failure)
            }
            Trigger::Fixed => {
                status == BuildStatus::Success && previous.is_some_and(BuildStatus::is_broken)
            }
            Trigger::Unstable => status == BuildStatus::Unstable,
            Trigger::Changed => previous != Some(status),
            Trigger::NotSuccess => status != BuildStatus::Success,
            Trigger::Success => status == BuildStatus::Success,
            Trigger::Aborted => matches!(status, BuildStatus::Aborted | BuildStatus::Cancelled),
            Trigger::NotBuilt => status == BuildStatus::NotBuilt,
            Trigger::FirstUnstable => {
                status == BuildStatus::Unstable && previous != Some(BuildStatus::Unstable)
            }
            Trigger::StillUnstable => {
                status == BuildStatus::Unstable && previous == Some(BuildStatus::Unstable)
            }
        };
        if send {
            Decision::Send
        } else {
            Decision::Skip(self.skip_reason(status, previous))
        }
    }

    fn skip_reason(self, status: BuildStatus, previous: Option<BuildStatus>) -> String {
        let wanted = match self {
            Trigger::Always => "every build",
            Trigger::Failure => "a failed build",
            Trigger::FirstFailure => "a failure after a build that did not fail",
            Trigger::StillFailing => "a failure after a failure",
            Trigger::Fixed => "a success after a failed or unstable build",
            Trigger::Unstable => "an unstable build",
            Trigger::Changed => "a status different from the previous build's",
            Trigger::NotSuccess => "a build that did not succeed",
            Trigger::Success => "a successful build",
            Trigger::Aborted => "an aborted or cancelled build",
            Trigger::NotBuilt => "a build that was not built",
            Trigger::FirstUnstable => "an unstable build after a build that was not unstable",
            Trigger::StillUnstable => "an unstable build after an unstable build",
        };
        let previous = match previous {
            Some(previous) => format!("the previous build's was {previous}"),
            None => "the previous build's is unknown (give {previous_status})".to_owned(),
        };
        format!("{{when}} {self} wants {wanted}; this build's status is {status} and {previous}")
    }
}

impl fmt::Display for Trigger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A word that is not a trigger.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{0:?} is not a trigger: use always, failure, first-failure, still-failing, fixed, unstable, first-unstable, still-unstable, changed, not-success, success, aborted or not-built"
)]
pub struct UnknownTrigger(pub String);

impl FromStr for Trigger {
    type Err = UnknownTrigger;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let wanted = text.trim().to_ascii_lowercase().replace('_', "-");
        Trigger::ALL
            .into_iter()
            .find(|when| when.as_str() == wanted)
            .ok_or_else(|| UnknownTrigger(text.to_owned()))
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
pub enum BuildOutcome {
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

impl BuildOutcome {
    /// The outcome of a build with `status` after one with `previous`.
    pub fn of(status: BuildStatus, previous: Option<BuildStatus>) -> BuildOutcome {
        match (status, previous) {
            (BuildStatus::Success, Some(previous)) if previous.is_broken() => BuildOutcome::Fixed,
            (BuildStatus::Success, _) => BuildOutcome::Passed,
            (BuildStatus::Failure, Some(BuildStatus::Failure)) => BuildOutcome::StillFailing,
            (BuildStatus::Failure, Some(_)) => BuildOutcome::FirstFailure,
            (BuildStatus::Failure, None) => BuildOutcome::Failed,
            (BuildStatus::Unstable, _) => BuildOutcome::Unstable,
            (BuildStatus::Aborted, _) => BuildOutcome::Aborted,
            (BuildStatus::Cancelled, _) => BuildOutcome::Cancelled,
            (BuildStatus::NotBuilt, _) => BuildOutcome::NotBuilt,
        }
    }

    /// The word in the subject: `passed`, `fixed`, `failed`, `still failing`, ...
    pub fn label(self) -> &'static str {
        match self {
            BuildOutcome::Passed => "passed",
            BuildOutcome::Fixed => "fixed",
            BuildOutcome::Failed | BuildOutcome::FirstFailure => "failed",
            BuildOutcome::StillFailing => "still failing",
            BuildOutcome::Unstable => "unstable",
            BuildOutcome::Aborted => "aborted",
            BuildOutcome::Cancelled => "cancelled",
            BuildOutcome::NotBuilt => "not built",
        }
    }

    /// One sentence for the top of the body.
    pub fn sentence(self) -> &'static str {
        match self {
            BuildOutcome::Passed => "The build passed.",
            BuildOutcome::Fixed => "The build is fixed: it passed after a broken build.",
            BuildOutcome::Failed => "The build failed.",
            BuildOutcome::FirstFailure => {
                "The build failed. It is the first failure: the previous build did not fail."
            }
            BuildOutcome::StillFailing => {
                "The build is still failing: the previous build failed too."
            }
            BuildOutcome::Unstable => {
                "The build is unstable: it ran, but tests failed or a quality gate was missed."
            }
            BuildOutcome::Aborted => "The build was aborted before it finished.",
            BuildOutcome::Cancelled => "The build was cancelled before it finished.",
            BuildOutcome::NotBuilt => "The build was not built.",
        }
    }

    /// Whether the reader has something to fix (and the log tail is worth showing).
    pub fn is_bad(self) -> bool {
        !matches!(self, BuildOutcome::Passed | BuildOutcome::Fixed)
    }

    /// The banner colour: dark enough for white text in light and dark mode.
    pub fn color(self) -> &'static str {
        match self {
            BuildOutcome::Passed | BuildOutcome::Fixed => "#1a7f37",
            BuildOutcome::Failed | BuildOutcome::FirstFailure | BuildOutcome::StillFailing => {
                "#cf222e"
            }
            BuildOutcome::Unstable => "#9a6700",
            BuildOutcome::Aborted | BuildOutcome::Cancelled | BuildOutcome::NotBuilt => "#57606a",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ci::BuildStatus::{Aborted, Cancelled, Failure, NotBuilt, Success, Unstable};

    /// Every trigger against every (status, previous) pair that tells them apart.
    #[test]
    fn trigger_table() {
        let cases: [(BuildStatus, Option<BuildStatus>); 13] = [
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
        let expected: [(Trigger, [bool; 13]); 13] = [
            //                       S/-    S/S    S/F    S/U    F/-    F/S    F/F    U/-    U/S    U/U    A/S    C/S    N/S
            (Trigger::Always,        [true,  true,  true,  true,  true,  true,  true,  true,  true,  true,  true,  true,  true ]),
            (Trigger::Failure,       [false, false, false, false, true,  true,  true,  false, false, false, false, false, false]),
            (Trigger::FirstFailure,  [false, false, false, false, true,  true,  false, false, false, false, false, false, false]),
            (Trigger::StillFailing,  [false, false, false, false, false, false, true,  false, false, false, false, false, false]),
            (Trigger::Fixed,         [false, false, true,  true,  false, false, false, false, false, false, false, false, false]),
            (Trigger::Unstable,      [false, false, false, false, false, false, false, true,  true,  true,  false, false, false]),
            (Trigger::Changed,       [true,  false, true,  true,  true,  true,  false, true,  true,  false, true,  true,  true ]),
            (Trigger::NotSuccess,    [false, false, false, false, true,  true,  true,  true,  true,  true,  true,  true,  true ]),
            (Trigger::Success,       [true,  true,  true,  true,  false, false, false, false, false, false, false, false, false]),
            (Trigger::Aborted,       [false, false, false, false, false, false, false, false, false, false, true,  true,  false]),
            (Trigger::NotBuilt,      [false, false, false, false, false, false, false, false, false, false, false, false, true ]),
            (Trigger::FirstUnstable, [false, false, false, false, false, false, false, true,  true,  false, false, false, false]),
            (Trigger::StillUnstable, [false, false, false, false, false, false, false, false, false, true,  false, false, false]),
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
        let Decision::Skip(reason) = Trigger::Fixed.decide(Success, Some(Success)) else {
            panic!("a pass after a pass is not fixed");
        };
        assert_eq!(
            reason,
            "{when} fixed wants a success after a failed or unstable build; this build's status is success and the previous build's was success"
        );
        let Decision::Skip(reason) = Trigger::StillFailing.decide(Failure, None) else {
            panic!("unknown previous is not still failing");
        };
        assert!(reason.contains("give {previous_status}"), "{reason}");
    }

    #[test]
    fn outcome_table() {
        let cases = [
            (Success, None, BuildOutcome::Passed, "passed"),
            (Success, Some(Success), BuildOutcome::Passed, "passed"),
            (Success, Some(Failure), BuildOutcome::Fixed, "fixed"),
            (Success, Some(Unstable), BuildOutcome::Fixed, "fixed"),
            (Success, Some(Aborted), BuildOutcome::Passed, "passed"),
            (Failure, None, BuildOutcome::Failed, "failed"),
            (Failure, Some(Success), BuildOutcome::FirstFailure, "failed"),
            (
                Failure,
                Some(Failure),
                BuildOutcome::StillFailing,
                "still failing",
            ),
            (Unstable, Some(Unstable), BuildOutcome::Unstable, "unstable"),
            (Aborted, None, BuildOutcome::Aborted, "aborted"),
            (
                Cancelled,
                Some(Success),
                BuildOutcome::Cancelled,
                "cancelled",
            ),
            (NotBuilt, Some(Success), BuildOutcome::NotBuilt, "not built"),
        ];
        for (status, previous, outcome, label) in cases {
            assert_eq!(
                BuildOutcome::of(status, previous),
                outcome,
                "{status} after {previous:?}"
            );
            assert_eq!(outcome.label(), label);
        }
    }

    #[test]
    fn trigger_words_parse_and_bad_ones_list_the_good_ones() {
        for when in Trigger::ALL {
            assert_eq!(when.as_str().parse::<Trigger>(), Ok(when));
        }
        assert_eq!(
            "still_failing".parse::<Trigger>(),
            Ok(Trigger::StillFailing)
        );
        let error = "sometimes".parse::<Trigger>().expect_err("not a trigger");
        assert!(error.to_string().contains("first-failure"), "{error}");
    }
}
