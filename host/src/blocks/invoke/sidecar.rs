//! Service invocation through daprd (gRPC `InvokeService`, with the HTTP
//! verb and query carried in the HTTP extension).

use ::dapr::dapr::proto::common::v1 as common;
use ::dapr::dapr::proto::common::v1::http_extension::Verb;
use ::dapr::dapr::proto::runtime::v1 as proto;

use super::headers::{HTTP_STATUS_HEADER, add_headers_to_metadata, headers_from_metadata};
use crate::backend::BackendResult;
use crate::backend::sidecar::{Sidecar, error_from_status};
use crate::blocks::invoke::{HttpVerb, Invoker, Request, Response};

/// Invokes apps through the sidecar.
pub struct SidecarInvoker {
    sidecar: Sidecar,
}

impl SidecarInvoker {
    /// An invoker using `sidecar`.
    pub fn new(sidecar: Sidecar) -> Self {
        SidecarInvoker { sidecar }
    }
}

fn verb(v: HttpVerb) -> Verb {
    match v {
        HttpVerb::Get => Verb::Get,
        HttpVerb::Head => Verb::Head,
        HttpVerb::Post => Verb::Post,
        HttpVerb::Put => Verb::Put,
        HttpVerb::Delete => Verb::Delete,
        HttpVerb::Patch => Verb::Patch,
        HttpVerb::Options => Verb::Options,
    }
}

fn status_of(metadata: &tonic::metadata::MetadataMap) -> Option<u16> {
    metadata
        .get(HTTP_STATUS_HEADER)?
        .to_str()
        .ok()?
        .parse()
        .ok()
}

#[async_trait::async_trait]
impl Invoker for SidecarInvoker {
    async fn invoke(&self, app_id: &str, request: Request) -> BackendResult<Response> {
        let querystring = request
            .query
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("&");
        let message = common::InvokeRequest {
            method: request.method,
            data: Some(prost_types::Any {
                type_url: String::new(),
                value: request.data,
            }),
            content_type: request.content_type.unwrap_or_default(),
            http_extension: Some(common::HttpExtension {
                verb: verb(request.verb) as i32,
                querystring,
            }),
        };
        let mut grpc = tonic::Request::new(proto::InvokeServiceRequest {
            id: app_id.to_string(),
            message: Some(message),
        });
        add_headers_to_metadata(&request.headers, grpc.metadata_mut());
        match self.sidecar.client().invoke_service(grpc).await {
            Ok(response) => {
                let status = status_of(response.metadata()).unwrap_or(200);
                let headers = headers_from_metadata(response.metadata());
                let inner = response.into_inner();
                let content_type = (!inner.content_type.is_empty()).then_some(inner.content_type);
                let data = inner.data.map(|any| any.value).unwrap_or_default();
                Ok(Response {
                    status,
                    headers,
                    content_type,
                    data,
                })
            }
            // A non-2xx answer of the app arrives as an error carrying its status.
            Err(err) => match status_of(err.metadata()) {
                Some(status) => Ok(Response {
                    status,
                    headers: headers_from_metadata(err.metadata()),
                    content_type: None,
                    data: err.message().as_bytes().to_vec(),
                }),
                None => Err(error_from_status(err)),
            },
        }
    }
}
