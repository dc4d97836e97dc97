//! [`Raw`]: JSON kept as text until asked for, so that one malformed event does not fail a
//! whole response.

use std::fmt;
use std::marker::PhantomData;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;

/// A JSON value of type `T`, parsed as `T` only when [`Raw::deserialize`] is called.
pub struct Raw<T> {
    json: Box<RawValue>,
    _type: PhantomData<fn() -> T>,
}

impl<T> Raw<T> {
    /// Wraps JSON text (already validated as JSON).
    pub fn from_json(json: Box<RawValue>) -> Self {
        Raw {
            json,
            _type: PhantomData,
        }
    }

    /// The JSON text.
    pub fn json(&self) -> &RawValue {
        &self.json
    }

    /// Reads the `type` field without parsing the rest, if the value is an object with one.
    pub fn event_type(&self) -> Option<String> {
        #[derive(Deserialize)]
        struct TypeOnly {
            #[serde(rename = "type")]
            event_type: String,
        }
        serde_json::from_str::<TypeOnly>(self.json.get())
            .ok()
            .map(|t| t.event_type)
    }
}

impl<T> Raw<T> {
    /// The event's type and its content as JSON text, without parsing the content.
    pub fn type_and_content(&self) -> serde_json::Result<(String, Box<RawValue>)> {
        #[derive(Deserialize)]
        struct Parts {
            #[serde(rename = "type")]
            event_type: String,
            content: Box<RawValue>,
        }
        let parts: Parts = serde_json::from_str(self.json.get())?;
        Ok((parts.event_type, parts.content))
    }

    /// The event's content as `C`, read straight from the JSON text; an error if the
    /// event is of another type.
    pub fn content<C: crate::EventContent>(&self) -> Result<C, crate::content::ContentError> {
        let (event_type, content) = self.type_and_content()?;
        if event_type != C::EVENT_TYPE {
            return Err(crate::content::ContentError::WrongType {
                expected: C::EVENT_TYPE,
                found: event_type,
            });
        }
        Ok(serde_json::from_str(content.get())?)
    }
}

impl<T: Serialize> Raw<T> {
    /// Serialises `value`.
    pub fn new(value: &T) -> serde_json::Result<Self> {
        Ok(Raw::from_json(serde_json::value::to_raw_value(value)?))
    }
}

impl<T: DeserializeOwned> Raw<T> {
    /// Parses the JSON as `T`.
    pub fn deserialize(&self) -> serde_json::Result<T> {
        serde_json::from_str(self.json.get())
    }
}

impl<T> Clone for Raw<T> {
    fn clone(&self) -> Self {
        Raw::from_json(self.json.clone())
    }
}

impl<T> fmt::Debug for Raw<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Raw").field(&self.json.get()).finish()
    }
}

impl<T> PartialEq for Raw<T> {
    fn eq(&self, other: &Self) -> bool {
        self.json.get() == other.json.get()
    }
}

impl<T> Serialize for Raw<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.json.serialize(serializer)
    }
}

impl<'de, T> Deserialize<'de> for Raw<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Box::<RawValue>::deserialize(deserializer).map(Raw::from_json)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    struct Event {
        #[allow(dead_code)]
        content: serde_json::Map<String, serde_json::Value>,
    }

    #[derive(Debug, Deserialize)]
    struct Timeline {
        events: Vec<Raw<Event>>,
    }

    #[test]
    fn one_bad_event_does_not_fail_the_rest() {
        let json = r#"{"events": [{"type": "m.x", "content": {}}, {"type": "m.y", "content": 7}]}"#;
        let timeline: Timeline = serde_json::from_str(json).unwrap();
        assert!(timeline.events[0].deserialize().is_ok());
        assert!(timeline.events[1].deserialize().is_err());
        assert_eq!(timeline.events[1].event_type().as_deref(), Some("m.y"));
    }
}
