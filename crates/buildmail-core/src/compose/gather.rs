//! The attachments a user asked for, gathered under the caps with warnings: what `send` and
//! `notify` do with their attachment settings, for every front end.

use std::path::PathBuf;

use super::attach::{AttachError, Attacher, Attachment, SizePolicy};
use crate::untrusted;

/// What the user gave for attachments.
#[derive(Debug, Clone, Default)]
pub struct AttachmentRequest {
    /// Paths or globs, relative to `dir`.
    pub patterns: Vec<String>,
    /// A build log to attach (gzipped when large); one that cannot be attached is a warning.
    pub log: Option<PathBuf>,
    /// The working directory: patterns are relative to it, and files may come from under it.
    pub dir: PathBuf,
    /// Other directories files may come from, relative to `dir`.
    pub allowed: Vec<PathBuf>,
}

/// Why the attachments cannot be gathered: the user must change a setting.
#[derive(Debug, thiserror::Error)]
pub enum GatherError {
    /// An allowed directory that does not exist.
    #[error("{{allow_attach_from}} {0}: no such directory")]
    NoSuchDirectory(String),
    /// A pattern that cannot be attached.
    #[error(transparent)]
    Attach(#[from] AttachError),
}

impl AttachmentRequest {
    /// The attachments, and warnings for what was left out: a file that does not fit or may not
    /// be attached, a log that cannot be attached. The mail still goes without them.
    pub fn gather(&self) -> Result<(Vec<Attachment>, Vec<String>), GatherError> {
        let mut attacher = Attacher::new(SizePolicy::default()).allow(&self.dir);
        for allowed in &self.allowed {
            let dir = self.dir.join(allowed);
            if !dir.is_dir() {
                return Err(GatherError::NoSuchDirectory(untrusted::path(allowed)));
            }
            attacher = attacher.allow(&dir);
        }
        for pattern in &self.patterns {
            attacher.add_pattern(pattern, &self.dir)?;
        }
        let mut warnings = Vec::new();
        if let Some(log) = &self.log
            && let Err(error) = attacher.add_log(&self.dir.join(log))
        {
            warnings.push(format!(
                "{error} ({{attach_log}}); the notification goes without it"
            ));
        }
        let collected = attacher.finish();
        warnings.splice(0..0, collected.notes());
        Ok((collected.attachments, warnings))
    }
}
