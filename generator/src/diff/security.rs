//! Security: who may call an operation, compared by what callers send and where, not by
//! scheme names.

use std::collections::{BTreeSet, HashMap};

use crate::ir::{Api, AuthKind, SchemeKind, SchemeUse, Security, SecurityScheme, Spec};

use super::{Change, FieldPath, Rule};

/// Security scheme definitions of a spec version by API and name, for operations whose
/// file names a scheme without defining it.
#[derive(Debug, Default)]
pub struct SchemeDefinitions(HashMap<(Api, String), SecurityScheme>);

impl SchemeDefinitions {
    /// The definitions the operations of `spec` carry.
    pub fn of(spec: &Spec) -> Self {
        let mut map = HashMap::new();
        for op in &spec.operations {
            for scheme in op.security.alternatives.iter().flatten() {
                if let Some(definition) = &scheme.definition {
                    map.entry((op.api, scheme.name.clone()))
                        .or_insert_with(|| definition.clone());
                }
            }
        }
        SchemeDefinitions(map)
    }
}

/// Who may call an operation, with the definitions to fall back on.
#[derive(Debug, Clone, Copy)]
pub struct Access<'a> {
    /// The operation's API.
    pub api: Api,
    /// Its security requirement.
    pub security: &'a Security,
    /// The version's scheme definitions.
    pub definitions: &'a SchemeDefinitions,
}

/// Changes in who may call an operation and how.
pub fn changes(old: Access<'_>, new: Access<'_>) -> Vec<Change> {
    let (before, after) = (alternatives(old), alternatives(new));
    let mut changes = Vec::new();
    let anonymous = BTreeSet::new();
    let path = FieldPath::keys(&["security"]);
    for added in after.difference(&before) {
        let rule = if *added == anonymous {
            Rule::AuthBecameOptional
        } else {
            Rule::AuthMethodAdded
        };
        changes.push(Change::new(
            rule,
            path.clone(),
            None,
            Some(credentials_text(added)),
        ));
    }
    for removed in before.difference(&after) {
        let rule = if *removed == anonymous {
            Rule::AuthBecameRequired
        } else {
            Rule::AuthMethodRemoved
        };
        changes.push(Change::new(
            rule,
            path.clone(),
            Some(credentials_text(removed)),
            None,
        ));
    }
    changes
}

/// Each alternative as the set of credentials it sends; scheme names do not matter.
fn alternatives(access: Access<'_>) -> BTreeSet<BTreeSet<String>> {
    access
        .security
        .alternatives
        .iter()
        .map(|alt| {
            alt.iter()
                .map(|scheme| {
                    let definition = scheme
                        .definition
                        .as_ref()
                        .or_else(|| access.definitions.0.get(&(access.api, scheme.name.clone())));
                    credential(scheme, definition)
                })
                .collect()
        })
        .collect()
}

fn credentials_text(credentials: &BTreeSet<String>) -> String {
    if credentials.is_empty() {
        return AuthKind::None.to_string();
    }
    credentials.iter().cloned().collect::<Vec<_>>().join(" + ")
}

/// What a scheme sends and where: `access-token in header Authorization`.
fn credential(scheme: &SchemeUse, definition: Option<&SecurityScheme>) -> String {
    let kind = match scheme.kind {
        SchemeKind::Unknown => scheme.name.as_str(),
        _ => "",
    };
    let kind = if kind.is_empty() {
        scheme.kind.to_string()
    } else {
        kind.to_owned()
    };
    match definition {
        Some(SecurityScheme::APIKey { location, name, .. }) => {
            let place = match location {
                openapiv3::APIKeyLocation::Query => "query",
                openapiv3::APIKeyLocation::Header => "header",
                openapiv3::APIKeyLocation::Cookie => "cookie",
            };
            format!("{kind} in {place} {name}")
        }
        Some(SecurityScheme::HTTP { .. }) => format!("{kind} in header Authorization"),
        Some(SecurityScheme::OAuth2 { .. } | SecurityScheme::OpenIDConnect { .. }) | None => kind,
    }
}
