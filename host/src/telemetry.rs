//! Distributed tracing: an OpenTelemetry span for every inbound call and
//! every host call, joined to the W3C trace context (`traceparent`,
//! `tracestate`) that came with the inbound call, and that context sent on
//! with every outgoing Dapr call made while serving it.
//!
//! Where the context comes from: an HTTP request's headers, the gRPC
//! metadata of daprd's app-channel calls, and a topic event's CloudEvent
//! attributes. Where it goes: the gRPC metadata of every sidecar call, and
//! the CloudEvent of every message the embedded brokers publish. An
//! embedded invocation runs inside its caller's span, so it needs neither.
//!
//! Spans are exported only when [`export_from_env`] installed an exporter
//! (the standard `OTEL_EXPORTER_OTLP_*` variables); otherwise OpenTelemetry's
//! no-op tracer keeps the incoming context as the current one, so the host
//! still passes traces through unchanged.

use std::time::Duration;

use anyhow::{Context as _, Result};
use opentelemetry::propagation::{Extractor, Injector, TextMapPropagator};
use opentelemetry::trace::{
    FutureExt, SpanKind, Status, TraceContextExt, Tracer, TracerProvider as _,
};
use opentelemetry::{Context, KeyValue, global};
use opentelemetry_sdk::propagation::TraceContextPropagator;

/// Whether spans are exported (an exporter is installed). Without one,
/// no span objects are made at all: the incoming context is simply kept
/// current, which is all propagation needs.
static EXPORTING: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

fn exporting() -> bool {
    EXPORTING.load(std::sync::atomic::Ordering::Relaxed)
}

/// The instrumentation scope of the host's spans.
const SCOPE: &str = "wasmtime-dapr";

/// The CloudEvent attributes Dapr keeps a message's trace context in
/// (`traceid` is the older name of `traceparent`, with the same value).
const CLOUDEVENT_TRACE_ATTRIBUTES: [&str; 3] = ["traceparent", "traceid", "tracestate"];

/// The OTLP exporter [`export_from_env`] installed; [`TraceExport::shutdown`]
/// exports what is still queued.
pub struct TraceExport {
    provider: opentelemetry_sdk::trace::SdkTracerProvider,
}

impl TraceExport {
    /// Exports the spans still queued and stops the exporter (at most
    /// `timeout`).
    pub async fn shutdown(self, timeout: Duration) {
        let provider = self.provider;
        let done =
            tokio::task::spawn_blocking(move || provider.shutdown_with_timeout(timeout)).await;
        if let Ok(Err(err)) = done {
            tracing::warn!("exporting the last spans failed: {err}");
        }
    }
}

/// Installs an OTLP span exporter as the global tracer provider when
/// `OTEL_EXPORTER_OTLP_ENDPOINT` or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` is
/// set, configured by the standard variables (`..._PROTOCOL`: `grpc` or
/// `http/protobuf`, the default; `OTEL_SERVICE_NAME`, else
/// `default_service`; `OTEL_TRACES_SAMPLER`; `OTEL_BSP_*`). Returns `None`
/// (and exports nothing) when neither is set. Must run inside a Tokio
/// runtime, which carries the exports.
pub fn export_from_env(default_service: &str) -> Result<Option<TraceExport>> {
    let set = |name: &str| std::env::var(name).is_ok_and(|v| !v.is_empty());
    if !set("OTEL_EXPORTER_OTLP_ENDPOINT") && !set("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") {
        return Ok(None);
    }
    for name in [
        "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
        "OTEL_EXPORTER_OTLP_PROTOCOL",
    ] {
        if let Ok(protocol) = std::env::var(name)
            && !matches!(protocol.as_str(), "" | "grpc" | "http/protobuf")
        {
            anyhow::bail!("{name}=`{protocol}` is not supported: use `grpc` or `http/protobuf`");
        }
    }
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .build()
        .context("cannot export traces as OTEL_EXPORTER_OTLP_* say")?;
    let processor =
        opentelemetry_sdk::trace::span_processor_with_async_runtime::BatchSpanProcessor::builder(
            exporter,
            opentelemetry_sdk::runtime::Tokio,
        )
        .build();
    let mut resource = opentelemetry_sdk::Resource::builder();
    if !set("OTEL_SERVICE_NAME") {
        resource = resource.with_service_name(default_service.to_string());
    }
    let provider = opentelemetry_sdk::trace::SdkTracerProvider::builder()
        .with_span_processor(processor)
        .with_resource(resource.build())
        .build();
    global::set_tracer_provider(provider.clone());
    EXPORTING.store(true, std::sync::atomic::Ordering::Relaxed);
    Ok(Some(TraceExport { provider }))
}

/// The trace context in HTTP headers.
pub fn from_http_headers(headers: &http::HeaderMap) -> Context {
    struct Headers<'a>(&'a http::HeaderMap);
    impl Extractor for Headers<'_> {
        fn get(&self, key: &str) -> Option<&str> {
            self.0.get(key)?.to_str().ok()
        }
        fn keys(&self) -> Vec<&str> {
            self.0.keys().map(|k| k.as_str()).collect()
        }
    }
    TraceContextPropagator::new().extract(&Headers(headers))
}

/// The trace context in gRPC metadata.
pub fn from_grpc_metadata(metadata: &tonic::metadata::MetadataMap) -> Context {
    struct Metadata<'a>(&'a tonic::metadata::MetadataMap);
    impl Extractor for Metadata<'_> {
        fn get(&self, key: &str) -> Option<&str> {
            self.0.get(key)?.to_str().ok()
        }
        fn keys(&self) -> Vec<&str> {
            self.0
                .keys()
                .filter_map(|key| match key {
                    tonic::metadata::KeyRef::Ascii(key) => Some(key.as_str()),
                    tonic::metadata::KeyRef::Binary(_) => None,
                })
                .collect()
        }
    }
    TraceContextPropagator::new().extract(&Metadata(metadata))
}

/// The trace context in name-value pairs: a CloudEvent's attributes
/// (`traceparent`, else the older `traceid`; `tracestate`) or an
/// invocation's headers (names in any case).
pub fn from_pairs(pairs: &[(String, String)]) -> Context {
    struct Attributes<'a>(&'a [(String, String)]);
    impl Extractor for Attributes<'_> {
        fn get(&self, key: &str) -> Option<&str> {
            let find = |name: &str| self.0.iter().find(|(k, _)| k.eq_ignore_ascii_case(name));
            let found = find(key).or_else(|| (key == "traceparent").then(|| find("traceid"))?);
            found.map(|(_, v)| v.as_str())
        }
        fn keys(&self) -> Vec<&str> {
            self.0.iter().map(|(k, _)| k.as_str()).collect()
        }
    }
    TraceContextPropagator::new().extract(&Attributes(pairs))
}

/// Adds the current trace context to outgoing gRPC metadata, unless the
/// metadata already has a `traceparent` (one a guest set on purpose).
pub fn to_grpc_metadata(metadata: &mut tonic::metadata::MetadataMap) {
    struct Metadata<'a>(&'a mut tonic::metadata::MetadataMap);
    impl Injector for Metadata<'_> {
        fn set(&mut self, key: &str, value: String) {
            if let (Ok(key), Ok(value)) = (
                tonic::metadata::MetadataKey::from_bytes(key.as_bytes()),
                value.parse(),
            ) {
                self.0.insert(key, value);
            }
        }
    }
    if metadata.contains_key("traceparent") {
        return;
    }
    TraceContextPropagator::new().inject_context(&Context::current(), &mut Metadata(metadata));
}

/// Adds the current trace context to the headers of a guest's outgoing
/// HTTP request, unless it set a `traceparent` itself.
pub fn to_http_headers(headers: &mut http::HeaderMap) {
    struct Headers<'a>(&'a mut http::HeaderMap);
    impl Injector for Headers<'_> {
        fn set(&mut self, key: &str, value: String) {
            if let (Ok(key), Ok(value)) = (
                http::HeaderName::from_bytes(key.as_bytes()),
                http::HeaderValue::from_str(&value),
            ) {
                self.0.insert(key, value);
            }
        }
    }
    if headers.contains_key("traceparent") {
        return;
    }
    TraceContextPropagator::new().inject_context(&Context::current(), &mut Headers(headers));
}

/// Adds the current trace context to a CloudEvent's attributes as Dapr
/// writes it (`traceparent`, `traceid`, `tracestate`), unless the event
/// already carries one. Nothing is added outside a trace.
pub fn to_cloudevent(extensions: &mut Vec<(String, String)>) {
    if extensions
        .iter()
        .any(|(k, _)| CLOUDEVENT_TRACE_ATTRIBUTES.contains(&k.as_str()))
    {
        return;
    }
    let mut fields = std::collections::HashMap::new();
    TraceContextPropagator::new().inject_context(&Context::current(), &mut fields);
    if let Some(parent) = fields.remove("traceparent") {
        extensions.push(("traceid".to_string(), parent.clone()));
        extensions.push(("traceparent".to_string(), parent));
        if let Some(state) = fields.remove("tracestate").filter(|s| !s.is_empty()) {
            extensions.push(("tracestate".to_string(), state));
        }
    }
}

/// The trace id of `cx`'s span, as 32 hex digits, if it is in a trace.
pub fn trace_id(cx: &Context) -> Option<String> {
    let span = cx.span();
    let span_context = span.span_context();
    span_context
        .is_valid()
        .then(|| span_context.trace_id().to_string())
}

/// `remote` as the parent of an inbound call, unless the call already runs
/// inside a trace (an embedded invocation, in its caller's host call; an
/// app-channel call with daprd's context attached).
pub fn parent_or(remote: impl FnOnce() -> Context) -> Context {
    let current = Context::current();
    if current.span().span_context().is_valid() {
        current
    } else {
        remote()
    }
}

/// A started span and the context it is current in; without an exporter,
/// only the context the work runs in (its parent's).
pub struct Traced {
    context: Context,
    /// Whether `context` holds a span of its own, to end.
    own_span: bool,
}

impl Traced {
    /// The work runs in `parent`, with no span of its own.
    fn untraced(parent: Context) -> Self {
        Traced {
            context: parent,
            own_span: false,
        }
    }

    /// The context to run the traced work in.
    pub fn context(&self) -> &Context {
        &self.context
    }

    /// Fills the `trace_id` field of the log span `span` (when it is
    /// enabled and this work is in a trace).
    pub fn record_trace_id(&self, span: &tracing::Span) {
        if !span.is_disabled()
            && let Some(id) = trace_id(&self.context)
        {
            span.record("trace_id", id);
        }
    }

    /// Runs `work` with this span current.
    pub fn run<F: Future>(&self, work: F) -> opentelemetry::trace::WithContext<F> {
        work.with_context(self.context.clone())
    }

    /// Ends the span with `outcome` (`ok` or what went wrong; anything but
    /// `ok`, `2xx`... marks it an error).
    pub fn end(self, outcome: &str) {
        if !self.own_span {
            return;
        }
        let span = self.context.span();
        span.set_attribute(KeyValue::new("wasmtime_dapr.outcome", outcome.to_string()));
        if !is_success(outcome) {
            span.set_status(Status::error(outcome.to_string()));
        }
        span.end();
    }
}

fn is_success(outcome: &str) -> bool {
    matches!(outcome, "ok" | "1xx" | "2xx" | "3xx" | "4xx")
}

/// Starts the span of one inbound call of `kind` (`http`, `on-topic-event`,
/// ...) to app `app` about `target` (a topic, a method, a path; may be
/// empty), a child of `parent`.
pub fn inbound(app: &str, kind: &'static str, target: &str, parent: &Context) -> Traced {
    if !exporting() {
        return Traced::untraced(parent.clone());
    }
    let span_kind = match kind {
        "http" | "on-invoke" => SpanKind::Server,
        _ => SpanKind::Consumer,
    };
    let name = if target.is_empty() {
        kind.to_string()
    } else {
        format!("{kind} {target}")
    };
    let tracer = global::tracer_provider().tracer(SCOPE);
    let span = tracer
        .span_builder(name)
        .with_kind(span_kind)
        .with_attributes([
            KeyValue::new("dapr.app_id", app.to_string()),
            KeyValue::new("wasmtime_dapr.kind", kind),
            KeyValue::new("wasmtime_dapr.target", target.to_string()),
        ])
        .start_with_context(&tracer, parent);
    Traced {
        context: parent.with_span(span),
        own_span: true,
    }
}

/// Starts the span of one host call of app `app` to `operation` of `block`
/// about `target` (a store, a pub/sub and topic, an app id; may be empty),
/// a child of the current span.
pub fn host_call(app: &str, block: &'static str, operation: &'static str, target: &str) -> Traced {
    if !exporting() {
        return Traced::untraced(Context::current());
    }
    let tracer = global::tracer_provider().tracer(SCOPE);
    let parent = Context::current();
    let span = tracer
        .span_builder(format!("{block}.{operation}"))
        .with_kind(SpanKind::Client)
        .with_attributes([
            KeyValue::new("dapr.app_id", app.to_string()),
            KeyValue::new("wasmtime_dapr.block", block),
            KeyValue::new("wasmtime_dapr.operation", operation),
            KeyValue::new("wasmtime_dapr.target", target.to_string()),
        ])
        .start_with_context(&tracer, &parent);
    Traced {
        context: parent.with_span(span),
        own_span: true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PARENT: &str = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

    #[test]
    fn the_context_comes_from_headers_metadata_and_cloudevents() {
        let mut headers = http::HeaderMap::new();
        headers.insert("traceparent", PARENT.parse().unwrap());
        let from_headers = from_http_headers(&headers);
        assert_eq!(
            trace_id(&from_headers).as_deref(),
            Some("0af7651916cd43dd8448eb211c80319c")
        );
        let metadata = tonic::metadata::MetadataMap::from_headers(headers);
        assert_eq!(
            trace_id(&from_grpc_metadata(&metadata)),
            trace_id(&from_headers)
        );
        let legacy = [("traceid".to_string(), PARENT.to_string())];
        assert_eq!(trace_id(&from_pairs(&legacy)), trace_id(&from_headers));
        assert_eq!(trace_id(&from_pairs(&[])), None);
        let garbage = [("traceparent".to_string(), "00-nope".to_string())];
        assert_eq!(trace_id(&from_pairs(&garbage)), None);
    }

    #[test]
    fn without_an_exporter_the_incoming_context_passes_through() {
        let remote = from_pairs(&[("traceparent".to_string(), PARENT.to_string())]);
        let inbound = inbound("app", "on-topic-event", "orders", &remote);
        let _guard = inbound.context().clone().attach();
        let call = host_call("app", "state", "save", "statestore");
        let _inner = call.context().clone().attach();
        let mut metadata = tonic::metadata::MetadataMap::new();
        to_grpc_metadata(&mut metadata);
        assert_eq!(metadata.get("traceparent").unwrap(), PARENT);
        let mut headers = http::HeaderMap::new();
        to_http_headers(&mut headers);
        assert_eq!(headers.get("traceparent").unwrap(), PARENT);
        let mut extensions = vec![("z".to_string(), "1".to_string())];
        to_cloudevent(&mut extensions);
        let names: Vec<&str> = extensions.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(names, ["z", "traceid", "traceparent"]);
    }

    #[test]
    fn a_context_already_present_is_kept() {
        let remote = from_pairs(&[("traceparent".to_string(), PARENT.to_string())]);
        let _guard = remote.attach();
        let mut metadata = tonic::metadata::MetadataMap::new();
        let mine = "00-11111111111111111111111111111111-2222222222222222-01";
        metadata.insert("traceparent", mine.parse().unwrap());
        to_grpc_metadata(&mut metadata);
        assert_eq!(metadata.get("traceparent").unwrap(), mine);
        let mut extensions = vec![("traceid".to_string(), mine.to_string())];
        to_cloudevent(&mut extensions);
        assert_eq!(extensions.len(), 1);
    }

    #[test]
    fn outside_a_trace_nothing_is_added() {
        let mut metadata = tonic::metadata::MetadataMap::new();
        to_grpc_metadata(&mut metadata);
        assert!(metadata.is_empty());
        let mut extensions = Vec::new();
        to_cloudevent(&mut extensions);
        assert!(extensions.is_empty());
        assert!(is_success("2xx") && !is_success("5xx") && !is_success("error"));
    }
}
