//! The runner's environment files, `GITHUB_OUTPUT` and `GITHUB_ENV`: `name<<DELIMITER`, the
//! value, `DELIMITER`, with a fresh random delimiter each time (a fixed one lets a value end
//! the entry early and set other outputs or variables).

use std::fs::OpenOptions;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use super::escape;

/// The line ending the runner expects in these files, as the toolkit writes it (`os.EOL`).
const EOL: &str = if cfg!(windows) { "\r\n" } else { "\n" };

/// Why an entry was not written.
#[derive(Debug, thiserror::Error)]
pub enum FileCommandError {
    /// A name the runner would misread.
    #[error("the name {0:?} is empty or contains a line break or `<<`")]
    BadName(String),
    /// The value contains the delimiter (an attempt to end the entry early).
    #[error("the value of {name} contains its random delimiter; refusing to write it")]
    DelimiterInValue {
        /// The entry's name.
        name: String,
    },
    /// The file could not be written.
    #[error("writing {name} to {}", path.display())]
    Io {
        /// The entry's name.
        name: String,
        /// The file (from `GITHUB_OUTPUT` or `GITHUB_ENV`).
        path: PathBuf,
        /// What failed.
        #[source]
        source: std::io::Error,
    },
}

/// One `name<<delimiter` entry as the runner reads it.
pub fn file_command(name: &str, value: &str) -> Result<String, FileCommandError> {
    if name.is_empty() || name.contains(['\r', '\n']) || name.contains("<<") {
        return Err(FileCommandError::BadName(name.to_owned()));
    }
    let delimiter = format!("ghadelimiter_{}", escape::random_token());
    if value.contains(&delimiter) {
        return Err(FileCommandError::DelimiterInValue {
            name: name.to_owned(),
        });
    }
    Ok(format!(
        "{name}<<{delimiter}{EOL}{value}{EOL}{delimiter}{EOL}"
    ))
}

/// Appends one entry to `path` (the file named by `GITHUB_OUTPUT` or `GITHUB_ENV`).
pub fn append_file_command(path: &Path, name: &str, value: &str) -> Result<(), FileCommandError> {
    let entry = file_command(name, value)?;
    let io = |source| FileCommandError::Io {
        name: name.to_owned(),
        path: path.to_owned(),
        source,
    };
    let mut file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(io)?;
    file.write_all(entry.as_bytes()).map_err(io)
}

/// The entries of an environment file as the runner parses them (for tests, and for a user who
/// wants to see what a step set): `name=value` lines and `name<<delimiter` heredocs.
pub fn parse_file_commands(text: &str) -> Vec<(String, String)> {
    let mut entries = Vec::new();
    let mut lines = text.split(EOL).peekable();
    while let Some(line) = lines.next() {
        if let Some((name, delimiter)) = line.split_once("<<") {
            let mut value = Vec::new();
            for line in lines.by_ref() {
                if line == delimiter {
                    break;
                }
                value.push(line);
            }
            entries.push((name.to_owned(), value.join(EOL)));
        } else if let Some((name, value)) = line.split_once('=') {
            entries.push((name.to_owned(), value.to_owned()));
        }
    }
    entries
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_uses_a_fresh_random_delimiter() {
        let a = file_command("status", "sent").unwrap();
        let b = file_command("status", "sent").unwrap();
        assert_ne!(a, b);
        assert!(a.starts_with("status<<ghadelimiter_"));
        assert_eq!(parse_file_commands(&a), [("status".into(), "sent".into())]);
    }

    #[test]
    fn a_multi_line_value_that_imitates_an_entry_stays_one_value() {
        let value = format!("x{EOL}EOF{EOL}evil=1{EOL}other<<EOF{EOL}y");
        let entry = file_command("explanation", &value).unwrap();
        assert_eq!(parse_file_commands(&entry), [("explanation".into(), value)]);
    }

    #[test]
    fn bad_names_are_refused() {
        assert!(file_command("a\nb", "v").is_err());
        assert!(file_command("a<<b", "v").is_err());
        assert!(file_command("", "v").is_err());
    }

    #[test]
    fn entries_append_to_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("output");
        append_file_command(&path, "status", "sent").unwrap();
        append_file_command(&path, "attempts", "2").unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            parse_file_commands(&text),
            [
                ("status".into(), "sent".into()),
                ("attempts".into(), "2".into())
            ]
        );
    }
}
