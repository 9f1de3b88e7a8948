//! Workflow commands on stdout: annotations within the runner's limit, masks, plain lines of
//! untrusted text, and raw dumps between `::stop-commands::` and its resume.

use std::io::{self, Write};

use super::escape;

/// The runner shows at most this many annotations of one level per step; the rest vanish.
pub const ANNOTATIONS_PER_LEVEL: usize = 10;

/// An annotation's level, the command that makes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Level {
    /// `::error`: red, and counted as a failure annotation.
    Error,
    /// `::warning`: yellow.
    Warning,
    /// `::notice`: blue, informational.
    Notice,
}

impl Level {
    /// The command's name.
    pub fn command(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warning => "warning",
            Level::Notice => "notice",
        }
    }

    fn plural(self) -> &'static str {
        match self {
            Level::Error => "errors",
            Level::Warning => "warnings",
            Level::Notice => "notices",
        }
    }
}

/// One annotation: every text in it may be untrusted; it is escaped when printed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Annotation {
    /// Its level.
    pub level: Level,
    /// The bold first line in the UI.
    pub title: Option<String>,
    /// The file it points at, relative to the workspace.
    pub file: Option<String>,
    /// The line in `file`.
    pub line: Option<u32>,
    /// What it says.
    pub message: String,
}

impl Annotation {
    /// An annotation with a title and a message.
    pub fn new(level: Level, title: impl Into<String>, message: impl Into<String>) -> Self {
        Annotation {
            level,
            title: Some(title.into()),
            file: None,
            line: None,
            message: message.into(),
        }
    }

    /// The same annotation, pointing at a file and line.
    pub fn at(mut self, file: impl Into<String>, line: Option<u32>) -> Self {
        self.file = Some(file.into());
        self.line = line;
        self
    }

    /// The command line, escaped per the toolkit's rules.
    pub fn to_command(&self) -> String {
        let mut properties = Vec::new();
        if let Some(title) = &self.title {
            properties.push(format!("title={}", escape::property(title)));
        }
        if let Some(file) = &self.file {
            properties.push(format!("file={}", escape::property(file)));
        }
        if let Some(line) = self.line {
            properties.push(format!("line={line}"));
        }
        let properties = match properties.is_empty() {
            true => String::new(),
            false => format!(" {}", properties.join(",")),
        };
        let message = escape::data(&self.message);
        format!("::{}{properties}::{message}", self.level.command())
    }
}

/// The annotations of one step, collected so the runner's limit can be met with a count of
/// what did not fit rather than a silent cut.
#[derive(Debug, Default)]
pub struct Annotations {
    all: Vec<Annotation>,
}

impl Annotations {
    /// Adds one.
    pub fn push(&mut self, annotation: Annotation) {
        self.all.push(annotation);
    }

    /// All of them, the ones that will not be shown included (for the job summary).
    pub fn all(&self) -> &[Annotation] {
        &self.all
    }

    /// What the runner will show: per level the first ten, or the first nine and one saying how
    /// many more the job summary lists.
    pub fn shown(&self) -> Vec<Annotation> {
        let mut shown = Vec::new();
        for level in [Level::Error, Level::Warning, Level::Notice] {
            let of_level: Vec<_> = self.all.iter().filter(|a| a.level == level).collect();
            if of_level.len() <= ANNOTATIONS_PER_LEVEL {
                shown.extend(of_level.into_iter().cloned());
                continue;
            }
            let kept = ANNOTATIONS_PER_LEVEL - 1;
            shown.extend(of_level[..kept].iter().copied().cloned());
            let more = of_level.len() - kept;
            shown.push(Annotation::new(
                level,
                format!("{more} more {}", level.plural()),
                format!(
                    "GitHub shows {ANNOTATIONS_PER_LEVEL} {} per step; the other {more} are in the job summary",
                    level.plural()
                ),
            ));
        }
        shown
    }
}

/// The runner's stdout: every line the binary prints goes through here.
pub struct Commands<W: Write> {
    out: W,
}

impl<W: Write> Commands<W> {
    /// Commands written to `out` (stdout in the binary, a buffer in tests).
    pub fn new(out: W) -> Self {
        Commands { out }
    }

    /// The writer back (tests read what was printed).
    pub fn into_inner(self) -> W {
        self.out
    }

    /// Masks a secret in every later line of the job's log; call before printing anything else.
    /// Each line of a multi-line secret is masked on its own, as the runner matches per line.
    pub fn mask(&mut self, secret: &str) -> io::Result<()> {
        for part in secret.split(['\r', '\n']).filter(|p| !p.trim().is_empty()) {
            writeln!(self.out, "::add-mask::{}", escape::data(part))?;
        }
        Ok(())
    }

    /// Prints the annotations the runner will show (see [`Annotations::shown`]).
    pub fn annotate(&mut self, annotations: &Annotations) -> io::Result<()> {
        for annotation in annotations.shown() {
            writeln!(self.out, "{}", annotation.to_command())?;
        }
        Ok(())
    }

    /// Prints untrusted text as one log line that can start no command (see [`escape::line`]).
    pub fn line(&mut self, text: &str) -> io::Result<()> {
        writeln!(self.out, "{}", escape::line(text))
    }

    /// Prints untrusted multi-line text as it is, between `::stop-commands::<token>` and its
    /// resume, so the runner ignores any command in it. Each line is still escaped as by
    /// [`escape::line`] (which leaves ordinary text alone), so even a runner that ignored the
    /// stop would see no command; a CRLF ends a line like LF.
    pub fn dump(&mut self, text: &str) -> io::Result<()> {
        let token = escape::random_token();
        writeln!(self.out, "::stop-commands::{token}")?;
        let mut lines = text.split('\n').peekable();
        while let Some(line) = lines.next() {
            let ended_by_crlf = lines.peek().is_some() && line.ends_with('\r');
            let line = if ended_by_crlf {
                &line[..line.len() - 1]
            } else {
                line
            };
            writeln!(self.out, "{}", escape::line(line))?;
        }
        writeln!(self.out, "::{token}::")
    }

    /// Opens a collapsed group in the log; the title may be untrusted.
    pub fn group(&mut self, title: &str) -> io::Result<()> {
        writeln!(self.out, "::group::{}", escape::data(title))
    }

    /// Closes the group [`Commands::group`] opened.
    pub fn end_group(&mut self) -> io::Result<()> {
        writeln!(self.out, "::endgroup::")
    }

    /// Flushes stdout.
    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn printed(f: impl FnOnce(&mut Commands<Vec<u8>>)) -> String {
        let mut commands = Commands::new(Vec::new());
        f(&mut commands);
        String::from_utf8(commands.into_inner()).unwrap()
    }

    #[test]
    fn an_annotation_escapes_its_properties_and_message() {
        let annotation = Annotation::new(
            Level::Error,
            "550 5.7.1: denied, sorry",
            "line 1\nline 2 100%",
        )
        .at("logs/a,b:c.log", Some(12));
        assert_eq!(
            annotation.to_command(),
            "::error title=550 5.7.1%3A denied%2C sorry,file=logs/a%2Cb%3Ac.log,line=12::line 1%0Aline 2 100%25"
        );
    }

    #[test]
    fn an_annotation_without_properties_has_none() {
        let annotation = Annotation {
            level: Level::Notice,
            title: None,
            file: None,
            line: None,
            message: "hi".into(),
        };
        assert_eq!(annotation.to_command(), "::notice::hi");
    }

    #[test]
    fn up_to_ten_per_level_are_shown_as_they_are() {
        let mut annotations = Annotations::default();
        for n in 0..10 {
            annotations.push(Annotation::new(Level::Error, format!("e{n}"), "x"));
        }
        annotations.push(Annotation::new(Level::Warning, "w", "x"));
        assert_eq!(annotations.shown(), annotations.all());
    }

    #[test]
    fn past_ten_the_tenth_counts_the_rest_in_the_job_summary() {
        let mut annotations = Annotations::default();
        for n in 0..25 {
            annotations.push(Annotation::new(Level::Warning, format!("w{n}"), "x"));
        }
        annotations.push(Annotation::new(Level::Error, "e", "x"));
        let shown = annotations.shown();
        let warnings: Vec<_> = shown.iter().filter(|a| a.level == Level::Warning).collect();
        assert_eq!(warnings.len(), ANNOTATIONS_PER_LEVEL);
        assert_eq!(warnings[8].title.as_deref(), Some("w8"));
        assert_eq!(warnings[9].title.as_deref(), Some("16 more warnings"));
        assert!(warnings[9].message.contains("in the job summary"));
        assert_eq!(shown.iter().filter(|a| a.level == Level::Error).count(), 1);
    }

    #[test]
    fn a_group_is_closed_by_an_endgroup() {
        let out = printed(|c| {
            c.group("Delivery").unwrap();
            c.line("250 ok").unwrap();
            c.end_group().unwrap();
        });
        assert_eq!(out, "::group::Delivery\n250 ok\n::endgroup::\n");
    }

    #[test]
    fn a_mask_covers_each_line_of_a_secret() {
        let out = printed(|c| c.mask("pa%ss\nword2\r\n").unwrap());
        assert_eq!(out, "::add-mask::pa%25ss\n::add-mask::word2\n");
    }

    #[test]
    fn a_dump_is_between_a_random_stop_and_its_resume() {
        let out = printed(|c| c.dump("250 ok\r\n::error::x\n##[group]y").unwrap());
        let lines: Vec<_> = out.lines().collect();
        let token = lines[0].strip_prefix("::stop-commands::").unwrap();
        assert_eq!(token.len(), 32);
        assert_eq!(lines[1..4], ["250 ok", "%3A:error::x", "##%5Bgroup]y"]);
        assert_eq!(lines[4], format!("::{token}::"));
    }
}
