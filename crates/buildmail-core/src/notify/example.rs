//! A made-up build and its notification: what `buildmail demo` sends through the simulator, so
//! a newcomer sees the real built-in templates on a build that reads like theirs.

use crate::ci::{Build, BuildStatus, Provider};
use crate::compose::Draft;
use crate::deliver::Outgoing;
use crate::notify::{Notification, NotifyError, Templates};

/// A GitHub Actions run of `example/app` that fixed the build.
pub fn fixed_build() -> Build {
    let mut build = Build::new(Provider::GithubActions, "example/app");
    build.repository = Some("example/app".to_owned());
    build.workflow = Some("CI".to_owned());
    build.run_number = Some("42".to_owned());
    build.run_url = Some("https://github.com/example/app/actions/runs/42".to_owned());
    build.branch = Some("main".to_owned());
    build.commit = Some("3f2a9c1d5e7b8a90c1d2e3f4a5b6c7d8e9f0a1b2".to_owned());
    build.message = Some("Fix the flaky retry test".to_owned());
    build.author = Some("Dev".to_owned());
    build.trigger = Some("push".to_owned());
    build.status = Some(BuildStatus::Success);
    build.previous_status = Some(BuildStatus::Failure);
    build
}

/// The notification of [`fixed_build`] from CI to the team, built with the built-in templates,
/// and its text part.
///
/// ```
/// let (message, text) = buildmail_core::notify::example::notification()?;
/// assert_eq!(message.envelope_to(), ["team@example.com"]);
/// assert!(!text.is_empty());
/// # Ok::<(), buildmail_core::notify::NotifyError>(())
/// ```
pub fn notification() -> Result<(Outgoing, String), NotifyError> {
    let rendered =
        Notification::render(&fixed_build(), None, &Templates::builtin(), "example.com")?;
    let text = rendered.text.clone();
    let draft = rendered.into_draft(Draft {
        from: "CI <ci@example.com>".to_owned(),
        to: vec!["Team <team@example.com>".to_owned()],
        ..Draft::default()
    });
    let message = draft
        .build()
        .map_err(|error| NotifyError::Message(error.to_string()))?;
    Ok((message, text))
}
