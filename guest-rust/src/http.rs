//! Serving HTTP: components exporting `wasi:http/incoming-handler@0.2.12`.
//!
//! Implement [`HttpHandler`] and export it with
//! [`export_http!`](crate::export_http). Requests and responses are plain
//! values; [`Request::into_body`] reads the whole body. The raw `wasi:http`
//! bindings are re-exported as [`wasi`] for full control.
//!
//! ```no_run
//! use dapr_guest::http::{HttpHandler, Request, Response};
//!
//! struct Hello;
//!
//! impl HttpHandler for Hello {
//!     fn handle(request: Request) -> Response {
//!         match request.path() {
//!             "/" => Response::text(200, "Hello!"),
//!             _ => Response::not_found(),
//!         }
//!     }
//! }
//!
//! dapr_guest::export_http!(Hello);
//! ```

use std::fmt;

use wasip2::http::types::{
    Fields, IncomingBody, IncomingRequest, OutgoingBody, OutgoingResponse, ResponseOutparam,
};
use wasip2::io::streams::StreamError;

pub use wasip2::http::types::Method;

/// The raw `wasi:http` bindings (`types`, `outgoing_handler`, ...).
pub use wasip2::http as wasi;

/// How many bytes a single stream read asks for.
const READ_CHUNK: u64 = 64 * 1024;
/// The most bytes `blocking-write-and-flush` accepts per call.
const WRITE_CHUNK: usize = 4096;

/// Answers the HTTP requests of a component; exported with
/// [`export_http!`](crate::export_http). Each request runs in a fresh
/// instance.
pub trait HttpHandler {
    /// Handles one request.
    fn handle(request: Request) -> Response;
}

/// An incoming HTTP request whose body has not been read yet.
pub struct Request {
    method: Method,
    path_with_query: String,
    headers: Vec<(String, Vec<u8>)>,
    inner: IncomingRequest,
}

impl Request {
    fn new(inner: IncomingRequest) -> Self {
        Request {
            method: inner.method(),
            path_with_query: inner.path_with_query().unwrap_or_else(|| "/".to_owned()),
            headers: inner.headers().entries(),
            inner,
        }
    }

    /// The request method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The path, without the query string.
    pub fn path(&self) -> &str {
        self.path_with_query
            .split_once('?')
            .map_or(&self.path_with_query, |(path, _)| path)
    }

    /// The query string (after `?`), empty if there is none.
    pub fn query(&self) -> &str {
        self.path_with_query
            .split_once('?')
            .map_or("", |(_, query)| query)
    }

    /// The first value of query parameter `name` (not percent-decoded).
    pub fn query_param(&self, name: &str) -> Option<&str> {
        self.query()
            .split('&')
            .filter_map(|pair| pair.split_once('=').or(Some((pair, ""))))
            .find_map(|(k, v)| (k == name).then_some(v))
    }

    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&[u8]> {
        self.headers
            .iter()
            .find_map(|(k, v)| k.eq_ignore_ascii_case(name).then_some(v.as_slice()))
    }

    /// All headers, in order.
    pub fn headers(&self) -> &[(String, Vec<u8>)] {
        &self.headers
    }

    /// Reads the whole body.
    pub fn into_body(self) -> Result<Vec<u8>, BodyError> {
        let body = self
            .inner
            .consume()
            .map_err(|()| BodyError("body already consumed".into()))?;
        let stream = body
            .stream()
            .map_err(|()| BodyError("body stream unavailable".into()))?;
        let mut data = Vec::new();
        loop {
            match stream.blocking_read(READ_CHUNK) {
                Ok(chunk) => data.extend_from_slice(&chunk),
                Err(StreamError::Closed) => break,
                Err(StreamError::LastOperationFailed(e)) => {
                    return Err(BodyError(e.to_debug_string()));
                }
            }
        }
        drop(stream);
        IncomingBody::finish(body);
        Ok(data)
    }
}

/// Reading or writing a body failed.
#[derive(Debug)]
pub struct BodyError(String);

impl fmt::Display for BodyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HTTP body: {}", self.0)
    }
}

impl std::error::Error for BodyError {}

/// An HTTP response to send.
#[derive(Clone, Debug)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// The headers, in order.
    pub headers: Vec<(String, Vec<u8>)>,
    /// The body.
    pub body: Vec<u8>,
}

impl Response {
    /// A response with `status`, no headers and an empty body.
    pub fn new(status: u16) -> Self {
        Response {
            status,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    /// A `404 Not Found` response.
    pub fn not_found() -> Self {
        Response::new(404)
    }

    /// A response with a `text/plain` body.
    pub fn text(status: u16, body: impl Into<String>) -> Self {
        Response::new(status).body(body.into(), "text/plain; charset=utf-8")
    }

    /// Sets the body and its `content-type`.
    pub fn body(self, body: impl Into<Vec<u8>>, content_type: &str) -> Self {
        let mut response = self.header("content-type", content_type);
        response.body = body.into();
        response
    }

    /// Adds a header.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<Vec<u8>>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Sends the response through `out`. Failures past the point where the
    /// status was sent can only be dropped: the client sees a cut-off body.
    fn send(self, out: ResponseOutparam) {
        let headers = match Fields::from_list(&self.headers) {
            Ok(headers) => headers,
            Err(_) => return Response::text(500, "invalid response header").send(out),
        };
        let response = OutgoingResponse::new(headers);
        if response.set_status_code(self.status).is_err() {
            return Response::text(500, "invalid response status").send(out);
        }
        let body = response
            .body()
            .expect("a new response's body is available once");
        ResponseOutparam::set(out, Ok(response));
        let stream = body.write().expect("a new body's stream is available once");
        for chunk in self.body.chunks(WRITE_CHUNK) {
            if stream.blocking_write_and_flush(chunk).is_err() {
                return;
            }
        }
        drop(stream);
        let _ = OutgoingBody::finish(body, None);
    }
}

#[doc(hidden)]
pub mod __private {
    pub use wasip2::exports::http::incoming_handler::Guest;
    pub use wasip2::http::proxy::export;
    pub use wasip2::http::types::{IncomingRequest, ResponseOutparam};

    /// Runs `H` on one request.
    pub fn serve<H: super::HttpHandler>(request: IncomingRequest, out: ResponseOutparam) {
        H::handle(super::Request::new(request)).send(out);
    }
}

/// Exports an [`HttpHandler`](crate::http::HttpHandler) implementation as the
/// component's `wasi:http/incoming-handler` export. Takes the name of the
/// implementing type.
#[macro_export]
macro_rules! export_http {
    ($ty:ident) => {
        impl $crate::http::__private::Guest for $ty {
            fn handle(
                request: $crate::http::__private::IncomingRequest,
                out: $crate::http::__private::ResponseOutparam,
            ) {
                $crate::http::__private::serve::<$ty>(request, out)
            }
        }
        $crate::http::__private::export!($ty);
    };
}
