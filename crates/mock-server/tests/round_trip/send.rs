//! One operation over loopback: the example request read as the generated `Request` (as a
//! server reads it), sent by `matrix_client::Client`, and the typed response written back
//! out as HTTP by the generated code, to compare with the spec.

use std::any::Any;
use std::future::Future;
use std::pin::Pin;

use matrix_api_core::{IncomingRequest, OperationVisitor, OutgoingRequest, OutgoingResponse};
use matrix_client::Client;
use matrix_codegen::ir::Api;

/// The typed answer, serialised: status and body.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub body: Vec<u8>,
}

/// Why an operation did not round-trip.
#[derive(Debug)]
pub enum Failure {
    /// The spec's example request does not read as the generated `Request`.
    RequestUnreadable(String),
    /// The client or the server refused, or the answer does not read.
    Sent(String),
    /// The mock's answer is an error: a `500` whose message says the example response does
    /// not read as the generated response type, or another error.
    ErrorAnswer {
        status: Option<u16>,
        message: String,
    },
    /// The typed response does not write back out.
    NotWritten(String),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::RequestUnreadable(why) => {
                write!(f, "the example request does not read: {why}")
            }
            Failure::Sent(why) => write!(f, "not sent: {why}"),
            Failure::ErrorAnswer { status, message } => write!(f, "answered {status:?}: {message}"),
            Failure::NotWritten(why) => write!(f, "the response does not write: {why}"),
        }
    }
}

type Pending = Pin<Box<dyn Future<Output = Result<Answer, Failure>>>>;

/// The visitor: sends `http`, read as the operation's `Request`, with `client`.
pub struct Send {
    pub http: http::Request<Vec<u8>>,
    pub client: Client,
}

impl OperationVisitor for Send {
    type Output = Pending;

    fn visit<R>(self) -> Pending
    where
        R: OutgoingRequest + IncomingRequest + std::marker::Send + 'static,
    {
        Box::pin(async move {
            let request = R::try_from_http_request(self.http)
                .map_err(|e| Failure::RequestUnreadable(e.to_string()))?;
            let response = match self.client.send(request).await {
                Ok(response) => response,
                Err(error) => {
                    let status = error.status().map(|s| s.as_u16());
                    return Err(match error.matrix_error() {
                        Some(matrix) => Failure::ErrorAnswer {
                            status,
                            message: matrix.to_string(),
                        },
                        None => Failure::Sent(error.to_string()),
                    });
                }
            };
            // The generated client and server sides share one response type; the visitor's
            // bounds do not say so, so the value crosses by its type ID.
            let response: Box<dyn Any> = Box::new(response);
            let response = response
                .downcast::<<R as IncomingRequest>::OutgoingResponse>()
                .map_err(|_| {
                    Failure::NotWritten("client and server response types differ".into())
                })?;
            let http = response
                .try_into_http_response::<Vec<u8>>()
                .map_err(|e| Failure::NotWritten(e.to_string()))?;
            Ok(Answer {
                status: http.status().as_u16(),
                body: http.into_body(),
            })
        })
    }
}

/// Runs `visitor` with the `Request` type of `operation_id` of `api`.
pub fn with_operation(api: Api, operation_id: &str, visitor: Send) -> Option<Pending> {
    match api {
        Api::ClientServer => {
            matrix_client_server_api::examples::with_operation(operation_id, visitor)
        }
        Api::ServerServer => {
            matrix_server_server_api::examples::with_operation(operation_id, visitor)
        }
        Api::ApplicationService => {
            matrix_application_service_api::examples::with_operation(operation_id, visitor)
        }
        Api::Identity => matrix_identity_api::examples::with_operation(operation_id, visitor),
        Api::PushGateway => {
            matrix_push_gateway_api::examples::with_operation(operation_id, visitor)
        }
    }
}
