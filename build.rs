//! The build script of the five generated API crates (each `generated/<api>/Cargo.toml`
//! points `build` here): loads the spec and writes the crate's code to `OUT_DIR/api.rs`.
//!
//! The spec is the pinned version (`api-defs/versions.toml`) unless `MATRIX_SPEC_DIR` names
//! a version folder or `MATRIX_SPEC_VERSION` a version under the collection root
//! (`MATRIX_SPEC_ROOT`, default `../shared/matrix-spec`). A change of any of these variables,
//! of the spec files or of `api-defs/` regenerates the code.

use std::path::PathBuf;
use std::process::ExitCode;

use matrix_codegen::SpecSource;
use matrix_codegen::ir::Api;

fn main() -> ExitCode {
    match generate() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn generate() -> Result<(), String> {
    let manifest_dir =
        PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").map_err(|e| e.to_string())?);
    let api_name = manifest_dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let api: Api = api_name.parse().map_err(|e| format!("{e}"))?;
    for var in [
        matrix_codegen::source::SPEC_DIR_VAR,
        matrix_codegen::source::SPEC_VERSION_VAR,
        matrix_codegen::source::SPEC_ROOT_VAR,
    ] {
        println!("cargo:rerun-if-env-changed={var}");
    }
    let source = SpecSource::from_env().map_err(|e| e.to_string())?;
    println!("cargo:rerun-if-changed={}", source.data_dir.display());
    let workspace = manifest_dir.join("../..");
    println!(
        "cargo:rerun-if-changed={}",
        workspace.join("api-defs").display()
    );
    let spec = matrix_codegen::load(&source).map_err(|e| e.to_string())?;
    let generated = matrix_codegen::emit::generate(&spec, api).map_err(|e| e.to_string())?;
    let out = PathBuf::from(std::env::var("OUT_DIR").map_err(|e| e.to_string())?).join("api.rs");
    std::fs::write(&out, generated.to_single_file()).map_err(|e| format!("{}: {e}", out.display()))
}
