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
        Setting::EnvelopeFrom => "--envelope-from",
        Setting::EnvelopeTo => "--envelope-to",
        Setting::Attach => "--attach",
        Setting::AttachLog => "--attach-log",
        Setting::AllowAttachFrom => "--allow-attach-from",
        Setting::When => "--when",
        Setting::Subject => "--subject",
        Setting::Template => "--template",
        Setting::Log => "--log",
        Setting::Header => "--header",
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
