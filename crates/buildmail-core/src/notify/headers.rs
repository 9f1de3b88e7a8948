//! The headers every notification carries, so mail clients and people can sort them:
//! `Auto-Submitted: auto-generated` (RFC 3834 section 5: auto-responders must not answer it),
//! a `List-Id` per project (RFC 2919, for filters), and `X-Buildmail-Status` /
//! `X-Buildmail-Job` (as email-ext's `X-Jenkins-Result` and `X-Jenkins-Job`).
//!
//! Values from the build go through the draft's header encoder like every other value; the
//! `List-Id` itself is built only from letters, digits and dashes.

use crate::ci::Build;

/// The notification's own headers, `(name, value)`, in the order they are written.
pub(super) fn headers(build: &Build, domain: &str) -> Vec<(String, String)> {
    let job = build.workflow.as_deref().unwrap_or(&build.project);
    let status = build.status.map_or("unknown", |s| s.as_str());
    vec![
        ("Auto-Submitted".to_owned(), "auto-generated".to_owned()),
        ("List-Id".to_owned(), list_id(build, domain)),
        ("X-Buildmail-Status".to_owned(), status.to_owned()),
        ("X-Buildmail-Job".to_owned(), job.to_owned()),
    ]
}

/// `shop notifications <shop.buildmail.example.com>`: the label is the repository (or project)
/// as a DNS label, under the sender's domain, so it is stable for a project and unique to it
/// (RFC 2919 section 2).
fn list_id(build: &Build, domain: &str) -> String {
    let name = build.repository.as_deref().unwrap_or(&build.project);
    let mut label = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            label.push(c.to_ascii_lowercase());
        } else if !label.ends_with('-') && !label.is_empty() {
            label.push('-');
        }
    }
    let mut label: String = label.trim_end_matches('-').chars().take(63).collect();
    label = label.trim_end_matches('-').to_owned();
    if label.is_empty() {
        label.push_str("build");
    }
    // The phrase stays ASCII so no encoder touches the id after it (an encoded word may not
    // hold the angle brackets); a name that is not is replaced by its label.
    let phrase: String = name
        .chars()
        .filter(|c| !matches!(c, '<' | '>' | '"' | '\\') && !c.is_control())
        .collect();
    let phrase = if phrase.is_ascii() {
        phrase
    } else {
        label.clone()
    };
    format!("\"{phrase} builds\" <{label}.buildmail.{domain}>")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ci::{BuildStatus, Provider};

    #[test]
    fn every_notification_says_it_is_automatic_and_which_list_and_job_it_belongs_to() {
        let mut build = Build::new(Provider::Jenkins, "shop");
        build.workflow = Some("team/shop/main".into());
        build.status = Some(BuildStatus::Unstable);
        assert_eq!(
            headers(&build, "example.com"),
            [
                ("Auto-Submitted".to_owned(), "auto-generated".to_owned()),
                (
                    "List-Id".to_owned(),
                    "\"shop builds\" <shop.buildmail.example.com>".to_owned()
                ),
                ("X-Buildmail-Status".to_owned(), "unstable".to_owned()),
                ("X-Buildmail-Job".to_owned(), "team/shop/main".to_owned()),
            ]
        );
    }

    #[test]
    fn the_list_id_is_a_dns_label_whatever_the_name() {
        let mut build = Build::new(Provider::GithubActions, "x");
        build.repository = Some("Octo_Org/Hello World!\r\n<evil>".into());
        assert_eq!(
            list_id(&build, "example.com"),
            "\"Octo_Org/Hello World!evil builds\" <octo-org-hello-world-evil.buildmail.example.com>"
        );
        build.repository = Some("Überall/ünïcode".into());
        assert_eq!(
            list_id(&build, "example.com"),
            "\"berall-n-code builds\" <berall-n-code.buildmail.example.com>"
        );
        build.repository = Some("---".into());
        assert!(list_id(&build, "example.com").ends_with("<build.buildmail.example.com>"));
    }
}
