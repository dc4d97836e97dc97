//! Path history: every path an operation has had across the spec's releases, and the
//! response headers that older releases did not require.
//!
//! An operation of one release is the same as one of another when the API, the method and
//! the path are the same once parameter names are dropped and the client-server major
//! version is unified (`/_matrix/client/r0/…` of r0.x is `/_matrix/client/v3/…` of v1.1 on;
//! media likewise). Loading all twenty-one releases takes longer than a build script should,
//! so the history of the known releases is a table, `api-defs/history.toml`, that
//! `matrix-codegen history` writes from the releases themselves and a test keeps current;
//! the release being generated adds its own paths.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::ir::{Api, Method, Operation, Spec, StatusCode};

use super::Release;
use super::overrides::ItemOverrides;

const HISTORY_TOML: &str = include_str!("../../../api-defs/history.toml");

/// One operation's history.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// `[release, path]` for every release where the operation exists, with runs of the
    /// same path written once (the first release of the run).
    pub paths: Vec<(String, String)>,
    /// Releases where it exists: the first and the last.
    pub releases: (String, String),
    /// Response headers (lower case) of success statuses, with the first release from
    /// which every later release requires them.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub required_since: BTreeMap<String, String>,
}

/// The history table: `"api METHOD key"` → entry.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Table(pub BTreeMap<String, Entry>);

/// The history as the generator uses it for one release.
#[derive(Debug, Clone)]
pub struct History {
    table: Table,
    current: Option<Release>,
}

impl History {
    /// The compiled-in table, for generating `version`.
    pub fn load(_overrides: &ItemOverrides, version: &str) -> History {
        // The table is part of the build; a test checks that it parses and is current.
        let table = toml::from_str(HISTORY_TOML).unwrap_or_default();
        History {
            table,
            current: release(version),
        }
    }

    /// The paths of `op` (in the release being generated), oldest first, each with the
    /// first release that spells it; the last is the current path.
    pub fn paths(&self, op: &Operation) -> Vec<(Release, String)> {
        let mut out: Vec<(Release, String)> = Vec::new();
        if let Some(entry) = self.table.0.get(&table_key(op.api, op.method, &op.path)) {
            for (version, path) in &entry.paths {
                let Some(r) = release(version) else { continue };
                if self.current.is_none_or(|current| r <= current) {
                    out.push((r, path.clone()));
                }
            }
        }
        let current = self
            .current
            .or_else(|| out.last().map(|(r, _)| *r))
            .unwrap_or((1, 0, 0));
        if out.last().map(|(_, p)| p) != Some(&op.path) {
            out.retain(|(r, _)| *r < current);
            out.push((current, op.path.clone()));
        }
        out
    }

    /// Whether response header `name` of `op` is required in every release where `op`
    /// exists, up to the one being generated.
    pub fn header_always_required(&self, op: &Operation, name: &str) -> bool {
        let Some(entry) = self.table.0.get(&table_key(op.api, op.method, &op.path)) else {
            return true;
        };
        let first = release(&entry.releases.0);
        entry
            .required_since
            .get(&name.to_ascii_lowercase())
            .is_some_and(|since| release(since) <= first)
    }

    /// Computes the table from every release, oldest first.
    pub fn compute(specs: &[Spec]) -> Table {
        let mut table = Table::default();
        for spec in specs {
            for op in &spec.operations {
                let entry = table
                    .0
                    .entry(table_key(op.api, op.method, &op.path))
                    .or_default();
                if entry.paths.last().map(|(_, p)| p) != Some(&op.path) {
                    entry.paths.push((spec.version.clone(), op.path.clone()));
                }
                if entry.releases.0.is_empty() {
                    entry.releases.0 = spec.version.clone();
                }
                entry.releases.1 = spec.version.clone();
                let required = required_headers(op);
                entry.required_since.retain(|h, _| required.contains(h));
                for header in required {
                    entry
                        .required_since
                        .entry(header)
                        .or_insert_with(|| spec.version.clone());
                }
            }
        }
        table
    }

    /// The compiled-in table as written.
    pub fn compiled_in() -> Result<Table, toml::de::Error> {
        toml::from_str(HISTORY_TOML)
    }
}

impl Table {
    /// The table as `api-defs/history.toml` holds it.
    pub fn to_toml(&self) -> String {
        let mut out = String::from(
            "# Every path each operation has had, by release; written by `matrix-codegen history`\n\
             # from the spec releases (do not edit; a test checks it is current).\n",
        );
        let body = toml::to_string(self).unwrap_or_default();
        out.push_str(&body);
        out
    }
}

/// Success-status response headers the operation requires, lower case.
fn required_headers(op: &Operation) -> Vec<String> {
    let mut out: Vec<String> = op
        .responses
        .iter()
        .filter(|r| match r.status {
            StatusCode::Code(c) => (200..400).contains(&c),
            StatusCode::Range(r) => r == 2 || r == 3,
        })
        .flat_map(|r| r.headers.iter())
        .filter(|h| h.required)
        .map(|h| h.name.to_ascii_lowercase())
        .collect();
    out.sort();
    out.dedup();
    out
}

/// The table key of an operation.
fn table_key(api: Api, method: Method, path: &str) -> String {
    format!("{api} {method} {}", normalize(path))
}

/// The path with parameter names dropped and the client-server major version unified.
pub fn normalize(path: &str) -> String {
    path.split('/')
        .enumerate()
        .map(|(i, segment)| {
            if segment.starts_with('{') {
                "{}"
            } else if i == 3 && segment == "r0" {
                "v3"
            } else {
                segment
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// `(major, minor, patch)` of a release name (`v1.19`, `r0.6.1`).
pub fn release(version: &str) -> Option<Release> {
    let (r0, rest) = match version.as_bytes().first()? {
        b'r' => (true, &version[1..]),
        b'v' => (false, &version[1..]),
        _ => return None,
    };
    let mut parts = rest.split('.').map(|p| p.parse::<u16>().ok());
    let major = parts.next()??;
    let minor = parts.next()??;
    let patch = parts.next().flatten().unwrap_or(0);
    (r0 == (major == 0)).then_some((major, minor, patch))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_normalize_across_major_versions() {
        assert_eq!(
            normalize("/_matrix/client/r0/rooms/{roomId}/join"),
            normalize("/_matrix/client/v3/rooms/{room_id}/join")
        );
        assert_eq!(
            normalize("/_matrix/media/r0/download/{serverName}/{mediaId}"),
            "/_matrix/media/v3/download/{}/{}"
        );
        assert_ne!(
            normalize("/_matrix/federation/v1/send_join/{roomId}/{eventId}"),
            normalize("/_matrix/federation/v2/send_join/{roomId}/{eventId}")
        );
    }

    #[test]
    fn releases_parse() {
        assert_eq!(release("r0.6.1"), Some((0, 6, 1)));
        assert_eq!(release("v1.19"), Some((1, 19, 0)));
        assert_eq!(release("HEAD"), None);
        assert!(release("r0.4.0") < release("v1.1"));
    }

    #[test]
    fn the_table_parses() {
        assert!(History::compiled_in().is_ok());
    }
}
