//! Python's smtplib against the sim: a client we did not write, so the sim is a real SMTP
//! server and not only a mirror of lettre. (`.ci/run` installs python3 when it is missing.)

use std::process::Command;

use buildmail_sim::{Sim, SimHandle, SimTls};

const SEND_WITH_STARTTLS_AND_LOGIN: &str = r#"
import smtplib, ssl, sys
port, ca = int(sys.argv[1]), sys.argv[2]
s = smtplib.SMTP("localhost", port, timeout=10)
s.ehlo("ci.example.com")
print("plain:", s.has_extn("starttls"), s.has_extn("auth"))
s.starttls(context=ssl.create_default_context(cafile=ca))
s.ehlo("ci.example.com")
print("tls:", s.has_extn("starttls"), s.esmtp_features.get("auth"))
s.login("ci-bot", "s3cret-pass")
refused = s.sendmail("ci@example.com", ["dev@example.com", "nobody@example.com"],
                     "Message-ID: <py@ci>\r\nSubject: build\r\n\r\n.starts with a dot\r\n")
print("refused:", refused)
print("quit:", s.quit())
"#;

const GREYLISTED: &str = r#"
import smtplib, sys
s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=10)
try:
    s.sendmail("ci@example.com", ["dev@example.com"], "Subject: x\r\n\r\nbody\r\n")
except smtplib.SMTPRecipientsRefused as e:
    print(e.recipients)
"#;

async fn python(script: &'static str, args: Vec<String>) -> String {
    let output = tokio::task::spawn_blocking(move || {
        Command::new("python3")
            .arg("-c")
            .arg(script)
            .args(args)
            .output()
    })
    .await
    .unwrap()
    .expect("python3 runs (.ci/run installs it)");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "python failed: {stderr}");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

async fn start(sim: buildmail_sim::SimBuilder) -> SimHandle {
    sim.start().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smtplib_sends_over_starttls_with_auth_and_sees_a_rejected_recipient() {
    let sim = start(
        Sim::builder()
            .tls(SimTls::generate().unwrap())
            .auth("ci-bot", "s3cret-pass")
            .scenario("reject:nobody@*:550 5.1.1 no such user".parse().unwrap()),
    )
    .await;
    let ca = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(ca.path(), sim.tls_ca_pem().unwrap()).unwrap();
    let args = vec![
        sim.addr().port().to_string(),
        ca.path().display().to_string(),
    ];
    let out = python(SEND_WITH_STARTTLS_AND_LOGIN, args).await;
    // smtplib keeps a leading space in the value of an EHLO keyword it has seen.
    assert_eq!(
        out,
        "plain: True False\ntls: False  PLAIN LOGIN\nrefused: {'nobody@example.com': (550, b'5.1.1 no such user')}\nquit: (221, b'2.0.0 Bye')\n"
    );
    let record = sim.record();
    let message = &record.messages[0];
    assert_eq!(message.message_id.as_deref(), Some("<py@ci>"));
    assert_eq!(message.rcpt_to, ["dev@example.com"]);
    assert!(message.tls);
    assert!(
        message.text().ends_with("\r\n\r\n.starts with a dot\r\n"),
        "{:?}",
        message.text()
    );
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smtplib_sees_postgreys_exact_reply() {
    let sim = start(Sim::builder().scenario("greylist:5m".parse().unwrap())).await;
    let out = python(GREYLISTED, vec![sim.addr().port().to_string()]).await;
    assert_eq!(
        out,
        "{'dev@example.com': (450, b'4.2.0 <dev@example.com>: Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/help/example.com.html')}\n"
    );
    sim.shutdown().await;
}
