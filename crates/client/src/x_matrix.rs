//! Signing server-server requests: `Authorization: X-Matrix origin=…,destination=…,key=…,sig=…`
//! over the request object (method, URI, origin, destination, content) in canonical JSON.

use std::fmt;
use std::sync::Arc;

use http::header::{AUTHORIZATION, HeaderValue};
use matrix_event_format::{EventError, SigningKey, x_matrix};

use crate::Client;

/// This server's identity and the server it calls.
#[derive(Clone)]
pub(crate) struct Federation {
    pub(crate) origin: String,
    pub(crate) key: Arc<SigningKey>,
    /// The destination's server name (not the host of the base URL, which delegation may
    /// make another).
    pub(crate) destination: String,
}

impl fmt::Debug for Federation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Federation")
            .field("origin", &self.origin)
            .field("key_id", &self.key.key_id())
            .field("destination", &self.destination)
            .finish()
    }
}

/// Why a request could not be signed.
#[derive(Debug, thiserror::Error)]
pub enum SigningError {
    /// A body sent from a stream cannot be read to be signed.
    #[error("a streamed body cannot be signed")]
    StreamedBody,
    /// The body is not JSON.
    #[error("the body is not JSON: {0}")]
    Body(#[source] serde_json::Error),
    /// The request object has no canonical JSON form.
    #[error(transparent)]
    Canonical(#[from] EventError),
    /// The header value is not valid (a server name with control characters).
    #[error("the signature is not a valid header value")]
    Header,
}

impl Client {
    /// Adds the `X-Matrix` header to `request`.
    pub(crate) fn sign(&self, request: &mut reqwest::Request) -> Result<(), SigningError> {
        let Some(federation) = &self.inner.federation else {
            return Ok(());
        };
        let content = match request.body() {
            None => None,
            Some(body) => match body.as_bytes() {
                None => return Err(SigningError::StreamedBody),
                Some([]) => None,
                Some(bytes) => Some(
                    serde_json::from_slice::<serde_json::Value>(bytes)
                        .map_err(SigningError::Body)?,
                ),
            },
        };
        let url = request.url();
        let uri = match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_owned(),
        };
        let header = x_matrix::sign_request(
            &federation.key,
            &federation.origin,
            &federation.destination,
            x_matrix::Request {
                method: request.method().as_str(),
                uri: &uri,
                content: content.as_ref(),
            },
        )?;
        let mut value =
            HeaderValue::try_from(header.to_header()).map_err(|_| SigningError::Header)?;
        value.set_sensitive(true);
        request.headers_mut().insert(AUTHORIZATION, value);
        Ok(())
    }
}
