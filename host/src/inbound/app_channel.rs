//! The Dapr app channel: the `AppCallback` gRPC service daprd calls (with
//! `--app-protocol grpc`) to deliver topic events, invocations and binding
//! events to the app, each in a fresh instance.

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
use tonic::{Request, Response, Status};

use super::AppHandle;
use crate::blocks::invoke::{HTTP_STATUS_HEADER, HttpVerb, Request as InvokeRequest};
use crate::blocks::pubsub::{CloudEvent, EventStatus};
use crate::runtime::{App, failure_message};
use crate::wit::exports::dapr::runtime::handler::BindingEvent;

/// How long a call waits for the app to finish loading.
const LOAD_TIMEOUT: Duration = Duration::from_secs(60);

/// Serves the app channel on `addr` until `shutdown` resolves.
/// Calls that arrive while the app is still loading wait for it.
pub async fn serve(
    addr: SocketAddr,
    app: Arc<AppHandle>,
    shutdown: impl Future<Output = ()>,
) -> Result<()> {
    let channel = AppChannel { app };
    tonic::transport::Server::builder()
        .add_service(AppCallbackServer::new(channel.clone()).max_decoding_message_size(usize::MAX))
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

fn internal(err: anyhow::Error) -> Status {
    Status::internal(failure_message(&err))
}

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

#[tonic::async_trait]
impl AppCallback for AppChannel {
    async fn on_invoke(
        &self,
        request: Request<common::InvokeRequest>,
    ) -> Result<Response<common::InvokeResponse>, Status> {
        let app = self.app().await?;
        let headers = request
            .metadata()
            .iter()
            .filter_map(|kv| match kv {
                tonic::metadata::KeyAndValueRef::Ascii(k, v) => {
                    Some((k.to_string(), v.to_str().ok()?.to_string()))
                }
                tonic::metadata::KeyAndValueRef::Binary(..) => None,
            })
            .collect();
        let message = request.into_inner();
        let extension = message.http_extension.unwrap_or_default();
        let invocation = InvokeRequest {
            method: message.method,
            verb: verb(extension.verb),
            query: query(&extension.querystring),
            headers,
            content_type: (!message.content_type.is_empty()).then_some(message.content_type),
            data: message.data.map(|any| any.value).unwrap_or_default(),
        };
        let answer = super::invoke::deliver(&app, invocation)
            .await
            .map_err(internal)?;
        let mut response = Response::new(common::InvokeResponse {
            data: Some(prost_types::Any {
                type_url: String::new(),
                value: answer.data,
            }),
            content_type: answer.content_type.unwrap_or_default(),
        });
        // The status travels as a header, as daprd does for HTTP apps.
        if let Ok(value) = answer.status.to_string().parse() {
            response.metadata_mut().insert(HTTP_STATUS_HEADER, value);
        }
        Ok(response)
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
                bulk_subscribe: None,
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
        let e = request.into_inner();
        let event = CloudEvent {
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
        };
        // A trap or a deadline is a retry, like an explicit `retry`.
        let status = match app.on_topic_event(event).await {
            Ok(EventStatus::Success) => TopicEventResponseStatus::Success,
            Ok(EventStatus::Drop) => TopicEventResponseStatus::Drop,
            Ok(EventStatus::Retry) => TopicEventResponseStatus::Retry,
            Err(err) => {
                tracing::warn!(
                    app = app.id(),
                    "event handler failed: {}",
                    failure_message(&err)
                );
                TopicEventResponseStatus::Retry
            }
        };
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
        let e = request.into_inner();
        let mut metadata: Vec<(String, String)> = e.metadata.into_iter().collect();
        metadata.sort();
        let event = BindingEvent {
            name: e.name,
            data: e.data,
            metadata,
        };
        match app.on_binding_event(event).await.map_err(internal)? {
            Ok(data) => Ok(Response::new(proto::BindingEventResponse {
                data,
                ..Default::default()
            })),
            Err(message) => Err(Status::unknown(message)),
        }
    }

    async fn on_bulk_topic_event(
        &self,
        _: Request<proto::TopicEventBulkRequest>,
    ) -> Result<Response<proto::TopicEventBulkResponse>, Status> {
        Err(Status::unimplemented(
            "bulk subscriptions are not supported; events are delivered one by one",
        ))
    }

    async fn on_job_event(
        &self,
        _: Request<proto::JobEventRequest>,
    ) -> Result<Response<proto::JobEventResponse>, Status> {
        Err(Status::unimplemented("jobs are not supported"))
    }
}

#[tonic::async_trait]
impl AppCallbackHealthCheck for AppChannel {
    async fn health_check(
        &self,
        _: Request<()>,
    ) -> Result<Response<proto::HealthCheckResponse>, Status> {
        Ok(Response::new(proto::HealthCheckResponse {}))
    }
}
