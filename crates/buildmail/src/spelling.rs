//! How the command line writes each of the core's settings: the flag the user types. The core's
//! errors and explanations name a [`Setting`]; this is where they become `--smtp-url`.

use buildmail_core::Setting;

/// The flag for a setting.
pub fn spell(setting: Setting) -> &'static str {
    match setting {
        Setting::SmtpUrl => "--smtp-url",
        Setting::Username => "--username",
        Setting::Password => "--password",
        Setting::FallbackSmtpUrl => "--fallback-smtp-url",
        Setting::CaFile => "--ca-file",
        Setting::InsecureSkipVerify => "--insecure-skip-verify",
        Setting::AllowPlaintextAuth => "--allow-plaintext-auth",
        Setting::Timeout => "--timeout",
        Setting::RetryBudget => "--retry-budget",
        Setting::MaxAttempts => "--max-attempts",
        Setting::Outbox => "--outbox",
        Setting::From => "--from",
        Setting::To => "--to",
        Setting::Cc => "--cc",
        Setting::Bcc => "--bcc",
        Setting::Status => "--status",
        Setting::PreviousStatus => "--previous-status",
        Setting::Output => "--output",
        Setting::EnvelopeFrom => "--envelope-from",
        Setting::EnvelopeTo => "--envelope-to",
        Setting::Attach => "--attach",
        Setting::AttachLog => "--attach-log",
        Setting::AllowAttachFrom => "--allow-attach-from",
        Setting::When => "--when",
        Setting::Subject => "--subject",
        Setting::Template => "--template",
        Setting::HtmlTemplate => "--html-template",
        Setting::SubjectTemplate => "--subject-template",
        Setting::Log => "--log",
        Setting::Header => "--header",
        Setting::ConfigFile => "--config",
        Setting::Account => "--account",
        _ => "a setting",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory as _;

    /// Every spelling is a flag the command line really has, so an error never names a flag
    /// that does not exist.
    #[test]
    fn every_setting_is_spelled_as_an_existing_flag() {
        let command = crate::cli::Cli::command();
        let mut flags = Vec::new();
        for sub in command.get_subcommands() {
            collect(sub, &mut flags);
        }
        for setting in Setting::ALL {
            let flag = spell(setting).trim_start_matches("--");
            assert!(
                flags.iter().any(|f| f == flag),
                "{setting:?} is spelled {} but no subcommand has that flag",
                spell(setting)
            );
        }
    }

    /// The core speaks of settings, never of this command line's flags: a flag in a string of
    /// the core would tell an Action or Jenkins user to pass something they cannot.
    #[test]
    fn the_core_names_no_flag_of_the_command_line() {
        let command = crate::cli::Cli::command();
        let mut flags = Vec::new();
        for sub in command.get_subcommands() {
            collect(sub, &mut flags);
        }
        flags.sort();
        flags.dedup();
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../buildmail-core/src");
        let mut found = Vec::new();
        for path in rust_files(&src) {
            let text = std::fs::read_to_string(&path).unwrap();
            let code = text.split("#[cfg(test)]").next().unwrap_or_default();
            for (number, line) in code.lines().enumerate() {
                if line.trim_start().starts_with("//") {
                    continue;
                }
                for flag in &flags {
                    let spelled = format!("--{flag}");
                    let named = line.match_indices(&spelled).any(|(at, _)| {
                        let next = line[at + spelled.len()..].chars().next();
                        !next.is_some_and(|c| c.is_ascii_alphanumeric() || c == '-')
                    });
                    if named {
                        found.push(format!("{}:{}: {spelled}", path.display(), number + 1));
                    }
                }
            }
        }
        assert!(found.is_empty(), "name a Setting instead: {found:#?}");
    }

    /// The core's non-test sources: `tests.rs` files and test directories left out.
    fn rust_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
        let mut files = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() && path.file_name().is_some_and(|n| n != "tests") {
                files.extend(rust_files(&path));
            } else if path.extension().is_some_and(|e| e == "rs")
                && path.file_name().is_some_and(|n| n != "tests.rs")
            {
                files.push(path);
            }
        }
        files
    }

    fn collect(command: &clap::Command, flags: &mut Vec<String>) {
        flags.extend(
            command
                .get_arguments()
                .filter_map(|a| a.get_long())
                .map(str::to_owned),
        );
        for sub in command.get_subcommands() {
            collect(sub, flags);
        }
    }
}
