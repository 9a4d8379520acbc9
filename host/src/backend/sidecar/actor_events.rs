//! daprd's actor event stream (`SubscribeActorEventsAlpha1`, Dapr 1.18),
//! which the `dapr` crate does not generate: its messages, written by hand
//! from `dapr/proto/runtime/v1/actors.proto` (only the fields this host
//! uses; prost skips the others), and the call that opens it. The fields
//! are those of `actors.proto`, documented there.
#![allow(missing_docs)]

use std::collections::HashMap;

use super::Sidecar;

/// The app → daprd message: the first is `Initial`, the rest answers.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Request {
    #[prost(oneof = "Outgoing", tags = "1, 2, 3, 4, 5, 6")]
    pub request_type: Option<Outgoing>,
}

/// What the app sends.
#[derive(Clone, PartialEq, prost::Oneof)]
pub enum Outgoing {
    /// The actor types this app hosts.
    #[prost(message, tag = "1")]
    Initial(Initial),
    /// The answer to an [`InvokeRequest`].
    #[prost(message, tag = "2")]
    Invoke(InvokeResponse),
    /// The answer to a [`ReminderRequest`].
    #[prost(message, tag = "3")]
    Reminder(ReminderResponse),
    /// The answer to a [`TimerRequest`].
    #[prost(message, tag = "4")]
    Timer(ReminderResponse),
    /// The acknowledgement of a [`DeactivateRequest`].
    #[prost(message, tag = "5")]
    Deactivate(DeactivateResponse),
    /// A request the app could not process.
    #[prost(message, tag = "6")]
    Failed(Failed),
}

/// The registration: the hosted types, and their idle timeouts.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Initial {
    #[prost(string, repeated, tag = "1")]
    pub entities: Vec<String>,
    #[prost(message, optional, tag = "2")]
    pub actor_idle_timeout: Option<prost_types::Duration>,
    #[prost(message, repeated, tag = "6")]
    pub entities_config: Vec<EntityConfig>,
}

/// Settings of some actor types that override the defaults.
#[derive(Clone, PartialEq, prost::Message)]
pub struct EntityConfig {
    #[prost(string, repeated, tag = "1")]
    pub entities: Vec<String>,
    #[prost(message, optional, tag = "2")]
    pub actor_idle_timeout: Option<prost_types::Duration>,
}

/// An actor method's answer; `error`: `data` is the actor's error payload.
#[derive(Clone, PartialEq, prost::Message)]
pub struct InvokeResponse {
    #[prost(string, tag = "1")]
    pub id: String,
    #[prost(bytes = "vec", tag = "2")]
    pub data: Vec<u8>,
    #[prost(map = "string, string", tag = "3")]
    pub metadata: HashMap<String, String>,
    #[prost(bool, tag = "4")]
    pub error: bool,
}

/// A reminder's or timer's answer; `cancel`: it does not fire again.
#[derive(Clone, PartialEq, prost::Message)]
pub struct ReminderResponse {
    #[prost(string, tag = "1")]
    pub id: String,
    #[prost(bool, tag = "2")]
    pub cancel: bool,
}

/// The acknowledgement of a deactivation.
#[derive(Clone, PartialEq, prost::Message)]
pub struct DeactivateResponse {
    #[prost(string, tag = "1")]
    pub id: String,
}

/// A failure to process request `id`, with a gRPC status code (`NotFound`
/// is permanent to daprd; others may be retried by its policies).
#[derive(Clone, PartialEq, prost::Message)]
pub struct Failed {
    #[prost(string, tag = "1")]
    pub id: String,
    #[prost(uint32, tag = "2")]
    pub code: u32,
    #[prost(string, tag = "3")]
    pub message: String,
}

/// The daprd → app message: the acknowledgement, then requests.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Response {
    #[prost(oneof = "Incoming", tags = "1, 2, 3, 4, 5")]
    pub response_type: Option<Incoming>,
}

/// What daprd sends.
#[derive(Clone, PartialEq, prost::Oneof)]
pub enum Incoming {
    /// The registration is accepted.
    #[prost(message, tag = "1")]
    Initial(InitialResponse),
    /// Call an actor's method.
    #[prost(message, tag = "2")]
    Invoke(InvokeRequest),
    /// A reminder is due.
    #[prost(message, tag = "3")]
    Reminder(ReminderRequest),
    /// A timer is due.
    #[prost(message, tag = "4")]
    Timer(TimerRequest),
    /// Deactivate an actor.
    #[prost(message, tag = "5")]
    Deactivate(DeactivateRequest),
}

/// The acknowledgement of the registration.
#[derive(Clone, PartialEq, prost::Message)]
pub struct InitialResponse {}

/// A call of an actor's method.
#[derive(Clone, PartialEq, prost::Message)]
pub struct InvokeRequest {
    #[prost(string, tag = "1")]
    pub id: String,
    #[prost(string, tag = "2")]
    pub actor_type: String,
    #[prost(string, tag = "3")]
    pub actor_id: String,
    #[prost(string, tag = "4")]
    pub method: String,
    #[prost(bytes = "vec", tag = "5")]
    pub data: Vec<u8>,
    #[prost(map = "string, string", tag = "6")]
    pub metadata: HashMap<String, String>,
}

/// A reminder firing.
#[derive(Clone, PartialEq, prost::Message)]
pub struct ReminderRequest {
    #[prost(string, tag = "1")]
    pub id: String,
    #[prost(string, tag = "2")]
    pub actor_type: String,
    #[prost(string, tag = "3")]
    pub actor_id: String,
    #[prost(string, tag = "4")]
    pub name: String,
    #[prost(message, optional, tag = "7")]
    pub data: Option<prost_types::Any>,
}

/// A timer firing.
#[derive(Clone, PartialEq, prost::Message)]
pub struct TimerRequest {
    #[prost(string, tag = "1")]
    pub id: String,
    #[prost(string, tag = "2")]
    pub actor_type: String,
    #[prost(string, tag = "3")]
    pub actor_id: String,
    #[prost(string, tag = "4")]
    pub name: String,
    #[prost(string, tag = "7")]
    pub callback: String,
    #[prost(message, optional, tag = "8")]
    pub data: Option<prost_types::Any>,
}

/// A deactivation.
#[derive(Clone, PartialEq, prost::Message)]
pub struct DeactivateRequest {
    #[prost(string, tag = "1")]
    pub id: String,
    #[prost(string, tag = "2")]
    pub actor_type: String,
    #[prost(string, tag = "3")]
    pub actor_id: String,
}

/// Opens the stream with `requests` (the first must be [`Initial`]).
pub async fn subscribe(
    sidecar: &Sidecar,
    requests: impl tonic::IntoStreamingRequest<Message = Request>,
) -> Result<tonic::Streaming<Response>, tonic::Status> {
    let mut grpc = sidecar.grpc();
    grpc.ready()
        .await
        .map_err(|e| tonic::Status::unavailable(format!("daprd is not reachable: {e}")))?;
    let path = http::uri::PathAndQuery::from_static(
        "/dapr.proto.runtime.v1.Dapr/SubscribeActorEventsAlpha1",
    );
    let codec = tonic_prost::ProstCodec::<Request, Response>::default();
    let response = grpc
        .streaming(requests.into_streaming_request(), path, codec)
        .await?;
    Ok(response.into_inner())
}
