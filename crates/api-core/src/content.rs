//! Event contents that know their event type, so that sending takes the content and
//! reading gives the typed content of an event.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde::de::value::MapDeserializer;

use crate::JsonObject;

/// The content of an event of one type.
pub trait EventContent: Serialize + DeserializeOwned {
    /// The event type (`m.room.message`).
    const EVENT_TYPE: &'static str;
}

/// The content of a message-like room event (sent with `send_message`).
pub trait MessageLikeEventContent: EventContent {}

/// The content of a state event (sent with `set_room_state_with_key`).
pub trait StateEventContent: EventContent {}

/// Why an event's content could not be read as the asked-for type.
#[derive(Debug, thiserror::Error)]
pub enum ContentError {
    /// The event is of another type.
    #[error("the event is of type `{found}`, not `{expected}`")]
    WrongType {
        /// The content type's event type.
        expected: &'static str,
        /// The event's type.
        found: String,
    },
    /// The JSON is not an event, or the content is not of the type's shape.
    #[error(transparent)]
    Json(#[from] serde_json::Error),
}

/// Reads typed content from an event's `content` as already parsed into a JSON object,
/// without writing it out as text again.
pub fn content_from_object<C: DeserializeOwned>(object: &JsonObject) -> serde_json::Result<C> {
    C::deserialize(MapDeserializer::new(
        object.iter().map(|(k, v)| (k.as_str(), v)),
    ))
}

/// Serialises content as the JSON object a request body carries.
pub fn to_object<C: Serialize>(content: &C) -> serde_json::Result<JsonObject> {
    match serde_json::to_value(content)? {
        serde_json::Value::Object(object) => Ok(object),
        other => Err(serde::ser::Error::custom(format!(
            "event content must be a JSON object, not {other}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Topic {
        topic: String,
    }

    impl EventContent for Topic {
        const EVENT_TYPE: &'static str = "m.room.topic";
    }

    #[test]
    fn content_reads_from_objects_and_raw_events() {
        let object = to_object(&Topic { topic: "t".into() }).unwrap();
        assert_eq!(content_from_object::<Topic>(&object).unwrap().topic, "t");
        let raw: crate::Raw<serde_json::Value> =
            serde_json::from_str(r#"{"type": "m.room.topic", "content": {"topic": "x"}}"#).unwrap();
        assert_eq!(raw.content::<Topic>().unwrap().topic, "x");
        let raw: crate::Raw<serde_json::Value> =
            serde_json::from_str(r#"{"type": "m.room.name", "content": {"name": "x"}}"#).unwrap();
        assert!(matches!(
            raw.content::<Topic>(),
            Err(ContentError::WrongType { .. })
        ));
        assert!(to_object(&5).is_err());
    }
}
