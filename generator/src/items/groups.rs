//! Operation modules grouped the way the spec groups them: by the operation's tag in the
//! client-server API (`Room membership`), by its file elsewhere (`joins-v2.yaml`).
//! `api-defs/items.toml` gives each group its module name and spec section; a group it
//! does not list is named after the tag or file (`third_party_lookup`).

use std::collections::BTreeMap;

use crate::ir::{Api, Operation, Spec};

use super::names;
use super::overrides::ItemOverrides;
use super::{DocSite, Group};

/// The groups of one API and the group of each of its operations.
#[derive(Debug, Clone)]
pub struct Groups {
    /// Groups, ordered by module name.
    pub groups: Vec<Group>,
    /// For each operation of the API (in the spec's order), its group.
    pub of_operation: Vec<usize>,
}

/// The page of the spec an API's prose links are relative to.
pub fn page(api: Api) -> &'static str {
    match api {
        Api::ClientServer => "client-server-api",
        Api::ServerServer => "server-server-api",
        Api::ApplicationService => "application-service-api",
        Api::Identity => "identity-service-api",
        Api::PushGateway => "push-gateway-api",
    }
}

/// The key an operation is grouped by: its first tag, else its file's stem.
fn key(op: &Operation) -> String {
    match op.tags.first() {
        Some(tag) => tag.clone(),
        None => op
            .location
            .file
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default(),
    }
}

/// Groups the operations of `api`.
pub fn groups(spec: &Spec, api: Api, overrides: &ItemOverrides, site: &DocSite) -> Groups {
    let declared = overrides.groups.get(api.dir_name());
    // The crate's other modules are not group names.
    const RESERVED: [&str; 9] = [
        "types", "fixed", "events", "edus", "examples", "client", "server", "mock", "helpers",
    ];
    let mut modules: BTreeMap<String, Group> = BTreeMap::new();
    let mut module_of = Vec::new();
    for op in spec.operations_of(api) {
        let key = key(op);
        let normalized = normalize(&key);
        let entry = declared.and_then(|d| d.get(&key).or_else(|| d.get(&normalized)));
        let module = entry.map_or_else(|| names::snake(&normalized), |e| e.module.clone());
        let module = if RESERVED.contains(&module.as_str()) {
            format!("{module}_api")
        } else {
            module
        };
        let link = entry
            .and_then(|e| e.section.as_deref())
            .map(|section| format!("{}#{section}", site.page));
        modules.entry(module.clone()).or_insert_with(|| Group {
            module: module.clone(),
            title: normalized,
            link,
        });
        module_of.push(module);
    }
    let groups: Vec<Group> = modules.into_values().collect();
    let of_operation = module_of
        .iter()
        .map(|m| {
            groups
                .iter()
                .position(|g| &g.module == m)
                .unwrap_or_default()
        })
        .collect();
    Groups {
        groups,
        of_operation,
    }
}

/// A tag or file stem as one spelling across releases (`Third Party Lookup` and
/// `Third-party Lookup`; `v2_lookup` and `lookup`).
fn normalize(key: &str) -> String {
    let key = key.strip_prefix("v2_").unwrap_or(key);
    let mut words = names::words(key);
    for word in &mut words {
        *word = word.to_ascii_lowercase();
    }
    let joined = words.join(" ");
    let mut chars = joined.chars();
    match chars.next() {
        Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
        None => joined,
    }
}

#[cfg(test)]
mod tests {
    use super::normalize;

    #[test]
    fn keys_normalize() {
        assert_eq!(normalize("Third Party Lookup"), "Third party lookup");
        assert_eq!(normalize("Third-party Lookup"), "Third party lookup");
        assert_eq!(normalize("v2_email_associations"), "Email associations");
    }
}
