//! The HTTP front door: a hyper server handing each request to the HTTP app
//! in a fresh instance, with graceful shutdown. Bodies are bounded by the
//! app's `max_body_bytes` both ways (`413` up front when `Content-Length`
//! says so); a busy app answers `503` with `Retry-After`.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Result;
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;

use crate::runtime::{App, Overloaded, check_body};
use wasmtime_wasi_http::Error as WasiHttpError;

/// How long shutdown waits for in-flight requests.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(30);

/// Serves `app` on `listener` until `shutdown` resolves, then stops
/// accepting and waits for in-flight requests (up to 30 s).
pub async fn serve(
    listener: TcpListener,
    app: Arc<App>,
    shutdown: impl Future<Output = ()>,
) -> Result<()> {
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    tokio::pin!(shutdown);
    while let Some(stream) = super::accept(&listener, &mut shutdown, "HTTP").await {
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let service = hyper::service::service_fn(move |request| {
            let app = app.clone();
            async move { Ok::<_, Infallible>(respond(&app, request).await) }
        });
        let connection = http1::Builder::new()
            .keep_alive(true)
            .serve_connection(TokioIo::new(stream), service);
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(err) = connection.await {
                tracing::debug!("connection closed with an error: {err}");
            }
        });
    }
    drop(listener);
    tracing::info!("shutting down: finishing in-flight requests");
    if tokio::time::timeout(DRAIN_TIMEOUT, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("in-flight requests did not finish within {DRAIN_TIMEOUT:?}");
    }
    Ok(())
}

/// Runs one request in its spans (a trace span continuing the request's
/// `traceparent`, a log span) and records it in the metrics (kind `http`,
/// outcome the status class, or `overloaded`; time to the response head).
async fn respond(
    app: &App,
    request: hyper::Request<hyper::body::Incoming>,
) -> hyper::Response<HyperOutgoingBody> {
    let parent = crate::telemetry::from_http_headers(request.headers());
    let target = format!("{} {}", request.method(), request.uri().path());
    let call = answer(app, request);
    app.inbound("http", &target, &parent, call, |response| {
        match response.status().as_u16() {
            503 if response.headers().contains_key(hyper::header::RETRY_AFTER) => "overloaded",
            100..=199 => "1xx",
            200..=299 => "2xx",
            300..=399 => "3xx",
            400..=499 => "4xx",
            _ => "5xx",
        }
    })
    .await
}

/// Runs one request; a failing guest becomes a 500 with the reason, an
/// overloaded app a 503, a body over the limit a 413.
async fn answer(
    app: &App,
    request: hyper::Request<hyper::body::Incoming>,
) -> hyper::Response<HyperOutgoingBody> {
    let (method, path) = (request.method().clone(), request.uri().path().to_string());
    let limit = app.limits().max_body_bytes;
    if let Some(length) = content_length(&request)
        && let Err(message) = check_body("the request body", Some(length), limit)
    {
        return error_response(413, &format!("{message}\n"));
    }
    let request = request.map(|body| limit_body(body, limit, request_too_large));
    match app.handle_http(request).await {
        Ok(response) => {
            response.map(|body| limit_body(body, limit, response_too_large).boxed_unsync())
        }
        Err(err) => {
            let message = crate::runtime::failure_message(&err);
            if err.downcast_ref::<Overloaded>().is_some() {
                tracing::warn!(app = app.id(), %method, %path, "{message}");
                let mut response = error_response(503, &format!("{message}\n"));
                response.headers_mut().insert(
                    hyper::header::RETRY_AFTER,
                    hyper::header::HeaderValue::from(Overloaded::RETRY_AFTER.as_secs()),
                );
                return response;
            }
            tracing::error!(app = app.id(), %method, %path, "{message}");
            tracing::debug!(app = app.id(), "{err:?}");
            error_response(500, &format!("{message}\n"))
        }
    }
}

/// The declared `Content-Length` of a request, if any (past `usize`, the
/// largest `usize`).
fn content_length<B>(request: &hyper::Request<B>) -> Option<usize> {
    request
        .headers()
        .get(hyper::header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .parse::<u64>()
        .ok()
        .map(|n| usize::try_from(n).unwrap_or(usize::MAX))
}

/// `body`, failing with `too_large(limit)` once more than `limit` bytes
/// went through and with its own error otherwise.
pub(crate) fn limit_body<B>(
    body: B,
    limit: usize,
    too_large: fn(usize) -> WasiHttpError,
) -> impl hyper::body::Body<Data = bytes::Bytes, Error = WasiHttpError> + Send + 'static
where
    B: hyper::body::Body<Data = bytes::Bytes> + Send + 'static,
    B::Error: Into<WasiHttpError> + std::error::Error + Send + Sync + 'static,
{
    Limited::new(body, limit).map_err(move |err| match err.downcast::<B::Error>() {
        Ok(inner) => (*inner).into(),
        Err(other) => {
            debug_assert!(other.is::<LengthLimitError>());
            too_large(limit)
        }
    })
}

fn request_too_large(limit: usize) -> WasiHttpError {
    WasiHttpError::HttpRequestBodySize(Some(limit as u64))
}

fn response_too_large(limit: usize) -> WasiHttpError {
    let message = check_body("a response body", None, limit).unwrap_err();
    tracing::warn!("{message}; the response was cut off");
    WasiHttpError::HttpResponseBodySize(Some(limit as u64))
}

fn error_response(status: u16, text: &str) -> hyper::Response<HyperOutgoingBody> {
    let body = Full::new(bytes::Bytes::from(text.to_string()))
        .map_err(|never: Infallible| match never {})
        .boxed_unsync();
    let mut response = hyper::Response::new(body);
    *response.status_mut() =
        hyper::StatusCode::from_u16(status).unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
    response.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        "text/plain; charset=utf-8".parse().expect("static header"),
    );
    response
}
