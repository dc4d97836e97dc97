//! The error type for events and signed objects, and typed access to their fields.

use serde_json::Value;

use crate::canonical_json::CanonicalJsonError;
use crate::json::JsonObject;

/// Why an event (or another signed object) cannot be hashed, redacted, signed or identified.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum EventError {
    #[error("missing field `{0}`")]
    MissingField(&'static str),
    #[error("field `{field}` is not {expected}")]
    InvalidField {
        field: &'static str,
        expected: &'static str,
    },
    #[error("expected an `m.room.create` event")]
    NotACreateEvent,
    #[error("no canonical JSON: {0}")]
    CanonicalJson(#[from] CanonicalJsonError),
}

/// The string field `field`, which must be present.
pub(crate) fn required_str<'a>(
    object: &'a JsonObject,
    field: &'static str,
) -> Result<&'a str, EventError> {
    match object.get(field) {
        Some(Value::String(value)) => Ok(value),
        Some(_) => Err(EventError::InvalidField {
            field,
            expected: "a string",
        }),
        None => Err(EventError::MissingField(field)),
    }
}

/// The object field `field`, which must be present.
pub(crate) fn required_object<'a>(
    object: &'a JsonObject,
    field: &'static str,
) -> Result<&'a JsonObject, EventError> {
    match object.get(field) {
        Some(Value::Object(value)) => Ok(value),
        Some(_) => Err(EventError::InvalidField {
            field,
            expected: "an object",
        }),
        None => Err(EventError::MissingField(field)),
    }
}
