//! The notification templates: minijinja, the built-in ones compiled into the binary, each
//! replaceable. The HTML one is autoescaped; an error names the template and its line.
//!
//! A template is code that runs: every render has a fuel budget (minijinja counts the steps and
//! the memory it takes) and an output limit, so a loop without end fails fast with an error
//! naming the template instead of filling the memory.

use minijinja::{AutoEscape, Environment, UndefinedBehavior};
use serde::Serialize;

const SUBJECT: &str = include_str!("templates/subject.j2");
const TEXT: &str = include_str!("templates/text.j2");
const HTML: &str = include_str!("templates/html.j2");

/// The steps (and, at about 64 bytes each, the memory) one render may take: the built-in
/// templates take a few thousand with 50 log lines and 100 failed tests.
const FUEL: u64 = 2_000_000;
/// The most bytes a body template may produce; a subject gets [`MAX_SUBJECT_BYTES`].
const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;
/// The most bytes a subject template may produce (RFC 5322 lines are at most 998 octets).
const MAX_SUBJECT_BYTES: usize = 4 * 1024;

/// The three templates of a notification, with the names errors use for them.
#[derive(Debug, Clone)]
pub struct Templates {
    subject: Subject,
    text: Source,
    html: Source,
}

/// The subject: a template, or plain text given as it is (`notify --subject`).
#[derive(Debug, Clone)]
enum Subject {
    Template(Source),
    Plain(String),
}

#[derive(Debug, Clone)]
struct Source {
    name: String,
    text: String,
}

impl Default for Templates {
    fn default() -> Self {
        Templates::builtin()
    }
}

impl Templates {
    /// The built-in templates.
    pub fn builtin() -> Self {
        let source = |name: &str, text: &str| Source {
            name: format!("built-in {name} template"),
            text: text.to_owned(),
        };
        Templates {
            subject: Subject::Template(source("subject", SUBJECT)),
            text: source("text", TEXT),
            html: source("HTML", HTML),
        }
    }

    /// Replaces the subject template (one line; line breaks become spaces).
    pub fn with_subject(mut self, name: impl Into<String>, text: impl Into<String>) -> Self {
        self.subject = Subject::Template(Source {
            name: name.into(),
            text: text.into(),
        });
        self
    }

    /// Replaces the subject with plain text, shown as it is: `{{` in it is no template.
    pub fn with_plain_subject(mut self, text: impl Into<String>) -> Self {
        self.subject = Subject::Plain(text.into());
        self
    }

    /// Replaces the plain-text template; `name` (usually the file path) is used in errors.
    pub fn with_text(mut self, name: impl Into<String>, text: impl Into<String>) -> Self {
        self.text = Source {
            name: name.into(),
            text: text.into(),
        };
        self
    }

    /// Replaces the HTML template; values are HTML-escaped unless marked `|safe`.
    pub fn with_html(mut self, name: impl Into<String>, text: impl Into<String>) -> Self {
        self.html = Source {
            name: name.into(),
            text: text.into(),
        };
        self
    }

    /// Renders the subject, then the text and HTML bodies (which can show the subject).
    pub(super) fn render<C: Serialize>(&self, context: &C) -> Result<[String; 3], TemplateError> {
        let env = self.environment()?;
        let render = |source: &Source, extra: Option<&str>, limit: usize| {
            let template = env
                .get_template(&source.name)
                .map_err(|e| TemplateError::new(source, &e))?;
            let ctx = minijinja::context! { subject => extra, ..minijinja::Value::from(minijinja::value::Serde(context)) };
            let mut out = Capped::new(limit);
            template
                .render_captured_to(ctx, &mut out)
                .map_err(|e| TemplateError::new(source, &e))?;
            Ok(String::from_utf8_lossy(&out.bytes).into_owned())
        };
        let subject = match &self.subject {
            Subject::Template(source) => render(source, None, MAX_SUBJECT_BYTES)?,
            Subject::Plain(text) => text.clone(),
        };
        let subject = crate::compose::header_text(&subject);
        let text = render(&self.text, Some(&subject), MAX_BODY_BYTES)?;
        let html = render(&self.html, Some(&subject), MAX_BODY_BYTES)?;
        Ok([subject, text, html])
    }

    fn environment(&self) -> Result<Environment<'static>, TemplateError> {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::SemiStrict);
        env.set_fuel(Some(FUEL));
        env.set_syntax(
            minijinja::syntax::SyntaxConfig::builder()
                .trim_blocks(true)
                .lstrip_blocks(true)
                .keep_trailing_newline(true)
                .build()
                .expect("the default delimiters are valid"),
        );
        let html_name = self.html.name.clone();
        env.set_auto_escape_callback(move |name| {
            if name == html_name {
                AutoEscape::Html
            } else {
                AutoEscape::None
            }
        });
        env.add_filter("ellipsize", ellipsize);
        let subject = match &self.subject {
            Subject::Template(source) => Some(source),
            Subject::Plain(_) => None,
        };
        for source in subject.into_iter().chain([&self.text, &self.html]) {
            env.add_template_owned(source.name.clone(), source.text.clone())
                .map_err(|e| TemplateError::new(source, &e))?;
        }
        Ok(env)
    }
}

/// A writer that takes at most `limit` bytes and fails after, which ends the render.
struct Capped {
    bytes: Vec<u8>,
    limit: usize,
}

impl Capped {
    fn new(limit: usize) -> Self {
        Capped {
            bytes: Vec::new(),
            limit,
        }
    }
}

impl std::io::Write for Capped {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.bytes.len() + buf.len() > self.limit {
            return Err(std::io::Error::other(format!(
                "its output is over {} KiB",
                self.limit / 1024
            )));
        }
        self.bytes.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Shortens text to `width` characters, ending with `…` when cut.
fn ellipsize(text: String, width: usize) -> String {
    if text.chars().count() <= width {
        return text;
    }
    let mut short: String = text.chars().take(width.saturating_sub(1)).collect();
    short.push('…');
    short
}

/// A template that does not parse or does not render.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{template}{}: {detail}", line.map(|n| format!(" line {n}")).unwrap_or_default())]
pub struct TemplateError {
    /// The template: its file path, or `built-in text template`.
    pub template: String,
    /// The line of the template at fault, when minijinja knows it.
    pub line: Option<usize>,
    /// What is wrong.
    pub detail: String,
}

impl TemplateError {
    fn new(source: &Source, error: &minijinja::Error) -> Self {
        use std::error::Error as _;
        let detail = match (error.kind(), error.detail()) {
            (minijinja::ErrorKind::OutOfFuel, _) => format!(
                "the template does too much work (a loop without end?): it used up its budget \
                 of {FUEL} steps"
            ),
            (minijinja::ErrorKind::WriteFailure, _) => match error.source() {
                Some(cause) => format!("the template stopped: {cause}"),
                None => "the template's output could not be kept".to_owned(),
            },
            (kind, Some(detail)) => format!("{kind}: {detail}"),
            (kind, None) => kind.to_string(),
        };
        TemplateError {
            template: source.name.clone(),
            line: error.line(),
            detail,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Ctx {
        project: &'static str,
        commit: &'static str,
    }

    fn only(text: &str) -> Templates {
        Templates::builtin()
            .with_subject("s", "{{ project }}")
            .with_text("t", text)
            .with_html("h", "")
    }

    const CTX: Ctx = Ctx {
        project: "shop",
        commit: "<b>x</b>",
    };

    #[test]
    fn a_syntax_error_names_the_file_and_line() {
        let templates = only("ok\nok\n{{ project | }}\nmore\n");
        let error = templates.render(&CTX).expect_err("a filter without a name");
        assert_eq!(error.template, "t");
        assert_eq!(error.line, Some(3), "{error}");
        assert!(
            error.to_string().starts_with("t line 3: syntax error"),
            "{error}"
        );
    }

    #[test]
    fn printing_an_unknown_variable_names_the_line() {
        let templates = only("line one\n{{ projcet }}\n");
        let error = templates.render(&CTX).expect_err("typo");
        assert_eq!(error.line, Some(2), "{error}");
        assert!(
            error.to_string().contains("t line 2: undefined value"),
            "{error}"
        );
    }

    #[test]
    fn html_is_escaped_and_text_is_not() {
        let templates = Templates::builtin()
            .with_subject("s", "{{ project }}")
            .with_text("t", "{{ commit }}")
            .with_html("h", "<p>{{ commit }}</p>");
        let [_, text, html] = templates.render(&CTX).expect("renders");
        assert_eq!(text, "<b>x</b>");
        assert_eq!(html, "<p>&lt;b&gt;x&lt;&#x2f;b&gt;</p>");
    }

    #[test]
    fn the_subject_is_one_line() {
        let templates = only("").with_subject("s", "{{ project }}\nBcc: x@example.com");
        let [subject, _, _] = templates.render(&CTX).expect("renders");
        assert_eq!(subject, "shop Bcc: x@example.com");
    }

    #[test]
    fn a_template_that_loops_without_end_fails_fast_naming_the_template() {
        let templates = only("").with_subject(
            "--subject-template",
            "{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}",
        );
        let error = templates.render(&CTX).expect_err("runs away");
        assert_eq!(error.template, "--subject-template");
        assert!(error.to_string().contains("--subject-template"), "{error}");
        assert!(error.to_string().contains("too much work"), "{error}");
    }

    #[test]
    fn a_body_template_that_grows_without_end_is_stopped() {
        let templates = only("{% set s = 'x' * 1000000 %}{{ s }}{{ s }}{{ s }}{{ s }}{{ s }}");
        let error = templates.render(&CTX).expect_err("too large");
        assert_eq!(error.template, "t");
        assert!(error.to_string().contains("over 4096 KiB"), "{error}");
    }

    #[test]
    fn a_plain_subject_is_no_template() {
        let templates = only("").with_plain_subject("{{ project }} {% raw %}");
        let [subject, _, _] = templates.render(&CTX).expect("renders");
        assert_eq!(subject, "{{ project }} {% raw %}");
    }

    #[test]
    fn ellipsize_cuts_long_text() {
        assert_eq!(ellipsize("feature/very-long".into(), 8), "feature…");
        assert_eq!(ellipsize("main".into(), 8), "main");
    }
}
