//! Markdown bodies rendered to HTML with pulldown-cmark. The Markdown is untrusted (a commit
//! message, a pull request body), so raw HTML in it is shown as text, never passed through, and
//! links with a script scheme lose their target.

use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, html};

/// Renders Markdown to an HTML fragment. Raw HTML is escaped; `javascript:`, `vbscript:` and
/// `data:` links point nowhere.
///
/// ```
/// let html = buildmail_core::compose::markdown::to_html("**build** <script>x</script>");
/// assert_eq!(html, "<p><strong>build</strong> &lt;script&gt;x&lt;/script&gt;</p>\n");
/// ```
pub fn to_html(markdown: &str) -> String {
    let options =
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    let events = Parser::new_ext(markdown, options).map(defuse);
    let mut out = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut out, events);
    out
}

/// Renders Markdown to a complete HTML document, ready to be a `text/html` part.
pub fn to_html_document(markdown: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width\"></head>\n\
         <body style=\"font-family: -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif; \
         font-size: 15px; line-height: 1.5;\">\n{}</body></html>\n",
        to_html(markdown)
    )
}

fn defuse(event: Event<'_>) -> Event<'_> {
    match event {
        Event::Html(raw) | Event::InlineHtml(raw) => Event::Text(raw),
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) => Event::Start(Tag::Link {
            link_type,
            dest_url: safe_url(dest_url),
            title,
            id,
        }),
        Event::Start(Tag::Image {
            link_type,
            dest_url,
            title,
            id,
        }) => Event::Start(Tag::Image {
            link_type,
            dest_url: safe_url(dest_url),
            title,
            id,
        }),
        other => other,
    }
}

fn safe_url(url: CowStr<'_>) -> CowStr<'_> {
    let scheme: String = url
        .trim_start()
        .chars()
        .take_while(|c| *c != ':')
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .collect::<String>()
        .to_ascii_lowercase();
    let has_scheme = url.contains(':');
    if has_scheme && matches!(scheme.as_str(), "javascript" | "vbscript" | "data") {
        CowStr::Borrowed("#")
    } else {
        url
    }
}

#[cfg(test)]
mod tests {
    use super::to_html;

    #[test]
    fn block_html_is_shown_as_text() {
        let html = to_html("<div onclick=\"x()\">hi</div>\n\ntext");
        assert!(!html.contains("<div"), "{html}");
        assert!(
            html.contains("&lt;div onclick=\"x()\"&gt;hi&lt;/div&gt;"),
            "{html}"
        );
    }

    #[test]
    fn inline_html_is_shown_as_text() {
        assert_eq!(
            to_html("a <img src=x onerror=alert(1)> b"),
            "<p>a &lt;img src=x onerror=alert(1)&gt; b</p>\n"
        );
    }

    #[test]
    fn script_links_point_nowhere() {
        let html = to_html("[click](javascript:alert(1)) [ok](https://example.com)");
        assert!(html.contains("<a href=\"#\">click</a>"), "{html}");
        assert!(
            html.contains("<a href=\"https://example.com\">ok</a>"),
            "{html}"
        );
    }

    #[test]
    fn markdown_structure_is_rendered() {
        let html = to_html("# Build\n\n- one\n- `two`\n");
        assert!(html.contains("<h1>Build</h1>"), "{html}");
        assert!(html.contains("<li><code>two</code></li>"), "{html}");
    }
}
