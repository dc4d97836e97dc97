//! The 401 body of user-interactive authentication.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::ErrorCode;

/// What a server answers with 401 when an endpoint needs (more) user-interactive auth.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UiaaResponse {
    /// The stage sequences the client may complete.
    #[serde(default)]
    pub flows: Vec<AuthFlow>,
    /// Parameters for stages, by stage type.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub params: BTreeMap<String, Value>,
    /// The session to pass back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<String>,
    /// Stages already completed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub completed: Vec<String>,
    /// Set when the previous attempt failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub errcode: Option<ErrorCode>,
    /// Message for `errcode`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Other fields of the body.
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

/// One sequence of stages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthFlow {
    /// Stage types, in order.
    pub stages: Vec<String>,
}
