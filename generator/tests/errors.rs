//! A broken spec gives an error naming the file, the JSON pointer, the line and the
//! problem, and the CLI exits with status 2; nothing panics.

use std::path::{Path, PathBuf};
use std::process::Command;

use matrix_codegen::{Problem, SpecError, SpecSource};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn load_error(name: &str) -> SpecError {
    let source = SpecSource::dir(&fixture(name)).unwrap();
    *matrix_codegen::load(&source).expect_err("the fixture is broken")
}

#[test]
fn a_minimal_spec_loads() {
    let spec = matrix_codegen::load(&SpecSource::dir(&fixture("minimal")).unwrap()).unwrap();
    assert_eq!(spec.operations.len(), 1);
    assert_eq!(spec.operations[0].path, "/_matrix/client/v3/ping");
    let response = spec.operations[0].responses[0].body.as_ref().unwrap();
    let schema = response.json().unwrap().schema.unwrap();
    assert_eq!(
        spec.types.get(schema).annotations.title.as_deref(),
        Some("Pong")
    );
}

#[test]
fn missing_file() {
    let e = load_error("missing-file");
    assert_eq!(e.file, Path::new("api/client-server/definitions/pong.yaml"));
    assert_eq!(e.pointer, "/properties/at/$ref");
    assert_eq!(e.line, Some(4));
    assert!(
        matches!(&e.problem, Problem::MissingFile { reference, .. } if reference == "nowhere.yaml")
    );
}

#[test]
fn dangling_ref() {
    let e = load_error("dangling-ref");
    assert_eq!(e.file, Path::new("api/client-server/definitions/pong.yaml"));
    assert_eq!(e.pointer, "/properties/at/$ref");
    assert!(
        matches!(&e.problem, Problem::DanglingRef { fragment, .. } if fragment == "/components/schemas/Timestamp")
    );
}

#[test]
fn ref_cycle() {
    let e = load_error("ref-cycle");
    let Problem::RefCycle(chain) = &e.problem else {
        panic!("{e}")
    };
    assert!(
        chain.contains("pong.yaml") && chain.contains("ping_again.yaml"),
        "{chain}"
    );
}

#[test]
fn unknown_type() {
    let e = load_error("unknown-type");
    assert_eq!(e.file, Path::new("api/client-server/definitions/pong.yaml"));
    assert_eq!(e.pointer, "/properties/at/type");
    assert_eq!(e.line, Some(4));
    assert_eq!(e.problem, Problem::UnknownType("timestamp".into()));
}

#[test]
fn invalid_yaml() {
    let e = load_error("invalid-yaml");
    assert_eq!(e.file, Path::new("api/client-server/ping.yaml"));
    assert!(matches!(e.problem, Problem::InvalidYaml(_)));
    assert_eq!(e.line, Some(6));
}

#[test]
fn duplicate_key() {
    let e = load_error("duplicate-key");
    assert_eq!(e.pointer, "/paths/~1ping/get");
    assert_eq!(e.line, Some(6));
    assert_eq!(e.problem, Problem::DuplicateKey("operationId".into()));
}

#[test]
fn not_a_spec_folder() {
    let e = SpecSource::dir(&fixture("missing-file/api")).unwrap_err();
    assert!(matches!(e.problem, Problem::NotASpec(_)));
}

#[test]
fn the_cli_exits_with_2_and_names_the_place() {
    for case in [
        "missing-file",
        "dangling-ref",
        "ref-cycle",
        "unknown-type",
        "invalid-yaml",
        "duplicate-key",
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_matrix-codegen"))
            .args(["list", "--spec"])
            .arg(fixture(case))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{case}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.starts_with("error: api/client-server/"),
            "{case}: {stderr}"
        );
        assert!(out.stdout.is_empty(), "{case}");
    }
    let out = Command::new(env!("CARGO_BIN_EXE_matrix-codegen"))
        .args(["list", "--spec-version", "v0.0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
