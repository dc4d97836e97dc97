//! The CORS headers the client-server API recommends ("Web Browser Clients"), on every
//! response.

use http::{HeaderMap, HeaderValue, Method, header};

/// The three headers, built once.
#[derive(Debug, Clone)]
pub(crate) struct Cors {
    allow_methods: HeaderValue,
}

const ALLOW_HEADERS: HeaderValue =
    HeaderValue::from_static("X-Requested-With, Content-Type, Authorization");

impl Cors {
    /// Allows the spec's methods, `GET, POST, PUT, DELETE, OPTIONS`, and any other that an
    /// endpoint uses (as the spec asks of servers with more methods).
    pub(crate) fn new(routed: &[Method]) -> Self {
        let mut methods = vec![
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::DELETE,
            Method::OPTIONS,
        ];
        for method in routed {
            if !methods.contains(method) {
                methods.push(method.clone());
            }
        }
        let list: Vec<&str> = methods.iter().map(Method::as_str).collect();
        Cors {
            allow_methods: HeaderValue::from_str(&list.join(", "))
                .unwrap_or(HeaderValue::from_static("GET, POST, PUT, DELETE, OPTIONS")),
        }
    }

    /// Adds the headers to a response.
    pub(crate) fn apply(&self, headers: &mut HeaderMap) {
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_ORIGIN,
            HeaderValue::from_static("*"),
        );
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            self.allow_methods.clone(),
        );
        headers.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, ALLOW_HEADERS);
    }
}
