//! The standard Matrix error body: `{"errcode": "M_…", "error": "…", …}`.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

/// A Matrix error response body. Fields the spec adds for some codes (`retry_after_ms` for
/// `M_LIMIT_EXCEEDED`) are typed; any others are kept in `extra`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MatrixError {
    /// The error code.
    pub errcode: ErrorCode,
    /// A human-readable message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// For `M_LIMIT_EXCEEDED`: how long to wait before retrying, in milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_ms: Option<u64>,
    /// Other fields of the body.
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

impl MatrixError {
    /// An error with a code and a message.
    pub fn new(errcode: ErrorCode, error: impl Into<String>) -> Self {
        MatrixError {
            errcode,
            error: Some(error.into()),
            retry_after_ms: None,
            extra: BTreeMap::new(),
        }
    }
}

impl fmt::Display for MatrixError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.error {
            Some(message) => write!(f, "{}: {message}", self.errcode),
            None => write!(f, "{}", self.errcode),
        }
    }
}

impl std::error::Error for MatrixError {}

macro_rules! error_codes {
    ($($(#[$doc:meta])* $variant:ident = $code:literal,)*) => {
        /// A Matrix error code; codes this crate does not know are kept as written.
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum ErrorCode {
            $($(#[$doc])* $variant,)*
            /// Any other code.
            Other(String),
        }

        impl ErrorCode {
            /// The code as sent on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    $(ErrorCode::$variant => $code,)*
                    ErrorCode::Other(code) => code,
                }
            }
        }

        impl From<&str> for ErrorCode {
            fn from(code: &str) -> Self {
                match code {
                    $($code => ErrorCode::$variant,)*
                    other => ErrorCode::Other(other.to_owned()),
                }
            }
        }
    };
}

error_codes! {
    /// `M_FORBIDDEN`
    Forbidden = "M_FORBIDDEN",
    /// `M_UNKNOWN_TOKEN`
    UnknownToken = "M_UNKNOWN_TOKEN",
    /// `M_MISSING_TOKEN`
    MissingToken = "M_MISSING_TOKEN",
    /// `M_USER_LOCKED`
    UserLocked = "M_USER_LOCKED",
    /// `M_USER_SUSPENDED`
    UserSuspended = "M_USER_SUSPENDED",
    /// `M_BAD_JSON`: the body is JSON but not of the expected shape.
    BadJson = "M_BAD_JSON",
    /// `M_NOT_JSON`: the body is not JSON.
    NotJson = "M_NOT_JSON",
    /// `M_NOT_FOUND`
    NotFound = "M_NOT_FOUND",
    /// `M_LIMIT_EXCEEDED`
    LimitExceeded = "M_LIMIT_EXCEEDED",
    /// `M_UNRECOGNIZED`: the endpoint or method is not known.
    Unrecognized = "M_UNRECOGNIZED",
    /// `M_UNKNOWN`
    Unknown = "M_UNKNOWN",
    /// `M_UNAUTHORIZED`
    Unauthorized = "M_UNAUTHORIZED",
    /// `M_USER_DEACTIVATED`
    UserDeactivated = "M_USER_DEACTIVATED",
    /// `M_USER_IN_USE`
    UserInUse = "M_USER_IN_USE",
    /// `M_INVALID_USERNAME`
    InvalidUsername = "M_INVALID_USERNAME",
    /// `M_ROOM_IN_USE`
    RoomInUse = "M_ROOM_IN_USE",
    /// `M_INVALID_ROOM_STATE`
    InvalidRoomState = "M_INVALID_ROOM_STATE",
    /// `M_THREEPID_IN_USE`
    ThreepidInUse = "M_THREEPID_IN_USE",
    /// `M_THREEPID_NOT_FOUND`
    ThreepidNotFound = "M_THREEPID_NOT_FOUND",
    /// `M_THREEPID_AUTH_FAILED`
    ThreepidAuthFailed = "M_THREEPID_AUTH_FAILED",
    /// `M_THREEPID_DENIED`
    ThreepidDenied = "M_THREEPID_DENIED",
    /// `M_SERVER_NOT_TRUSTED`
    ServerNotTrusted = "M_SERVER_NOT_TRUSTED",
    /// `M_UNSUPPORTED_ROOM_VERSION`
    UnsupportedRoomVersion = "M_UNSUPPORTED_ROOM_VERSION",
    /// `M_INCOMPATIBLE_ROOM_VERSION`
    IncompatibleRoomVersion = "M_INCOMPATIBLE_ROOM_VERSION",
    /// `M_BAD_STATE`
    BadState = "M_BAD_STATE",
    /// `M_GUEST_ACCESS_FORBIDDEN`
    GuestAccessForbidden = "M_GUEST_ACCESS_FORBIDDEN",
    /// `M_CAPTCHA_NEEDED`
    CaptchaNeeded = "M_CAPTCHA_NEEDED",
    /// `M_CAPTCHA_INVALID`
    CaptchaInvalid = "M_CAPTCHA_INVALID",
    /// `M_MISSING_PARAM`: a required parameter is missing.
    MissingParam = "M_MISSING_PARAM",
    /// `M_INVALID_PARAM`: a parameter has a wrong value.
    InvalidParam = "M_INVALID_PARAM",
    /// `M_TOO_LARGE`
    TooLarge = "M_TOO_LARGE",
    /// `M_EXCLUSIVE`
    Exclusive = "M_EXCLUSIVE",
    /// `M_RESOURCE_LIMIT_EXCEEDED`
    ResourceLimitExceeded = "M_RESOURCE_LIMIT_EXCEEDED",
    /// `M_CANNOT_LEAVE_SERVER_NOTICE_ROOM`
    CannotLeaveServerNoticeRoom = "M_CANNOT_LEAVE_SERVER_NOTICE_ROOM",
    /// `M_THREEPID_MEDIUM_NOT_SUPPORTED`
    ThreepidMediumNotSupported = "M_THREEPID_MEDIUM_NOT_SUPPORTED",
    /// `M_WEAK_PASSWORD`
    WeakPassword = "M_WEAK_PASSWORD",
    /// `M_UNABLE_TO_AUTHORISE_JOIN`
    UnableToAuthoriseJoin = "M_UNABLE_TO_AUTHORISE_JOIN",
    /// `M_UNABLE_TO_GRANT_JOIN`
    UnableToGrantJoin = "M_UNABLE_TO_GRANT_JOIN",
    /// `M_NOT_YET_UPLOADED`
    NotYetUploaded = "M_NOT_YET_UPLOADED",
    /// `M_CANNOT_OVERWRITE_MEDIA`
    CannotOverwriteMedia = "M_CANNOT_OVERWRITE_MEDIA",
    /// `M_UNKNOWN_POS`
    UnknownPos = "M_UNKNOWN_POS",
    /// `M_URL_NOT_SET`
    UrlNotSet = "M_URL_NOT_SET",
    /// `M_WRONG_ROOM_KEYS_VERSION`
    WrongRoomKeysVersion = "M_WRONG_ROOM_KEYS_VERSION",
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ErrorCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ErrorCode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let code = std::borrow::Cow::<str>::deserialize(deserializer)?;
        Ok(ErrorCode::from(&*code))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn round_trips_with_extra_fields() {
        let body = json!({
            "errcode": "M_LIMIT_EXCEEDED",
            "error": "Too many requests",
            "retry_after_ms": 2000,
            "admin_contact": "mailto:admin@example.org"
        });
        let error: MatrixError = serde_json::from_value(body.clone()).unwrap();
        assert_eq!(error.errcode, ErrorCode::LimitExceeded);
        assert_eq!(error.retry_after_ms, Some(2000));
        assert_eq!(serde_json::to_value(&error).unwrap(), body);
    }

    #[test]
    fn unknown_codes_are_kept() {
        let error: MatrixError =
            serde_json::from_value(json!({"errcode": "ORG_EXAMPLE_X"})).unwrap();
        assert_eq!(error.errcode, ErrorCode::Other("ORG_EXAMPLE_X".into()));
        assert_eq!(
            serde_json::to_value(&error).unwrap(),
            json!({"errcode": "ORG_EXAMPLE_X"})
        );
    }
}
