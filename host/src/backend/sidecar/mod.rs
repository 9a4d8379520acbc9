//! The Dapr sidecar backend's connection: every building block's sidecar
//! client calls daprd over gRPC through the generated client of the
//! official `dapr` crate (the high-level client hides the gRPC status codes
//! and per-entry results the WIT needs). One channel is shared by every
//! instance and request. Every client maps daprd's errors through the one
//! table in `errors.rs`.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use ::dapr::client::ApiTokenInterceptor;
use ::dapr::dapr::proto::runtime::v1 as proto;
use ::dapr::dapr::proto::runtime::v1::dapr_client::DaprClient;
use anyhow::{Context, Result, bail};
use tonic::service::interceptor::InterceptedService;
use tonic::transport::{Channel, Endpoint};

use super::Metadata;
use crate::runtime::DEFAULT_MAX_BODY_BYTES;

pub mod actor_events;
mod errors;
pub mod json;

pub use errors::error_from_status;

/// The generated gRPC client, with the API token and the trace context
/// attached to every call.
pub type Client = DaprClient<InterceptedService<Channel, SidecarInterceptor>>;

/// What every call to daprd carries: the `dapr-api-token`, and the current
/// W3C trace context (so daprd's spans join the trace the call is part of).
#[derive(Clone)]
pub struct SidecarInterceptor {
    token: ApiTokenInterceptor,
}

impl tonic::service::Interceptor for SidecarInterceptor {
    fn call(&mut self, request: tonic::Request<()>) -> Result<tonic::Request<()>, tonic::Status> {
        let mut request = self.token.call(request)?;
        crate::telemetry::to_grpc_metadata(request.metadata_mut());
        Ok(request)
    }
}

/// Where the sidecar is and how to authenticate.
#[derive(Clone, Debug)]
pub struct SidecarOptions {
    /// The gRPC endpoint, such as `http://127.0.0.1:50001`.
    pub endpoint: String,
    /// The `dapr-api-token`, if daprd requires one.
    pub api_token: Option<String>,
    /// The largest gRPC message sent to or accepted from daprd; match
    /// daprd's own `--max-body-size` (4 MiB by default).
    pub max_message_bytes: usize,
}

impl SidecarOptions {
    /// The sidecar named by Dapr's conventional variables
    /// (`DAPR_GRPC_ENDPOINT`, else `DAPR_GRPC_PORT` on loopback;
    /// `DAPR_API_TOKEN`), or `None` when neither endpoint variable is set.
    pub fn from_env() -> Option<Self> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let endpoint = var("DAPR_GRPC_ENDPOINT")
            .or_else(|| var("DAPR_GRPC_PORT").map(|port| format!("http://127.0.0.1:{port}")))?;
        Some(SidecarOptions {
            endpoint: normalize(&endpoint),
            api_token: var("DAPR_API_TOKEN"),
            max_message_bytes: DEFAULT_MAX_BODY_BYTES,
        })
    }

    /// A sidecar at `endpoint` (`host:port` or a URL), with the token from
    /// `DAPR_API_TOKEN` if set.
    pub fn at(endpoint: &str) -> Self {
        let token = std::env::var("DAPR_API_TOKEN")
            .ok()
            .filter(|v| !v.is_empty());
        SidecarOptions {
            endpoint: normalize(endpoint),
            api_token: token,
            max_message_bytes: DEFAULT_MAX_BODY_BYTES,
        }
    }
}

fn normalize(endpoint: &str) -> String {
    if endpoint.contains("://") {
        endpoint.to_string()
    } else {
        format!("http://{endpoint}")
    }
}

/// The channel to daprd with the [`SidecarInterceptor`], for the RPCs the
/// generated [`Client`] lacks.
pub type Service = InterceptedService<Channel, SidecarInterceptor>;

/// A connection to one daprd.
#[derive(Clone)]
pub struct Sidecar {
    client: Client,
    service: Service,
    max_message_bytes: usize,
    endpoint: String,
}

impl Sidecar {
    /// Opens a lazily connecting channel to the sidecar (no I/O yet).
    pub fn new(options: &SidecarOptions) -> Result<Self> {
        let channel = Endpoint::from_shared(options.endpoint.clone())
            .with_context(|| format!("invalid Dapr gRPC endpoint `{}`", options.endpoint))?
            .connect_timeout(Duration::from_secs(2))
            .tcp_nodelay(true)
            .connect_lazy();
        let token = ApiTokenInterceptor::try_new(options.api_token.clone())
            .map_err(|e| anyhow::anyhow!("invalid DAPR_API_TOKEN: {e}"))?;
        let service = InterceptedService::new(channel, SidecarInterceptor { token });
        let client = DaprClient::new(service.clone())
            .max_decoding_message_size(options.max_message_bytes)
            .max_encoding_message_size(options.max_message_bytes);
        Ok(Sidecar {
            client,
            service,
            max_message_bytes: options.max_message_bytes,
            endpoint: options.endpoint.clone(),
        })
    }

    /// A plain gRPC client on the shared channel (same interceptor and
    /// message limits), for an RPC the generated client lacks.
    pub fn grpc(&self) -> tonic::client::Grpc<Service> {
        tonic::client::Grpc::new(self.service.clone())
            .max_decoding_message_size(self.max_message_bytes)
            .max_encoding_message_size(self.max_message_bytes)
    }

    /// A client handle sharing the channel.
    pub fn client(&self) -> Client {
        self.client.clone()
    }

    /// The endpoint.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// Waits until the sidecar answers (its metadata), for at most `timeout`,
    /// and returns its metadata.
    pub async fn wait_ready(&self, timeout: Duration) -> Result<proto::GetMetadataResponse> {
        let started = Instant::now();
        loop {
            match self
                .client()
                .get_metadata(proto::GetMetadataRequest {})
                .await
            {
                Ok(response) => return Ok(response.into_inner()),
                Err(status) if started.elapsed() < timeout => {
                    tracing::debug!("sidecar not ready yet: {}", status.message());
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(status) => bail!(
                    "the Dapr sidecar at {} did not answer within {timeout:?}: {} (is daprd running with --dapr-grpc-port?)",
                    self.endpoint,
                    status.message()
                ),
            }
        }
    }
}

/// WIT metadata to a protobuf map (later keys win).
pub(crate) fn to_map(metadata: &Metadata) -> HashMap<String, String> {
    metadata.iter().cloned().collect()
}

/// A protobuf map to WIT metadata, sorted by key for stable output.
pub(crate) fn from_map(map: HashMap<String, String>) -> Metadata {
    let mut metadata: Metadata = map.into_iter().collect();
    metadata.sort();
    metadata
}
