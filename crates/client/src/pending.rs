//! [`Pending`]: a request with per-call options, sent when awaited.
//!
//! Building a `Pending` is cheap and not async, so that the generated per-operation methods
//! stay small; the async work lives in one generic function per request type
//! ([`send`]) over the non-generic transport.

use std::borrow::Cow;
use std::fmt;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::time::Duration;

use bytes::Bytes;
use http::header::CONTENT_LENGTH;
use matrix_api_core::{OutgoingRequest, UserId};

use crate::Client;
use crate::auth::Credential;
use crate::error::{Error, ErrorOf, Failure, ResponseOf};
use crate::media::Download;
use crate::read;
use crate::retry::RetryPolicy;
use crate::transport::{self, Answer, Exchange, Settings};

/// The future of a sent request.
pub type ResponseFuture<'c, R> = Pin<Box<dyn Future<Output = ResponseOf<R>> + Send + 'c>>;

/// A request of the client `'c`, with options for this call. Nothing is sent until it is
/// awaited.
#[must_use = "a request is sent only when awaited"]
pub struct Pending<'c, R> {
    client: &'c Client,
    request: R,
    options: Options,
}

/// Per-call options; `None` means the client's setting.
#[derive(Default)]
pub(crate) struct Options {
    path: Option<Cow<'static, str>>,
    timeout: Option<Duration>,
    deadline: Option<Duration>,
    retry: Option<Option<RetryPolicy>>,
    user_id: Option<UserId>,
    body: Option<StreamBody>,
}

/// A request body read from a stream, with its length if known.
struct StreamBody {
    body: reqwest::Body,
    length: Option<u64>,
}

impl<'c, R: OutgoingRequest> Pending<'c, R> {
    #[inline]
    pub(crate) fn new(client: &'c Client, request: R) -> Self {
        Pending {
            client,
            request,
            options: Options::default(),
        }
    }

    /// Changes the request before it is sent (to set optional fields).
    #[inline]
    pub fn with(mut self, change: impl FnOnce(&mut R)) -> Self {
        change(&mut self.request);
        self
    }

    /// Sends the request on `template` (with the endpoint's `{parameters}`) instead of the
    /// path chosen from the server's versions: an older or unstable path, for example.
    pub fn path(mut self, template: impl Into<Cow<'static, str>>) -> Self {
        self.options.path = Some(template.into());
        self
    }

    /// The longest wait for each attempt's answer (for a stream: for its headers).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.options.timeout = Some(timeout);
        self
    }

    /// The longest time for the whole call, retries and waits included.
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.options.deadline = Some(deadline);
        self
    }

    /// Retries with `policy` instead of the client's.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.options.retry = Some(Some(policy));
        self
    }

    /// Sends the request once, whatever the answer.
    pub fn no_retry(mut self) -> Self {
        self.options.retry = Some(None);
        self
    }

    /// The user an application service acts as for this call (`user_id` query parameter);
    /// used when the request carries the application service's token.
    pub fn user_id(mut self, user_id: UserId) -> Self {
        self.options.user_id = Some(user_id);
        self
    }

    /// Sends the body from `stream` instead of the request's own (leave that empty), with a
    /// `Content-Length` when `length` is given (some servers, Synapse among them, require
    /// one for uploads). A streamed request is sent once: it cannot be repeated.
    pub fn body_stream<S>(mut self, stream: S, length: Option<u64>) -> Self
    where
        S: futures_core::TryStream + Send + 'static,
        S::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
        Bytes: From<S::Ok>,
    {
        self.options.body = Some(StreamBody {
            body: reqwest::Body::wrap_stream(stream),
            length,
        });
        self
    }
}

impl<'c, R: OutgoingRequest + Send + 'c> Pending<'c, R> {
    /// Sends the request and returns a successful answer's body as a stream, unread, with
    /// its status and headers (`Content-Type`, `Content-Disposition`): for downloads too
    /// large to hold in memory. An error answer is read whole and returned as the typed
    /// error.
    pub async fn stream(self) -> Result<Download, Error<ErrorOf<R>>> {
        let exchange = prepare(self.client, self.request, self.options, true)
            .await
            .map_err(Failure::widen)?;
        match self
            .client
            .exchange(exchange)
            .await
            .map_err(Failure::widen)?
        {
            Answer::Streaming(response) => Ok(Download::streaming(response)),
            Answer::Buffered(response) => {
                let (status, headers) = (response.status(), response.headers().clone());
                let body = response.body().clone();
                read::response::<R>(response)?;
                Ok(Download::buffered(status, headers, body))
            }
        }
    }
}

impl<'c, R: OutgoingRequest + Send + 'c> IntoFuture for Pending<'c, R> {
    type Output = ResponseOf<R>;
    type IntoFuture = ResponseFuture<'c, R>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(send(self.client, self.request, self.options))
    }
}

/// Sends `request` and reads the answer: the only async code generic over the request.
async fn send<R: OutgoingRequest + Send>(
    client: &Client,
    request: R,
    options: Options,
) -> ResponseOf<R> {
    let exchange = prepare(client, request, options, false)
        .await
        .map_err(Failure::widen)?;
    let answer = client
        .exchange_buffered(exchange)
        .await
        .map_err(Failure::widen)?;
    read::response::<R>(answer)
}

/// Builds the request on the right path with the right credential.
async fn prepare<R: OutgoingRequest>(
    client: &Client,
    request: R,
    mut options: Options,
    stream: bool,
) -> Result<Exchange, Failure> {
    let metadata = R::METADATA;
    let credential = client.credential(metadata.auth, options.user_id.take())?;
    let path = client.path_for(&metadata, options.path.take()).await;
    let http = request
        .try_into_http_request_with_path::<Vec<u8>>(
            client.base_url(),
            credential.bearer.as_deref(),
            &path,
        )
        .map_err(Error::Build)?;
    client.exchange_for(
        http,
        path,
        metadata.is_idempotent(),
        credential,
        options,
        stream,
    )
}

impl Client {
    /// The exchange for a built request: credentials applied, settings merged.
    fn exchange_for(
        &self,
        http: http::Request<Vec<u8>>,
        path: Cow<'static, str>,
        idempotent: bool,
        credential: Credential,
        options: Options,
        stream: bool,
    ) -> Result<Exchange, Failure> {
        let mut request = self.to_reqwest(http);
        transport::hide_authorization(request.headers_mut());
        if let Some(user) = &credential.assert_user {
            request
                .url_mut()
                .query_pairs_mut()
                .append_pair("user_id", user.as_str());
        }
        if let Some(StreamBody { body, length }) = options.body {
            *request.body_mut() = Some(body);
            let headers = request.headers_mut();
            match length {
                Some(length) => headers.insert(CONTENT_LENGTH, length.into()),
                None => headers.remove(CONTENT_LENGTH),
            };
        }
        #[cfg(feature = "federation")]
        if credential.sign {
            self.sign(&mut request).map_err(Error::Signing)?;
        }
        let config = self.inner.config;
        Ok(Exchange {
            request,
            settings: Settings {
                path,
                idempotent,
                token: credential
                    .refreshable
                    .then_some(credential.bearer)
                    .flatten(),
                retry: options.retry.unwrap_or(config.retry),
                timeout: options.timeout.or(config.timeout),
                deadline: options.deadline.or(config.deadline),
                stream,
            },
        })
    }
}

impl Client {
    /// The `reqwest` request for a request built on the base URL: its URL is the parsed base
    /// with the request's path and query (cheaper than parsing the whole URL again).
    fn to_reqwest(&self, http: http::Request<Vec<u8>>) -> reqwest::Request {
        let (parts, body) = http.into_parts();
        let mut url = self.inner.base.clone();
        url.set_path(parts.uri.path());
        url.set_query(parts.uri.query());
        let mut request = reqwest::Request::new(parts.method, url);
        *request.headers_mut() = parts.headers;
        *request.version_mut() = parts.version;
        *request.body_mut() = Some(reqwest::Body::from(body));
        request
    }
}

impl<R: fmt::Debug> fmt::Debug for Pending<'_, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pending")
            .field("request", &self.request)
            .field("path", &self.options.path)
            .field("timeout", &self.options.timeout)
            .field("deadline", &self.options.deadline)
            .field("retry", &self.options.retry)
            .field("user_id", &self.options.user_id)
            .field("body_stream", &self.options.body.is_some())
            .finish_non_exhaustive()
    }
}
