//! The operations listener (`serve --metrics ADDR`): what Prometheus and
//! Kubernetes ask of a Dapr app, on its own port.
//!
//! - `GET /metrics`: every metric of [`crate::metrics`], OpenMetrics text.
//! - `GET /healthz`: live: `200` while the process serves.
//! - `GET /readyz`: ready: `200` once every app is loaded, the sidecar (if
//!   any) answers and no app is overloaded; else `503` with the reasons.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Result;
use bytes::Bytes;
use http_body_util::Full;
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

use super::AppDirectory;
use crate::backend::sidecar::Sidecar;

/// How long the readiness probe waits for the sidecar.
const SIDECAR_PROBE_TIMEOUT: Duration = Duration::from_secs(1);

/// What readiness depends on.
pub struct Readiness {
    directory: Arc<AppDirectory>,
    apps: Vec<String>,
    sidecar: Option<Sidecar>,
}

impl Readiness {
    /// Ready once every app of `apps` is in `directory`, `sidecar` (if
    /// any) answers, and no app is overloaded.
    pub fn new(directory: Arc<AppDirectory>, apps: Vec<String>, sidecar: Option<Sidecar>) -> Self {
        Readiness {
            directory,
            apps,
            sidecar,
        }
    }

    /// `Ok` if ready, else why not (one reason a line).
    pub async fn check(&self) -> Result<(), String> {
        let mut reasons = Vec::new();
        for id in &self.apps {
            match self.directory.get(id) {
                None => reasons.push(format!("app `{id}` is not loaded yet")),
                Some(app) if app.overloaded() => reasons.push(format!(
                    "app `{id}` is overloaded (all {} instances busy, the queue full)",
                    app.max_instances()
                )),
                Some(_) => {}
            }
        }
        if let Some(sidecar) = &self.sidecar
            && let Err(reason) = probe(sidecar).await
        {
            reasons.push(reason);
        }
        if reasons.is_empty() {
            Ok(())
        } else {
            Err(reasons.join("\n"))
        }
    }
}

/// Whether the sidecar answers its metadata call within the probe timeout.
async fn probe(sidecar: &Sidecar) -> Result<(), String> {
    let request = ::dapr::dapr::proto::runtime::v1::GetMetadataRequest {};
    let call = async { sidecar.client().get_metadata(request).await };
    match tokio::time::timeout(SIDECAR_PROBE_TIMEOUT, call).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(status)) => Err(format!(
            "the Dapr sidecar at {} does not answer: {}",
            sidecar.endpoint(),
            status.message()
        )),
        Err(_) => Err(format!(
            "the Dapr sidecar at {} did not answer within {SIDECAR_PROBE_TIMEOUT:?}",
            sidecar.endpoint()
        )),
    }
}

/// Serves the operations endpoints on `listener` until `shutdown` resolves.
pub async fn serve(
    listener: TcpListener,
    readiness: Arc<Readiness>,
    shutdown: impl Future<Output = ()>,
) -> Result<()> {
    tokio::pin!(shutdown);
    while let Some(stream) = super::accept(&listener, &mut shutdown, "metrics listener").await {
        let readiness = readiness.clone();
        let service = hyper::service::service_fn(move |request| {
            let readiness = readiness.clone();
            async move { Ok::<_, Infallible>(answer(&readiness, &request).await) }
        });
        tokio::spawn(async move {
            let connection = http1::Builder::new().serve_connection(TokioIo::new(stream), service);
            if let Err(err) = connection.await {
                tracing::debug!("metrics connection closed with an error: {err}");
            }
        });
    }
    Ok(())
}

/// The answer to one request.
async fn answer<B>(
    readiness: &Readiness,
    request: &hyper::Request<B>,
) -> hyper::Response<Full<Bytes>> {
    const TEXT: &str = "text/plain; charset=utf-8";
    if request.method() != hyper::Method::GET {
        return response(405, TEXT, "only GET\n".into());
    }
    match request.uri().path() {
        "/metrics" => {
            let apps = readiness.directory.apps().into_values().map(|app| {
                (
                    app.id().to_string(),
                    app.busy_instances(),
                    app.max_instances(),
                )
            });
            let text = crate::metrics::metrics().encode(apps);
            response(
                200,
                "application/openmetrics-text; version=1.0.0; charset=utf-8",
                text,
            )
        }
        "/healthz" => response(200, TEXT, "ok\n".into()),
        "/readyz" => match readiness.check().await {
            Ok(()) => response(200, TEXT, "ready\n".into()),
            Err(reasons) => response(503, TEXT, format!("{reasons}\n")),
        },
        _ => response(
            404,
            TEXT,
            "not found: /metrics, /healthz or /readyz\n".into(),
        ),
    }
}

fn response(status: u16, content_type: &str, body: String) -> hyper::Response<Full<Bytes>> {
    let mut response = hyper::Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() =
        hyper::StatusCode::from_u16(status).unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
    if let Ok(value) = hyper::header::HeaderValue::from_str(content_type) {
        response
            .headers_mut()
            .insert(hyper::header::CONTENT_TYPE, value);
    }
    response
}
