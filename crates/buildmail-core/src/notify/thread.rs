//! Threading like email-ext: every notification of one job on one branch carries the same
//! `References` and `In-Reply-To` id, so a failure and its fix land in one conversation.
//!
//! The id is a hash of the repository, the workflow and the branch (or tag, or change), so
//! untrusted text never appears in it and it is the same on every machine and every release.

use crate::ci::Build;

/// `<buildmail.{16 hex digits}@{domain}>` for the job and branch of `build`. A domain that is not
/// a plain host name is replaced by `buildmail.invalid`.
pub fn thread_id(build: &Build, domain: &str) -> String {
    let where_built = build
        .branch
        .as_deref()
        .or(build.tag.as_deref())
        .map(str::to_owned)
        .or_else(|| {
            build
                .change
                .as_ref()
                .map(|c| format!("change {}", c.number))
        })
        .unwrap_or_default();
    let key = [
        build.repository.as_deref().unwrap_or(&build.project),
        build.workflow.as_deref().unwrap_or_default(),
        &where_built,
    ]
    .join("\0");
    format!(
        "<buildmail.{:016x}@{}>",
        fnv1a(key.as_bytes()),
        host(domain)
    )
}

/// FNV-1a, 64 bits: tiny and fixed forever (std's hasher may change between Rust releases).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn host(domain: &str) -> &str {
    let plain = !domain.is_empty()
        && domain
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
    if plain { domain } else { "buildmail.invalid" }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ci::{BuildStatus, Provider};

    fn build(branch: &str, status: BuildStatus) -> Build {
        let mut build = Build::new(Provider::Jenkins, "shop");
        build.workflow = Some("team/shop".into());
        build.branch = Some(branch.into());
        build.status = Some(status);
        build.run_number = Some(format!("{}", branch.len()));
        build
    }

    #[test]
    fn a_failure_and_its_fix_share_a_thread_other_branches_do_not() {
        let failed = thread_id(&build("main", BuildStatus::Failure), "example.com");
        let fixed = thread_id(&build("main", BuildStatus::Success), "example.com");
        let other = thread_id(&build("feature/x", BuildStatus::Failure), "example.com");
        assert_eq!(failed, fixed);
        assert_ne!(failed, other);
    }

    /// The expected value is FNV-1a of "shop\0team/shop\0main", computed outside Rust.
    #[test]
    fn the_id_is_fixed_forever() {
        assert_eq!(
            thread_id(&build("main", BuildStatus::Failure), "example.com"),
            "<buildmail.9993c0490e0486b4@example.com>"
        );
    }

    #[test]
    fn untrusted_text_never_reaches_the_id() {
        let id = thread_id(
            &build("main\r\nBcc: x@evil.example", BuildStatus::Failure),
            "ex ample.com>",
        );
        assert!(
            id.starts_with("<buildmail.") && id.ends_with("@buildmail.invalid>"),
            "{id}"
        );
    }
}
