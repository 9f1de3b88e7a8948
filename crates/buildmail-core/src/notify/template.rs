//! The notification templates: minijinja, the built-in ones compiled into the binary, each
//! replaceable. The HTML one is autoescaped; an error names the template and its line.

use minijinja::{AutoEscape, Environment, UndefinedBehavior};
use serde::Serialize;

const SUBJECT: &str = include_str!("templates/subject.j2");
const TEXT: &str = include_str!("templates/text.j2");
const HTML: &str = include_str!("templates/html.j2");

/// The three templates of a notification, with the names errors use for them.
#[derive(Debug, Clone)]
pub struct Templates {
    subject: Source,
    text: Source,
    html: Source,
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
            subject: source("subject", SUBJECT),
            text: source("text", TEXT),
            html: source("HTML", HTML),
        }
    }

    /// Replaces the subject template (one line; line breaks become spaces).
    pub fn with_subject(mut self, name: impl Into<String>, text: impl Into<String>) -> Self {
        self.subject = Source {
            name: name.into(),
            text: text.into(),
        };
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
        let render = |source: &Source, extra: Option<&str>| {
            let template = env
                .get_template(&source.name)
                .map_err(|e| TemplateError::new(source, &e))?;
            let ctx = minijinja::context! { subject => extra, ..minijinja::Value::from(minijinja::value::Serde(context)) };
            template
                .render(ctx)
                .map_err(|e| TemplateError::new(source, &e))
        };
        let subject = crate::compose::header_text(&render(&self.subject, None)?);
        let text = render(&self.text, Some(&subject))?;
        let html = render(&self.html, Some(&subject))?;
        Ok([subject, text, html])
    }

    fn environment(&self) -> Result<Environment<'static>, TemplateError> {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::SemiStrict);
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
        for source in [&self.subject, &self.text, &self.html] {
            env.add_template_owned(source.name.clone(), source.text.clone())
                .map_err(|e| TemplateError::new(source, &e))?;
        }
        Ok(env)
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
        let detail = match error.detail() {
            Some(detail) => format!("{}: {detail}", error.kind()),
            None => error.kind().to_string(),
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
    fn ellipsize_cuts_long_text() {
        assert_eq!(ellipsize("feature/very-long".into(), 8), "feature…");
        assert_eq!(ellipsize("main".into(), 8), "main");
    }
}
