//! How one input's text becomes a value, with the toolkit's rules where it has them
//! (`getBooleanInput`) and dawidd6/action-send-mail's where it has them (`file://` texts,
//! comma lists, the `headers` JSON object).

use std::path::PathBuf;
use std::time::Duration;

use buildmail_core::compose::Priority;

use super::InputError;

/// A text input: inline, or `file://path` to read it from a file (as dawidd6 accepts).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Text {
    /// The text as typed.
    Inline(String),
    /// The file after `file://`, relative to the working directory.
    File(PathBuf),
}

impl Text {
    /// `file://path` names a file; anything else is the text itself.
    pub fn parse(value: &str) -> Self {
        match value.strip_prefix("file://") {
            Some(path) => Text::File(PathBuf::from(path)),
            None => Text::Inline(value.to_owned()),
        }
    }

    /// The text, reading the file if it names one; an error names the input.
    pub fn read(&self, input: &'static str) -> Result<String, InputError> {
        match self {
            Text::Inline(text) => Ok(text.clone()),
            Text::File(path) => std::fs::read_to_string(path).map_err(|e| {
                InputError::new(input, format!("reading file://{}: {e}", path.display()))
            }),
        }
    }
}

/// `true | True | TRUE | false | False | FALSE`, the YAML 1.2 core schema as the toolkit's
/// `getBooleanInput` accepts it; anything else is an error, not a silent false.
pub fn boolean(input: &'static str, value: &str) -> Result<bool, InputError> {
    match value {
        "true" | "True" | "TRUE" => Ok(true),
        "false" | "False" | "FALSE" => Ok(false),
        _ => Err(InputError::new(
            input,
            format!("{value:?} is not a boolean: write true or false"),
        )),
    }
}

/// A comma- (or line-) separated list, blanks dropped. A comma inside double quotes or angle
/// brackets does not split, so `"Doe, Jane" <jane@example.com>` stays one address.
pub fn list(value: &str) -> Vec<String> {
    let mut items = Vec::new();
    let (mut item, mut quoted, mut angle) = (String::new(), false, false);
    for ch in value.chars() {
        match ch {
            '"' => quoted = !quoted,
            '<' if !quoted => angle = true,
            '>' if !quoted => angle = false,
            ',' | '\n' if !quoted && !angle => {
                items.push(std::mem::take(&mut item));
                continue;
            }
            _ => {}
        }
        item.push(ch);
    }
    items.push(item);
    items
        .into_iter()
        .map(|i| i.trim().to_owned())
        .filter(|i| !i.is_empty())
        .collect()
}

/// `high`, `normal` or `low`, in any case.
pub fn priority(value: &str) -> Result<Priority, InputError> {
    match value.to_ascii_lowercase().as_str() {
        "high" => Ok(Priority::High),
        "normal" => Ok(Priority::Normal),
        "low" => Ok(Priority::Low),
        _ => Err(InputError::new(
            "priority",
            format!("{value:?} is not a priority: write high, normal or low"),
        )),
    }
}

/// The `headers` JSON object, `{"X-Name": "value"}`; a number or boolean value is taken as its
/// text. A value with a line break would add a header of the attacker's choosing: refused.
pub fn headers(value: &str) -> Result<Vec<(String, String)>, InputError> {
    let bad = |why: String| {
        InputError::new(
            "headers",
            format!("{why}: write a JSON object such as {{\"X-Build\": \"42\"}}"),
        )
    };
    let object: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(value).map_err(|e| bad(format!("not a JSON object ({e})")))?;
    object
        .into_iter()
        .map(|(name, value)| {
            let text = match value {
                serde_json::Value::String(text) => text,
                serde_json::Value::Number(n) => n.to_string(),
                serde_json::Value::Bool(b) => b.to_string(),
                _ => return Err(bad(format!("the value of {name:?} is not a string"))),
            };
            if name.contains(['\r', '\n', ':']) || text.contains(['\r', '\n']) {
                return Err(bad(format!("the header {name:?} spans several lines")));
            }
            Ok((name, text))
        })
        .collect()
}

/// One of a set of words the core knows (a status, a trigger); the error lists them.
pub fn word<T: std::str::FromStr>(
    input: &'static str,
    value: &str,
    words: &str,
) -> Result<T, InputError> {
    value
        .parse()
        .map_err(|_| InputError::new(input, format!("{value:?} is not one of {words}")))
}

/// A duration in humantime's words (`90s`, `10m`, `1h`).
pub fn duration(input: &'static str, value: &str) -> Result<Duration, InputError> {
    humantime::parse_duration(value).map_err(|e| {
        InputError::new(
            input,
            format!("{value:?} is not a duration ({e}): write 10m or 90s"),
        )
    })
}

/// A count of attempts, the first included: at least 1.
pub fn attempts(value: &str) -> Result<u32, InputError> {
    match value.parse::<u32>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(InputError::new(
            "max_attempts",
            format!("{value:?} is not a number of attempts: write 1 or more"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_text_is_read_and_a_missing_file_names_the_input() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("body.txt");
        std::fs::write(&path, "from a file").unwrap();
        let text = Text::parse(&format!("file://{}", path.display()));
        assert_eq!(text.read("body").unwrap(), "from a file");
        let error = Text::parse("file://no/such/file")
            .read("html_body")
            .unwrap_err();
        assert_eq!(error.input, "html_body");
        assert!(error.problem.contains("file://no/such/file"), "{error}");
    }

    #[test]
    fn a_list_splits_on_commas_and_lines_outside_quotes_and_brackets() {
        assert_eq!(list("a, b\nc"), ["a", "b", "c"]);
        assert_eq!(
            list("\"x, y\" <x@e.com>, <odd,one@e.com>"),
            ["\"x, y\" <x@e.com>", "<odd,one@e.com>"]
        );
        assert!(list(" , ").is_empty());
    }
}
