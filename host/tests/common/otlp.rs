//! An in-process OpenTelemetry collector: OTLP over gRPC and over HTTP
//! (protobuf) on loopback ports, keeping every span it receives.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use opentelemetry_proto::tonic::collector::trace::v1::trace_service_server::{
    TraceService, TraceServiceServer,
};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use opentelemetry_proto::tonic::common::v1::{KeyValue, any_value::Value};
use prost::Message;

/// One received span, its ids in lowercase hex.
#[derive(Clone, Debug)]
pub struct Span {
    /// The `service.name` of the resource that sent it.
    pub service: String,
    pub name: String,
    pub trace_id: String,
    pub span_id: String,
    /// Empty for a root span.
    pub parent_span_id: String,
    /// String attributes (others as their debug text).
    pub attributes: HashMap<String, String>,
}

impl Span {
    /// The attribute `key`, or "".
    pub fn attribute(&self, key: &str) -> &str {
        self.attributes.get(key).map(String::as_str).unwrap_or("")
    }
}

/// The collector; stopped with the test process.
pub struct Collector {
    /// The OTLP/gRPC endpoint, as `OTEL_EXPORTER_OTLP_ENDPOINT` takes it.
    pub grpc: String,
    /// The OTLP/HTTP endpoint (spans are posted to `/v1/traces` below it).
    pub http: String,
    spans: Arc<Mutex<Vec<Span>>>,
}

#[derive(Clone, Default)]
struct Received(Arc<Mutex<Vec<Span>>>);

impl Received {
    fn keep(&self, request: ExportTraceServiceRequest) {
        let mut spans = self.0.lock().unwrap();
        for resource_spans in request.resource_spans {
            let service = resource_spans
                .resource
                .iter()
                .flat_map(|r| &r.attributes)
                .find(|kv| kv.key == "service.name")
                .map(text)
                .unwrap_or_default();
            for scope in resource_spans.scope_spans {
                for span in scope.spans {
                    spans.push(Span {
                        service: service.clone(),
                        name: span.name,
                        trace_id: hex::encode(span.trace_id),
                        span_id: hex::encode(span.span_id),
                        parent_span_id: hex::encode(span.parent_span_id),
                        attributes: span
                            .attributes
                            .iter()
                            .map(|kv| (kv.key.clone(), text(kv)))
                            .collect(),
                    });
                }
            }
        }
    }
}

fn text(kv: &KeyValue) -> String {
    match kv.value.as_ref().and_then(|v| v.value.as_ref()) {
        Some(Value::StringValue(s)) => s.clone(),
        Some(other) => format!("{other:?}"),
        None => String::new(),
    }
}

#[tonic::async_trait]
impl TraceService for Received {
    async fn export(
        &self,
        request: tonic::Request<ExportTraceServiceRequest>,
    ) -> Result<tonic::Response<ExportTraceServiceResponse>, tonic::Status> {
        self.keep(request.into_inner());
        Ok(tonic::Response::new(ExportTraceServiceResponse::default()))
    }
}

impl Collector {
    /// Starts both receivers on a thread of their own.
    pub fn start() -> Collector {
        let received = Received::default();
        let spans = received.0.clone();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let grpc = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                let http = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                tx.send((grpc.local_addr().unwrap(), http.local_addr().unwrap()))
                    .unwrap();
                tokio::spawn(serve_http(http, received.clone()));
                tonic::transport::Server::builder()
                    .add_service(TraceServiceServer::new(received))
                    .serve_with_incoming(tokio_stream::wrappers::TcpListenerStream::new(grpc))
                    .await
                    .unwrap();
            });
        });
        let (grpc, http): (SocketAddr, SocketAddr) = rx.recv().unwrap();
        Collector {
            grpc: format!("http://{grpc}"),
            http: format!("http://{http}"),
            spans,
        }
    }

    /// Every span received so far.
    pub fn spans(&self) -> Vec<Span> {
        self.spans.lock().unwrap().clone()
    }

    /// Waits (up to 30 s) until the spans received satisfy `done`, and
    /// returns them; panics with `what` and every span otherwise.
    pub fn wait_for(&self, what: &str, done: impl Fn(&[Span]) -> bool) -> Vec<Span> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let spans = self.spans();
            if done(&spans) {
                return spans;
            }
            assert!(
                Instant::now() < deadline,
                "the collector never received {what}; it has:\n{spans:#?}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// OTLP/HTTP: `POST /v1/traces` with a protobuf `ExportTraceServiceRequest`.
async fn serve_http(listener: tokio::net::TcpListener, received: Received) {
    use http_body_util::BodyExt;
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            return;
        };
        let received = received.clone();
        let service =
            hyper::service::service_fn(move |request: hyper::Request<hyper::body::Incoming>| {
                let received = received.clone();
                async move {
                    let path_ok = request.uri().path() == "/v1/traces";
                    let body = request.into_body().collect().await?.to_bytes();
                    let status = match ExportTraceServiceRequest::decode(body) {
                        Ok(spans) if path_ok => {
                            received.keep(spans);
                            200
                        }
                        _ => 400,
                    };
                    let answer = ExportTraceServiceResponse::default().encode_to_vec();
                    hyper::Response::builder()
                        .status(status)
                        .header("content-type", "application/x-protobuf")
                        .body(http_body_util::Full::new(bytes::Bytes::from(answer)))
                        .map_err(|e| -> Box<dyn std::error::Error + Send + Sync> { e.into() })
                }
            });
        tokio::spawn(
            hyper::server::conn::http1::Builder::new()
                .serve_connection(hyper_util::rt::TokioIo::new(stream), service),
        );
    }
}
