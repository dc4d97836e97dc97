//! `matrix-codegen diff OLD NEW`: what changed between two spec versions, classified.

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use matrix_codegen::SpecError;
use matrix_codegen::diff::{self, Options, report};
use matrix_codegen::source::SpecSource;

use super::ApiArg;

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The old version: a version name (looked up under $MATRIX_SPEC_ROOT, default
    /// ../shared/matrix-spec) or a version's folder.
    old: String,
    /// The new version, likewise.
    new: String,
    #[command(flatten)]
    api: ApiArg,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// No ANSI colours in text output (they are used only when stdout is a terminal).
    #[arg(long)]
    no_color: bool,
    /// Leave out event schemas.
    #[arg(long)]
    no_events: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Format {
    /// A readable report for the terminal.
    Text,
    /// Markdown.
    Md,
    /// JSON (format documented in docs/diff.md).
    Json,
    /// One self-contained HTML page.
    Html,
}

/// A version name, or a folder when the argument names one.
fn source(arg: &str) -> Result<SpecSource, Box<SpecError>> {
    let path = Path::new(arg);
    if path.is_dir() {
        SpecSource::dir(path)
    } else {
        SpecSource::version(arg)
    }
}

/// Exit status 0 without breaking changes, 1 with (like `diff`); errors are 2.
pub fn run(args: &DiffArgs) -> Result<ExitCode, Box<SpecError>> {
    let options = Options {
        apis: match args.api.api {
            Some(api) => vec![api],
            None => Options::default().apis,
        },
        events: !args.no_events,
    };
    let report = diff::load_and_diff(&source(&args.old)?, &source(&args.new)?, &options)?;
    let format = match args.format {
        Format::Text => report::Format::Text {
            color: !args.no_color && std::io::stdout().is_terminal(),
        },
        Format::Md => report::Format::Markdown,
        Format::Json => report::Format::Json,
        Format::Html => report::Format::Html,
    };
    let text = report::render(&report, format);
    // A closed pipe (`| head`) is not an error worth reporting.
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
    Ok(if report.impact().is_breaking() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
