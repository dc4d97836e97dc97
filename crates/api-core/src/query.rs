//! Query strings: arrays as repeated keys (`via=a&via=b`), maps exploded into one key each
//! (the third-party `fields`), scalars by their text.

use std::collections::BTreeMap;

use crate::request_error::{RequestError, RequestErrorKind};

/// A value that travels as text in a query string or path.
pub trait QueryValue: Sized {
    /// The text form.
    fn to_query(&self) -> String;
    /// Parses the text form.
    fn from_query(s: &str) -> Result<Self, String>;
}

impl QueryValue for String {
    fn to_query(&self) -> String {
        self.clone()
    }
    fn from_query(s: &str) -> Result<Self, String> {
        Ok(s.to_owned())
    }
}

impl QueryValue for bool {
    fn to_query(&self) -> String {
        self.to_string()
    }
    fn from_query(s: &str) -> Result<Self, String> {
        s.parse()
            .map_err(|_| format!("`{s}` is not `true` or `false`"))
    }
}

macro_rules! parsed {
    ($($ty:ty),*) => {$(
        impl QueryValue for $ty {
            fn to_query(&self) -> String {
                self.to_string()
            }
            fn from_query(s: &str) -> Result<Self, String> {
                s.parse().map_err(|e| format!("`{s}`: {e}"))
            }
        }
    )*};
}

parsed!(
    i64,
    u64,
    f64,
    crate::UserId,
    crate::RoomId,
    crate::EventId,
    crate::RoomAliasId,
    crate::ServerName,
    crate::MxcUri,
    crate::RoomOrAliasId
);

impl QueryValue for serde_json::Value {
    fn to_query(&self) -> String {
        match self {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        }
    }
    fn from_query(s: &str) -> Result<Self, String> {
        Ok(serde_json::Value::String(s.to_owned()))
    }
}

impl QueryValue for std::time::Duration {
    /// Milliseconds.
    fn to_query(&self) -> String {
        self.as_millis().to_string()
    }
    fn from_query(s: &str) -> Result<Self, String> {
        s.parse::<u64>()
            .map(std::time::Duration::from_millis)
            .map_err(|e| format!("`{s}` is not a number of milliseconds: {e}"))
    }
}

/// A value given inline as JSON, or by the ID under which the server stores one (the
/// `filter` of `/sync`: a filter ID, or a filter as JSON text).
#[derive(Debug, Clone, PartialEq)]
pub enum IdOrInline<T> {
    /// The ID of a stored value.
    Id(String),
    /// The value itself.
    Inline(T),
}

impl<T: serde::Serialize + serde::de::DeserializeOwned> QueryValue for IdOrInline<T> {
    fn to_query(&self) -> String {
        match self {
            IdOrInline::Id(id) => id.clone(),
            // Serialising a generated type to JSON text does not fail.
            IdOrInline::Inline(value) => serde_json::to_string(value).unwrap_or_default(),
        }
    }

    /// JSON text when it starts with `{`, else an ID.
    fn from_query(s: &str) -> Result<Self, String> {
        if s.trim_start().starts_with('{') {
            serde_json::from_str(s)
                .map(IdOrInline::Inline)
                .map_err(|e| format!("invalid JSON: {e}"))
        } else {
            Ok(IdOrInline::Id(s.to_owned()))
        }
    }
}

/// Builds a query string.
pub struct QueryWriter {
    inner: form_urlencoded::Serializer<'static, String>,
    empty: bool,
}

impl Default for QueryWriter {
    fn default() -> Self {
        QueryWriter {
            inner: form_urlencoded::Serializer::new(String::new()),
            empty: true,
        }
    }
}

impl std::fmt::Debug for QueryWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QueryWriter").finish_non_exhaustive()
    }
}

impl QueryWriter {
    /// One `name=value`.
    pub fn push<T: QueryValue>(&mut self, name: &str, value: &T) {
        self.inner.append_pair(name, &value.to_query());
        self.empty = false;
    }

    /// `name=value` if there is a value.
    pub fn push_opt<T: QueryValue>(&mut self, name: &str, value: &Option<T>) {
        if let Some(value) = value {
            self.push(name, value);
        }
    }

    /// `name=a&name=b…`.
    pub fn push_all<T: QueryValue>(&mut self, name: &str, values: &[T]) {
        for value in values {
            self.push(name, value);
        }
    }

    /// `name=value` unless the value is the parameter's default (which a server assumes
    /// when the parameter is absent).
    pub fn push_unless_default<T: QueryValue + PartialEq>(
        &mut self,
        name: &str,
        value: &T,
        default: &T,
    ) {
        if value != default {
            self.push(name, value);
        }
    }

    /// `name=<JSON text>` if there is a value.
    pub fn push_json_opt<T: serde::Serialize>(
        &mut self,
        name: &str,
        value: &Option<T>,
    ) -> Result<(), serde_json::Error> {
        match value {
            Some(value) => self.push_json(name, value),
            None => Ok(()),
        }
    }

    /// `name=<JSON text>`.
    pub fn push_json<T: serde::Serialize>(
        &mut self,
        name: &str,
        value: &T,
    ) -> Result<(), serde_json::Error> {
        self.inner.append_pair(name, &serde_json::to_string(value)?);
        self.empty = false;
        Ok(())
    }

    /// Each entry of a map as its own key.
    pub fn push_map<T: QueryValue>(&mut self, map: &BTreeMap<String, T>) {
        for (name, value) in map {
            self.push(name, value);
        }
    }

    /// `?…`, or nothing when there are no pairs.
    pub fn finish(mut self) -> String {
        if self.empty {
            String::new()
        } else {
            format!("?{}", self.inner.finish())
        }
    }
}

/// A parsed query string.
#[derive(Debug, Default)]
pub struct Query {
    pairs: Vec<(String, String)>,
}

impl Query {
    /// Parses the query of a URI (`None` for no query).
    pub fn parse(query: Option<&str>) -> Self {
        Query {
            pairs: query
                .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
                .unwrap_or_default(),
        }
    }

    fn values<'q>(&'q self, name: &'q str) -> impl Iterator<Item = &'q str> {
        self.pairs
            .iter()
            .filter(move |(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn parse_value<T: QueryValue>(name: &str, value: &str) -> Result<T, RequestError> {
        T::from_query(value).map_err(|e| {
            RequestError::new(
                RequestErrorKind::InvalidParam,
                format!("query parameter `{name}`: {e}"),
            )
        })
    }

    /// A parameter that must be present once.
    pub fn required<T: QueryValue>(&self, name: &str) -> Result<T, RequestError> {
        self.optional(name)?.ok_or_else(|| {
            RequestError::new(
                RequestErrorKind::MissingParam,
                format!("query parameter `{name}` is required"),
            )
        })
    }

    /// A parameter that may be absent; given twice, it is invalid.
    pub fn optional<T: QueryValue>(&self, name: &str) -> Result<Option<T>, RequestError> {
        let mut values = self.values(name);
        let first = values.next();
        if values.next().is_some() {
            return Err(RequestError::new(
                RequestErrorKind::InvalidParam,
                format!("query parameter `{name}` is given more than once"),
            ));
        }
        first.map(|v| Self::parse_value(name, v)).transpose()
    }

    /// A parameter whose value is JSON text, if present.
    pub fn optional_json<T: serde::de::DeserializeOwned>(
        &self,
        name: &str,
    ) -> Result<Option<T>, RequestError> {
        let Some(text) = self.optional::<String>(name)? else {
            return Ok(None);
        };
        serde_json::from_str(&text).map(Some).map_err(|e| {
            RequestError::new(
                RequestErrorKind::InvalidParam,
                format!("query parameter `{name}`: invalid JSON: {e}"),
            )
        })
    }

    /// A parameter that may be absent, with a default (`false` for `full_state`).
    pub fn or_default<T: QueryValue>(&self, name: &str, default: T) -> Result<T, RequestError> {
        Ok(self.optional(name)?.unwrap_or(default))
    }

    /// Every value of a repeated parameter.
    pub fn all<T: QueryValue>(&self, name: &str) -> Result<Vec<T>, RequestError> {
        self.values(name)
            .map(|v| Self::parse_value(name, v))
            .collect()
    }

    /// Every parameter not named in `known`, as a map (an exploded object parameter).
    pub fn rest<T: QueryValue>(&self, known: &[&str]) -> Result<BTreeMap<String, T>, RequestError> {
        self.pairs
            .iter()
            .filter(|(k, _)| !known.contains(&k.as_str()))
            .map(|(k, v)| Ok((k.clone(), Self::parse_value(k, v)?)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arrays_repeat_and_maps_explode() {
        let mut q = QueryWriter::default();
        q.push_all("via", &["a.org".to_owned(), "b.org".to_owned()]);
        q.push_map(&BTreeMap::from([("network".to_owned(), "irc".to_owned())]));
        q.push_opt::<i64>("limit", &None);
        let text = q.finish();
        assert_eq!(text, "?via=a.org&via=b.org&network=irc");
        let parsed = Query::parse(Some(&text[1..]));
        assert_eq!(parsed.all::<String>("via").unwrap(), ["a.org", "b.org"]);
        assert_eq!(
            parsed
                .rest::<String>(&["via"])
                .unwrap()
                .get("network")
                .map(String::as_str),
            Some("irc")
        );
        assert_eq!(QueryWriter::default().finish(), "");
    }

    #[test]
    fn missing_and_invalid_parameters() {
        let q = Query::parse(Some("limit=x&dir=b&dir=f"));
        assert_eq!(
            q.required::<i64>("from").unwrap_err().kind,
            RequestErrorKind::MissingParam
        );
        assert_eq!(
            q.required::<i64>("limit").unwrap_err().kind,
            RequestErrorKind::InvalidParam
        );
        assert_eq!(
            q.optional::<String>("dir").unwrap_err().kind,
            RequestErrorKind::InvalidParam
        );
    }
}
