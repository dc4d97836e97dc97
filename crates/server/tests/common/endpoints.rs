//! Hand-written endpoints (`IncomingRequest` impls over `matrix_api_core`), for what the
//! generated ones do not show yet: several historical paths with different parameter names,
//! an optional final `{stateKey}`, media uploads, the application service schemes, a method
//! that panics.

use http::StatusCode;
use matrix_api_core::exchange::check_request;
use matrix_api_core::{
    Auth, AuthScheme, EndpointError, IncomingRequest, IntoHttpError, MatrixError, MatrixVersion,
    Metadata, OutgoingResponse, RequestError,
};
use serde_json::Value;

/// A JSON answer with status 200.
#[derive(Debug)]
pub struct Reply(pub Value);

impl OutgoingResponse for Reply {
    fn try_into_http_response<B: From<Vec<u8>>>(self) -> Result<http::Response<B>, IntoHttpError> {
        matrix_api_core::exchange::json_response(StatusCode::OK, &self.0)
    }
}

/// Any Matrix error.
#[derive(Debug, thiserror::Error)]
#[error("{status}: {error}")]
pub struct HandError {
    pub status: StatusCode,
    pub error: MatrixError,
}

impl OutgoingResponse for HandError {
    fn try_into_http_response<B: From<Vec<u8>>>(self) -> Result<http::Response<B>, IntoHttpError> {
        matrix_api_core::exchange::json_response(self.status, &self.error)
    }
}

impl EndpointError for HandError {
    fn status(&self) -> StatusCode {
        self.status
    }
    fn matrix_error(&self) -> Option<&MatrixError> {
        Some(&self.error)
    }
    fn from_matrix_error(status: StatusCode, error: MatrixError) -> Self {
        HandError { status, error }
    }
}

macro_rules! endpoint {
    ($(#[$doc:meta])* $name:ident, $metadata:expr) => {
        $(#[$doc])*
        #[derive(Debug)]
        pub struct $name {
            /// The decoded path parameters.
            pub params: Vec<String>,
            /// The body as received.
            pub body: Vec<u8>,
        }

        impl IncomingRequest for $name {
            const METADATA: Metadata = $metadata;
            type OutgoingResponse = Reply;
            type Error = HandError;

            fn try_from_http_request<B: AsRef<[u8]>>(
                request: http::Request<B>,
            ) -> Result<Self, RequestError> {
                let params = check_request(&Self::METADATA, request.method(), request.uri().path())?;
                Ok($name {
                    params,
                    body: request.body().as_ref().to_vec(),
                })
            }
        }
    };
}

const fn metadata(
    operation_id: &'static str,
    method: http::Method,
    history: &'static [(MatrixVersion, &'static str)],
    auth: Auth,
) -> Metadata {
    Metadata {
        operation_id,
        method,
        path: history[history.len() - 1].1,
        history,
        auth,
        rate_limited: false,
        deprecated: false,
        added_in: None,
    }
}

endpoint!(
    /// Three paths over time, with different names for the same parameter.
    History,
    metadata(
        "getHistory",
        http::Method::GET,
        &[
            (MatrixVersion::new(0, 4, 0), "/_matrix/client/r0/rooms/{roomId}/history"),
            (
                MatrixVersion::new(1, 1, 0),
                "/_matrix/client/v3/rooms/{roomIdOrAlias}/history"
            ),
            (
                MatrixVersion::new(1, 19, 0),
                "/_matrix/client/v4/rooms/{room}/history"
            ),
        ],
        Auth::Required(AuthScheme::AccessToken),
    )
);

endpoint!(
    /// A final parameter that may be empty, with or without its slash.
    State,
    metadata(
        "setState",
        http::Method::PUT,
        &[(
            MatrixVersion::new(1, 1, 0),
            "/_matrix/client/v3/rooms/{roomId}/state/{eventType}/{stateKey}"
        )],
        Auth::Required(AuthScheme::AccessToken),
    )
);

endpoint!(
    /// A media upload: the body is bytes, with the media limit.
    Upload,
    metadata(
        "uploadContent",
        http::Method::POST,
        &[(MatrixVersion::new(1, 1, 0), "/_matrix/media/v3/upload")],
        Auth::Required(AuthScheme::AccessToken),
    )
);

endpoint!(
    /// Only application services may call it.
    AppservicePing,
    metadata(
        "pingAppservice",
        http::Method::POST,
        &[(
            MatrixVersion::new(1, 7, 0),
            "/_matrix/client/v1/appservice/{appserviceId}/ping"
        )],
        Auth::Required(AuthScheme::AppserviceToken),
    )
);

endpoint!(
    /// Only the homeserver may call it (an application service's endpoint).
    AppserviceTransaction,
    metadata(
        "sendTransaction",
        http::Method::PUT,
        &[(
            MatrixVersion::new(1, 1, 0),
            "/_matrix/app/v1/transactions/{txnId}"
        )],
        Auth::Required(AuthScheme::HomeserverToken),
    )
);

endpoint!(
    /// Panics when the parameter is `now`.
    Panic,
    metadata(
        "panic",
        http::Method::GET,
        &[(MatrixVersion::new(1, 1, 0), "/_matrix/client/v3/panic/{mode}")],
        Auth::None,
    )
);

endpoint!(
    /// A federation endpoint; with [`FederationEchoPost`], one path with two methods.
    FederationEcho,
    metadata(
        "federationEcho",
        http::Method::PUT,
        &[(
            MatrixVersion::new(1, 1, 0),
            "/_matrix/federation/v1/echo/{value}"
        )],
        Auth::Required(AuthScheme::XMatrix),
    )
);

endpoint!(
    /// [`FederationEcho`] with `POST`.
    FederationEchoPost,
    metadata(
        "federationEchoPost",
        http::Method::POST,
        &[(
            MatrixVersion::new(1, 1, 0),
            "/_matrix/federation/v1/echo/{value}"
        )],
        Auth::Required(AuthScheme::XMatrix),
    )
);
