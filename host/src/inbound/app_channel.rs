//! The Dapr app channel: the `AppCallback` gRPC service daprd calls (with
//! `--app-protocol grpc`) to deliver topic events (one by one or in
//! batches), invocations, binding events and job triggers to the app, each
//! in a fresh instance.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use ::dapr::dapr::proto::common::v1 as common;
use ::dapr::dapr::proto::common::v1::http_extension::Verb;
use ::dapr::dapr::proto::runtime::v1 as proto;
use ::dapr::dapr::proto::runtime::v1::app_callback_health_check_server::{
    AppCallbackHealthCheck, AppCallbackHealthCheckServer,
};
use ::dapr::dapr::proto::runtime::v1::app_callback_server::{AppCallback, AppCallbackServer};
use ::dapr::dapr::proto::runtime::v1::topic_event_response::TopicEventResponseStatus;
use anyhow::Result;
use opentelemetry::trace::FutureExt as _;
use tonic::{Request, Response, Status};

use super::AppHandle;
use crate::blocks::invoke::{
    HTTP_STATUS_HEADER, HttpVerb, Request as InvokeRequest, Response as InvokeResponse,
    add_headers_to_metadata, headers_from_metadata,
};
use crate::blocks::pubsub::{CloudEvent, EventStatus};
use crate::runtime::{App, Overloaded, failure_message};
use crate::telemetry;
use crate::wit::exports::dapr::runtime::handler::BindingEvent;

/// How long a call waits for the app to finish loading.
const LOAD_TIMEOUT: Duration = Duration::from_secs(60);

/// How long a health check waits for the app to finish loading.
const HEALTH_CHECK_LOAD_WAIT: Duration = Duration::from_millis(100);

/// Serves the app channel on `addr` until `shutdown` resolves, with gRPC
/// messages up to `max_message_bytes` each way (daprd's `--max-body-size`).
/// Calls that arrive while the app is still loading wait for it.
pub async fn serve(
    addr: SocketAddr,
    app: Arc<AppHandle>,
    max_message_bytes: usize,
    shutdown: impl Future<Output = ()>,
) -> Result<()> {
    let channel = AppChannel { app };
    let callbacks = AppCallbackServer::new(channel.clone())
        .max_decoding_message_size(max_message_bytes)
        .max_encoding_message_size(max_message_bytes);
    tonic::transport::Server::builder()
        .add_service(callbacks)
        .add_service(AppCallbackHealthCheckServer::new(channel))
        .serve_with_shutdown(addr, shutdown)
        .await?;
    Ok(())
}

#[derive(Clone)]
struct AppChannel {
    app: Arc<AppHandle>,
}

impl AppChannel {
    /// The app, once loaded.
    async fn app(&self) -> Result<Arc<App>, Status> {
        self.app
            .loaded(LOAD_TIMEOUT)
            .await
            .map_err(|err| Status::unavailable(failure_message(&err)))
    }
}

/// A failed call as daprd sees it: `resource-exhausted` when the app is
/// overloaded (the caller may retry), else `internal`.
fn internal(err: anyhow::Error) -> Status {
    match err.downcast_ref::<Overloaded>() {
        Some(_) => Status::resource_exhausted(failure_message(&err)),
        None => Status::internal(failure_message(&err)),
    }
}

/// The HTTP verb of daprd's HTTP extension (`POST` when absent or unknown).
fn verb(verb: i32) -> HttpVerb {
    match Verb::try_from(verb).unwrap_or(Verb::Post) {
        Verb::Get => HttpVerb::Get,
        Verb::Head => HttpVerb::Head,
        Verb::Put => HttpVerb::Put,
        Verb::Delete => HttpVerb::Delete,
        Verb::Patch => HttpVerb::Patch,
        Verb::Options => HttpVerb::Options,
        Verb::None | Verb::Post | Verb::Connect | Verb::Trace => HttpVerb::Post,
    }
}

/// A query string as key/value pairs, in order (a key without `=` has an
/// empty value).
fn query(querystring: &str) -> Vec<(String, String)> {
    querystring
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (k.to_string(), v.to_string()),
            None => (p.to_string(), String::new()),
        })
        .collect()
}

/// A CloudEvent's extension attributes as text, sorted by name (values that
/// are not a string, number or boolean are left out).
fn extensions(s: Option<prost_types::Struct>) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = s
        .map(|s| s.fields)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|(k, v)| match v.kind? {
            prost_types::value::Kind::StringValue(s) => Some((k, s)),
            prost_types::value::Kind::NumberValue(n) => Some((k, n.to_string())),
            prost_types::value::Kind::BoolValue(b) => Some((k, b.to_string())),
            _ => None,
        })
        .collect();
    out.sort();
    out
}

/// An invocation from daprd as this host's invocation request: only the
/// app's headers of the gRPC metadata, the content type from its own field.
fn invocation(request: Request<common::InvokeRequest>) -> InvokeRequest {
    let headers = headers_from_metadata(request.metadata());
    let message = request.into_inner();
    let extension = message.http_extension.unwrap_or_default();
    InvokeRequest {
        method: message.method,
        verb: verb(extension.verb),
        query: query(&extension.querystring),
        headers,
        content_type: (!message.content_type.is_empty()).then_some(message.content_type),
        data: message.data.map(|any| any.value).unwrap_or_default(),
    }
}

/// An app's answer to an invocation as daprd's response: its status in
/// [`HTTP_STATUS_HEADER`] (as daprd does for HTTP apps) and its headers as
/// metadata.
fn invocation_response(answer: InvokeResponse) -> Response<common::InvokeResponse> {
    let mut response = Response::new(common::InvokeResponse {
        data: Some(prost_types::Any {
            type_url: String::new(),
            value: answer.data,
        }),
        content_type: answer.content_type.unwrap_or_default(),
    });
    add_headers_to_metadata(&answer.headers, response.metadata_mut());
    response
        .metadata_mut()
        .insert(HTTP_STATUS_HEADER, answer.status.into());
    response
}

/// A topic event from daprd as a CloudEvent; its path is the topic when
/// daprd sends none.
pub(crate) fn cloud_event(e: proto::TopicEventRequest) -> CloudEvent {
    CloudEvent {
        path: if e.path.is_empty() {
            e.topic.clone()
        } else {
            e.path
        },
        id: e.id,
        source: e.source,
        event_type: e.r#type,
        spec_version: e.spec_version,
        data_content_type: e.data_content_type,
        data: e.data,
        topic: e.topic,
        pubsub: e.pubsub_name,
        extensions: extensions(e.extensions),
    }
}

/// The entries of a bulk delivery from daprd as CloudEvents (topic, pub/sub
/// and path from the request; entry metadata among the extensions), with
/// their entry ids. A raw entry (`rawPayload`) has its entry id as event id
/// and no CloudEvent attributes.
fn bulk_cloud_events(request: proto::TopicEventBulkRequest) -> (Vec<String>, Vec<CloudEvent>) {
    use proto::topic_event_bulk_request_entry::Event;
    let path = if request.path.is_empty() {
        request.topic.clone()
    } else {
        request.path
    };
    request
        .entries
        .into_iter()
        .map(|entry| {
            let mut event = match entry.event {
                Some(Event::CloudEvent(e)) => cloud_event(proto::TopicEventRequest {
                    id: e.id,
                    source: e.source,
                    r#type: e.r#type,
                    spec_version: e.spec_version,
                    data_content_type: e.data_content_type,
                    data: e.data,
                    extensions: e.extensions,
                    ..Default::default()
                }),
                Some(Event::Bytes(data)) => CloudEvent {
                    id: entry.entry_id.clone(),
                    data_content_type: entry.content_type,
                    data,
                    ..cloud_event(Default::default())
                },
                None => cloud_event(Default::default()),
            };
            event.topic = request.topic.clone();
            event.pubsub = request.pubsub_name.clone();
            event.path = path.clone();
            event.extensions.extend(entry.metadata);
            event.extensions.sort();
            (entry.entry_id, event)
        })
        .unzip()
}

/// The answer to daprd for a topic event: a trap or a deadline is a retry,
/// like an explicit `retry`.
pub(crate) fn topic_event_status(
    app_id: &str,
    outcome: anyhow::Result<EventStatus>,
) -> TopicEventResponseStatus {
    match outcome {
        Ok(EventStatus::Success) => TopicEventResponseStatus::Success,
        Ok(EventStatus::Drop) => TopicEventResponseStatus::Drop,
        Ok(EventStatus::Retry) => TopicEventResponseStatus::Retry,
        Err(err) => {
            tracing::warn!(
                app = app_id,
                "event handler failed: {}",
                failure_message(&err)
            );
            TopicEventResponseStatus::Retry
        }
    }
}

/// An input-binding event from daprd, its metadata sorted by key.
fn binding_event(e: proto::BindingEventRequest) -> BindingEvent {
    let mut metadata: Vec<(String, String)> = e.metadata.into_iter().collect();
    metadata.sort();
    BindingEvent {
        name: e.name,
        data: e.data,
        metadata,
    }
}

#[tonic::async_trait]
impl AppCallback for AppChannel {
    async fn on_invoke(
        &self,
        request: Request<common::InvokeRequest>,
    ) -> Result<Response<common::InvokeResponse>, Status> {
        let app = self.app().await?;
        let parent = telemetry::from_grpc_metadata(request.metadata());
        let answer = super::invoke::deliver(&app, invocation(request))
            .with_context(parent)
            .await
            .map_err(internal)?;
        Ok(invocation_response(answer))
    }

    async fn list_topic_subscriptions(
        &self,
        _: Request<()>,
    ) -> Result<Response<proto::ListTopicSubscriptionsResponse>, Status> {
        let app = self.app().await?;
        let subscriptions = if app.exports().handler {
            app.subscriptions().await.map_err(internal)?
        } else {
            Vec::new()
        };
        let subscriptions = subscriptions
            .into_iter()
            .map(|s| proto::TopicSubscription {
                routes: Some(proto::TopicRoutes {
                    rules: Vec::new(),
                    default: s.route.unwrap_or_else(|| s.topic.clone()),
                }),
                pubsub_name: s.pubsub,
                topic: s.topic,
                metadata: s.metadata.into_iter().collect::<HashMap<_, _>>(),
                dead_letter_topic: s.dead_letter_topic.unwrap_or_default(),
                bulk_subscribe: s.bulk.map(|b| proto::BulkSubscribeConfig {
                    enabled: true,
                    max_messages_count: i32::try_from(b.max_messages).unwrap_or(i32::MAX),
                    max_await_duration_ms: i32::try_from(b.max_await_ms).unwrap_or(i32::MAX),
                }),
            })
            .collect();
        Ok(Response::new(proto::ListTopicSubscriptionsResponse {
            subscriptions,
        }))
    }

    async fn on_topic_event(
        &self,
        request: Request<proto::TopicEventRequest>,
    ) -> Result<Response<proto::TopicEventResponse>, Status> {
        let app = self.app().await?;
        let parent = telemetry::from_grpc_metadata(request.metadata());
        let outcome = app
            .on_topic_event(cloud_event(request.into_inner()))
            .with_context(parent)
            .await;
        let status = topic_event_status(app.id(), outcome);
        Ok(Response::new(proto::TopicEventResponse {
            status: status as i32,
        }))
    }

    async fn list_input_bindings(
        &self,
        _: Request<()>,
    ) -> Result<Response<proto::ListInputBindingsResponse>, Status> {
        let app = self.app().await?;
        let bindings = if app.exports().handler {
            app.input_bindings().await.map_err(internal)?
        } else {
            Vec::new()
        };
        Ok(Response::new(proto::ListInputBindingsResponse { bindings }))
    }

    async fn on_binding_event(
        &self,
        request: Request<proto::BindingEventRequest>,
    ) -> Result<Response<proto::BindingEventResponse>, Status> {
        let app = self.app().await?;
        let parent = telemetry::from_grpc_metadata(request.metadata());
        let event = binding_event(request.into_inner());
        let answer = app.on_binding_event(event).with_context(parent).await;
        match answer.map_err(internal)? {
            Ok(data) => Ok(Response::new(proto::BindingEventResponse {
                data,
                ..Default::default()
            })),
            Err(message) => Err(Status::unknown(message)),
        }
    }

    async fn on_bulk_topic_event(
        &self,
        request: Request<proto::TopicEventBulkRequest>,
    ) -> Result<Response<proto::TopicEventBulkResponse>, Status> {
        let app = self.app().await?;
        let parent = telemetry::from_grpc_metadata(request.metadata());
        let (entry_ids, events) = bulk_cloud_events(request.into_inner());
        let count = events.len();
        let statuses = match app.on_bulk_topic_event(events).with_context(parent).await {
            Ok(statuses) => statuses,
            Err(err) => {
                tracing::warn!(
                    app = app.id(),
                    "bulk event handler failed: {}",
                    failure_message(&err)
                );
                vec![EventStatus::Retry; count]
            }
        };
        let statuses = entry_ids
            .into_iter()
            .zip(statuses)
            .map(|(entry_id, status)| proto::TopicEventBulkResponseEntry {
                entry_id,
                status: topic_event_status(app.id(), Ok(status)) as i32,
            })
            .collect();
        Ok(Response::new(proto::TopicEventBulkResponse { statuses }))
    }

    async fn on_job_event(
        &self,
        request: Request<proto::JobEventRequest>,
    ) -> Result<Response<proto::JobEventResponse>, Status> {
        let app = self.app().await?;
        let parent = telemetry::from_grpc_metadata(request.metadata());
        let request = request.into_inner();
        let data = crate::blocks::jobs::sidecar::data_from_any(request.data);
        let answer = app
            .on_job_event(&request.name, data)
            .with_context(parent)
            .await;
        match answer.map_err(internal)? {
            Ok(()) => Ok(Response::new(proto::JobEventResponse {})),
            Err(message) => Err(Status::unknown(message)),
        }
    }
}

#[tonic::async_trait]
impl AppCallbackHealthCheck for AppChannel {
    /// Healthy once the app is loaded and while it is not overloaded, so
    /// that daprd's app health checks (`--enable-app-health-check`) stop
    /// sending it traffic when it cannot take more.
    async fn health_check(
        &self,
        _: Request<()>,
    ) -> Result<Response<proto::HealthCheckResponse>, Status> {
        let app = self
            .app
            .loaded(HEALTH_CHECK_LOAD_WAIT)
            .await
            .map_err(|err| Status::unavailable(failure_message(&err)))?;
        if app.overloaded() {
            return Err(Status::unavailable(format!(
                "app `{}` is overloaded (all {} instances busy, the queue full)",
                app.id(),
                app.max_instances()
            )));
        }
        Ok(Response::new(proto::HealthCheckResponse {}))
    }
}

#[cfg(test)]
mod tests {
    use prost_types::value::Kind;

    use super::*;

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn verbs_map_one_to_one_and_default_to_post() {
        for (from, to) in [
            (Verb::Get, HttpVerb::Get),
            (Verb::Head, HttpVerb::Head),
            (Verb::Post, HttpVerb::Post),
            (Verb::Put, HttpVerb::Put),
            (Verb::Delete, HttpVerb::Delete),
            (Verb::Patch, HttpVerb::Patch),
            (Verb::Options, HttpVerb::Options),
            (Verb::None, HttpVerb::Post),
            (Verb::Connect, HttpVerb::Post),
            (Verb::Trace, HttpVerb::Post),
        ] {
            assert_eq!(verb(from as i32), to, "{from:?}");
        }
        assert_eq!(verb(99), HttpVerb::Post);
    }

    #[test]
    fn a_query_string_becomes_ordered_pairs() {
        assert_eq!(
            query("b=2&a=1&flag&empty=&x=1=2"),
            pairs(&[
                ("b", "2"),
                ("a", "1"),
                ("flag", ""),
                ("empty", ""),
                ("x", "1=2")
            ])
        );
        assert_eq!(query(""), pairs(&[]));
        assert_eq!(query("&&a=1&"), pairs(&[("a", "1")]));
    }

    #[test]
    fn cloud_event_extensions_become_sorted_text() {
        let value = |kind| prost_types::Value { kind: Some(kind) };
        let fields = [
            ("zeta", value(Kind::StringValue("z".into()))),
            ("count", value(Kind::NumberValue(3.0))),
            ("ratio", value(Kind::NumberValue(0.5))),
            ("flag", value(Kind::BoolValue(true))),
            ("nothing", value(Kind::NullValue(0))),
            ("list", value(Kind::ListValue(Default::default()))),
            ("unset", prost_types::Value { kind: None }),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        assert_eq!(
            extensions(Some(prost_types::Struct { fields })),
            pairs(&[
                ("count", "3"),
                ("flag", "true"),
                ("ratio", "0.5"),
                ("zeta", "z")
            ])
        );
        assert_eq!(extensions(None), pairs(&[]));
    }

    #[test]
    fn an_invocation_carries_only_the_app_headers() {
        let mut request = Request::new(common::InvokeRequest {
            method: "greet".into(),
            data: Some(prost_types::Any {
                type_url: String::new(),
                value: b"hi".to_vec(),
            }),
            content_type: "text/plain".into(),
            http_extension: Some(common::HttpExtension {
                verb: Verb::Get as i32,
                querystring: "name=leia".into(),
            }),
        });
        for (name, value) in [
            ("content-type", "application/grpc"),
            ("te", "trailers"),
            ("user-agent", "grpc-go/1.71.1"),
            ("grpc-accept-encoding", "gzip"),
            ("dapr-caller-app-id", "runner"),
            ("x-order", "7"),
        ] {
            request.metadata_mut().append(
                tonic::metadata::MetadataKey::from_static(name),
                tonic::metadata::MetadataValue::from_static(value),
            );
        }
        assert_eq!(
            invocation(request),
            InvokeRequest {
                method: "greet".into(),
                verb: HttpVerb::Get,
                query: pairs(&[("name", "leia")]),
                headers: pairs(&[("dapr-caller-app-id", "runner"), ("x-order", "7")]),
                content_type: Some("text/plain".into()),
                data: b"hi".to_vec(),
            }
        );
    }

    #[test]
    fn an_invocation_without_extension_content_type_or_data_is_an_empty_post() {
        let request = Request::new(common::InvokeRequest {
            method: "m".into(),
            ..Default::default()
        });
        let invocation = invocation(request);
        assert_eq!(invocation.verb, HttpVerb::Post);
        assert_eq!(invocation.content_type, None);
        assert!(invocation.data.is_empty() && invocation.query.is_empty());
    }

    #[test]
    fn an_answer_carries_its_status_and_headers_as_metadata() {
        let response = invocation_response(InvokeResponse {
            status: 404,
            headers: pairs(&[("x-order", "7"), ("content-type", "text/html")]),
            content_type: Some("text/plain".into()),
            data: b"gone".to_vec(),
        });
        assert_eq!(response.metadata().get(HTTP_STATUS_HEADER).unwrap(), "404");
        assert_eq!(
            headers_from_metadata(response.metadata()),
            pairs(&[("x-order", "7")])
        );
        assert!(response.metadata().get("content-type").is_none());
        let body = response.into_inner();
        assert_eq!(body.content_type, "text/plain");
        assert_eq!(body.data.unwrap().value, b"gone");
    }

    #[test]
    fn a_topic_event_without_a_path_is_routed_by_its_topic() {
        let event = proto::TopicEventRequest {
            id: "1".into(),
            source: "runner".into(),
            r#type: "com.dapr.event.sent".into(),
            spec_version: "1.0".into(),
            data_content_type: "text/plain".into(),
            data: b"x".to_vec(),
            topic: "orders".into(),
            pubsub_name: "pubsub".into(),
            ..Default::default()
        };
        let routed = proto::TopicEventRequest {
            path: "/orders/new".into(),
            ..event.clone()
        };
        let e = cloud_event(event);
        assert_eq!(
            (e.path.as_str(), e.topic.as_str(), e.pubsub.as_str()),
            ("orders", "orders", "pubsub")
        );
        assert_eq!(
            (e.id.as_str(), e.source.as_str(), e.event_type.as_str()),
            ("1", "runner", "com.dapr.event.sent")
        );
        assert_eq!(
            (e.spec_version.as_str(), e.data_content_type.as_str()),
            ("1.0", "text/plain")
        );
        assert_eq!(e.data, b"x");
        assert_eq!(cloud_event(routed).path, "/orders/new");
    }

    #[test]
    fn topic_event_outcomes_map_to_daprd_statuses_and_failures_retry() {
        for (outcome, status) in [
            (Ok(EventStatus::Success), TopicEventResponseStatus::Success),
            (Ok(EventStatus::Drop), TopicEventResponseStatus::Drop),
            (Ok(EventStatus::Retry), TopicEventResponseStatus::Retry),
            (
                Err(anyhow::anyhow!("trapped")),
                TopicEventResponseStatus::Retry,
            ),
        ] {
            assert_eq!(topic_event_status("app", outcome), status);
        }
    }

    #[test]
    fn binding_event_metadata_is_sorted_by_key() {
        let event = binding_event(proto::BindingEventRequest {
            name: "ticker".into(),
            data: b"tick".to_vec(),
            metadata: [("b", "2"), ("a", "1"), ("c", "3")]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        });
        assert_eq!(event.name, "ticker");
        assert_eq!(event.data, b"tick");
        assert_eq!(event.metadata, pairs(&[("a", "1"), ("b", "2"), ("c", "3")]));
    }
}
