//! Every dialect the module claims, read from fixtures written the way each tool writes them.

use super::*;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/junit")
        .join(name)
}

fn parse(name: &str) -> TestResults {
    let file = std::fs::File::open(fixture(name)).expect("fixture");
    TestResults::parse(std::io::BufReader::new(file)).expect("a JUnit report")
}

fn counts(r: &TestResults) -> [u64; 5] {
    [r.total, r.passed, r.failed, r.errored, r.skipped]
}

#[test]
fn surefire_counts_failures_errors_and_skips_but_not_a_flaky_pass() {
    let r = parse("surefire.xml");
    assert_eq!(counts(&r), [6, 2, 2, 1, 1]);
    assert_eq!(r.duration, Some(1.482));
    let names: Vec<String> = r.failures.iter().map(FailedTest::full_name).collect();
    assert_eq!(
        names,
        [
            "com.shop.cart.CartTest.totalsWithTax",
            "com.shop.cart.CartTest.appliesCoupon",
            "com.shop.cart.CartTest.savesToRedis"
        ]
    );
    assert_eq!(
        r.failures[0].message,
        ["expected: <107.00> but was: <100.00>"]
    );
    // Without a message attribute, the text's first lines stand in.
    assert_eq!(
        r.failures[1].message[0],
        "org.opentest4j.AssertionFailedError: coupon SPRING was not applied"
    );
    assert_eq!(r.failures[2].kind, FailureKind::Error);
    assert_eq!(
        r.failures[0].suite.as_deref(),
        Some("com.shop.cart.CartTest")
    );
    assert_eq!(
        r.summary(),
        "6 tests: 2 passed, 2 failed, 1 errored, 1 skipped (1.5 s)"
    );
    assert_eq!(r.headline().as_deref(), Some("3 tests failed"));
}

#[test]
fn pytest_gives_file_and_line() {
    let r = parse("pytest.xml");
    assert_eq!(counts(&r), [5, 2, 2, 0, 1]);
    let first = &r.failures[0];
    assert_eq!(
        first.full_name(),
        "tests.test_checkout.test_empty_cart_is_free"
    );
    assert_eq!(first.file.as_deref(), Some("tests/test_checkout.py"));
    assert_eq!(first.line, Some(21));
    assert_eq!(
        first.message,
        [
            "AssertionError: assert 4.99 == 0",
            " +  where 4.99 = total(Cart())"
        ]
    );
    assert_eq!(first.suite.as_deref(), Some("pytest"));
}

#[test]
fn jest_names_are_not_repeated_and_markup_stays_text() {
    let r = parse("jest.xml");
    assert_eq!(counts(&r), [3, 2, 1, 0, 0]);
    assert_eq!(
        r.failures[0].full_name(),
        "Cart totals <script>alert(1)</script>"
    );
    assert_eq!(
        r.failures[0].message[0],
        "Error: expect(received).toBe(expected) // Object.is equality"
    );
    assert_eq!(r.duration, Some(2.114));
}

#[test]
fn nextest_reads_the_panic_and_ignores_flaky_passes() {
    let r = parse("nextest.xml");
    assert_eq!(counts(&r), [3, 2, 1, 0, 0]);
    assert_eq!(r.failures[0].full_name(), "shop::cart.tests::totals");
    assert_eq!(
        r.failures[0].message[0],
        "thread 'tests::totals' panicked at src/cart.rs:88:9:"
    );
}

#[test]
fn go_junit_report_and_gradle() {
    let go = parse("go-junit-report.xml");
    assert_eq!(counts(&go), [3, 1, 1, 0, 1]);
    // go-junit-report's message is always "Failed": it says nothing, yet it is what was given.
    assert_eq!(
        go.failures[0].full_name(),
        "example.com/shop/cart.TestTotal"
    );
    let gradle = parse("gradle.xml");
    assert_eq!(counts(&gradle), [2, 1, 1, 0, 0]);
    assert!(gradle.failures[0].message[0].contains("<1,00 €>"));
}

#[test]
fn more_than_twenty_failures_are_counted_not_listed() {
    let cases: String = (0..133)
        .map(|i| {
            format!("<testcase classname=\"C\" name=\"t{i}\"><failure message=\"no\"/></testcase>")
        })
        .collect();
    let xml = format!("<testsuite name=\"big\">{cases}<testcase name=\"ok\"/></testsuite>");
    let r = TestResults::parse(xml.as_bytes()).expect("parses");
    assert_eq!(r.failures.len(), MAX_FAILED_SHOWN);
    assert_eq!(r.more_failures, 113);
    assert_eq!(r.headline().as_deref(), Some("133 tests failed"));
}

#[test]
fn long_messages_keep_their_first_lines() {
    let text: String = (0..50).map(|i| format!("line {i}\n")).collect();
    let xml =
        format!("<testsuite><testcase name=\"t\"><failure>{text}</failure></testcase></testsuite>");
    let r = TestResults::parse(xml.as_bytes()).expect("parses");
    let message = &r.failures[0].message;
    assert_eq!(message.len(), MESSAGE_LINES + 1);
    assert_eq!(message.last().map(String::as_str), Some("…"));
}

#[test]
fn what_is_not_a_junit_report_says_so_without_quoting_it() {
    for (xml, expected) in [
        ("<html><body>404</body></html>", "not a JUnit report"),
        (
            "<testsuite><testcase name=\"secret-token\"></testsuite>",
            "not well-formed XML",
        ),
        ("<testsuite><testcase name=\"a\"/>", "cut short"),
        ("not xml at all", "not a JUnit report"),
        ("", "not a JUnit report"),
    ] {
        let error = TestResults::parse(xml.as_bytes())
            .expect_err(xml)
            .to_string();
        assert!(error.contains(expected), "{xml}: {error}");
        assert!(!error.contains("secret"), "{error}");
    }
}

#[test]
fn collect_reads_globs_and_warns_for_each_file_it_cannot_use() {
    let dir = tempfile::tempdir().expect("temp dir");
    let reports = dir.path().join("target/surefire-reports");
    std::fs::create_dir_all(&reports).expect("mkdir");
    std::fs::copy(fixture("surefire.xml"), reports.join("TEST-cart.xml")).expect("copy");
    std::fs::copy(fixture("gradle.xml"), reports.join("TEST-price.xml")).expect("copy");
    std::fs::write(reports.join("TEST-broken.xml"), "<testsuite><testcase").expect("write");
    let patterns = ["target/**/TEST-*.xml".to_owned(), "build/*.xml".to_owned()];
    let collected = collect(&patterns, dir.path());
    let results = collected.results.expect("two reports read");
    assert_eq!(results.files, 2);
    assert_eq!(counts(&results), [8, 3, 3, 1, 1]);
    assert_eq!(collected.warnings.len(), 2, "{:?}", collected.warnings);
    assert!(
        collected.warnings[0].contains("TEST-broken.xml: it is not"),
        "{:?}",
        collected.warnings
    );
    assert!(collected.warnings[0].contains("goes without that file"));
    assert!(collected.warnings[1].contains("the test results build/*.xml match no file"));
}

#[test]
fn no_report_means_no_results() {
    let dir = tempfile::tempdir().expect("temp dir");
    let collected = collect(&["missing.xml".to_owned()], dir.path());
    assert_eq!(collected.results, None);
    assert_eq!(collected.warnings.len(), 1);
}

#[test]
fn a_huge_report_is_read_in_one_pass_with_little_memory() {
    // 50 000 test cases, 10 MB: the reader keeps 20 failures and the counts.
    let case = "<testcase classname=\"pkg.Class\" name=\"a_test_with_a_long_name\" time=\"0.001\"><failure message=\"m\">trace</failure><system-out>".to_owned()
        + &"x".repeat(100)
        + "</system-out></testcase>\n";
    let xml = format!("<testsuites>{}</testsuites>", case.repeat(50_000));
    let r = TestResults::parse(xml.as_bytes()).expect("parses");
    assert_eq!(r.total, 50_000);
    assert_eq!(r.failures.len(), MAX_FAILED_SHOWN);
    assert_eq!(r.more_failures, 50_000 - MAX_FAILED_SHOWN as u64);
}
