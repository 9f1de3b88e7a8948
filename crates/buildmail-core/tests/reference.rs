//! `docs/explanations/` is generated from the catalog; this test fails when it is stale.
//! Regenerate with `BUILDMAIL_UPDATE_DOCS=1 cargo test -p buildmail-core reference`.

use std::path::PathBuf;

use buildmail_core::catalog::reference_pages;

#[test]
fn reference_pages_are_up_to_date() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/explanations");
    let update = std::env::var_os("BUILDMAIL_UPDATE_DOCS").is_some_and(|v| v == "1");
    if update {
        std::fs::create_dir_all(&dir).unwrap();
    }
    let mut stale = Vec::new();
    for page in reference_pages() {
        let path = dir.join(&page.file);
        let current = std::fs::read_to_string(&path).unwrap_or_default();
        if current != page.markdown {
            if update {
                std::fs::write(&path, &page.markdown).unwrap();
            } else {
                stale.push(page.file);
            }
        }
    }
    assert!(
        stale.is_empty(),
        "stale pages in docs/explanations: {stale:?}; run `BUILDMAIL_UPDATE_DOCS=1 cargo test -p buildmail-core reference`"
    );
}
