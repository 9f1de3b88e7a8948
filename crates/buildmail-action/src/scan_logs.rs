//! `scan_logs`: SMTP failures that other tools printed in this job's logs (a test suite's
//! mailer, a deploy script), found by the core's scan and annotated on their file and line with
//! their explanation. A log is untrusted text: it reaches the runner only as an annotation's
//! escaped data ([`crate::workflow`]), never as a line of its own.

use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use buildmail_core::compose::attach::{file_kind, paths_matching};
use buildmail_core::scan::{self, Explained};
use buildmail_core::untrusted;

use crate::spelling::spell;
use crate::workflow::{Annotation, Annotations, Level};

/// Annotates every failure found in the files the globs `patterns` match under `dir`; a glob
/// that matches nothing, or a file that cannot be read, is a warning.
pub fn annotate(patterns: &[String], dir: &Path, annotations: &mut Annotations) {
    for pattern in patterns {
        match paths_matching(pattern, dir) {
            Ok(files) if files.is_empty() => annotations.push(warning(format!(
                "nothing matches {}: no log was scanned for it",
                untrusted::escaped(pattern)
            ))),
            Ok(files) => files
                .iter()
                .for_each(|file| annotate_file(file, dir, annotations)),
            Err(error) => annotations.push(warning(error.to_string())),
        }
    }
}

fn annotate_file(path: &Path, dir: &Path, annotations: &mut Annotations) {
    // GitHub places an annotation by its path in the repository: the workspace is its root.
    // The property is escaped when printed; the messages show the name made visible.
    let relative = path.strip_prefix(dir).unwrap_or(path);
    let (name, shown) = (relative.to_string_lossy(), untrusted::path(relative));
    // A named pipe would block the step and a device never ends: only regular files are read.
    match std::fs::metadata(path).map(|meta| file_kind(&meta.file_type())) {
        Ok(None) => {}
        Ok(Some(kind)) => {
            return annotations.push(warning(format!("{shown} is {kind}, not a log: left out")));
        }
        Err(error) => return annotations.push(warning(format!("reading {shown}: {error}"))),
    }
    let file = match File::open(path) {
        Ok(file) => file,
        Err(error) => return annotations.push(warning(format!("reading {shown}: {error}"))),
    };
    for found in scan::scan(BufReader::new(file)) {
        let found = match found {
            Ok(found) => found,
            Err(error) => return annotations.push(warning(format!("reading {shown}: {error}"))),
        };
        let mut explained = found.explain();
        explained.spell(spell);
        let line = u32::try_from(found.line).ok();
        annotations.push(
            Annotation::new(Level::Warning, title(&explained), explained.to_text())
                .at(name.clone(), line),
        );
    }
}

fn title(explained: &Explained) -> String {
    let title = match explained {
        Explained::Reply { explanation, .. } => &explanation.title,
        Explained::Connection { failure, .. } => &failure.title,
    };
    format!("SMTP failure in the log: {title}")
}

fn warning(message: String) -> Annotation {
    Annotation::new(Level::Warning, "scan_logs", format!("scan_logs: {message}"))
}
