//! Property tests: whatever untrusted text goes in, every line printed is a workflow command
//! only when the binary meant it, and the text comes back out through the runner's unescaping.
//! The runner is modelled as its source reads (`ActionCommandManager`, `ActionCommand`): a
//! line is a `::name props::message` command after leading blanks, and an old-style command
//! wherever `##[` appears in it; lines end at LF or CR.

use proptest::prelude::*;

use super::commands::{Annotation, Annotations, Commands, Level};
use super::escape;

/// A command as the runner reads it: name, properties (unescaped), message (unescaped).
#[derive(Debug, PartialEq)]
struct Read {
    name: String,
    properties: Vec<(String, String)>,
    message: String,
}

/// The runner's reading of one line: `Some` if any command form is in it (the `::` form is
/// tried first, as the runner does).
fn runner_reads(line: &str) -> Option<Read> {
    let old_form = || {
        line.contains("##[").then(|| Read {
            name: "##[".into(),
            properties: vec![],
            message: line.into(),
        })
    };
    reads_new_form(line).or_else(old_form)
}

fn reads_new_form(line: &str) -> Option<Read> {
    let trimmed = line.trim_start_matches(|c: char| {
        c.is_whitespace()
            || matches!(
                c,
                '\u{180E}' | '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}'
            )
    });
    let rest = trimmed.strip_prefix("::")?;
    let (info, message) = rest.split_once("::")?;
    let (name, properties) = info.split_once(' ').unwrap_or((info, ""));
    let properties = properties
        .split(',')
        .filter(|p| !p.is_empty())
        .filter_map(|p| p.split_once('='))
        .map(|(k, v)| (k.to_owned(), escape::unescape_property(v)))
        .collect();
    Some(Read {
        name: name.to_owned(),
        properties,
        message: escape::unescape_data(message),
    })
}

/// The lines the runner sees in what was printed.
fn runner_lines(printed: &str) -> Vec<&str> {
    let mut lines: Vec<_> = printed.split(['\n', '\r']).collect();
    assert_eq!(lines.pop(), Some(""), "output ends with a line break");
    lines
}

/// Text an attacker would write: arbitrary Unicode mixed with the fragments that matter.
fn hostile() -> impl Strategy<Value = String> {
    let fragment = prop_oneof![
        any::<String>(),
        Just("::".to_owned()),
        Just("##[".to_owned()),
        Just("##[add-path]".to_owned()),
        Just("::set-output name=x::1".to_owned()),
        Just("::error::".to_owned()),
        Just("::add-mask::".to_owned()),
        Just("::stop-commands::".to_owned()),
        Just("%0A".to_owned()),
        Just("%25".to_owned()),
        Just("%".to_owned()),
        Just("\n".to_owned()),
        Just("\r".to_owned()),
        Just("\r\n".to_owned()),
        Just(" \t".to_owned()),
        Just("\u{feff}".to_owned()),
        Just(":".to_owned()),
        Just(",".to_owned()),
        Just("=".to_owned()),
    ];
    proptest::collection::vec(fragment, 0..12).prop_map(|parts| parts.concat())
}

fn printed(f: impl FnOnce(&mut Commands<Vec<u8>>)) -> String {
    let mut commands = Commands::new(Vec::new());
    f(&mut commands);
    String::from_utf8(commands.into_inner()).unwrap()
}

proptest! {
    #[test]
    fn a_log_line_is_one_line_and_never_a_command(text in hostile()) {
        let out = printed(|c| c.line(&text).unwrap());
        let lines = runner_lines(&out);
        prop_assert_eq!(lines.len(), 1);
        prop_assert_eq!(runner_reads(lines[0]), None);
        prop_assert_eq!(escape::unescape_line(lines[0]), text);
    }

    #[test]
    fn an_annotation_is_exactly_the_command_meant(
        title in hostile(), file in hostile(), message in hostile(), line in any::<Option<u32>>(),
    ) {
        let mut annotations = Annotations::default();
        annotations.push(Annotation { level: Level::Error, title: Some(title.clone()), file: Some(file.clone()), line, message: message.clone() });
        let out = printed(|c| c.annotate(&annotations).unwrap());
        let lines = runner_lines(&out);
        prop_assert_eq!(lines.len(), 1);
        let read = runner_reads(lines[0]).expect("an annotation is a command");
        let mut properties = vec![("title".to_owned(), title), ("file".to_owned(), file)];
        properties.extend(line.map(|n| ("line".to_owned(), n.to_string())));
        prop_assert_eq!(read, Read { name: "error".into(), properties, message });
    }

    #[test]
    fn a_dump_commands_nothing_between_its_stop_and_resume(text in hostile()) {
        let out = printed(|c| c.dump(&text).unwrap());
        let lines = runner_lines(&out);
        let stop = runner_reads(lines[0]).unwrap();
        prop_assert_eq!(&stop.name, "stop-commands");
        let resume = runner_reads(lines[lines.len() - 1]).unwrap();
        prop_assert_eq!(&resume.name, &stop.message);
        let inside = &lines[1..lines.len() - 1];
        for line in inside {
            prop_assert_eq!(runner_reads(line), None);
        }
        let unescaped: Vec<_> = inside.iter().map(|l| escape::unescape_line(l)).collect();
        prop_assert_eq!(unescaped.join("\n"), text.replace("\r\n", "\n"));
    }

    #[test]
    fn a_mask_is_one_add_mask_per_line_of_the_secret(secret in hostile()) {
        let out = printed(|c| c.mask(&secret).unwrap());
        for line in runner_lines(&out) {
            let read = runner_reads(line).expect("a mask is a command");
            prop_assert_eq!(&read.name, "add-mask");
            prop_assert!(secret.contains(&read.message));
        }
    }

    #[test]
    fn a_group_title_cannot_add_a_command(title in hostile()) {
        let out = printed(|c| c.group(&title).unwrap());
        let lines = runner_lines(&out);
        prop_assert_eq!(lines.len(), 1);
        let read = runner_reads(lines[0]).unwrap();
        prop_assert_eq!(read, Read { name: "group".into(), properties: vec![], message: title });
    }
}
