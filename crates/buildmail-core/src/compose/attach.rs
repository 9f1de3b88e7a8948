//! Attachments from paths and globs, under a total size cap and a count cap, from allowed
//! directories only.
//!
//! A file that would push the total over a cap is left out, not fatal: the mail still goes,
//! and [`Collected::left_out`] names each file and why, for the caller's report. Logs can be
//! gzip-compressed when they are larger than a threshold (they shrink ten-fold or more).
//!
//! The workspace is untrusted: a repository can plant `reports/junit.xml -> /proc/self/environ`.
//! So only regular files whose real path (symbolic links resolved) lies under a directory the
//! caller allowed ([`Attacher::allow`]) are attached, never anything under `/proc`, `/sys` or
//! `/dev`; every other match is refused with a note, and the mail still goes.

use std::fmt;
use std::fs::File;
use std::io::{self, Read as _};
use std::path::{Component, Path, PathBuf};

use crate::untrusted;
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
    /// The most files one mail may carry: a glob that matches 20,000 files attaches this many.
    pub max_files: usize,
}

impl Default for SizePolicy {
    /// 10 MiB in all (base64 makes that about 13.5 MB on the wire, under the common 20-25 MB
    /// server limits); logs over 256 KiB compressed; at most 100 files (mail clients list
    /// attachments one per line: more than that is nobody's reading).
    fn default() -> Self {
        SizePolicy {
            max_total_bytes: 10 * 1024 * 1024,
            gzip_over_bytes: 256 * 1024,
            max_files: 100,
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
            untrusted::path(&self.path),
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
    /// Files refused because of where they really are or what they are.
    pub refused: Vec<Refused>,
    /// Files that matched after the count cap was reached, in order.
    pub over_count: Vec<PathBuf>,
    /// The count cap they met.
    pub max_files: usize,
}

/// A file that matched but is not attached because of where it really is or what it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    /// The path as matched or given.
    pub path: PathBuf,
    /// Why, as a phrase: "it is a link to /proc/self/environ, outside the allowed directories".
    pub why: String,
}

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} was not attached: {}",
            untrusted::path(&self.path),
            self.why
        )
    }
}

impl Collected {
    /// One line per file left out or refused and per pattern that matched nothing, and one for
    /// all the files over the count cap, for the report. File names are escaped for display.
    pub fn notes(&self) -> Vec<String> {
        let left_out = self.left_out.iter().map(ToString::to_string);
        let refused = self.refused.iter().map(ToString::to_string);
        let unmatched = self.unmatched.iter().map(|pattern| {
            format!(
                "{{attach}} {} matched no file",
                untrusted::escaped(&format!("{pattern:?}"))
            )
        });
        let over_count = self.over_count.first().map(|first| {
            format!(
                "{} more files were not attached: a mail carries at most {} attachments \
                 (the first left out: {})",
                self.over_count.len(),
                self.max_files,
                untrusted::path(first)
            )
        });
        left_out
            .chain(refused)
            .chain(unmatched)
            .chain(over_count)
            .collect()
    }
}

/// Why attachments could not be collected.
#[derive(Debug, thiserror::Error)]
pub enum AttachError {
    /// A plain path (no glob characters) that does not exist.
    #[error("{}: no such file to attach; check the {{attach}} path", untrusted::path(.0))]
    Missing(PathBuf),
    /// A plain path that exists but is no regular file: a directory, a FIFO, a device.
    #[error(
        "{}: is {kind}, not a regular file; {{attach}} takes files, or globs such as `dir/**/*`",
        untrusted::path(path)
    )]
    NotAFile {
        /// The path as given.
        path: PathBuf,
        /// What it is, with its article: "a directory", "a named pipe (FIFO)".
        kind: &'static str,
    },
    /// A file that exists but could not be read.
    #[error("reading {} to attach it", untrusted::path(path))]
    Read {
        /// The file.
        path: PathBuf,
        /// What the system said.
        #[source]
        source: io::Error,
    },
    /// A glob pattern that does not parse.
    #[error("{{attach}} {pattern:?} is not a valid glob: {source}")]
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
            AttachError::Missing(path)
            | AttachError::NotAFile { path, .. }
            | AttachError::Read { path, .. } => untrusted::path(path),
            AttachError::Pattern { pattern, .. } => pattern.clone(),
        }
    }
}

/// Collects attachments under one size cap, in the order they are added.
#[derive(Debug)]
pub struct Attacher {
    policy: SizePolicy,
    used_bytes: u64,
    /// The real paths of the directories files may come from.
    allowed: Vec<PathBuf>,
    collected: Collected,
}

/// Where the kernel shows processes, devices and itself as files: never attached, wherever they
/// are reached from (`/proc/self/environ` holds the SMTP password).
const SPECIAL_FILE_SYSTEMS: [&str; 3] = ["/proc", "/sys", "/dev"];

impl Attacher {
    /// An empty collection under `policy`, from no directory yet: see [`Attacher::allow`].
    pub fn new(policy: SizePolicy) -> Self {
        Attacher {
            policy,
            used_bytes: 0,
            allowed: Vec::new(),
            collected: Collected {
                max_files: policy.max_files,
                ..Collected::default()
            },
        }
    }

    /// Allows files whose real path is under `dir` (the working directory, or one the user
    /// named). A directory that does not exist allows nothing.
    pub fn allow(mut self, dir: &Path) -> Self {
        if let Ok(real) = std::fs::canonicalize(dir) {
            self.allowed.push(real);
        }
        self
    }

    /// Adds a path or a glob (`reports/**/*.xml`), relative patterns taken from `base`.
    /// `*` stays within a directory, `**` crosses directories.
    ///
    /// ```
    /// use buildmail_core::compose::attach::{Attacher, SizePolicy};
    /// let dir = std::env::temp_dir();
    /// let mut attacher = Attacher::new(SizePolicy::default()).allow(&dir);
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
            self.add_matched(&file)?;
        }
        Ok(())
    }

    /// A file a glob matched: a link to a directory or to nothing is refused with a note, as a
    /// glob's user did not name it (a path the user names is an error instead).
    fn add_matched(&mut self, path: &Path) -> Result<(), AttachError> {
        let why = match self.add_file(path) {
            Err(AttachError::NotAFile { kind, .. }) => format!("it leads to {kind}"),
            Err(AttachError::Missing(_)) => "it is a link that leads nowhere".to_owned(),
            other => return other,
        };
        self.collected.refused.push(Refused {
            path: path.to_owned(),
            why,
        });
        Ok(())
    }

    /// Adds one file as it is: a missing path or one that is no regular file is an error; a
    /// file outside the allowed directories is refused with a note.
    pub fn add_file(&mut self, path: &Path) -> Result<(), AttachError> {
        let Some(real) = self.admit(path)? else {
            return Ok(());
        };
        let size = file_size(&real)?;
        if !self.has_room(path, size) {
            return Ok(());
        }
        let body = read_at_most(&real, size)?;
        self.push(path, file_name(path), content_type(path), body);
        Ok(())
    }

    /// Adds a build log, gzip-compressed when larger than the policy's threshold. Compression
    /// streams from the file, so a large log is never held in memory uncompressed.
    pub fn add_log(&mut self, path: &Path) -> Result<(), AttachError> {
        let Some(real) = self.admit(path)? else {
            return Ok(());
        };
        let size = file_size(&real)?;
        if size <= self.policy.gzip_over_bytes {
            return self.add_file(path);
        }
        let compressed = gzip_file(&real)?;
        if !self.has_room(path, compressed.len() as u64) {
            return Ok(());
        }
        let name = format!("{}.gz", file_name(path));
        self.push(path, name, "application/gzip".to_owned(), compressed);
        Ok(())
    }

    /// The real path of a file that may be attached; `None` (and a note) for one that may not.
    fn admit(&mut self, path: &Path) -> Result<Option<PathBuf>, AttachError> {
        if self.collected.attachments.len() >= self.policy.max_files {
            self.collected.over_count.push(path.to_owned());
            return Ok(None);
        }
        let real = std::fs::canonicalize(path).map_err(|source| match source.kind() {
            io::ErrorKind::NotFound => AttachError::Missing(path.to_owned()),
            _ => AttachError::Read {
                path: path.to_owned(),
                source,
            },
        })?;
        let linked = real != path;
        let refuse = |why: String| Refused {
            path: path.to_owned(),
            why,
        };
        let special = SPECIAL_FILE_SYSTEMS
            .iter()
            .find(|dir| real.starts_with(dir));
        if let Some(dir) = special {
            let why = format!(
                "{} is under {dir}, which holds processes and devices, not build files",
                untrusted::path(&real)
            );
            self.collected.refused.push(refuse(why));
            return Ok(None);
        }
        if !self.allowed.iter().any(|dir| real.starts_with(dir)) {
            let how = if linked { "it resolves to" } else { "it is" };
            let why = format!(
                "{how} {}, outside the working directory; attach files from under it, or name \
                 another directory with {{allow_attach_from}}",
                untrusted::path(&real)
            );
            self.collected.refused.push(refuse(why));
            return Ok(None);
        }
        match regular_file_kind(&real)? {
            None => Ok(Some(real)),
            Some(kind) => Err(AttachError::NotAFile {
                path: path.to_owned(),
                kind,
            }),
        }
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

/// The files a path or glob names under `base`, sorted: a path that does not exist names
/// none. Front ends use it for inputs that are lists of globs besides attachments (the Action's
/// `scan_logs`); links are matched, not followed, so check a file before reading it.
///
/// ```
/// use buildmail_core::compose::attach::paths_matching;
/// let dir = std::env::temp_dir().join("buildmail-doc-paths-matching");
/// std::fs::create_dir_all(dir.join("logs"))?;
/// std::fs::write(dir.join("logs/a.log"), "")?;
/// assert_eq!(paths_matching("logs/*.log", &dir)?, [dir.join("logs/a.log")]);
/// assert!(paths_matching("logs/none.log", &dir)?.is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn paths_matching(pattern: &str, base: &Path) -> Result<Vec<PathBuf>, AttachError> {
    if is_glob(pattern) {
        return expand_glob(pattern, base);
    }
    let path = base.join(pattern);
    Ok(if path.exists() { vec![path] } else { vec![] })
}

pub(crate) fn is_glob(pattern: &str) -> bool {
    pattern.contains(['*', '?', '[', '{'])
}

/// The files a glob matches, sorted by path. The walk starts at the pattern's literal prefix
/// (`reports/` in `reports/**/*.xml`) and does not follow symbolic links.
pub(crate) fn expand_glob(pattern: &str, base: &Path) -> Result<Vec<PathBuf>, AttachError> {
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
        // Links are matched, not followed: where they lead is checked before anything is read.
        .filter(|entry| entry.file_type().is_file() || entry.path_is_symlink())
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
        Ok(meta) => Ok(meta.len()),
        Err(error) if error.kind() == io::ErrorKind::NotFound => {
            Err(AttachError::Missing(path.to_owned()))
        }
        Err(source) => Err(AttachError::Read {
            path: path.to_owned(),
            source,
        }),
    }
}

/// `None` for a regular file, otherwise what the path is, for the message.
fn regular_file_kind(path: &Path) -> Result<Option<&'static str>, AttachError> {
    let meta = std::fs::metadata(path).map_err(|source| AttachError::Read {
        path: path.to_owned(),
        source,
    })?;
    Ok(file_kind(&meta.file_type()))
}

/// What a file type is, in words, or `None` for a regular file.
pub fn file_kind(file_type: &std::fs::FileType) -> Option<&'static str> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt as _;
        if file_type.is_fifo() {
            return Some("a named pipe (FIFO)");
        }
        if file_type.is_block_device() || file_type.is_char_device() {
            return Some("a device");
        }
        if file_type.is_socket() {
            return Some("a socket");
        }
    }
    if file_type.is_dir() {
        Some("a directory")
    } else if file_type.is_file() {
        None
    } else {
        Some("not a regular file")
    }
}

/// The file's bytes, never more than the `size` it had when it was measured (a file that grows
/// meanwhile cannot take the total over the cap).
fn read_at_most(path: &Path, size: u64) -> Result<Vec<u8>, AttachError> {
    let mut body = Vec::new();
    File::open(path)
        .and_then(|file| file.take(size).read_to_end(&mut body))
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
        let mut attacher = Attacher::new(SizePolicy::default()).allow(dir.path());
        attacher
            .add_pattern("reports/*.xml", dir.path())
            .expect("attach");
        assert_eq!(names(&attacher.finish()), ["a.xml", "b.xml"]);

        let mut attacher = Attacher::new(SizePolicy::default()).allow(dir.path());
        attacher
            .add_pattern("reports/**/*.xml", dir.path())
            .expect("attach");
        assert_eq!(names(&attacher.finish()), ["a.xml", "b.xml", "c.xml"]);
    }

    #[test]
    fn a_missing_plain_path_is_an_error_naming_it() {
        let dir = tree();
        let mut attacher = Attacher::new(SizePolicy::default()).allow(dir.path());
        let error = attacher
            .add_pattern("reports/none.xml", dir.path())
            .expect_err("missing file");
        assert!(error.to_string().contains("none.xml"), "{error}");
    }

    #[test]
    fn a_glob_matching_nothing_is_a_note() {
        let dir = tree();
        let mut attacher = Attacher::new(SizePolicy::default()).allow(dir.path());
        attacher.add_pattern("*.pdf", dir.path()).expect("attach");
        let collected = attacher.finish();
        assert!(collected.attachments.is_empty());
        assert_eq!(collected.notes(), ["{attach} \"*.pdf\" matched no file"]);
    }

    #[test]
    fn the_file_over_the_cap_is_left_out_and_named_and_later_ones_still_fit() {
        let dir = tree();
        let policy = SizePolicy {
            max_total_bytes: 35,
            gzip_over_bytes: 1 << 20,
            max_files: 100,
        };
        let mut attacher = Attacher::new(policy).allow(dir.path());
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
            max_files: 100,
        };
        let mut attacher = Attacher::new(policy).allow(dir.path());
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
        let mut attacher = Attacher::new(SizePolicy::default()).allow(dir.path());
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

    #[cfg(unix)]
    #[test]
    fn a_link_out_of_the_workspace_is_refused_with_a_note() {
        let dir = tree();
        std::os::unix::fs::symlink("/proc/self/environ", dir.path().join("reports/junit.xml"))
            .expect("symlink");
        let mut attacher = Attacher::new(SizePolicy::default()).allow(dir.path());
        attacher
            .add_pattern("reports/*.xml", dir.path())
            .expect("attach");
        attacher
            .add_pattern("reports/junit.xml", dir.path())
            .expect("attach");
        let collected = attacher.finish();
        assert_eq!(names(&collected), ["a.xml", "b.xml"]);
        let notes = collected.notes();
        assert_eq!(notes.len(), 2, "{notes:?}");
        assert!(notes[0].contains("junit.xml was not attached"), "{notes:?}");
        assert!(notes[0].contains("/proc"), "{notes:?}");
    }

    #[cfg(unix)]
    #[test]
    fn a_linked_directory_at_the_start_of_a_glob_is_not_followed_out() {
        let dir = tree();
        let outside = tree();
        std::os::unix::fs::symlink(outside.path().join("reports"), dir.path().join("linked"))
            .expect("symlink");
        let mut attacher = Attacher::new(SizePolicy::default()).allow(dir.path());
        attacher
            .add_pattern("linked/*.xml", dir.path())
            .expect("attach");
        let collected = attacher.finish();
        assert!(collected.attachments.is_empty());
        assert_eq!(collected.refused.len(), 2, "{:?}", collected.notes());
        assert!(collected.notes()[0].contains("outside the working directory"));
    }

    #[cfg(unix)]
    #[test]
    fn a_glob_matching_a_dangling_link_or_a_linked_directory_notes_it_and_goes_on() {
        let dir = tree();
        std::os::unix::fs::symlink("nowhere.xml", dir.path().join("reports/gone.xml"))
            .expect("symlink");
        std::os::unix::fs::symlink("deep", dir.path().join("reports/linked.xml")).expect("symlink");
        let mut attacher = Attacher::new(SizePolicy::default()).allow(dir.path());
        attacher
            .add_pattern("reports/*.xml", dir.path())
            .expect("attach");
        let collected = attacher.finish();
        assert_eq!(names(&collected), ["a.xml", "b.xml"]);
        let notes = collected.notes();
        assert!(notes[0].contains("gone.xml was not attached: it is a link that leads nowhere"));
        assert!(notes[1].contains("linked.xml was not attached: it leads to a directory"));
    }

    #[test]
    fn a_directory_given_as_a_file_is_named_as_a_directory() {
        let dir = tree();
        let mut attacher = Attacher::new(SizePolicy::default()).allow(dir.path());
        let error = attacher
            .add_pattern("reports", dir.path())
            .expect_err("a directory");
        assert!(error.to_string().contains("is a directory"), "{error}");
    }

    #[test]
    fn files_over_the_count_cap_are_left_out_with_one_note() {
        let dir = tree();
        let policy = SizePolicy {
            max_files: 2,
            ..SizePolicy::default()
        };
        let mut attacher = Attacher::new(policy).allow(dir.path());
        attacher
            .add_pattern("reports/**/*", dir.path())
            .expect("attach");
        let collected = attacher.finish();
        assert_eq!(names(&collected), ["a.xml", "b.xml"]);
        let notes = collected.notes();
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert!(
            notes[0].starts_with("2 more files were not attached: a mail carries at most 2"),
            "{notes:?}"
        );
    }

    #[test]
    fn file_names_in_notes_are_escaped() {
        let dir = tree();
        let policy = SizePolicy {
            max_total_bytes: 1,
            ..SizePolicy::default()
        };
        let name = "big\n::error title=pwned::x\u{202e}.xml";
        std::fs::write(dir.path().join(name), "xx").expect("write");
        let mut attacher = Attacher::new(policy).allow(dir.path());
        attacher.add_pattern("*.xml", dir.path()).expect("attach");
        let notes = attacher.finish().notes();
        assert!(
            notes[0].contains("big\\n\\u{3a}:error title=pwned::x\\u{202e}.xml"),
            "{notes:?}"
        );
    }
}
