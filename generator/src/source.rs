//! Where a spec version's files are: a version name looked up in the collection, or a
//! folder given directly. The known versions are listed in `api-defs/versions.toml`.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::{Problem, Result, SpecError};

/// `api-defs/versions.toml`, compiled in.
const VERSIONS_TOML: &str = include_str!("../../api-defs/versions.toml");

/// The environment variable naming the spec collection root.
pub const SPEC_ROOT_VAR: &str = "MATRIX_SPEC_ROOT";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct VersionsFile {
    default: String,
    version: Vec<KnownVersion>,
}

/// A spec release the generator knows.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KnownVersion {
    /// Its name (`v1.19`).
    pub name: String,
    /// The value of `%CLIENT_MAJOR_VERSION%` in its base paths.
    #[serde(default = "default_major_version")]
    pub client_major_version: String,
    /// Folders that stand for other folders (lost symbolic links), from → to.
    #[serde(default)]
    pub path_aliases: std::collections::BTreeMap<PathBuf, PathBuf>,
    /// Keys beside an example `$ref` resolve relative to the referenced file.
    #[serde(default)]
    pub example_refs_follow_target: bool,
}

fn default_major_version() -> String {
    "r0".to_owned()
}

fn versions_file() -> VersionsFile {
    // The file is part of the build; a test checks it parses.
    toml::from_str(VERSIONS_TOML)
        .unwrap_or_else(|e| panic!("api-defs/versions.toml is invalid: {e}"))
}

/// The releases the generator knows, oldest first.
pub fn known_versions() -> Vec<KnownVersion> {
    versions_file().version
}

/// The pinned default version.
pub fn default_version() -> String {
    versions_file().default
}

/// The collection root: `MATRIX_SPEC_ROOT`, else `../shared/matrix-spec` beside the workspace.
pub fn collection_root() -> PathBuf {
    match std::env::var_os(SPEC_ROOT_VAR) {
        Some(root) => PathBuf::from(root),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/matrix-spec"),
    }
}

/// One version's spec files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecSource {
    /// The version's name, or the folder's name when it is not a known version.
    pub version: String,
    /// The folder holding `api/` and `event-schemas/` (`<version>/data` or `<version>`).
    pub data_dir: PathBuf,
    /// `%CLIENT_MAJOR_VERSION%`.
    pub client_major_version: String,
    /// Folders that stand for other folders, from → to (relative to `data_dir`).
    pub path_aliases: Vec<(PathBuf, PathBuf)>,
    /// Keys beside an example `$ref` resolve relative to the referenced file.
    pub example_refs_follow_target: bool,
}

/// The variable naming a version's folder.
pub const SPEC_DIR_VAR: &str = "MATRIX_SPEC_DIR";
/// The variable naming a version under the collection root.
pub const SPEC_VERSION_VAR: &str = "MATRIX_SPEC_VERSION";

impl SpecSource {
    /// The version the environment names: `MATRIX_SPEC_DIR`, else `MATRIX_SPEC_VERSION`
    /// under the collection root, else the pinned default (what the build scripts of the
    /// generated crates and the tests of them read).
    pub fn from_env() -> Result<Self> {
        match (
            std::env::var_os(SPEC_DIR_VAR),
            std::env::var(SPEC_VERSION_VAR),
        ) {
            (Some(dir), _) => SpecSource::dir(Path::new(&dir)),
            (None, Ok(version)) => SpecSource::version(&version),
            (None, Err(_)) => SpecSource::version(&default_version()),
        }
    }

    /// A version by name, under the collection root.
    pub fn version(name: &str) -> Result<Self> {
        Self::version_in(name, &collection_root())
    }

    /// A version by name, under `root`.
    pub fn version_in(name: &str, root: &Path) -> Result<Self> {
        let dir = root.join(name);
        if !dir.is_dir() {
            let known: Vec<String> = known_versions().into_iter().map(|v| v.name).collect();
            return Err(not_a_spec(
                &dir,
                format!(
                    "no spec version `{name}` under {} (set {SPEC_ROOT_VAR} or use --spec DIR; known versions: {})",
                    root.display(),
                    known.join(", ")
                ),
            ));
        }
        Self::dir(&dir)
    }

    /// A version's folder: the one holding `data/` or `api/`.
    pub fn dir(dir: &Path) -> Result<Self> {
        let data_dir = if dir.join("data/api").is_dir() {
            dir.join("data")
        } else if dir.join("api").is_dir() {
            dir.to_path_buf()
        } else {
            return Err(not_a_spec(
                dir,
                format!(
                    "{} holds neither `data/api/` nor `api/`: not a spec version folder",
                    dir.display()
                ),
            ));
        };
        let folder = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| dir.display().to_string());
        let known = known_versions().into_iter().find(|v| v.name == folder);
        Ok(SpecSource {
            client_major_version: known
                .as_ref()
                .map_or_else(default_major_version, |v| v.client_major_version.clone()),
            example_refs_follow_target: known
                .as_ref()
                .is_some_and(|v| v.example_refs_follow_target),
            path_aliases: known
                .map(|v| v.path_aliases.into_iter().collect())
                .unwrap_or_default(),
            version: folder,
            data_dir,
        })
    }
}

fn not_a_spec(dir: &Path, message: String) -> Box<SpecError> {
    Box::new(SpecError {
        file: dir.to_path_buf(),
        pointer: String::new(),
        line: None,
        problem: Problem::NotASpec(message),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_file_lists_the_default() {
        let file = versions_file();
        assert!(file.version.iter().any(|v| v.name == file.default));
    }
}
