//! Test results from JUnit XML reports (`notify --test-results`): the counts and the failed
//! tests a notification shows, like email-ext's `${TEST_COUNTS}` and `${FAILED_TESTS}`.
//!
//! One streaming reader (quick-xml) for every dialect in use: Maven Surefire and Gradle
//! (`<testsuite>` at the root), pytest, Jest (jest-junit), cargo-nextest and go-junit-report
//! (`<testsuites>` around them). Counts come from the `<testcase>` elements, not the suites'
//! attributes, which some tools leave out or count differently. A file is read once, with
//! constant memory: only the first [`MAX_FAILED_SHOWN`] failed tests and the first lines of
//! their messages are kept, and `<system-out>` is skipped. A file that cannot be read or parsed
//! is a warning, never a lost notification.

use std::io::BufRead;
use std::path::{Path, PathBuf};

use quick_xml::events::{BytesStart, Event};
use serde::Serialize;

/// How many failed tests a notification lists; the rest are counted ("and 113 more").
pub const MAX_FAILED_SHOWN: usize = 20;
/// How many lines of a failure's message are kept.
const MESSAGE_LINES: usize = 6;
/// How many characters of a failure's message are kept.
const MESSAGE_CHARS: usize = 800;
/// Text past this inside one element is not kept (a stack trace of megabytes).
const TEXT_BYTES: usize = 8 * 1024;
/// A report larger than this is not read: no test suite writes one, a wrong glob does.
const MAX_FILE_BYTES: u64 = 512 * 1024 * 1024;

/// What the reports say, all files together.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TestResults {
    /// Every test case.
    pub total: u64,
    /// The ones that passed.
    pub passed: u64,
    /// The ones with a `<failure>` (an assertion).
    pub failed: u64,
    /// The ones with an `<error>` (an exception outside an assertion).
    pub errored: u64,
    /// The ones with a `<skipped>`.
    pub skipped: u64,
    /// The time the reports give, in seconds, when they give one.
    pub duration: Option<f64>,
    /// The first [`MAX_FAILED_SHOWN`] failed or errored tests, in the order of the reports.
    pub failures: Vec<FailedTest>,
    /// How many more failed or errored tests there are than `failures` lists.
    pub more_failures: u64,
    /// How many report files were read.
    pub files: usize,
}

/// One test that failed or ended in an error.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FailedTest {
    /// The suite it ran in (`<testsuite name>`).
    pub suite: Option<String>,
    /// Its class or module (`classname`).
    pub class: Option<String>,
    /// Its name.
    pub name: String,
    /// `failure` or `error`.
    pub kind: FailureKind,
    /// The first lines of what went wrong: the `message` attribute, else the element's text.
    pub message: Vec<String>,
    /// The source file, when the report gives it (pytest, nextest).
    pub file: Option<String>,
    /// The line in that file.
    pub line: Option<u32>,
}

/// How a test went wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    /// An assertion failed (`<failure>`).
    Failure,
    /// The test ended in an error (`<error>`).
    Error,
}

impl FailedTest {
    /// The name people search for: `Class.test`, or the name alone when it already says the
    /// class (Jest repeats the describe block in both).
    pub fn full_name(&self) -> String {
        match self.class.as_deref().filter(|c| !c.is_empty()) {
            Some(class) if !self.name.starts_with(class) => format!("{class}.{}", self.name),
            _ => self.name.clone(),
        }
    }
}

impl TestResults {
    /// Tests that failed or ended in an error.
    pub fn broken(&self) -> u64 {
        self.failed + self.errored
    }

    /// One line: `120 tests: 114 passed, 3 failed, 1 errored, 2 skipped (12.3 s)`.
    pub fn summary(&self) -> String {
        let mut parts = vec![format!("{} passed", self.passed)];
        for (count, word) in [
            (self.failed, "failed"),
            (self.errored, "errored"),
            (self.skipped, "skipped"),
        ] {
            if count > 0 {
                parts.push(format!("{count} {word}"));
            }
        }
        let tests = plural(self.total, "test", "tests");
        let time = self
            .duration
            .map(|seconds| {
                if seconds < 1.0 {
                    format!(" ({:.0} ms)", seconds * 1000.0)
                } else {
                    format!(" ({seconds:.1} s)")
                }
            })
            .unwrap_or_default();
        format!("{} {tests}: {}{time}", self.total, parts.join(", "))
    }

    /// What a subject says about the tests, when any broke: `3 tests failed`.
    pub fn headline(&self) -> Option<String> {
        let broken = self.broken();
        (broken > 0).then(|| format!("{broken} {} failed", plural(broken, "test", "tests")))
    }

    /// The results of one report, read from `xml`.
    pub fn parse<R: BufRead>(xml: R) -> Result<TestResults, ReportError> {
        let mut results = TestResults::default();
        Parser::new(&mut results).run(quick_xml::Reader::from_reader(xml))?;
        results.files = 1;
        Ok(results)
    }

    fn record(&mut self, case: Case) {
        self.total += 1;
        match (case.broken, case.skipped) {
            (Some(FailureKind::Failure), _) => self.failed += 1,
            (Some(FailureKind::Error), _) => self.errored += 1,
            (None, true) => self.skipped += 1,
            (None, false) => self.passed += 1,
        }
        let Some(kind) = case.broken else {
            return;
        };
        if self.failures.len() >= MAX_FAILED_SHOWN {
            self.more_failures += 1;
            return;
        }
        self.failures.push(FailedTest {
            suite: case.suite,
            class: case.class,
            name: case.name,
            kind,
            message: first_lines(case.message.as_deref().unwrap_or(&case.text)),
            file: case.file,
            line: case.line,
        });
    }
}

fn plural(n: u64, one: &'static str, many: &'static str) -> &'static str {
    if n == 1 { one } else { many }
}

/// The first lines of a message, trimmed and capped, tabs as spaces and no control characters.
fn first_lines(text: &str) -> Vec<String> {
    let mut left = MESSAGE_CHARS;
    let mut lines = Vec::new();
    for line in text
        .lines()
        .map(str::trim_end)
        .skip_while(|l| l.trim().is_empty())
    {
        if lines.len() == MESSAGE_LINES || left == 0 {
            lines.push("…".to_owned());
            break;
        }
        let kept: String = line
            .replace('\t', "    ")
            .chars()
            .filter(|c| !c.is_control())
            .take(left)
            .collect();
        left -= kept.chars().count();
        lines.push(kept);
    }
    while lines.last().is_some_and(|l: &String| l.trim().is_empty()) {
        lines.pop();
    }
    lines
}

/// A test case being read.
#[derive(Default)]
struct Case {
    suite: Option<String>,
    class: Option<String>,
    name: String,
    file: Option<String>,
    line: Option<u32>,
    broken: Option<FailureKind>,
    skipped: bool,
    message: Option<String>,
    text: String,
}

/// Where the text being read goes.
#[derive(PartialEq, Eq)]
enum Collect {
    Nothing,
    Failure,
}

struct Parser<'a> {
    results: &'a mut TestResults,
    suites: Vec<Option<String>>,
    case: Option<Case>,
    collect: Collect,
    depth: usize,
    root_time: Option<f64>,
    suites_time: Option<f64>,
    case_time: f64,
}

impl<'a> Parser<'a> {
    fn new(results: &'a mut TestResults) -> Self {
        Parser {
            results,
            suites: Vec::new(),
            case: None,
            collect: Collect::Nothing,
            depth: 0,
            root_time: None,
            suites_time: None,
            case_time: 0.0,
        }
    }

    fn run<R: BufRead>(&mut self, mut reader: quick_xml::Reader<R>) -> Result<(), ReportError> {
        let mut buf = Vec::new();
        let mut seen_root = false;
        loop {
            match reader.read_event_into(&mut buf)? {
                Event::Eof => break,
                event => self.event(event, &mut seen_root)?,
            }
            buf.clear();
        }
        if !seen_root {
            return Err(ReportError::NotJunit);
        }
        if self.depth > 0 {
            return Err(ReportError::CutShort);
        }
        self.add_time();
        Ok(())
    }

    /// One event of the XML: an element opens or closes, or text comes (a failure's).
    fn event(&mut self, event: Event<'_>, seen_root: &mut bool) -> Result<(), ReportError> {
        match event {
            Event::Start(e) => {
                self.root_once(&e, seen_root)?;
                self.depth += 1;
                self.open(&e, false)?;
            }
            Event::Empty(e) => {
                self.root_once(&e, seen_root)?;
                self.open(&e, true)?;
            }
            Event::End(e) => {
                self.depth = self.depth.saturating_sub(1);
                self.close(e.local_name().as_ref());
            }
            Event::Text(t) => self.text(&t.decode()?),
            Event::CData(t) => self.text(&t.decode()?),
            Event::GeneralRef(r) => {
                if let Some(c) = r.resolve_char_ref()? {
                    self.text(c.encode_utf8(&mut [0; 4]));
                } else if let Some(text) =
                    quick_xml::escape::resolve_predefined_entity(&r.decode()?)
                {
                    self.text(text);
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// Checks the first element, the root.
    fn root_once(&mut self, e: &BytesStart<'_>, seen_root: &mut bool) -> Result<(), ReportError> {
        if self.depth == 0 {
            *seen_root = true;
            self.root(e)?;
        }
        Ok(())
    }

    /// The report's time: the root's own, else its suites' (pytest's `<testsuites>` has none),
    /// else the sum of the cases' (which leaves out setup).
    fn add_time(&mut self) {
        let time = self
            .root_time
            .or(self.suites_time)
            .unwrap_or(self.case_time);
        if time > 0.0 {
            *self.results.duration.get_or_insert(0.0) += time;
        }
    }

    /// The root must be `<testsuites>` or `<testsuite>`: anything else is not a JUnit report.
    fn root(&mut self, e: &BytesStart<'_>) -> Result<(), ReportError> {
        match e.local_name().as_ref() {
            b"testsuites" | b"testsuite" => {
                self.root_time = attribute(e, "time")?.and_then(|t| seconds(&t));
                Ok(())
            }
            _ => Err(ReportError::NotJunit),
        }
    }

    fn open(&mut self, e: &BytesStart<'_>, empty: bool) -> Result<(), ReportError> {
        match e.local_name().as_ref() {
            b"testsuite" => self.open_suite(e, empty)?,
            b"testcase" => self.open_case(e, empty)?,
            b"failure" => self.open_failure(e, empty, FailureKind::Failure)?,
            b"error" => self.open_failure(e, empty, FailureKind::Error)?,
            b"skipped" => {
                if let Some(case) = &mut self.case {
                    case.skipped = true;
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// A suite: its time counts when it is a child of the root; its name names its cases.
    fn open_suite(&mut self, e: &BytesStart<'_>, empty: bool) -> Result<(), ReportError> {
        if self.depth == 2 {
            let time = attribute(e, "time")?.and_then(|t| seconds(&t));
            if let Some(time) = time {
                *self.suites_time.get_or_insert(0.0) += time;
            }
        }
        if !empty {
            self.suites.push(attribute(e, "name")?);
        }
        Ok(())
    }

    /// A test case: recorded at once when empty (it passed), else when it closes.
    fn open_case(&mut self, e: &BytesStart<'_>, empty: bool) -> Result<(), ReportError> {
        let case = Case {
            suite: self.suites.iter().rev().flatten().next().cloned(),
            class: attribute(e, "classname")?,
            name: attribute(e, "name")?.unwrap_or_default(),
            file: attribute(e, "file")?,
            line: attribute(e, "line")?.and_then(|l| l.trim().parse().ok()),
            ..Case::default()
        };
        self.case_time += attribute(e, "time")?
            .and_then(|t| seconds(&t))
            .unwrap_or(0.0);
        if empty {
            self.results.record(case);
        } else {
            self.case = Some(case);
        }
        Ok(())
    }

    /// A case's first failure or error, with its message; its text follows unless it is empty.
    fn open_failure(
        &mut self,
        e: &BytesStart<'_>,
        empty: bool,
        kind: FailureKind,
    ) -> Result<(), ReportError> {
        let message = attribute(e, "message")?;
        if let Some(case) = &mut self.case
            && case.broken.is_none()
        {
            case.broken = Some(kind);
            case.message = message.filter(|m| !m.trim().is_empty());
            if !empty {
                self.collect = Collect::Failure;
            }
        }
        Ok(())
    }

    fn close(&mut self, name: &[u8]) {
        match name {
            b"testsuite" => {
                self.suites.pop();
            }
            b"testcase" => {
                if let Some(case) = self.case.take() {
                    self.results.record(case);
                }
            }
            b"failure" | b"error" => self.collect = Collect::Nothing,
            _ => {}
        }
    }

    fn text(&mut self, text: &str) {
        if self.collect != Collect::Failure {
            return;
        }
        if let Some(case) = &mut self.case
            && case.text.len() < TEXT_BYTES
        {
            case.text.push_str(text);
        }
    }
}

fn attribute(e: &BytesStart<'_>, name: &str) -> Result<Option<String>, ReportError> {
    match e.try_get_attribute(name)? {
        Some(value) => Ok(Some(value.unescape_value()?.into_owned())),
        None => Ok(None),
    }
}

fn seconds(text: &str) -> Option<f64> {
    // Some tools write `1,234.5` or `12.3s`.
    let cleaned: String = text.chars().filter(|c| *c != ',' && *c != 's').collect();
    cleaned
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|s| s.is_finite() && *s >= 0.0)
}

/// The results of every report the patterns match, and a warning for each that could not be
/// used.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Collected {
    /// The results; `None` when no report was read.
    pub results: Option<TestResults>,
    /// What was left aside, each naming the file or pattern and what was done instead.
    pub warnings: Vec<String>,
}

/// Reads every JUnit XML report that `patterns` (paths or globs, relative to `base`) match.
///
/// ```
/// use buildmail_core::testresults::collect;
/// let dir = std::env::temp_dir().join("buildmail-doc-junit");
/// std::fs::create_dir_all(&dir)?;
/// std::fs::write(dir.join("TEST-a.xml"), r#"<testsuite name="a">
///   <testcase classname="Cart" name="adds"/>
///   <testcase classname="Cart" name="totals"><failure message="expected 3, was 2"/></testcase>
/// </testsuite>"#)?;
/// let collected = collect(&["TEST-*.xml".to_owned()], &dir);
/// let results = collected.results.expect("one report");
/// assert_eq!(results.summary(), "2 tests: 1 passed, 1 failed");
/// assert_eq!(results.failures[0].full_name(), "Cart.totals");
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn collect(patterns: &[String], base: &Path) -> Collected {
    let mut collected = Collected::default();
    let mut results = TestResults::default();
    for pattern in patterns {
        match files(pattern, base) {
            Ok(files) if files.is_empty() => collected.warnings.push(format!(
                "the test results {} match no file; the notification goes without them",
                crate::untrusted::escaped(pattern)
            )),
            Ok(files) => {
                for file in files {
                    if let Err(warning) = read_file(&file, &mut results) {
                        collected.warnings.push(format!(
                            "reading the test results {}: {warning}; the notification goes \
                             without that file",
                            crate::untrusted::path(&file)
                        ));
                    }
                }
            }
            Err(error) => collected.warnings.push(format!(
                "the test results {}: {error}; the notification goes without them",
                crate::untrusted::escaped(pattern)
            )),
        }
    }
    if results.files > 0 {
        collected.results = Some(results);
    }
    collected
}

fn files(pattern: &str, base: &Path) -> Result<Vec<PathBuf>, String> {
    if crate::compose::attach::is_glob(pattern) {
        return crate::compose::attach::expand_glob(pattern, base).map_err(|e| e.to_string());
    }
    let path = base.join(pattern);
    Ok(if path.exists() {
        vec![path]
    } else {
        Vec::new()
    })
}

/// Reads one file into `results`, which it leaves as it was when the file is not a report.
fn read_file(path: &Path, results: &mut TestResults) -> Result<(), String> {
    let meta = std::fs::metadata(path).map_err(|e| e.to_string())?;
    if let Some(kind) = crate::compose::attach::file_kind(&meta.file_type()) {
        return Err(format!("it is {kind}, not a regular file"));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(format!(
            "it is {}, more than a test report can be ({})",
            crate::compose::attach::human_bytes(meta.len()),
            crate::compose::attach::human_bytes(MAX_FILE_BYTES)
        ));
    }
    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let one = TestResults::parse(std::io::BufReader::new(file)).map_err(|e| e.to_string())?;
    results.merge(one);
    Ok(())
}

/// Why a file is not a usable report. The messages quote nothing from the file.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// Not XML, or XML whose elements do not nest.
    #[error("it is not well-formed XML ({})", xml_problem(.0))]
    Xml(#[from] quick_xml::Error),
    /// Text that is not UTF-8.
    #[error("it is not UTF-8")]
    Encoding(#[from] quick_xml::encoding::EncodingError),
    /// XML, but its root is not `<testsuites>` or `<testsuite>`.
    #[error("it is not a JUnit report: its root element is not <testsuites> or <testsuite>")]
    NotJunit,
    /// The file ends inside an element: a run cut short while writing it.
    #[error("it ends before its elements close (a test run cut short?)")]
    CutShort,
}

impl From<quick_xml::events::attributes::AttrError> for ReportError {
    fn from(error: quick_xml::events::attributes::AttrError) -> Self {
        ReportError::Xml(error.into())
    }
}

/// The parser's complaint in general words: its own text can quote the file.
fn xml_problem(error: &quick_xml::Error) -> &'static str {
    match error {
        quick_xml::Error::Syntax(_) => "a syntax error",
        quick_xml::Error::IllFormed(_) => "elements that do not nest",
        quick_xml::Error::Io(_) => "a read error",
        quick_xml::Error::Encoding(_) => "text that is not UTF-8",
        quick_xml::Error::InvalidAttr(_) => "a malformed attribute",
        _ => "it does not parse",
    }
}

impl TestResults {
    fn merge(&mut self, other: TestResults) {
        self.total += other.total;
        self.passed += other.passed;
        self.failed += other.failed;
        self.errored += other.errored;
        self.skipped += other.skipped;
        if let Some(time) = other.duration {
            *self.duration.get_or_insert(0.0) += time;
        }
        for failure in other.failures {
            if self.failures.len() < MAX_FAILED_SHOWN {
                self.failures.push(failure);
            } else {
                self.more_failures += 1;
            }
        }
        self.more_failures += other.more_failures;
        self.files += other.files;
    }
}

#[cfg(test)]
mod tests;
