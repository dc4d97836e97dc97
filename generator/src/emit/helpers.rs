//! Handwritten helpers (`templates/helpers/`), for the common cases the spec's types make
//! verbose: a password login, a user identifier from a user ID, the dummy auth stage, a
//! plain text message. `api-defs/items.toml` lists the items each needs; the model keeps
//! those that apply to the release being generated.

use std::str::FromStr;

use proc_macro2::TokenStream;

use super::EmitError;

/// Every template, by API and file.
const TEMPLATES: &[(&str, &str, &str)] = &[
    (
        "client-server",
        "login.rs",
        include_str!("../../../templates/helpers/client-server/login.rs"),
    ),
    (
        "client-server",
        "identifier.rs",
        include_str!("../../../templates/helpers/client-server/identifier.rs"),
    ),
    (
        "client-server",
        "uia.rs",
        include_str!("../../../templates/helpers/client-server/uia.rs"),
    ),
    (
        "client-server",
        "message.rs",
        include_str!("../../../templates/helpers/client-server/message.rs"),
    ),
];

/// The items of the helper templates `files` of `api`.
pub fn helper_items(api: &str, files: &[String]) -> Result<TokenStream, EmitError> {
    let mut out = TokenStream::new();
    for file in files {
        let text = TEMPLATES
            .iter()
            .find(|(a, f, _)| *a == api && f == file)
            .map(|(_, _, text)| *text)
            .ok_or_else(|| EmitError::Template {
                file: format!("{api}/{file}"),
                problem: "no such template".into(),
            })?;
        let tokens = TokenStream::from_str(text).map_err(|e| EmitError::Template {
            file: format!("{api}/{file}"),
            problem: e.to_string(),
        })?;
        out.extend(tokens);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_listed_helper_has_a_template() {
        let overrides = crate::items::ItemOverrides::load().unwrap();
        for helper in &overrides.helpers {
            assert!(
                super::helper_items(&helper.api, std::slice::from_ref(&helper.file)).is_ok(),
                "{}/{}",
                helper.api,
                helper.file
            );
        }
        assert_eq!(overrides.helpers.len(), super::TEMPLATES.len());
    }
}
