//! What the generated Matrix API crates need at run time, independent of any HTTP client or
//! server: the traits for both directions of an exchange over the `http` crate's types, the
//! Matrix error and user-interactive-auth bodies, validated identifiers, unpadded base64, and
//! [`Raw`], a lazily parsed JSON value for events inside responses.

pub mod base64;
pub mod caller;
pub mod content;
pub mod de;
pub mod error;
pub mod exchange;
pub mod identifiers;
pub mod json;
pub mod metadata;
pub mod multipart;
pub mod path;
pub mod query;
pub mod raw;
pub mod redacted;
pub mod request_error;
pub mod serde_helpers;
pub mod stubs;
pub mod uiaa;
pub mod version;

pub use crate::base64::{Base64, Base64UrlSafe};
pub use caller::{Appservice, Caller, User};
pub use content::{EventContent, MessageLikeEventContent, StateEventContent};
pub use error::{ErrorCode, MatrixError};
pub use exchange::{
    DeserializationError, EndpointError, FromHttpResponseError, IncomingRequest, IncomingResponse,
    IntoHttpError, OutgoingRequest, OutgoingResponse,
};
pub use identifiers::{
    EventId, IdParseError, MxcUri, RoomAliasId, RoomId, RoomOrAliasId, ServerName, UserId,
};
pub use metadata::{Auth, AuthScheme, Metadata};
pub use query::IdOrInline;
pub use raw::Raw;
pub use redacted::Redacted;
pub use request_error::{RequestError, RequestErrorKind};
pub use stubs::{EndpointRegistry, RequestSender, unrecognized};
pub use uiaa::UiaaResponse;
pub use version::MatrixVersion;

/// A JSON object with members of any type.
pub type JsonObject = serde_json::Map<String, serde_json::Value>;

/// Re-exported for generated code.
pub use http;
pub use serde;
pub use serde_json;

/// A check the example round-trip registry of a generated crate runs on a JSON value as
/// the generated type for its place (the crates' `examples` feature).
pub trait ExampleCheck {
    /// What the check gives.
    type Output;

    /// Checks `json` as a `T`.
    fn check<T>(self, json: &serde_json::Value) -> Self::Output
    where
        T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug;
}

/// Something done with the types of one operation, chosen at run time by its
/// `operationId` (the `with_operation` function of a generated crate's `examples` module).
pub trait OperationVisitor {
    /// What it gives.
    type Output;

    /// Does it with the operation whose request is `R`.
    fn visit<R>(self) -> Self::Output
    where
        R: OutgoingRequest + IncomingRequest + Send + 'static;
}
