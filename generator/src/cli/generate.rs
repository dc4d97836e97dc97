//! `matrix-codegen generate`: writes the generated crates as readable, formatted files.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;
use matrix_codegen::SpecError;
use matrix_codegen::emit::{self, GeneratedCrate, Module};
use matrix_codegen::ir::Api;

use super::{ApiArg, SpecArgs};

const CARGO_TEMPLATE: &str = include_str!("../../../templates/Cargo.toml.tmpl");
const README_TEMPLATE: &str = include_str!("../../../templates/README.md.tmpl");

#[derive(Debug, Args)]
pub struct GenerateArgs {
    #[command(flatten)]
    spec: SpecArgs,
    #[command(flatten)]
    api: ApiArg,
    /// Where to write one crate folder per API.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
}

/// What went wrong writing the output.
#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    /// The spec could not be read.
    #[error(transparent)]
    Spec(#[from] Box<SpecError>),
    /// Generation failed.
    #[error(transparent)]
    Emit(#[from] emit::EmitError),
    /// A generated module is not valid Rust (a generator bug).
    #[error("generated code for {module} does not parse: {error}")]
    Parse {
        /// The module.
        module: String,
        /// The parser's message.
        error: String,
    },
    /// A file could not be written.
    #[error("{path}: {error}")]
    Write {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        error: std::io::Error,
    },
}

pub fn run(args: &GenerateArgs) -> Result<ExitCode, GenerateError> {
    let spec = matrix_codegen::load(&args.spec.source()?)?;
    let apis: Vec<Api> = match args.api.api {
        Some(api) => vec![api],
        None => Api::ALL.to_vec(),
    };
    for api in apis {
        let generated = emit::generate(&spec, api)?;
        let dir = args.out.join(api.dir_name());
        write_crate(&generated, &dir)?;
        let operations = spec.operations_of(api).count();
        println!(
            "{}: {operations} operation{}, read from {}",
            crate_name(api),
            if operations == 1 { "" } else { "s" },
            dir.join("src/lib.rs").display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn crate_name(api: Api) -> String {
    match api {
        Api::Identity => "matrix-identity-api".to_owned(),
        other => format!("matrix-{}-api", other.dir_name()),
    }
}

/// Formats Rust items with prettyplease, with the generated-file header on top. The
/// definition macros of `matrix_api_core` (`json_object!`, `json_union!`, `string_enum!`)
/// take item syntax, which is formatted too.
fn format(
    header: &str,
    module: &str,
    tokens: proc_macro2::TokenStream,
) -> Result<String, GenerateError> {
    let file: syn::File = syn::parse2(tokens).map_err(|e| GenerateError::Parse {
        module: module.to_owned(),
        error: e.to_string(),
    })?;
    let mut out = format!("{header}\n");
    let mut plain: Vec<syn::Item> = Vec::new();
    let flush = |plain: &mut Vec<syn::Item>, out: &mut String| {
        if !plain.is_empty() {
            out.push_str(&unparse(std::mem::take(plain)));
            out.push('\n');
        }
    };
    for item in file.items {
        match definition_macro(&item) {
            Some((path, inner)) => {
                flush(&mut plain, &mut out);
                out.push_str(&format!("{path}! {{\n"));
                for line in unparse(vec![inner]).lines() {
                    if line.is_empty() {
                        out.push('\n');
                    } else {
                        out.push_str(&format!("    {line}\n"));
                    }
                }
                out.push_str("}\n\n");
            }
            None => plain.push(item),
        }
    }
    flush(&mut plain, &mut out);
    while out.ends_with("\n\n") {
        out.pop();
    }
    Ok(out)
}

fn unparse(items: Vec<syn::Item>) -> String {
    prettyplease::unparse(&syn::File {
        shebang: None,
        attrs: Vec::new(),
        items,
    })
}

/// A call of one of the definition macros, with its item.
fn definition_macro(item: &syn::Item) -> Option<(String, syn::Item)> {
    let syn::Item::Macro(call) = item else {
        return None;
    };
    let name = call.mac.path.segments.last()?.ident.to_string();
    if !matches!(name.as_str(), "json_object" | "json_union" | "string_enum") {
        return None;
    }
    let inner: syn::Item = syn::parse2(call.mac.tokens.clone()).ok()?;
    let path = call
        .mac
        .path
        .segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect::<Vec<_>>()
        .join("::");
    Some((path, inner))
}

fn write(path: &Path, text: &str) -> Result<(), GenerateError> {
    let result = match path.parent() {
        Some(dir) => std::fs::create_dir_all(dir).and_then(|()| std::fs::write(path, text)),
        None => std::fs::write(path, text),
    };
    result.map_err(|error| GenerateError::Write {
        path: path.to_owned(),
        error,
    })
}

fn write_crate(generated: &GeneratedCrate, dir: &Path) -> Result<(), GenerateError> {
    let header = generated.header();
    let crates_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../crates");
    // The server-server client signs its requests (X-Matrix), which `matrix-client` does
    // behind its `federation` feature.
    let client_features = match generated.api {
        Api::ServerServer => r#""dep:matrix-client", "matrix-client/federation""#,
        _ => r#""dep:matrix-client""#,
    };
    let fill = |template: &str| {
        template
            .replace("{{crate_name}}", &crate_name(generated.api))
            .replace("{{api}}", generated.api.dir_name())
            .replace("{{spec_version}}", &generated.version)
            .replace("{{crates_dir}}", &crates_dir.display().to_string())
            .replace("{{client_features}}", client_features)
    };
    write(&dir.join("Cargo.toml"), &fill(CARGO_TEMPLATE))?;
    write(&dir.join("README.md"), &fill(README_TEMPLATE))?;
    write(
        &dir.join("src/lib.rs"),
        &format(&header, "lib", generated.root_items())?,
    )?;
    for module in &generated.modules {
        write_module(&header, module, &dir.join("src"))?;
    }
    Ok(())
}

/// Writes `module` to `dir/name.rs`, and its children under `dir/name/`.
fn write_module(header: &str, module: &Module, dir: &Path) -> Result<(), GenerateError> {
    let name = module.name.to_string();
    let file = name.trim_start_matches("r#");
    let children = module.children.iter().map(Module::declaration);
    let items = &module.items;
    let text = format(header, &name, quote::quote! { #items #(#children)* })?;
    write(&dir.join(format!("{file}.rs")), &text)?;
    for child in &module.children {
        write_module(header, child, &dir.join(file))?;
    }
    Ok(())
}
