//! Command-line interface.

mod diff;
mod generate;
mod history;
mod list;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use matrix_codegen::SpecError;
use matrix_codegen::ir::Api;
use matrix_codegen::source::{self, SpecSource};

/// Typed Rust from the Matrix specification.
#[derive(Debug, Parser)]
#[command(name = "matrix-codegen", version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// List the operations of a spec version, with a count per API.
    List(list::ListArgs),
    /// Write the generated crates as readable, formatted files.
    Generate(generate::GenerateArgs),
    /// Compare two spec versions: changed operations, fields and events, classified
    /// (exit status 1 when a change breaks clients or servers).
    Diff(diff::DiffArgs),
    /// Write the path history of every operation across the known releases
    /// (`api-defs/history.toml`).
    History(history::HistoryArgs),
}

/// Why a command failed (exit status 2).
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The spec could not be read.
    #[error(transparent)]
    Spec(#[from] Box<SpecError>),
    /// Generation failed.
    #[error(transparent)]
    Generate(#[from] generate::GenerateError),
    /// A file could not be written.
    #[error("{path}: {error}")]
    Write {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        error: std::io::Error,
    },
}

/// Which spec to read.
#[derive(Debug, Args)]
pub struct SpecArgs {
    /// A version name, looked up under $MATRIX_SPEC_ROOT (default ../shared/matrix-spec
    /// beside the workspace). Defaults to the pinned version.
    #[arg(long, value_name = "V", conflicts_with = "spec")]
    spec_version: Option<String>,
    /// A version's folder (the one holding `data/` or `api/`).
    #[arg(long, value_name = "DIR")]
    spec: Option<PathBuf>,
}

impl SpecArgs {
    /// The spec source these arguments name.
    pub fn source(&self) -> Result<SpecSource, Box<SpecError>> {
        match (&self.spec, &self.spec_version) {
            (Some(dir), _) => SpecSource::dir(dir),
            (None, Some(version)) => SpecSource::version(version),
            (None, None) => SpecSource::version(&source::default_version()),
        }
    }
}

/// Narrowing to one API.
#[derive(Debug, Args)]
pub struct ApiArg {
    /// Only this API (client-server, server-server, application-service, identity,
    /// push-gateway).
    #[arg(long, value_name = "NAME")]
    api: Option<Api>,
}

/// Runs the command; `Err` is reported with exit status 2.
pub fn run(cli: Cli) -> Result<ExitCode, CliError> {
    match cli.command {
        Command::List(args) => Ok(list::run(&args)?),
        Command::Generate(args) => Ok(generate::run(&args)?),
        Command::Diff(args) => Ok(diff::run(&args)?),
        Command::History(args) => history::run(&args),
    }
}
