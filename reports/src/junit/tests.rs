//! JUnit XML: what each row becomes, and the file checked against the JUnit schema CI tools
//! read (`testdata/junit.xsd`, with `xmllint`).

use std::path::Path;
use std::process::Command;

use super::*;
use crate::tests::sample;
use crate::{Component, Metric};

/// The sample run, with a second scenario that was invalid and a row only it claims.
fn with_an_invalid_scenario() -> RunReport {
    let mut report = sample();
    let mut invalid = report.scenarios[0].clone();
    invalid.name = "arms".into();
    invalid.valid = false;
    invalid.invalid_reasons = vec!["the generator sent late".into()];
    invalid.measures = vec!["latency.arms".parse().unwrap()];
    report.scenarios.push(invalid);
    report.rows.push(BudgetRow::unmeasured(
        (Component::Arms, "Arms (average)", Metric::P99),
        (5000.0, "ms"),
    ));
    report.verdict = crate::Verdict::Invalid;
    report
}

#[test]
fn each_row_is_a_case_failed_errored_or_skipped_as_it_was_judged() {
    let xml = render_junit(&with_an_invalid_scenario());
    // Grouped by table, with the counts CI tools show.
    assert!(xml.contains(
        "<testsuites name=\"octoperf 20261126T120000Z-abcd\" tests=\"5\" failures=\"1\" errors=\"1\">"
    ));
    assert!(xml.contains("<testsuite name=\"Latency (development)\" tests=\"2\" failures=\"0\" errors=\"1\" skipped=\"0\""));
    assert!(xml.contains("<testsuite name=\"Throughput (development)\" tests=\"1\" failures=\"1\" errors=\"0\" skipped=\"0\""));
    assert!(xml.contains("<testsuite name=\"Resources (development)\" tests=\"2\" failures=\"0\" errors=\"0\" skipped=\"1\""));
    // A failed row: measured against limit.
    assert!(
        xml.contains("<failure type=\"budget\" message=\"measured 9000 req/s, limit &gt; 10000 req/s: the offered rate was not sustained\">"),
        "{xml}"
    );
    // A row its invalid scenario could not judge: an error naming why.
    assert!(xml.contains(
        "<error type=\"invalid\" message=\"scenario arms is invalid: the generator sent late\">"
    ));
    // A row nothing measured: skipped, with the reason.
    assert!(xml.contains("<skipped message=\"no scenario in this run measures it\"/>"));
    // The test case names the row and its limit.
    assert!(xml.contains(
        "<testcase classname=\"octoperf.latency.reflex\" name=\"Reflex Layer P99 &lt; 20 ms\" time=\"0\">"
    ));
}

/// `xmllint`, or why the schema check cannot run here.
fn xmllint() -> Option<&'static str> {
    let found = Command::new("xmllint").arg("--version").output().is_ok();
    if !found && std::env::var("CI").as_deref() == Ok("true") {
        panic!("xmllint is missing (Debian: libxml2-utils); .ci/run installs it");
    }
    if !found {
        eprintln!("skipped: xmllint is not installed (Debian: apt-get install -y libxml2-utils)");
    }
    found.then_some("xmllint")
}

fn validate(xmllint: &str, xml: &str) -> Result<(), String> {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("junit.xml");
    std::fs::write(&file, xml).unwrap();
    let schema = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/junit.xsd");
    let output = Command::new(xmllint)
        .arg("--noout")
        .arg("--schema")
        .arg(&schema)
        .arg(&file)
        .output()
        .unwrap();
    if output.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).into_owned())
    }
}

#[test]
fn junit_xml_is_valid_against_the_junit_schema() {
    let Some(xmllint) = xmllint() else { return };
    for report in [sample(), with_an_invalid_scenario()] {
        validate(xmllint, &render_junit(&report)).unwrap();
    }
    // The check can fail: a test case without its name, and two outcomes in one case, are
    // refused.
    let xml = render_junit(&sample());
    let unnamed = xml.replacen(" name=\"Reflex Layer P99 &lt; 20 ms\"", "", 1);
    assert!(validate(xmllint, &unnamed).is_err());
    let twice = xml.replacen("<skipped ", "<failure message=\"x\"/><skipped ", 1);
    assert!(validate(xmllint, &twice).is_err());
}

#[test]
fn text_that_is_not_xml_is_escaped() {
    assert_eq!(
        escape("a<b & \"c\" > 'd'\u{1}"),
        "a&lt;b &amp; &quot;c&quot; &gt; &apos;d&apos;?"
    );
}
