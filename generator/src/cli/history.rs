//! `matrix-codegen history`: writes `api-defs/history.toml`, every path each operation has
//! had, from every known release in the collection.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use matrix_codegen::SpecError;
use matrix_codegen::items::history::History;
use matrix_codegen::source::{self, SpecSource};

#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// Where to write the table (default: print it).
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

/// Loads every known release, oldest first.
pub fn load_all() -> Result<Vec<matrix_codegen::Spec>, Box<SpecError>> {
    source::known_versions()
        .iter()
        .map(|v| matrix_codegen::load(&SpecSource::version(&v.name)?))
        .collect()
}

pub fn run(args: &HistoryArgs) -> Result<ExitCode, super::CliError> {
    let table = History::compute(&load_all()?).to_toml();
    match &args.out {
        Some(path) => std::fs::write(path, table).map_err(|error| super::CliError::Write {
            path: path.clone(),
            error,
        })?,
        None => print!("{table}"),
    }
    Ok(ExitCode::SUCCESS)
}
