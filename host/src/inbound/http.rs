//! The HTTP front door: a hyper server handing each request to the HTTP app
//! in a fresh instance, with graceful shutdown.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Result;
use http_body_util::{BodyExt, Full};
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;

use crate::runtime::App;

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
    loop {
        let (stream, _) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(conn) => conn,
                Err(err) => {
                    tracing::warn!("accept failed: {err}");
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
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

/// Runs one request; a failing guest becomes a 500 with the reason.
async fn respond(
    app: &App,
    request: hyper::Request<hyper::body::Incoming>,
) -> hyper::Response<HyperOutgoingBody> {
    let (method, path) = (request.method().clone(), request.uri().path().to_string());
    match app.handle_http(request).await {
        Ok(response) => response,
        Err(err) => {
            let message = crate::runtime::failure_message(&err);
            tracing::error!(app = app.id(), %method, %path, "{message}");
            tracing::debug!(app = app.id(), "{err:?}");
            error_response(500, &format!("{message}\n"))
        }
    }
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
