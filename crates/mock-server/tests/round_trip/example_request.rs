//! An operation's example request, built from the spec: path, query and header parameters from
//! their `example`s, the body from the request body's example; a valid value made up from the
//! schema where the spec gives no example for a required parameter or body.

use matrix_codegen::ir::{Kind, Operation, ParamLocation, SchemaId, Spec};
use serde_json::{Map, Value, json};

/// The request, and what was made up because the spec has no example for it.
#[derive(Debug)]
pub struct ExampleRequest {
    pub http: http::Request<Vec<u8>>,
    pub synthesised: Vec<String>,
}

/// The example request of `op`, on `base_url`.
pub fn build(spec: &Spec, op: &Operation, base_url: &str) -> Result<ExampleRequest, String> {
    let mut synthesised = Vec::new();
    let mut value_of =
        |name: &str, schema: SchemaId, example: &Option<Value>, required: bool| match example {
            Some(example) => Some(example.clone()),
            None if required => {
                let value = synthesise(spec, schema, name, 0);
                synthesised.push(format!("{name}={value}"));
                Some(value)
            }
            None => None,
        };

    let mut path = String::new();
    for segment in op.path.split('/').skip(1) {
        path.push('/');
        match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(name) => {
                let param = op
                    .parameters
                    .iter()
                    .find(|p| p.location == ParamLocation::Path && p.name == name)
                    .ok_or_else(|| format!("path parameter {name} is not documented"))?;
                let value = value_of(name, param.schema, &param.example, true).unwrap_or_default();
                path.push_str(&percent_encode(&scalar(&value)));
            }
            None => path.push_str(segment),
        }
    }

    let mut query = Vec::new();
    let mut headers = Vec::new();
    for param in &op.parameters {
        let place = match param.location {
            ParamLocation::Path => continue,
            ParamLocation::Query => &mut query,
            ParamLocation::Header => &mut headers,
        };
        let Some(value) = value_of(&param.name, param.schema, &param.example, param.required)
        else {
            continue;
        };
        match value {
            // Arrays repeat the parameter; objects are exploded into their members.
            Value::Array(items) => {
                place.extend(items.iter().map(|v| (param.name.clone(), scalar(v))));
            }
            Value::Object(members) => {
                place.extend(members.iter().map(|(k, v)| (k.clone(), scalar(v))));
            }
            value => place.push((param.name.clone(), scalar(&value))),
        }
    }
    let mut uri = format!("{base_url}{path}");
    if !query.is_empty() {
        let pairs: Vec<String> = query
            .iter()
            .map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v)))
            .collect();
        uri.push('?');
        uri.push_str(&pairs.join("&"));
    }

    let mut builder = http::Request::builder()
        .method(op.method.as_str())
        .uri(&uri);
    let has_content_type = headers
        .iter()
        .any(|(name, _)| name.eq_ignore_ascii_case("content-type"));
    for (name, value) in &headers {
        builder = builder.header(name.as_str(), value.as_str());
    }
    let mut body = Vec::new();
    if let Some(request_body) = &op.request_body {
        match request_body.json() {
            Some(json_body) => {
                let value = match (json_body.examples.first(), json_body.schema) {
                    (Some(example), _) => example.value.clone(),
                    (None, Some(schema)) => {
                        let value = synthesise(spec, schema, "body", 0);
                        synthesised.push(format!("body={value}"));
                        value
                    }
                    (None, None) => json!({}),
                };
                body = serde_json::to_vec(&value).map_err(|e| e.to_string())?;
                if !has_content_type {
                    builder = builder.header("content-type", "application/json");
                }
            }
            None => {
                // Media: some bytes, of the documented type unless a header says one.
                body = b"example media bytes".to_vec();
                let media = request_body
                    .content
                    .first()
                    .map(|m| m.media_type.as_str())
                    .filter(|m| !m.contains('*'))
                    .unwrap_or("application/octet-stream");
                if !has_content_type {
                    builder = builder.header("content-type", media);
                }
            }
        }
    }
    let http = builder
        .body(body)
        .map_err(|e| format!("cannot build {uri}: {e}"))?;
    Ok(ExampleRequest { http, synthesised })
}

/// A parameter value as text.
fn scalar(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Percent-encodes everything but the unreserved characters (RFC 3986).
fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// A valid value of `schema` where the spec has no example: the schema's own example or
/// default when it has one, else one made from the type, format and name.
fn synthesise(spec: &Spec, schema: SchemaId, name: &str, depth: usize) -> Value {
    let target = spec.types.get(spec.types.target(schema));
    let annotations = &spec.types.get(schema).annotations;
    if let Some(example) = annotations
        .examples
        .first()
        .or(target.annotations.examples.first())
    {
        return example.clone();
    }
    if let Some(default) = annotations
        .default
        .as_ref()
        .or(target.annotations.default.as_ref())
    {
        return default.clone();
    }
    if depth > 8 {
        return Value::Null;
    }
    match &target.kind {
        Kind::Any | Kind::Null | Kind::Recursive(_) => Value::Null,
        Kind::Boolean => json!(true),
        Kind::Integer { .. } => json!(1),
        Kind::Number { .. } => json!(1.5),
        Kind::String(string) => match string.enum_values.first() {
            Some(value) => json!(value),
            None => json!(string_for(string.format.as_deref(), name)),
        },
        Kind::Bytes => json!(""),
        Kind::Array { items, .. } => json!([synthesise(spec, *items, name, depth + 1)]),
        Kind::Tuple { items } => Value::Array(
            items
                .iter()
                .map(|item| synthesise(spec, *item, name, depth + 1))
                .collect(),
        ),
        Kind::Object(object) => {
            let mut members = Map::new();
            for property in object.properties.iter().filter(|p| p.required) {
                let value = synthesise(spec, property.schema, &property.name, depth + 1);
                members.insert(property.name.clone(), value);
            }
            Value::Object(members)
        }
        Kind::Union { variants, .. } => variants
            .first()
            .map_or(Value::Null, |v| synthesise(spec, *v, name, depth + 1)),
        Kind::Ref(next) => synthesise(spec, *next, name, depth + 1),
    }
}

/// A string of `format`, or one fitting the parameter's name.
fn string_for(format: Option<&str>, name: &str) -> String {
    let by_format = match format {
        Some("mx-user-id") => Some("@alice:example.org"),
        Some("mx-room-id") => Some("!room:example.org"),
        Some("mx-event-id") => Some("$event:example.org"),
        Some("mx-room-alias") => Some("#room:example.org"),
        Some("mx-server-name") => Some("example.org"),
        Some("mx-mxc-uri") => Some("mxc://example.org/media"),
        Some("uri") => Some("https://example.org/"),
        _ => None,
    };
    let lower = name.to_ascii_lowercase();
    let by_name = if lower.contains("userid") || lower == "user_id" {
        "@alice:example.org"
    } else if lower.contains("roomid") {
        "!room:example.org"
    } else if lower.contains("eventid") {
        "$event:example.org"
    } else if lower.contains("servername") || lower == "origin" {
        "example.org"
    } else if lower.contains("alias") {
        "#room:example.org"
    } else if lower.contains("statekey") {
        ""
    } else if lower.contains("eventtype") {
        "m.room.message"
    } else {
        "example"
    };
    by_format.unwrap_or(by_name).to_owned()
}
