//! Snapshots of the Markdown and JSON reports for v1.18 → v1.19, compared byte for byte.
//! `UPDATE_SNAPSHOTS=1 cargo test -p matrix-codegen --test diff_snapshots` rewrites them.

use std::path::PathBuf;

use matrix_codegen::diff::report::{self, Format};
use matrix_codegen::diff::{self, Options, Report};
use matrix_codegen::source::SpecSource;

fn report() -> Report {
    let source = |v: &str| SpecSource::version(v).expect("spec collection present");
    diff::load_and_diff(&source("v1.18"), &source("v1.19"), &Options::default()).expect("both load")
}

fn check(name: &str, actual: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots")
        .join(name);
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, actual).expect("snapshot written");
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (run with UPDATE_SNAPSHOTS=1 to create it)",
            path.display()
        )
    });
    if expected != actual {
        let line = expected
            .lines()
            .zip(actual.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| expected.lines().count().min(actual.lines().count()));
        panic!(
            "{} differs from the output first at line {}:\n  snapshot: {:?}\n  output:   {:?}\n\
             (run with UPDATE_SNAPSHOTS=1 to accept the output)",
            path.display(),
            line + 1,
            expected.lines().nth(line),
            actual.lines().nth(line)
        );
    }
}

#[test]
fn markdown_and_json_match_the_snapshots() {
    let report = report();
    check(
        "diff_v1.18_v1.19.md",
        &report::render(&report, Format::Markdown),
    );
    check(
        "diff_v1.18_v1.19.json",
        &report::render(&report, Format::Json),
    );
}
