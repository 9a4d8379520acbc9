//! Output bindings through daprd.

use std::sync::Arc;

use ::dapr::dapr::proto::runtime::v1 as proto;

use super::BindingsBlock;
use crate::backend::sidecar::{Sidecar, error_from_status, from_map, to_map};
use crate::backend::{BackendResult, Metadata};
use crate::blocks::SidecarComponent;
use crate::blocks::bindings::{Binding, Response};

/// One output binding component of the sidecar.
pub struct SidecarBinding {
    sidecar: Sidecar,
    name: String,
}

impl SidecarComponent<BindingsBlock> for SidecarBinding {
    fn connect(sidecar: &Sidecar, name: &str) -> Arc<dyn Binding> {
        Arc::new(SidecarBinding {
            sidecar: sidecar.clone(),
            name: name.to_string(),
        })
    }
}

#[async_trait::async_trait]
impl Binding for SidecarBinding {
    async fn invoke(
        &self,
        operation: &str,
        data: Vec<u8>,
        metadata: &Metadata,
    ) -> BackendResult<Response> {
        let request = proto::InvokeBindingRequest {
            name: self.name.clone(),
            data,
            metadata: to_map(metadata),
            operation: operation.to_string(),
        };
        let r = self
            .sidecar
            .client()
            .invoke_binding(request)
            .await
            .map_err(error_from_status)?
            .into_inner();
        Ok(Response {
            data: r.data,
            metadata: from_map(r.metadata),
        })
    }
}
