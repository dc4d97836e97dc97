//! Small hand-written endpoints in the shape of the generated ones: `METADATA`, a request,
//! a typed response and a typed error with one variant per documented status.

use std::fmt;
use std::marker::PhantomData;

use http::StatusCode;
use http::header::CONTENT_TYPE;
use matrix_api_core::exchange::{json_response, request_builder, response_json};
use matrix_api_core::{
    Auth, AuthScheme, DeserializationError, EndpointError, FromHttpResponseError, IncomingResponse,
    IntoHttpError, MatrixError, MatrixVersion, Metadata, OutgoingRequest, OutgoingResponse,
};
use serde::Deserialize;

/// The facts of one test endpoint.
pub trait Endpoint: 'static {
    const METADATA: Metadata;
}

/// A request to endpoint `E`: its path parameters, query and JSON body.
pub struct Call<E> {
    params: Vec<String>,
    query: String,
    body: Option<serde_json::Value>,
    endpoint: PhantomData<fn() -> E>,
}

/// A request to `E` with these path parameters.
pub fn call<E>(params: &[&str]) -> Call<E> {
    Call {
        params: params.iter().map(|p| p.to_string()).collect(),
        query: String::new(),
        body: None,
        endpoint: PhantomData,
    }
}

impl<E> Call<E> {
    pub fn body(mut self, body: serde_json::Value) -> Self {
        self.body = Some(body);
        self
    }

    pub fn query(mut self, query: &str) -> Self {
        self.query = format!("?{query}");
        self
    }
}

impl<E: Endpoint> OutgoingRequest for Call<E> {
    const METADATA: Metadata = E::METADATA;
    type IncomingResponse = Thing;

    fn try_into_http_request_with_path<B: From<Vec<u8>>>(
        self,
        base_url: &str,
        token: Option<&str>,
        path_template: &str,
    ) -> Result<http::Request<B>, IntoHttpError> {
        let params: Vec<&str> = self.params.iter().map(String::as_str).collect();
        let path = matrix_api_core::path::fill(path_template, &params);
        let path_and_query = format!("{path}{}", self.query);
        let mut builder = request_builder(&E::METADATA, base_url, &path_and_query, token)?;
        let body = match &self.body {
            Some(body) => {
                builder = builder.header(CONTENT_TYPE, "application/json");
                serde_json::to_vec(body)?
            }
            None => Vec::new(),
        };
        Ok(builder.body(B::from(body))?)
    }
}

/// The response of every test endpoint.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Thing {
    pub value: String,
    #[serde(default)]
    pub items: Vec<Item>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Item {
    pub id: u32,
}

impl IncomingResponse for Thing {
    type Error = ThingError;

    fn try_from_http_response<B: AsRef<[u8]>>(
        response: http::Response<B>,
    ) -> Result<Self, FromHttpResponseError<ThingError>> {
        match response.status().as_u16() {
            200 => Ok(response_json(response.body().as_ref())?),
            _ => Err(FromHttpResponseError::Server(ThingError::read(&response)?)),
        }
    }
}

/// The errors the test endpoints document: 401, 403 and 429, and any other with a Matrix
/// error body.
#[derive(Debug, Clone, PartialEq)]
pub enum ThingError {
    Unauthorized(MatrixError),
    Forbidden(MatrixError),
    TooManyRequests(MatrixError),
    Other { status: u16, body: MatrixError },
}

impl ThingError {
    fn read<B: AsRef<[u8]>>(response: &http::Response<B>) -> Result<Self, DeserializationError> {
        let body = response.body().as_ref();
        Ok(match response.status().as_u16() {
            401 => ThingError::Unauthorized(response_json(body)?),
            403 => ThingError::Forbidden(response_json(body)?),
            429 => ThingError::TooManyRequests(response_json(body)?),
            status => match serde_json::from_slice(body) {
                Ok(body) => ThingError::Other { status, body },
                Err(_) => return Err(DeserializationError::UnexpectedStatus(response.status())),
            },
        })
    }
}

impl fmt::Display for ThingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HTTP {}", self.status().as_u16())?;
        match self.matrix_error() {
            Some(error) => write!(f, ": {error}"),
            None => Ok(()),
        }
    }
}

impl std::error::Error for ThingError {}

impl OutgoingResponse for ThingError {
    fn try_into_http_response<B: From<Vec<u8>>>(self) -> Result<http::Response<B>, IntoHttpError> {
        let status = self.status();
        json_response(status, &self.matrix_error())
    }
}

impl EndpointError for ThingError {
    fn status(&self) -> StatusCode {
        let status = match self {
            ThingError::Unauthorized(_) => 401,
            ThingError::Forbidden(_) => 403,
            ThingError::TooManyRequests(_) => 429,
            ThingError::Other { status, .. } => *status,
        };
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn matrix_error(&self) -> Option<&MatrixError> {
        match self {
            ThingError::Unauthorized(e)
            | ThingError::Forbidden(e)
            | ThingError::TooManyRequests(e) => Some(e),
            ThingError::Other { body, .. } => Some(body),
        }
    }

    fn from_matrix_error(status: StatusCode, error: MatrixError) -> Self {
        match status.as_u16() {
            401 => ThingError::Unauthorized(error),
            403 => ThingError::Forbidden(error),
            429 => ThingError::TooManyRequests(error),
            status => ThingError::Other {
                status,
                body: error,
            },
        }
    }
}

macro_rules! endpoint {
    ($(#[$doc:meta])* $name:ident, $method:ident, $auth:expr, [$(($version:expr, $path:literal)),+ $(,)?]) => {
        $(#[$doc])*
        pub struct $name;

        impl Endpoint for $name {
            const METADATA: Metadata = Metadata {
                operation_id: stringify!($name),
                method: http::Method::$method,
                path: endpoint!(@last $($path),+),
                history: &[$(($version, $path)),+],
                auth: $auth,
                rate_limited: true,
                deprecated: false,
                added_in: None,
            };
        }
    };
    (@last $path:literal) => { $path };
    (@last $first:literal, $($rest:literal),+) => { endpoint!(@last $($rest),+) };
}

const R0_6: MatrixVersion = MatrixVersion::new(0, 6, 0);
const V1_1: MatrixVersion = MatrixVersion::new(1, 1, 0);
const V1_19: MatrixVersion = MatrixVersion::new(1, 19, 0);
const USER: Auth = Auth::Required(AuthScheme::AccessToken);

endpoint!(
    /// `GET`, with an `r0` path before v1.1.
    GetThing, GET, USER,
    [(R0_6, "/_matrix/client/r0/things/{id}"), (V1_1, "/_matrix/client/v3/things/{id}")]
);
endpoint!(
    /// `POST` without a transaction ID: not idempotent.
    PostThing, POST, USER, [(V1_19, "/_matrix/client/v3/things")]
);
endpoint!(
    /// `PUT` with a transaction ID.
    PutThing, PUT, USER, [(V1_19, "/_matrix/client/v3/things/{txnId}")]
);
endpoint!(
    /// `POST` with a transaction ID in the path: idempotent.
    PostTxnThing, POST, USER, [(V1_19, "/_matrix/client/v3/things/{txnId}/send")]
);
endpoint!(
    /// No authentication.
    PublicThing, GET, Auth::None, [(V1_19, "/_matrix/client/v3/public")]
);
endpoint!(
    /// Optional authentication.
    OptionalThing, GET, Auth::Optional(AuthScheme::AccessToken),
    [(V1_19, "/_matrix/client/v3/optional")]
);
endpoint!(
    /// For application services only.
    AppserviceThing, POST, Auth::Required(AuthScheme::AppserviceToken),
    [(V1_19, "/_matrix/client/v1/appservice/{appserviceId}/ping")]
);
endpoint!(
    /// The application-service API, called by a homeserver; two paths, but that API
    /// advertises no versions.
    HomeserverThing, PUT, Auth::Required(AuthScheme::HomeserverToken),
    [(R0_6, "/_matrix/app/unstable/transactions/{txnId}"), (V1_1, "/_matrix/app/v1/transactions/{txnId}")]
);
endpoint!(
    /// A federation endpoint signed with X-Matrix.
    FederationThing, PUT, Auth::Required(AuthScheme::XMatrix),
    [(V1_19, "/_matrix/federation/v1/send/{txnId}")]
);
endpoint!(
    /// A federation query with optional parameters.
    FederationQuery, GET, Auth::Required(AuthScheme::XMatrix),
    [(V1_19, "/_matrix/federation/v1/query/{queryType}")]
);
endpoint!(
    /// An upload (body from a stream).
    UploadThing, PUT, USER, [(V1_19, "/_matrix/media/v3/upload/{serverName}/{mediaId}")]
);
