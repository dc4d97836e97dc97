//! The path of every request: route, check the credential, read the body within its limits,
//! verify a signature, then hand the typed request to the method, with panics caught.

use std::any::Any;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use bytes::Bytes;
use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use http::{HeaderValue, Method, StatusCode, header};
use matrix_api_core::{Auth, AuthScheme, ErrorCode, ServerName};
use matrix_event_format::XMatrix;

use crate::authenticator::TokenOwner;
use crate::body;
use crate::config::{FederationAuth, ServerConfig};
use crate::cors::Cors;
use crate::credentials::{self, QueryCredentials, SignatureHeaderError, TokenError};
use crate::endpoint::Endpoint;
use crate::federation;
use crate::json_limits;
use crate::percent;
use crate::rejection::Rejection;
use crate::route_table::{Lookup, RouteTable};
use matrix_api_core::Caller;

/// Everything a router serves from.
pub(crate) struct Server {
    routes: Vec<Route>,
    /// Per route that shares its path shape, method and authentication with others: all of
    /// them, in the order they are tried (the spec's current ones before deprecated ones,
    /// then as added); empty for the others.
    candidates: Vec<Vec<usize>>,
    table: RouteTable,
    config: ServerConfig,
    cors: Option<Cors>,
}

/// An endpoint with its limits.
struct Route {
    endpoint: Endpoint,
    body_limit: usize,
    /// Whether the body is uploaded media (no JSON checks).
    media: bool,
}

/// The credential found before the body is read.
enum Credential {
    /// Checked already.
    Checked(Caller),
    /// An `X-Matrix` header for this server, to verify against the body.
    Signed { header: XMatrix, origin: ServerName },
}

/// The kinds of bearer token.
#[derive(Clone, Copy)]
enum Bearer {
    Access,
    Appservice,
    Homeserver,
}

impl Server {
    pub(crate) fn new(endpoints: Vec<Endpoint>, config: ServerConfig) -> Self {
        let mut table = RouteTable::default();
        let mut alternatives = vec![Vec::new(); endpoints.len()];
        for (index, endpoint) in endpoints.iter().enumerate() {
            let metadata = &endpoint.metadata;
            for path in metadata.paths() {
                let Err(duplicate) = table.insert(path, metadata.method.clone(), index) else {
                    continue;
                };
                let first = duplicate.existing;
                if first == index || alternatives[first].contains(&index) {
                    continue;
                }
                if endpoints[first].metadata.auth == metadata.auth {
                    alternatives[first].push(index);
                } else {
                    tracing::warn!(
                        path,
                        method = %metadata.method,
                        operation = metadata.operation_id,
                        kept = endpoints[duplicate.existing].metadata.operation_id,
                        "path already served by another operation"
                    );
                }
            }
        }
        let candidates = alternatives
            .into_iter()
            .enumerate()
            .map(|(index, others)| {
                if others.is_empty() {
                    return others;
                }
                let mut all = vec![index];
                all.extend(others);
                all.sort_by_key(|&i| endpoints[i].metadata.deprecated);
                all
            })
            .collect();
        let cors = config.cors.then(|| Cors::new(&table.methods()));
        let routes = endpoints
            .into_iter()
            .map(|endpoint| {
                let media = body::is_media_upload(endpoint.metadata.operation_id);
                Route {
                    body_limit: config.body_limit_of(endpoint.metadata.operation_id, media),
                    media,
                    endpoint,
                }
            })
            .collect();
        Server {
            routes,
            candidates,
            table,
            config,
            cors,
        }
    }

    async fn respond(
        &self,
        request: http::Request<Body>,
    ) -> Result<http::Response<Body>, Rejection> {
        let (parts, body) = request.into_parts();
        let index = match self.table.lookup(&parts.method, parts.uri.path()) {
            Lookup::Found(index) => index,
            Lookup::WrongMethod(_) if parts.method == Method::OPTIONS && self.cors.is_some() => {
                let mut response = http::Response::new(Body::empty());
                *response.status_mut() = StatusCode::NO_CONTENT;
                return Ok(response);
            }
            Lookup::WrongMethod(methods) => return Ok(method_not_allowed(methods)),
            Lookup::NotFound => {
                return Err(Rejection::new(
                    StatusCode::NOT_FOUND,
                    ErrorCode::Unrecognized,
                    "Unrecognized request",
                ));
            }
        };
        let route = &self.routes[index];
        percent::check(parts.uri.path())?;
        percent::check(parts.uri.query().unwrap_or_default())?;

        let auth = route.endpoint.metadata.auth;
        let optional = matches!(auth, Auth::Optional(_));
        let credential = match auth.scheme() {
            None => Credential::Checked(Caller::Anonymous),
            Some(AuthScheme::AccessToken) => self.bearer(Bearer::Access, optional, &parts).await?,
            Some(AuthScheme::AppserviceToken) => {
                self.bearer(Bearer::Appservice, optional, &parts).await?
            }
            Some(AuthScheme::HomeserverToken) => {
                self.bearer(Bearer::Homeserver, optional, &parts).await?
            }
            Some(AuthScheme::XMatrix) => match credentials::x_matrix(&parts.headers)? {
                None if optional => Credential::Checked(Caller::Anonymous),
                None => return Err(SignatureHeaderError::Missing.into()),
                Some(header) => {
                    let destination = match self.config.federation {
                        FederationAuth::TrustWellFormed {
                            any_destination: true,
                        } => None,
                        _ => Some(&self.config.server_name),
                    };
                    let origin = federation::origin(&header, destination)?;
                    Credential::Signed { header, origin }
                }
            },
        };

        let bytes = body::read(body, &parts.headers, route.body_limit).await?;
        if !route.media {
            json_limits::check(&bytes, self.config.json_depth_limit)?;
        }

        let caller = match credential {
            Credential::Checked(caller) => caller,
            Credential::Signed { header, origin } => {
                if let FederationAuth::Verify(store) = &self.config.federation {
                    let own = &self.config.server_name;
                    federation::verify(store.as_deref(), &header, &origin, own, &parts, &bytes)
                        .await?;
                }
                self.config.authenticator.server(&origin).await?;
                Caller::Server(origin)
            }
        };
        let request = http::Request::from_parts(parts, bytes);
        Ok(self.start(index, request, caller)?.await)
    }

    /// Starts the endpoint of route `index`; of several that share its path and method, the
    /// first whose parser reads the request (the first one's refusal when none does).
    fn start(
        &self,
        index: usize,
        request: http::Request<Bytes>,
        caller: Caller,
    ) -> Result<BoxFuture<'static, http::Response<Body>>, Rejection> {
        let handler = |index: usize| &self.routes[index].endpoint.handler;
        let Some((&first, others)) = self.candidates[index].split_first() else {
            return handler(index)(request, caller);
        };
        let refusal = match handler(first)(request.clone(), caller.clone()) {
            Ok(answer) => return Ok(answer),
            Err(refusal) => refusal,
        };
        for &other in others {
            if let Ok(answer) = handler(other)(request.clone(), caller.clone()) {
                return Ok(answer);
            }
        }
        Err(refusal)
    }

    /// Checks the bearer token of a request (none is fine when auth is `optional`).
    async fn bearer(
        &self,
        kind: Bearer,
        optional: bool,
        parts: &http::request::Parts,
    ) -> Result<Credential, Rejection> {
        let query = QueryCredentials::parse(parts.uri.query());
        let token =
            credentials::bearer_token(&parts.headers, &query, self.config.query_access_token)?;
        let Some(token) = token else {
            return if optional {
                Ok(Credential::Checked(Caller::Anonymous))
            } else {
                Err(TokenError::Missing.into())
            };
        };
        let authenticator = &*self.config.authenticator;
        let caller = match kind {
            Bearer::Access => match authenticator
                .access_token(token, &query.assertion()?)
                .await?
            {
                TokenOwner::User(user) => Caller::User(user),
                TokenOwner::Appservice(appservice) => Caller::Appservice(appservice),
            },
            Bearer::Appservice => Caller::Appservice(
                authenticator
                    .appservice_token(token, &query.assertion()?)
                    .await?,
            ),
            Bearer::Homeserver => {
                authenticator.homeserver_token(token).await?;
                Caller::Homeserver
            }
        };
        Ok(Credential::Checked(caller))
    }
}

/// Serves one request: the fallback handler of the router, so it sees every request.
pub(crate) async fn serve(
    State(server): State<Arc<Server>>,
    request: http::Request<Body>,
) -> http::Response<Body> {
    let answer = AssertUnwindSafe(server.respond(request))
        .catch_unwind()
        .await;
    let mut response = match answer {
        Ok(Ok(response)) => response,
        Ok(Err(rejection)) => rejection.into_response(),
        Err(panic) => {
            tracing::error!(panic = panic_message(&*panic), "request handler panicked");
            Rejection::internal("Internal server error").into_response()
        }
    };
    if let Some(cors) = &server.cors {
        cors.apply(response.headers_mut());
    }
    response
}

/// `405 M_UNRECOGNIZED` with the methods the path has in `Allow`.
fn method_not_allowed(methods: &[(Method, usize)]) -> http::Response<Body> {
    let mut response = Rejection::new(
        StatusCode::METHOD_NOT_ALLOWED,
        ErrorCode::Unrecognized,
        "Unrecognized request: method not allowed for this path",
    )
    .into_response();
    let allow: Vec<&str> = methods.iter().map(|(method, _)| method.as_str()).collect();
    if let Ok(value) = HeaderValue::from_str(&allow.join(", ")) {
        response.headers_mut().insert(header::ALLOW, value);
    }
    response
}

fn panic_message(panic: &(dyn Any + Send)) -> &str {
    panic
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(not text)")
}
