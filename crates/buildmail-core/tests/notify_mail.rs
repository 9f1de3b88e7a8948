//! The notification as it goes on the wire: built into a message, parsed back with mail-parser,
//! and checked part by part and header by header. Untrusted CI text (a commit message, a branch
//! name, an author) with line breaks, `Bcc:` lines, non-ASCII and 10 kB of text must produce
//! exactly the headers it should.

use std::time::SystemTime;

use buildmail_core::ci::{Build, BuildStatus, Change, Provider};
use buildmail_core::compose::{Attachment, Draft};
use buildmail_core::logtail::Tail;
use buildmail_core::notify::{Notification, Templates};
use mail_parser::{MessageParser, MimeHeaders};

fn build() -> Build {
    let mut build = Build::new(Provider::Jenkins, "shop");
    build.branch = Some("main".into());
    build.run_number = Some("812".into());
    build.run_url = Some("https://ci.example.com/job/shop/812/".into());
    build.commit = Some("0123456789abcdef0123456789abcdef01234567".into());
    build.message = Some("Speed up checkout".into());
    build.author = Some("Ada".into());
    build.status = Some(BuildStatus::Failure);
    build.previous_status = Some(BuildStatus::Success);
    build
}

fn addressed() -> Draft {
    Draft {
        from: "Build Bot <ci@example.com>".into(),
        to: vec!["dev@example.com".into()],
        cc: vec!["Team Größe <team@example.com>".into()],
        bcc: vec!["audit@example.com".into()],
        message_id: Some("<n-1@example.com>".into()),
        date: Some(SystemTime::UNIX_EPOCH),
        ..Draft::default()
    }
}

fn wire(build: &Build, attachments: Vec<Attachment>) -> (Notification, Vec<u8>) {
    let tail = Tail {
        lines: vec!["error: test failed".into()],
        truncated: false,
    };
    let mail = Notification::render(build, Some(&tail), &Templates::builtin(), "example.com")
        .expect("renders");
    let mut draft = mail.clone().into_draft(addressed());
    draft.attachments = attachments;
    let message = draft.build().expect("builds");
    (mail, message.bytes)
}

fn header_names(raw: &[u8]) -> Vec<String> {
    let raw = String::from_utf8_lossy(raw);
    let head = raw.split("\r\n\r\n").next().expect("a header block");
    head.split("\r\n")
        .filter(|line| !line.starts_with([' ', '\t']))
        .map(|line| line.split(':').next().expect("a name").to_owned())
        .collect()
}

const EXPECTED_HEADERS: [&str; 15] = [
    "From",
    "Subject",
    "To",
    "Cc",
    "Message-ID",
    "In-Reply-To",
    "References",
    "Date",
    "Auto-Submitted",
    "List-Id",
    "X-Buildmail-Status",
    "X-Buildmail-Job",
    "MIME-Version",
    "Content-Type",
    // lettre adds no Content-Transfer-Encoding at the top of a multipart message.
    "",
];

fn expected_headers() -> Vec<String> {
    EXPECTED_HEADERS
        .iter()
        .filter(|name| !name.is_empty())
        .map(|name| (*name).to_owned())
        .collect()
}

#[test]
fn the_notification_parses_back_part_by_part() {
    let log = Attachment {
        filename: "build.log".into(),
        content_type: "text/plain; charset=utf-8".into(),
        body: b"line 1\nerror: test failed\n".to_vec(),
    };
    let (mail, raw) = wire(&build(), vec![log]);
    let parsed = MessageParser::default().parse(&raw).expect("parses");

    assert_eq!(parsed.subject(), Some("[shop] main #812 failed"));
    let from = parsed.from().and_then(|a| a.first()).expect("a sender");
    assert_eq!(from.name(), Some("Build Bot"));
    assert_eq!(from.address(), Some("ci@example.com"));
    let cc = parsed.cc().and_then(|a| a.first()).expect("a cc");
    assert_eq!(cc.name(), Some("Team Größe"));
    assert!(parsed.bcc().is_none(), "Bcc never reaches the message");
    assert!(!String::from_utf8_lossy(&raw).contains("audit@example.com"));
    assert_eq!(parsed.message_id(), Some("n-1@example.com"));
    let thread = mail.thread_id.trim_matches(['<', '>']);
    assert_eq!(parsed.in_reply_to().as_text(), Some(thread));
    assert_eq!(parsed.references().as_text(), Some(thread));

    assert_eq!(parsed.text_body_count(), 1);
    assert_eq!(parsed.html_body_count(), 1);
    let text = parsed.body_text(0).expect("a text part");
    assert_eq!(text.replace("\r\n", "\n"), mail.text);
    let html = parsed.body_html(0).expect("an HTML part");
    assert_eq!(html.replace("\r\n", "\n"), mail.html);
    assert!(html.contains("error: test failed"));

    assert_eq!(parsed.attachment_count(), 1);
    let attachment = parsed.attachments().next().expect("the log");
    assert_eq!(attachment.attachment_name(), Some("build.log"));
    assert_eq!(attachment.contents(), b"line 1\nerror: test failed\n");

    let top = parsed.content_type().expect("a content type");
    assert_eq!((top.ctype(), top.subtype()), ("multipart", Some("mixed")));
    assert_eq!(header_names(&raw), expected_headers());
}

#[test]
fn hostile_ci_text_produces_exactly_the_expected_headers() {
    let mut hostile = build();
    let long = "x".repeat(10 * 1024);
    hostile.message = Some(format!(
        "Fix\r\nBcc: evil@example.com\r\n\r\nInjected body\nSubject: pwned {long}"
    ));
    hostile.branch = Some("main\r\nBcc: evil@example.com\nX-Injected: yes".into());
    hostile.author = Some("Jürgen Größe\r\nCc: evil@example.com".into());
    hostile.workflow = Some("shop\r\nBcc: evil@example.com".into());
    hostile.change = Some(Change {
        number: "7".into(),
        title: Some(format!("Größe ändern ✓ {long}")),
        url: Some("javascript:alert(1)".into()),
    });
    let (mail, raw) = wire(&hostile, Vec::new());

    assert_eq!(header_names(&raw), expected_headers());
    let text = String::from_utf8_lossy(&raw);
    let head = text.split("\r\n\r\n").next().expect("a header block");
    // The hostile text stays inside the Subject's value: it is no address of any header.
    let carrying: Vec<&str> = head
        .split("\r\n")
        .filter(|line| line.contains("evil@example.com"))
        .collect();
    assert!(
        carrying
            .iter()
            .all(|line| line.starts_with("Subject: ") || line.starts_with("X-Buildmail-Job: ")),
        "{head}"
    );
    assert!(
        head.is_ascii(),
        "headers are 7-bit, non-ASCII is RFC 2047-encoded"
    );
    assert!(
        head.lines().all(|line| line.len() <= 998),
        "no header line is too long"
    );

    let parsed = MessageParser::default().parse(&raw).expect("parses");
    let subject = parsed.subject().expect("a subject");
    assert_eq!(subject, mail.subject);
    assert!(
        subject.starts_with("[shop] main Bcc: evil@example.com X-Injected: yes PR #7 #812"),
        "{subject}"
    );
    assert!(!subject.contains(['\r', '\n']));
    assert!(parsed.bcc().is_none());
    assert!(parsed.header_raw("X-Injected").is_none());
    // The body shows the text as it is, escaped in HTML, without a javascript: link.
    let html = parsed.body_html(0).expect("an HTML part");
    assert!(!html.contains("javascript:"), "{html}");
    assert!(html.contains("Größe ändern ✓"));
}

#[test]
fn the_sorting_headers_parse_back() {
    let mut jenkins = build();
    jenkins.workflow = Some("team/shop/main".into());
    jenkins.status = Some(BuildStatus::Unstable);
    let (_, raw) = wire(&jenkins, Vec::new());
    let parsed = MessageParser::default().parse(&raw).expect("parses");
    let header = |name: &str| -> String {
        parsed
            .header_raw(name)
            .map(|value| value.trim().to_owned())
            .unwrap_or_else(|| panic!("no {name} header"))
    };
    assert_eq!(header("Auto-Submitted"), "auto-generated");
    assert_eq!(header("X-Buildmail-Status"), "unstable");
    assert_eq!(header("X-Buildmail-Job"), "team/shop/main");
    let list = parsed.list_id().as_address().and_then(|a| a.first());
    assert_eq!(
        list.and_then(|a| a.address()),
        Some("shop.buildmail.example.com")
    );
    assert_eq!(list.and_then(|a| a.name()), Some("shop builds"));
    assert_eq!(
        header("List-Id"),
        "\"shop builds\" <shop.buildmail.example.com>"
    );
}

#[test]
fn a_header_given_by_hand_replaces_the_notifications_own() {
    let mail = Notification::render(&build(), None, &Templates::builtin(), "example.com")
        .expect("renders");
    let mut draft = addressed();
    draft.headers = vec![("auto-submitted".into(), "no".into())];
    let raw = mail.into_draft(draft).build().expect("builds").bytes;
    let parsed = MessageParser::default().parse(&raw).expect("parses");
    assert_eq!(
        parsed.header_raw("Auto-Submitted").map(str::trim),
        Some("no")
    );
    let text = String::from_utf8_lossy(&raw);
    assert_eq!(
        text.to_ascii_lowercase().matches("auto-submitted:").count(),
        1,
        "{text}"
    );
}

#[test]
fn a_non_ascii_subject_round_trips() {
    let mut intl = build();
    intl.branch = Some("fonctionnalité/été".into());
    let (mail, raw) = wire(&intl, Vec::new());
    let parsed = MessageParser::default().parse(&raw).expect("parses");
    assert_eq!(
        parsed.subject(),
        Some("[shop] fonctionnalité/été #812 failed")
    );
    assert_eq!(parsed.subject(), Some(mail.subject.as_str()));
}
