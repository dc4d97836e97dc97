//! `api-defs/overrides.toml` (spec schemas and formats spelled with handwritten types) and
//! `api-defs/items.toml` (names, groups, dispatch enums, secrets and helpers that the spec
//! alone does not settle).

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;

use crate::ir::{Kind, SchemaId, Spec};

use super::ApiItems;

const OVERRIDES_TOML: &str = include_str!("../../../api-defs/overrides.toml");
const ITEMS_TOML: &str = include_str!("../../../api-defs/items.toml");

/// One of the override files is invalid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {problem}")]
pub struct OverrideError {
    /// The file.
    pub file: &'static str,
    /// What is wrong.
    pub problem: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct CoreFile {
    formats: BTreeMap<String, String>,
    schemas: BTreeMap<String, String>,
    unions: BTreeMap<String, String>,
    examples: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct ItemsFile {
    secrets: Vec<String>,
    #[serde(default)]
    operations: BTreeMap<String, String>,
    #[serde(default)]
    names: BTreeMap<String, String>,
    #[serde(default)]
    groups: BTreeMap<String, BTreeMap<String, GroupOverride>>,
    #[serde(default)]
    query_json: BTreeMap<String, QueryJson>,
    #[serde(default)]
    dispatch: Vec<Dispatch>,
    #[serde(default)]
    helpers: Vec<Helper>,
}

/// A query parameter whose value is JSON text of a schema.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueryJson {
    /// The schema file of the JSON, relative to the data folder.
    pub schema: String,
    /// Whether an ID (of a stored value) may stand in its place.
    #[serde(default)]
    pub or_id: bool,
}

/// A module for a tag or file of the spec.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupOverride {
    /// The module name.
    pub module: String,
    /// The anchor of the spec section (on the API's page).
    #[serde(default)]
    pub section: Option<String>,
}

/// A schema whose members the spec assigns to the values of one member in prose: the
/// enum to generate.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dispatch {
    /// The schema: a file relative to the data folder (`…/user_identifier.yaml`), or an
    /// operation's request body (`operation:login`).
    pub schema: String,
    /// The member whose value chooses the variant.
    pub tag: String,
    /// The enum's name.
    pub name: String,
    /// For a request body: the field of the request that holds the enum; the other
    /// members stay fields of the request.
    #[serde(default)]
    pub field: Option<String>,
    /// Members every variant has.
    #[serde(default)]
    pub shared: Vec<String>,
    /// The variants, by tag value.
    pub variants: BTreeMap<String, DispatchVariant>,
}

/// One value of a dispatch enum's tag.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DispatchVariant {
    /// The variant.
    pub name: String,
    /// The struct of its members.
    #[serde(rename = "struct")]
    pub struct_name: String,
    /// Members of the schema that belong to this value.
    #[serde(default)]
    pub members: Vec<String>,
    /// Members the spec describes only in prose: name → `string`, `object`, or
    /// `type:<schema file>` (the type of that schema).
    #[serde(default)]
    pub prose_members: BTreeMap<String, String>,
    /// Which of the members are required for this value.
    #[serde(default)]
    pub required: Vec<String>,
}

/// A handwritten helper template and the items it needs.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Helper {
    /// The API.
    pub api: String,
    /// The template file under `templates/helpers/`.
    pub file: String,
    /// Items (paths from the crate root) that must exist for it to apply.
    pub requires: Vec<String>,
}

/// The decisions of both files.
#[derive(Debug, Clone)]
pub struct ItemOverrides {
    /// String format → type name in `matrix_api_core`.
    pub formats: BTreeMap<String, String>,
    /// Schema file → type name in `matrix_api_core`.
    pub core_schemas: BTreeMap<String, String>,
    /// `format|format` of a union of strings → type name in `matrix_api_core`.
    pub unions: BTreeMap<String, String>,
    /// Event example name → the schema file it is an example of (`[]` for an array).
    pub examples: BTreeMap<String, String>,
    /// JSON keys whose values are credentials.
    pub secrets: BTreeSet<String>,
    /// `operationId` → module name.
    pub operations: BTreeMap<String, String>,
    /// `file#pointer` → type name.
    pub names: BTreeMap<String, String>,
    /// API → tag or file stem → module.
    pub groups: BTreeMap<String, BTreeMap<String, GroupOverride>>,
    /// `operationId.parameter` → the JSON the query parameter carries.
    pub query_json: BTreeMap<String, QueryJson>,
    /// Dispatch enums.
    pub dispatch: Vec<Dispatch>,
    /// Helper templates.
    pub helpers: Vec<Helper>,
}

impl ItemOverrides {
    /// The compiled-in files.
    pub fn load() -> Result<Self, OverrideError> {
        let core: CoreFile = toml::from_str(OVERRIDES_TOML).map_err(|e| OverrideError {
            file: "api-defs/overrides.toml",
            problem: e.to_string(),
        })?;
        let items: ItemsFile = toml::from_str(ITEMS_TOML).map_err(|e| OverrideError {
            file: "api-defs/items.toml",
            problem: e.to_string(),
        })?;
        Ok(ItemOverrides {
            formats: core.formats,
            core_schemas: core.schemas,
            unions: core.unions,
            examples: core.examples,
            secrets: items.secrets.into_iter().collect(),
            operations: items.operations,
            names: items.names,
            groups: items.groups,
            query_json: items.query_json,
            dispatch: items.dispatch,
            helpers: items.helpers,
        })
    }

    /// Whether a member holds a credential.
    pub fn is_secret(&self, json_key: &str) -> bool {
        self.secrets.contains(json_key)
    }

    /// The dispatch enum for schema `id` (a schema file's root), if one is declared.
    pub fn dispatch_for(&self, spec: &Spec, id: SchemaId) -> Option<&Dispatch> {
        let schema = spec.types.get(spec.types.target(id));
        if !schema.location.pointer.is_empty() {
            return None;
        }
        let file = schema.location.file.to_string_lossy();
        self.dispatch.iter().find(|d| d.schema == file)
    }

    /// The dispatch enum for the request body of `operation_id`, if one is declared.
    pub fn dispatch_for_request(&self, operation_id: &str) -> Option<&Dispatch> {
        self.dispatch
            .iter()
            .find(|d| d.schema.strip_prefix("operation:") == Some(operation_id))
    }

    /// Checks that every dispatch names members its schema has, where `spec` has the
    /// schema (older releases lack some members, so generation does not require it; a test
    /// runs this on the pinned release to catch a misspelt member).
    pub fn check_schemas(&self, spec: &Spec) -> Result<(), OverrideError> {
        for dispatch in &self.dispatch {
            let object = spec.types.iter().find_map(|(id, schema)| {
                let file = schema.location.file.to_string_lossy();
                (schema.location.pointer.is_empty() && file == dispatch.schema)
                    .then(|| spec.types.kind(id))
            });
            let Some(Kind::Object(object)) = object else {
                continue;
            };
            for variant in dispatch.variants.values() {
                for member in variant.members.iter().chain(&dispatch.shared) {
                    if object.property(member).is_none() {
                        return Err(OverrideError {
                            file: "api-defs/items.toml",
                            problem: format!(
                                "dispatch {}: `{member}` is not a member of {}",
                                dispatch.name, dispatch.schema
                            ),
                        });
                    }
                }
            }
        }
        Ok(())
    }
}

/// The helper templates whose required items all exist in `items`.
pub fn applicable_helpers(items: &ApiItems, overrides: &ItemOverrides) -> Vec<String> {
    let mut paths: BTreeSet<String> = BTreeSet::new();
    for (i, _) in items.operations.iter().enumerate() {
        let path = items.operation_path(i);
        for item in ["Request", "Response", "Error"] {
            paths.insert(format!("{path}::{item}"));
        }
        paths.insert(path);
    }
    for (i, def) in items.types.iter().enumerate() {
        paths.insert(items.type_path(super::TypeId(i)));
        let prefix = items.type_path(super::TypeId(i));
        match &def.kind {
            super::TypeKind::Tagged(tagged) => {
                for v in &tagged.variants {
                    paths.insert(format!("{prefix}::{}", v.name));
                }
            }
            super::TypeKind::Struct(s) => {
                for f in &s.fields {
                    paths.insert(format!("{prefix}.{}", f.name));
                }
            }
            _ => {}
        }
    }
    overrides
        .helpers
        .iter()
        .filter(|h| h.api == items.api.dir_name() && h.requires.iter().all(|r| paths.contains(r)))
        .map(|h| h.file.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn overrides_parse() {
        let o = super::ItemOverrides::load().unwrap();
        assert_eq!(
            o.formats.get("mx-user-id").map(String::as_str),
            Some("UserId")
        );
        assert!(o.is_secret("password"));
    }
}
