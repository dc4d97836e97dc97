//! Spec files → IR: finds the files of a version, parses them, converts operations,
//! schemas and event schemas, and applies the named fix-ups.

pub mod events;
pub mod example;
pub mod located;
pub mod objects;
pub mod openapi3;
pub mod operations;
pub mod schema;
pub mod swagger2;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::documents::{Documents, parse_file};
use crate::error::{Problem, Result, SpecError};
use crate::ir::{Api, Spec};
use crate::source::SpecSource;

use self::events::EventDirs;
use self::objects::FileSettings;
use self::schema::SchemaBuilder;

/// Loads and resolves one spec version.
pub fn load(source: &SpecSource) -> Result<Spec> {
    let fixups = crate::fixups::all().map_err(|e| {
        Box::new(SpecError {
            file: PathBuf::from(format!("api-defs/fixups/{}.toml", e.name)),
            pointer: String::new(),
            line: None,
            problem: Problem::Invalid(e.problem),
        })
    })?;
    let patches = crate::fixups::PatchSet::new(&fixups);
    let mut docs = Documents::new(
        source.data_dir.clone(),
        source.path_aliases.clone(),
        patches,
    );
    docs.example_refs_follow_target = source.example_refs_follow_target;
    let layout = Layout::scan(&source.data_dir)?;
    preload(&docs, &layout.all_files())?;

    let settings = FileSettings {
        client_major_version: source.client_major_version.clone(),
    };
    let mut builder = SchemaBuilder::new(&docs);
    let mut operations = Vec::new();
    for (api, files) in &layout.api_files {
        for file in files {
            operations.extend(operations::load_file(
                &mut builder,
                *api,
                file.clone(),
                &settings,
            )?);
        }
    }
    operations.sort_by(|a, b| {
        (a.api, &a.path, a.method, &a.location.file).cmp(&(
            b.api,
            &b.path,
            b.method,
            &b.location.file,
        ))
    });
    let events = events::load_schemas(&mut builder, &layout.event_dirs, &layout.event_files)?;
    let event_examples = events::load_examples(&builder, &layout.example_files)?;
    let spec = Spec {
        version: source.version.clone(),
        operations,
        types: builder.finish(),
        events,
        event_examples,
        fixups_applied: docs.fixups_applied(),
    };
    Ok(spec)
}

/// The files of one version, by role, as paths relative to the data folder.
#[derive(Debug, Default)]
struct Layout {
    api_files: Vec<(Api, Vec<Arc<Path>>)>,
    other_api_files: Vec<Arc<Path>>,
    event_dirs: EventDirs,
    event_files: Vec<Arc<Path>>,
    example_files: Vec<Arc<Path>>,
}

impl Default for EventDirs {
    fn default() -> Self {
        EventDirs {
            schemas: PathBuf::from("event-schemas/schema"),
            examples: PathBuf::from("event-schemas/examples"),
            edus: PathBuf::from("api/server-server/definitions/event-schemas"),
        }
    }
}

impl Layout {
    fn scan(data_dir: &Path) -> Result<Layout> {
        let mut layout = Layout::default();
        for api in Api::ALL {
            let dir = Path::new("api").join(api.dir_name());
            if !data_dir.join(&dir).is_dir() {
                continue;
            }
            let mut top = Vec::new();
            for file in walk(data_dir, &dir, false)? {
                if file.parent() == Some(dir.as_path()) && is_yaml(&file) {
                    top.push(file);
                } else {
                    layout.other_api_files.push(file);
                }
            }
            layout.api_files.push((api, top));
        }
        let dirs = layout.event_dirs.clone();
        let present = |dir: &Path| data_dir.join(dir).is_dir();
        if present(&dirs.schemas) {
            layout.event_files = walk(data_dir, &dirs.schemas, true)?;
        }
        if present(&dirs.edus) {
            layout
                .event_files
                .extend(walk(data_dir, &dirs.edus, false)?);
        }
        if present(&dirs.examples) {
            layout.example_files = walk(data_dir, &dirs.examples, true)?;
        }
        Ok(layout)
    }

    fn all_files(&self) -> Vec<Arc<Path>> {
        self.api_files
            .iter()
            .flat_map(|(_, files)| files.iter())
            .chain(&self.other_api_files)
            .chain(&self.event_files)
            .chain(&self.example_files)
            .cloned()
            .collect()
    }
}

fn is_yaml(file: &Path) -> bool {
    matches!(
        file.extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml" | "json")
    )
}

/// Spec files under `dir` (relative to `data_dir`), sorted. Files without an extension
/// count when `bare` is set (old releases name event schemas `m.room.member`).
fn walk(data_dir: &Path, dir: &Path, bare: bool) -> Result<Vec<Arc<Path>>> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(dir) = todo.pop() {
        let entries = std::fs::read_dir(data_dir.join(&dir)).map_err(|e| {
            Box::new(SpecError {
                file: dir.clone(),
                pointer: String::new(),
                line: None,
                problem: Problem::Unreadable(e.to_string()),
            })
        })?;
        for entry in entries.flatten() {
            let path = dir.join(entry.file_name());
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_dir() {
                todo.push(path);
            } else if is_yaml(&path) || (bare && path.extension().is_none()) {
                out.push(Arc::from(path));
            } else {
                // Not spec data: README.md, scripts, Swagger UI assets.
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Parses `files` on all cores; a file that fails is parsed again, and reported, when
/// something uses it.
fn preload(docs: &Documents, files: &[Arc<Path>]) -> Result<()> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(8);
    let chunk = files.len().div_ceil(threads).max(1);
    let root = docs.root();
    let parsed: Vec<(Arc<Path>, crate::node::Node)> = std::thread::scope(|scope| {
        let handles: Vec<_> = files
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .filter_map(|f| parse_file(root, f).ok().map(|n| (f.clone(), n)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    });
    for (file, node) in parsed {
        docs.insert(file, node)?;
    }
    Ok(())
}
