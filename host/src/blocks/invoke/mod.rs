//! The service invocation block (`dapr:runtime/invoke`): calls to other
//! apps by app id. It has no components: the embedded backend routes calls
//! to the apps of this host, the sidecar backend to daprd.

mod backend;
mod headers;
mod sidecar;

pub use backend::*;
pub use headers::{HTTP_STATUS_HEADER, add_headers_to_metadata, headers_from_metadata};
pub use sidecar::SidecarInvoker;

use super::{BlockUnit, DaprCtx, non_empty, observed};
use crate::wit::Error;
use crate::wit::dapr::runtime::invoke::Host;

/// The invoke block's description.
pub static UNIT: BlockUnit = BlockUnit {
    name: "invoke",
    label: "app",
    type_prefix: None,
    embedded: &[],
    sidecar: None,
};

impl Host for DaprCtx {
    async fn invoke_method(&mut self, app_id: String, request: Request) -> Result<Response, Error> {
        observed(&self.app, "invoke", "invoke-method", &app_id, async {
            non_empty("app id", &app_id)?;
            non_empty("method", &request.method)?;
            self.within_body_limit("the request body", request.data.len())?;
            self.app.check_invoke(&app_id)?;
            self.app.invoker.invoke(&app_id, request).await
        })
        .await
    }
}
