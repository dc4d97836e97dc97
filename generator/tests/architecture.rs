//! The invariants ARCHITECTURE.md states, checked on the source: the IR and the Rust-item
//! model hold no Rust tokens; the diff never imports the printer; no crate under `crates/`
//! depends on the generator (tests of them may read the spec with it); no two modules of a
//! crate import each other; and `unsafe` appears in one place only, the prefetch hint.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

mod walk;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The `.rs` files under `dir`, recursively.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    walk::files_under(dir)
        .into_iter()
        .filter(|path| path.extension().is_some_and(|e| e == "rs"))
        .collect()
}

fn code_lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines().map(str::trim).filter(|l| !l.starts_with("//"))
}

#[test]
fn the_ir_and_the_item_model_hold_no_rust_tokens() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    for dir in ["ir", "items"] {
        for file in rust_files(&src.join(dir)) {
            let text = std::fs::read_to_string(&file).unwrap();
            for token_crate in ["proc_macro2", "quote", "syn::", "TokenStream"] {
                assert!(
                    !code_lines(&text).any(|l| l.contains(token_crate)),
                    "{} mentions {token_crate}",
                    file.display()
                );
            }
        }
    }
}

#[test]
fn the_diff_never_imports_the_printer() {
    let diff = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/diff");
    for file in rust_files(&diff) {
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(
            !code_lines(&text)
                .any(|l| l.contains("crate::emit") || l.contains("super::super::emit")),
            "{} imports emit",
            file.display()
        );
    }
}

#[test]
fn handwritten_crates_never_depend_on_the_generator() {
    for entry in std::fs::read_dir(workspace().join("crates"))
        .unwrap()
        .flatten()
    {
        let manifest = entry.path().join("Cargo.toml");
        let Ok(text) = std::fs::read_to_string(&manifest) else {
            continue;
        };
        let table: toml::Table = text.parse().unwrap();
        for section in ["dependencies", "build-dependencies"] {
            let deps = table.get(section).and_then(|d| d.as_table());
            assert!(
                !deps.is_some_and(|d| d.contains_key("matrix-codegen")),
                "{} has matrix-codegen in [{section}]",
                manifest.display()
            );
        }
    }
}

#[test]
fn generated_crates_depend_on_no_runtime_but_api_core() {
    for api in matrix_codegen::ir::Api::ALL {
        let manifest = workspace()
            .join("generated")
            .join(api.dir_name())
            .join("Cargo.toml");
        let table: toml::Table = std::fs::read_to_string(&manifest).unwrap().parse().unwrap();
        let deps = table["dependencies"].as_table().unwrap();
        let handwritten: Vec<&String> = deps
            .keys()
            .filter(|name| name.starts_with("matrix-") && *name != "matrix-api-core")
            .collect();
        assert!(
            handwritten.is_empty(),
            "{} depends on {handwritten:?}: the stubs must name only matrix-api-core's traits",
            manifest.display()
        );
    }
}

/// The module a source file is (`load::schema` for `src/load/schema.rs`).
fn module_of(src: &Path, file: &Path) -> String {
    let relative = file.strip_prefix(src).unwrap().with_extension("");
    let parts: Vec<String> = relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .filter(|p| p != "mod" && p != "lib" && p != "main")
        .collect();
    parts.join("::")
}

/// The modules of the crate a file imports (`use crate::a::b` and `super::`), as the
/// longest known module prefix.
fn imports(module: &str, text: &str, known: &BTreeSet<String>) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let parent = module.rsplit_once("::").map_or("", |(p, _)| p);
    for line in code_lines(text) {
        for (prefix, base) in [("crate::", ""), ("super::", parent)] {
            let mut rest = line;
            while let Some(at) = rest.find(prefix) {
                let after = &rest[at + prefix.len()..];
                let path: String = after
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                    .collect();
                let full = if base.is_empty() {
                    path.trim_end_matches(':').to_owned()
                } else {
                    format!("{base}::{}", path.trim_end_matches(':'))
                };
                let mut candidate = full.as_str();
                loop {
                    if known.contains(candidate) && candidate != module {
                        out.insert(candidate.to_owned());
                        break;
                    }
                    match candidate.rsplit_once("::") {
                        Some((shorter, _)) => candidate = shorter,
                        None => break,
                    }
                }
                rest = &after[path.len()..];
            }
        }
    }
    out
}

#[test]
fn no_two_modules_import_each_other() {
    let mut sources = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("src")];
    for entry in std::fs::read_dir(workspace().join("crates"))
        .unwrap()
        .flatten()
    {
        let src = entry.path().join("src");
        if src.is_dir() {
            sources.push(src);
        }
    }
    let mut cycles = Vec::new();
    for src in sources {
        let files = rust_files(&src);
        let known: BTreeSet<String> = files.iter().map(|f| module_of(&src, f)).collect();
        let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for file in &files {
            let module = module_of(&src, file);
            let text = std::fs::read_to_string(file).unwrap();
            graph.insert(module.clone(), imports(&module, &text, &known));
        }
        for (a, uses) in &graph {
            for b in uses {
                // A module may use its own children (`mod.rs` re-exports); siblings and
                // unrelated modules may not use each other both ways.
                let nested = a.is_empty()
                    || b.is_empty()
                    || b.starts_with(&format!("{a}::"))
                    || a.starts_with(&format!("{b}::"));
                if a < b && !nested && graph.get(b).is_some_and(|back| back.contains(a)) {
                    cycles.push(format!("{}: {a} <-> {b}", src.display()));
                }
            }
        }
    }
    assert!(
        cycles.is_empty(),
        "modules that import each other: {cycles:#?}"
    );
}

#[test]
fn unsafe_code_is_only_the_prefetch_hint() {
    let root = workspace();
    // This file names the tokens it looks for.
    let this_file = Path::new(file!()).file_name().expect("a file name");
    let files = ["crates", "generator", "generated", "templates"]
        .iter()
        .flat_map(|dir| rust_files(&root.join(dir)))
        .chain(Some(root.join("build.rs")).filter(|file| file.exists()))
        .filter(|file| !file.components().any(|part| part.as_os_str() == "target"))
        .filter(|file| !file.ends_with(Path::new("tests").join(this_file)));
    let mut found = BTreeSet::new();
    for file in files {
        let text = std::fs::read_to_string(&file).expect("readable source");
        let uses_unsafe = code_lines(&text).any(|line| {
            [
                "unsafe {",
                "unsafe fn",
                "unsafe impl",
                "unsafe extern",
                "(unsafe_code)",
            ]
            .iter()
            .any(|token| line.contains(token))
        });
        if uses_unsafe {
            found.insert(file.strip_prefix(&root).unwrap_or(&file).to_owned());
        }
    }
    let expected = BTreeSet::from([PathBuf::from("crates/auth-rules/src/prefetch.rs")]);
    assert_eq!(found, expected, "unsafe code outside the prefetch hint");
}
