//! `api-defs/overrides.toml`: spec schemas and formats spelled with handwritten types.

use std::collections::BTreeMap;

use serde::Deserialize;

const OVERRIDES_TOML: &str = include_str!("../../../api-defs/overrides.toml");

/// The overrides, parsed.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Overrides {
    /// String format → type name in `matrix_api_core`.
    pub formats: BTreeMap<String, String>,
    /// Schema file (relative to the data folder) → type name in `matrix_api_core`.
    pub schemas: BTreeMap<String, String>,
    /// `format|format` of a union of strings → type name in `matrix_api_core`.
    pub unions: BTreeMap<String, String>,
    /// Event example name → the schema file it is an example of (`[]` for an array).
    pub examples: BTreeMap<String, String>,
}

impl Overrides {
    /// The compiled-in overrides.
    pub fn load() -> Result<Self, String> {
        toml::from_str(OVERRIDES_TOML).map_err(|e| format!("api-defs/overrides.toml: {e}"))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn overrides_parse() {
        let o = super::Overrides::load().unwrap();
        assert_eq!(
            o.formats.get("mx-user-id").map(String::as_str),
            Some("UserId")
        );
    }
}
