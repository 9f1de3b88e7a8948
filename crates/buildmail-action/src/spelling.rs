//! How the Action writes each of the core's settings: the input in `action.yml`. The core's
//! errors and explanations name a [`Setting`]; this is where they become `server_address`.

use buildmail_core::Setting;

/// The input for a setting.
pub fn spell(setting: Setting) -> &'static str {
    match setting {
        Setting::SmtpUrl => "server_address",
        Setting::Username => "username",
        Setting::Password => "password",
        Setting::FallbackSmtpUrl => "fallback_servers",
        Setting::CaFile => "ca_file",
        Setting::InsecureSkipVerify => "ignore_cert",
        // No input lets a password go in clear text to another host: TLS is the fix.
        Setting::AllowPlaintextAuth => "secure: true (or require_tls)",
        Setting::Timeout => "timeout (not an input: the default 60s applies)",
        Setting::RetryBudget => "retry_budget",
        Setting::MaxAttempts => "max_attempts",
        Setting::Outbox => "outbox",
        Setting::From => "from",
        Setting::To => "to",
        Setting::Cc => "cc",
        Setting::Bcc => "bcc",
        Setting::Status => "status",
        Setting::PreviousStatus => "previous_status",
        // The step has no text/JSON switch: its outputs and job summary carry the report.
        Setting::Output => "outputs",
        Setting::EnvelopeFrom => "envelope_from",
        Setting::EnvelopeTo => "envelope_to",
        Setting::Attach => "attachments",
        Setting::AttachLog => "log_file",
        Setting::AllowAttachFrom => "attachments",
        Setting::When => "notify_when",
        Setting::Subject => "subject",
        Setting::Template => "body",
        Setting::HtmlTemplate => "html_body",
        Setting::SubjectTemplate => "subject",
        Setting::Log => "log_file",
        Setting::Header => "headers",
        Setting::ConfigFile | Setting::Account => "config file (the Action reads none)",
        _ => "an input",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every spelling that names an input names one `action.yml` declares.
    #[test]
    fn every_setting_is_spelled_as_a_declared_input() {
        for setting in Setting::ALL {
            let input = spell(setting).split([' ', ':']).next().unwrap_or_default();
            let declared = crate::inputs::NAMES.contains(&input)
                || ["timeout", "outputs", "config"].contains(&input);
            assert!(declared, "{setting:?} is spelled {:?}", spell(setting));
        }
    }
}
