//! The bindings block (`dapr:runtime/bindings`): output bindings the app
//! invokes, and input bindings that deliver events to its `handler` export.

mod backend;
pub mod cron;
pub mod localstorage;
mod sidecar;

pub use backend::*;
pub use sidecar::SidecarBinding;

use super::{DaprCtx, non_empty, observed};
use crate::wit::dapr::runtime::bindings::Host;
use crate::wit::{Error, Metadata};

impl Host for DaprCtx {
    async fn invoke(
        &mut self,
        name: String,
        operation: String,
        data: Vec<u8>,
        metadata: Metadata,
    ) -> Result<Response, Error> {
        observed(&self.app, "bindings", "invoke", &name, async {
            non_empty("operation", &operation)?;
            self.within_body_limit("the binding data", data.len())?;
            let backend = self.app.get::<BindingsBlock>(&name)?;
            backend.invoke(&operation, data, &metadata).await
        })
        .await
    }
}

component_block! {
    /// The bindings block: `get::<BindingsBlock>(name)` finds one of an app's bindings.
    BindingsBlock: dyn Binding = ("bindings", "binding", "bindings"),
    embedded [localstorage::LocalStorageBinding, cron::CronBinding], sidecar SidecarBinding
}
