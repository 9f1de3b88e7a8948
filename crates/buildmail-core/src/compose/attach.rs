//! Attachments from paths and globs, under a total size cap.
//!
//! A file that would push the total over the cap is left out, not fatal: the mail still goes,
//! and [`Collected::left_out`] names each file and why, for the caller's report. Logs can be
//! gzip-compressed when they are larger than a threshold (they shrink ten-fold or more).

use std::fmt;
use std::fs::File;
use std::io::{self, Read as _};
use std::path::{Component, Path, PathBuf};

use flate2::Compression;
use flate2::write::GzEncoder;
use globset::GlobBuilder;

/// How large the attachments of one mail may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SizePolicy {
    /// The most bytes all attachments together may take (before transfer encoding).
    pub max_total_bytes: u64,
    /// Logs larger than this are gzip-compressed (`build.log` becomes `build.log.gz`).
    pub gzip_over_bytes: u64,
}

impl Default for SizePolicy {
    /// 10 MiB in all (base64 makes that about 13.5 MB on the wire, under the common 20-25 MB
    /// server limits); logs over 256 KiB compressed.
    fn default() -> Self {
        SizePolicy {
            max_total_bytes: 10 * 1024 * 1024,
            gzip_over_bytes: 256 * 1024,
        }
    }
}

/// One file to attach, read into memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    /// The name the recipient sees (the file's own name, `.gz` added when compressed).
    pub filename: String,
    /// The MIME type, e.g. `text/plain; charset=utf-8`.
    pub content_type: String,
    /// The content.
    pub body: Vec<u8>,
}

/// A file that matched but was not attached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeftOut {
    /// The file.
    pub path: PathBuf,
    /// Its size in bytes (compressed, when it was compressed).
    pub bytes: u64,
    /// How many bytes of the cap were still free when it came.
    pub room_bytes: u64,
}

impl fmt::Display for LeftOut {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} ({}) was not attached: it does not fit in what is left of the attachment size cap ({})",
            self.path.display(),
            human_bytes(self.bytes),
            human_bytes(self.room_bytes)
        )
    }
}

/// What was attached and what was not.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Collected {
    /// The attachments, in the order their patterns were given, each pattern's files by name.
    pub attachments: Vec<Attachment>,
    /// Files that matched but did not fit under the cap.
    pub left_out: Vec<LeftOut>,
    /// Glob patterns that matched no file (a plain path that does not exist is an error instead).
    pub unmatched: Vec<String>,
}

impl Collected {
    /// One line per file left out and per pattern that matched nothing, for the report.
    pub fn notes(&self) -> Vec<String> {
        let left_out = self.left_out.iter().map(ToString::to_string);
        let unmatched = self
            .unmatched
            .iter()
            .map(|pattern| format!("--attach {pattern:?} matched no file"));
        left_out.chain(unmatched).collect()
    }
}

/// Why attachments could not be collected.
#[derive(Debug, thiserror::Error)]
pub enum AttachError {
    /// A plain path (no glob characters) that does not exist.
    #[error("{}: no such file to attach; check the --attach path", .0.display())]
    Missing(PathBuf),
    /// A file that exists but could not be read.
    #[error("reading {} to attach it", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// What the system said.
        #[source]
        source: io::Error,
    },
    /// A glob pattern that does not parse.
    #[error("--attach {pattern:?} is not a valid glob: {source}")]
    Pattern {
        /// The pattern as given.
        pattern: String,
        /// What the glob parser said.
        #[source]
        source: globset::Error,
    },
}

impl AttachError {
    /// The file or pattern the error is about.
    pub fn input(&self) -> String {
        match self {
            AttachError::Missing(path) | AttachError::Read { path, .. } => {
                path.display().to_string()
            }
            AttachError::Pattern { pattern, .. } => pattern.clone(),
        }
    }
}

/// Collects attachments under one size cap, in the order they are added.
#[derive(Debug)]
pub struct Attacher {
    policy: SizePolicy,
    used_bytes: u64,
    collected: Collected,
}

impl Attacher {
    /// An empty collection under `policy`.
    pub fn new(policy: SizePolicy) -> Self {
        Attacher {
            policy,
            used_bytes: 0,
            collected: Collected::default(),
        }
    }

    /// Adds a path or a glob (`reports/**/*.xml`), relative patterns taken from `base`.
    /// `*` stays within a directory, `**` crosses directories.
    ///
    /// ```
    /// use buildmail_core::compose::attach::{Attacher, SizePolicy};
    /// let dir = std::env::temp_dir();
    /// let mut attacher = Attacher::new(SizePolicy::default());
    /// attacher.add_pattern("no-such-dir-buildmail/*.xml", &dir)?;
    /// assert_eq!(attacher.finish().unmatched, ["no-such-dir-buildmail/*.xml"]);
    /// # Ok::<(), buildmail_core::compose::AttachError>(())
    /// ```
    pub fn add_pattern(&mut self, pattern: &str, base: &Path) -> Result<(), AttachError> {
        if !is_glob(pattern) {
            return self.add_file(&base.join(pattern));
        }
        let files = expand_glob(pattern, base)?;
        if files.is_empty() {
            self.collected.unmatched.push(pattern.to_owned());
        }
        for file in files {
            self.add_file(&file)?;
        }
        Ok(())
    }

    /// Adds one file as it is.
    pub fn add_file(&mut self, path: &Path) -> Result<(), AttachError> {
        let size = file_size(path)?;
        if !self.has_room(path, size) {
            return Ok(());
        }
        let body = read_all(path)?;
        self.push(path, file_name(path), content_type(path), body);
        Ok(())
    }

    /// Adds a build log, gzip-compressed when larger than the policy's threshold. Compression
    /// streams from the file, so a large log is never held in memory uncompressed.
    pub fn add_log(&mut self, path: &Path) -> Result<(), AttachError> {
        let size = file_size(path)?;
        if size <= self.policy.gzip_over_bytes {
            return self.add_file(path);
        }
        let compressed = gzip_file(path)?;
        if !self.has_room(path, compressed.len() as u64) {
            return Ok(());
        }
        let name = format!("{}.gz", file_name(path));
        self.push(path, name, "application/gzip".to_owned(), compressed);
        Ok(())
    }

    /// What was attached and what was left out.
    pub fn finish(self) -> Collected {
        self.collected
    }

    fn has_room(&mut self, path: &Path, size: u64) -> bool {
        let room = self.policy.max_total_bytes.saturating_sub(self.used_bytes);
        if size <= room {
            return true;
        }
        self.collected.left_out.push(LeftOut {
            path: path.to_owned(),
            bytes: size,
            room_bytes: room,
        });
        false
    }

    fn push(&mut self, _path: &Path, filename: String, content_type: String, body: Vec<u8>) {
        self.used_bytes += body.len() as u64;
        self.collected.attachments.push(Attachment {
            filename,
            content_type,
            body,
        });
    }
}

/// Compresses bytes with gzip.
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
    io::Write::write_all(&mut encoder, bytes).expect("writing to a Vec cannot fail");
    encoder.finish().expect("writing to a Vec cannot fail")
}

fn gzip_file(path: &Path) -> Result<Vec<u8>, AttachError> {
    let read_error = |source| AttachError::Read {
        path: path.to_owned(),
        source,
    };
    let mut file = File::open(path).map_err(read_error)?;
    let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
    io::copy(&mut file, &mut encoder).map_err(read_error)?;
    encoder.finish().map_err(read_error)
}

fn is_glob(pattern: &str) -> bool {
    pattern.contains(['*', '?', '[', '{'])
}

/// The files a glob matches, sorted by path. The walk starts at the pattern's literal prefix
/// (`reports/` in `reports/**/*.xml`) and does not follow symbolic links.
fn expand_glob(pattern: &str, base: &Path) -> Result<Vec<PathBuf>, AttachError> {
    let matcher = GlobBuilder::new(pattern)
        .literal_separator(true)
        .build()
        .map_err(|source| AttachError::Pattern {
            pattern: pattern.to_owned(),
            source,
        })?
        .compile_matcher();
    let root = base.join(literal_prefix(pattern));
    let absolute = Path::new(pattern).is_absolute();
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(&root)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
        .filter(|entry| entry.file_type().is_file())
        .map(walkdir::DirEntry::into_path)
        .filter(|path| {
            let candidate = if absolute {
                path.as_path()
            } else {
                path.strip_prefix(base).unwrap_or(path)
            };
            matcher.is_match(candidate)
        })
        .collect();
    files.sort();
    Ok(files)
}

fn literal_prefix(pattern: &str) -> PathBuf {
    let mut prefix = PathBuf::new();
    let components: Vec<Component<'_>> = Path::new(pattern).components().collect();
    // The last component names files, never a directory to walk from.
    for component in &components[..components.len().saturating_sub(1)] {
        if is_glob(&component.as_os_str().to_string_lossy()) {
            break;
        }
        prefix.push(component);
    }
    prefix
}

fn file_size(path: &Path) -> Result<u64, AttachError> {
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_file() => Ok(meta.len()),
        Ok(_) => Err(AttachError::Missing(path.to_owned())),
        Err(error) if error.kind() == io::ErrorKind::NotFound => {
            Err(AttachError::Missing(path.to_owned()))
        }
        Err(source) => Err(AttachError::Read {
            path: path.to_owned(),
            source,
        }),
    }
}

fn read_all(path: &Path) -> Result<Vec<u8>, AttachError> {
    let mut body = Vec::new();
    File::open(path)
        .and_then(|mut file| file.read_to_end(&mut body))
        .map_err(|source| AttachError::Read {
            path: path.to_owned(),
            source,
        })?;
    Ok(body)
}

fn file_name(path: &Path) -> String {
    let name = path
        .file_name()
        .map_or_else(|| "attachment".into(), |name| name.to_string_lossy());
    super::header_text(&name)
}

/// The MIME type for a file, from its extension; unknown ones are `application/octet-stream`.
pub fn content_type(path: &Path) -> String {
    let extension = path
        .extension()
        .map(|ext| ext.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let mime = match extension.as_str() {
        "txt" | "log" | "out" | "md" => "text/plain; charset=utf-8",
        "csv" => "text/csv; charset=utf-8",
        "html" | "htm" => "text/html; charset=utf-8",
        "xml" => "application/xml",
        "json" => "application/json",
        "pdf" => "application/pdf",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "svg" => "image/svg+xml",
        "gz" | "tgz" => "application/gzip",
        "zip" => "application/zip",
        _ => "application/octet-stream",
    };
    mime.to_owned()
}

/// Sizes as people read them: `512 B`, `3.4 KiB`, `12.0 MiB`.
pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree() -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("temp dir");
        let write = |path: &str, bytes: usize| {
            let full = dir.path().join(path);
            std::fs::create_dir_all(full.parent().expect("has a parent")).expect("mkdir");
            std::fs::write(full, "x".repeat(bytes)).expect("write");
        };
        write("reports/a.xml", 10);
        write("reports/b.xml", 20);
        write("reports/deep/c.xml", 30);
        write("reports/notes.txt", 5);
        write("build.log", 4000);
        dir
    }

    fn names(collected: &Collected) -> Vec<&str> {
        collected
            .attachments
            .iter()
            .map(|a| a.filename.as_str())
            .collect()
    }

    #[test]
    fn star_stays_in_its_directory_and_double_star_crosses() {
        let dir = tree();
        let mut attacher = Attacher::new(SizePolicy::default());
        attacher
            .add_pattern("reports/*.xml", dir.path())
            .expect("attach");
        assert_eq!(names(&attacher.finish()), ["a.xml", "b.xml"]);

        let mut attacher = Attacher::new(SizePolicy::default());
        attacher
            .add_pattern("reports/**/*.xml", dir.path())
            .expect("attach");
        assert_eq!(names(&attacher.finish()), ["a.xml", "b.xml", "c.xml"]);
    }

    #[test]
    fn a_missing_plain_path_is_an_error_naming_it() {
        let dir = tree();
        let mut attacher = Attacher::new(SizePolicy::default());
        let error = attacher
            .add_pattern("reports/none.xml", dir.path())
            .expect_err("missing file");
        assert!(error.to_string().contains("none.xml"), "{error}");
    }

    #[test]
    fn a_glob_matching_nothing_is_a_note() {
        let dir = tree();
        let mut attacher = Attacher::new(SizePolicy::default());
        attacher.add_pattern("*.pdf", dir.path()).expect("attach");
        let collected = attacher.finish();
        assert!(collected.attachments.is_empty());
        assert_eq!(collected.notes(), ["--attach \"*.pdf\" matched no file"]);
    }

    #[test]
    fn the_file_over_the_cap_is_left_out_and_named_and_later_ones_still_fit() {
        let dir = tree();
        let policy = SizePolicy {
            max_total_bytes: 35,
            gzip_over_bytes: 1 << 20,
        };
        let mut attacher = Attacher::new(policy);
        attacher
            .add_pattern("reports/**/*", dir.path())
            .expect("attach");
        let collected = attacher.finish();
        // a (10) + b (20) fit, c (30) does not, notes.txt (5) still does.
        assert_eq!(names(&collected), ["a.xml", "b.xml", "notes.txt"]);
        assert_eq!(collected.left_out.len(), 1);
        let note = &collected.notes()[0];
        assert!(note.contains("c.xml (30 B) was not attached"), "{note}");
        assert!(note.contains("(5 B)"), "{note}");
    }

    #[test]
    fn a_large_log_is_gzipped_and_renamed() {
        let dir = tree();
        let policy = SizePolicy {
            max_total_bytes: 1 << 20,
            gzip_over_bytes: 1000,
        };
        let mut attacher = Attacher::new(policy);
        attacher
            .add_log(&dir.path().join("build.log"))
            .expect("attach");
        let collected = attacher.finish();
        let log = &collected.attachments[0];
        assert_eq!(log.filename, "build.log.gz");
        assert_eq!(log.content_type, "application/gzip");
        assert!(log.body.len() < 200, "compressed to {}", log.body.len());
        let mut unzipped = String::new();
        flate2::read::GzDecoder::new(log.body.as_slice())
            .read_to_string(&mut unzipped)
            .expect("valid gzip");
        assert_eq!(unzipped, "x".repeat(4000));
    }

    #[test]
    fn a_small_log_is_attached_as_text() {
        let dir = tree();
        let mut attacher = Attacher::new(SizePolicy::default());
        attacher
            .add_log(&dir.path().join("build.log"))
            .expect("attach");
        let collected = attacher.finish();
        assert_eq!(names(&collected), ["build.log"]);
        assert_eq!(
            collected.attachments[0].content_type,
            "text/plain; charset=utf-8"
        );
    }

    #[test]
    fn sizes_read_like_people_write_them() {
        assert_eq!(human_bytes(512), "512 B");
        assert_eq!(human_bytes(3 * 1024 + 400), "3.4 KiB");
        assert_eq!(human_bytes(12 * 1024 * 1024), "12.0 MiB");
    }
}
