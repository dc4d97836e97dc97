//! `matrix-codegen list`: the operations of a spec version and a count per API.

use std::fmt::Write as _;
use std::io::Write as _;
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use matrix_codegen::SpecError;
use matrix_codegen::ir::{Api, Operation, Spec};
use serde::Serialize;

use super::{ApiArg, SpecArgs};

#[derive(Debug, Args)]
pub struct ListArgs {
    #[command(flatten)]
    spec: SpecArgs,
    #[command(flatten)]
    api: ApiArg,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Format {
    Table,
    Json,
}

pub fn run(args: &ListArgs) -> Result<ExitCode, Box<SpecError>> {
    let spec = matrix_codegen::load(&args.spec.source()?)?;
    let apis: Vec<Api> = match args.api.api {
        Some(api) => vec![api],
        None => Api::ALL.to_vec(),
    };
    let text = match args.format {
        Format::Table => table(&spec, &apis),
        Format::Json => json(&spec, &apis),
    };
    // A closed pipe (`| head`) is not an error worth reporting.
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
    Ok(ExitCode::SUCCESS)
}

fn flags(op: &Operation) -> Vec<&'static str> {
    let mut flags = Vec::new();
    if op.is_deprecated() {
        flags.push("deprecated");
    }
    if op.rate_limited {
        flags.push("rate-limited");
    }
    if op.operation_id_synthesised {
        flags.push("synthesised-id");
    }
    flags
}

fn table(spec: &Spec, apis: &[Api]) -> String {
    let mut out = String::new();
    let mut total = 0;
    let mut counts = Vec::new();
    for &api in apis {
        let ops: Vec<&Operation> = spec.operations_of(api).collect();
        let _ = writeln!(out, "# {api} ({} operations)", ops.len());
        for op in &ops {
            let _ = writeln!(
                out,
                "{:<7} {:<70} {:<36} {:<28} {}",
                op.method,
                op.path,
                op.operation_id,
                op.security.auth().to_string(),
                flags(op).join(",")
            );
        }
        out.push('\n');
        total += ops.len();
        counts.push((api, ops.len()));
    }
    let _ = writeln!(out, "spec {}:", spec.version);
    for (api, n) in counts {
        let _ = writeln!(out, "  {:<20} {n:>4}", api.to_string());
    }
    let _ = writeln!(out, "  {:<20} {total:>4}", "total");
    if !spec.fixups_applied.is_empty() {
        let _ = writeln!(out, "fix-ups applied: {}", spec.fixups_applied.join(", "));
    }
    out
}

#[derive(Serialize)]
struct JsonList<'a> {
    version: &'a str,
    counts: Vec<JsonCount>,
    total: usize,
    fixups_applied: &'a [String],
    operations: Vec<JsonOperation<'a>>,
}

#[derive(Serialize)]
struct JsonCount {
    api: String,
    operations: usize,
}

#[derive(Serialize)]
struct JsonOperation<'a> {
    api: String,
    method: &'static str,
    path: &'a str,
    operation_id: &'a str,
    security: String,
    deprecated: bool,
    rate_limited: bool,
    added_in: Option<&'a str>,
    file: String,
}

fn json(spec: &Spec, apis: &[Api]) -> String {
    let operations: Vec<JsonOperation<'_>> = spec
        .operations
        .iter()
        .filter(|op| apis.contains(&op.api))
        .map(|op| JsonOperation {
            api: op.api.to_string(),
            method: op.method.as_str(),
            path: &op.path,
            operation_id: &op.operation_id,
            security: op.security.auth().to_string(),
            deprecated: op.is_deprecated(),
            rate_limited: op.rate_limited,
            added_in: op.added_in.as_deref(),
            file: op.location.file.display().to_string(),
        })
        .collect();
    let counts = apis
        .iter()
        .map(|&api| JsonCount {
            api: api.to_string(),
            operations: spec.operations_of(api).count(),
        })
        .collect();
    let list = JsonList {
        version: &spec.version,
        counts,
        total: operations.len(),
        fixups_applied: &spec.fixups_applied,
        operations,
    };
    let mut text = serde_json::to_string_pretty(&list).unwrap_or_default();
    text.push('\n');
    text
}
