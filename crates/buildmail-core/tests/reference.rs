//! `docs/explanations/` is generated from the catalog; this test fails when it is stale, when a page
//! lingers that the catalog no longer makes, or when a page links to one that does not exist.
//! Regenerate with `BUILDMAIL_UPDATE_DOCS=1 cargo test -p buildmail-core reference`.

use std::collections::BTreeSet;
use std::path::PathBuf;

use buildmail_core::Setting;
use buildmail_core::catalog::{Page, reference_pages};

const REGENERATE: &str = "run `BUILDMAIL_UPDATE_DOCS=1 cargo test -p buildmail-core reference`";

fn docs_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/explanations")
}

/// The pages are the CLI's documentation, so they name its flags.
fn cli(setting: Setting) -> &'static str {
    match setting {
        Setting::RetryBudget => "--retry-budget",
        Setting::MaxAttempts => "--max-attempts",
        Setting::Outbox => "--outbox",
        Setting::FallbackSmtpUrl => "--fallback-smtp-url",
        Setting::Username => "--username",
        Setting::Password => "--password",
        Setting::SmtpUrl => "--smtp-url",
        Setting::From => "--from",
        Setting::To => "--to",
        Setting::EnvelopeFrom => "--envelope-from",
        Setting::Header => "--header",
        Setting::When => "--when",
        Setting::Output => "--output",
        Setting::CaFile => "--ca-file",
        Setting::Timeout => "--timeout",
        other => panic!("the reference pages name {other:?}: add its flag here"),
    }
}

fn updating() -> bool {
    std::env::var_os("BUILDMAIL_UPDATE_DOCS").is_some_and(|v| v == "1")
}

#[test]
fn reference_pages_are_up_to_date() {
    let dir = docs_dir();
    if updating() {
        std::fs::create_dir_all(&dir).unwrap();
    }
    let mut stale = Vec::new();
    for page in reference_pages(cli) {
        let path = dir.join(&page.file);
        let current = std::fs::read_to_string(&path).unwrap_or_default();
        if current != page.markdown {
            if updating() {
                std::fs::write(&path, &page.markdown).unwrap();
            } else {
                stale.push(page.file);
            }
        }
    }
    assert!(
        stale.is_empty(),
        "stale pages in docs/explanations: {stale:?}; {REGENERATE}"
    );
}

#[test]
fn reference_folder_holds_no_page_the_catalog_no_longer_makes() {
    let dir = docs_dir();
    let made: BTreeSet<String> = reference_pages(cli).into_iter().map(|p| p.file).collect();
    let mut extra = Vec::new();
    for file in std::fs::read_dir(&dir).unwrap() {
        let path = file.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if !made.contains(&name) {
            if updating() {
                std::fs::remove_file(&path).unwrap();
            } else {
                extra.push(name);
            }
        }
    }
    assert!(
        extra.is_empty(),
        "pages in docs/explanations that the catalog does not make: {extra:?}; {REGENERATE}"
    );
}

#[test]
fn reference_links_land_on_a_page_and_an_anchor() {
    let pages = reference_pages(cli);
    let find = |file: &str| pages.iter().find(|p| p.file == file);
    let mut broken = Vec::new();
    for page in &pages {
        for target in local_links(page) {
            let (file, fragment) = target.split_once('#').unwrap_or((&target, ""));
            let landed = match find(file) {
                None => false,
                Some(_) if fragment.is_empty() => true,
                Some(target_page) => target_page
                    .markdown
                    .contains(&format!("<a id=\"{fragment}\"></a>")),
            };
            if !landed {
                broken.push(format!("{} -> {target}", page.file));
            }
        }
    }
    assert!(broken.is_empty(), "broken links: {broken:#?}");
}

#[test]
fn reference_pages_exist_for_the_codes_people_search_for_and_link_back() {
    let pages = reference_pages(cli);
    let index = pages.iter().find(|p| p.file == "README.md").unwrap();
    for code in [
        421, 450, 451, 452, 454, 500, 501, 503, 530, 535, 550, 552, 553, 554,
    ] {
        let file = format!("{code}.md");
        let page = pages.iter().find(|p| p.file == file).unwrap();
        assert!(index.markdown.contains(&format!("]({file})")), "{file}");
        assert!(page.markdown.contains("](README.md)"), "{file}");
        assert!(
            page.markdown.starts_with("<!-- Generated")
                && page.markdown.contains(&format!("# SMTP error {code}: ")),
            "{file}"
        );
    }
}

/// The targets of `](file.md...)` links that stay inside `docs/explanations/`.
fn local_links(page: &Page) -> Vec<String> {
    page.markdown
        .split("](")
        .skip(1)
        .filter_map(|rest| rest.split_once(')').map(|(target, _)| target))
        .filter(|target| !target.contains("://") && !target.starts_with("../"))
        .map(str::to_owned)
        .collect()
}
