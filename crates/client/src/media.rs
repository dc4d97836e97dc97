//! [`Download`]: a successful answer whose body is read as it arrives.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_core::Stream;
use http::header::{CONTENT_DISPOSITION, CONTENT_LENGTH, CONTENT_TYPE};
use http::{HeaderMap, StatusCode};

type ByteStream = Pin<Box<dyn Stream<Item = Result<Bytes, reqwest::Error>> + Send>>;

/// The status and headers of an answer, and its body as a stream of chunks: read it with
/// [`Download::chunk`] or as a [`Stream`]. The body is never held whole by the client.
pub struct Download {
    status: StatusCode,
    headers: HeaderMap,
    body: Body,
}

enum Body {
    Stream(ByteStream),
    /// A body that was read already (an answer that is neither success nor error).
    Buffered(Option<Bytes>),
}

impl Download {
    pub(crate) fn streaming(mut response: reqwest::Response) -> Self {
        let headers = std::mem::take(response.headers_mut());
        Download {
            status: response.status(),
            headers,
            body: Body::Stream(Box::pin(response.bytes_stream())),
        }
    }

    pub(crate) fn buffered(status: StatusCode, headers: HeaderMap, body: Bytes) -> Self {
        Download {
            status,
            headers,
            body: Body::Buffered(Some(body).filter(|b| !b.is_empty())),
        }
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// All headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The `Content-Type` header, if present and text.
    pub fn content_type(&self) -> Option<&str> {
        self.header(CONTENT_TYPE)
    }

    /// The `Content-Disposition` header (`inline; filename=…`), if present and text.
    pub fn content_disposition(&self) -> Option<&str> {
        self.header(CONTENT_DISPOSITION)
    }

    /// The `Content-Length` header, if present and a number.
    pub fn content_length(&self) -> Option<u64> {
        self.header(CONTENT_LENGTH)?.parse().ok()
    }

    fn header(&self, name: http::header::HeaderName) -> Option<&str> {
        self.headers.get(name)?.to_str().ok()
    }

    /// The next chunk of the body; `None` at its end.
    pub async fn chunk(&mut self) -> Result<Option<Bytes>, reqwest::Error> {
        std::future::poll_fn(|cx| Pin::new(&mut *self).poll_next(cx))
            .await
            .transpose()
    }
}

impl Stream for Download {
    type Item = Result<Bytes, reqwest::Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        match &mut self.get_mut().body {
            Body::Stream(stream) => stream.as_mut().poll_next(cx),
            Body::Buffered(body) => Poll::Ready(body.take().map(Ok)),
        }
    }
}

impl fmt::Debug for Download {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Download")
            .field("status", &self.status)
            .field("headers", &self.headers)
            .finish_non_exhaustive()
    }
}
