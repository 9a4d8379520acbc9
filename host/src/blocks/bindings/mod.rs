//! The bindings block (`dapr:runtime/bindings`): output bindings the app
//! invokes, and input bindings that deliver events to its `handler` export.

mod backend;
pub mod cron;
pub mod localstorage;
mod sidecar;

pub use backend::*;
pub use sidecar::SidecarBinding;

use super::{Block, BlockUnit, DaprCtx, EmbeddedType, non_empty, sidecar_maker};
use crate::wit::dapr::runtime::bindings::Host;
use crate::wit::{Error, Metadata};

/// The binding block.
pub struct BindingsBlock;

impl Block for BindingsBlock {
    type Backend = dyn Binding;

    fn unit() -> &'static BlockUnit {
        &UNIT
    }
}

/// The bindings block's description.
pub static UNIT: BlockUnit = BlockUnit {
    name: "bindings",
    label: "binding",
    type_prefix: Some("bindings"),
    embedded: &[
        EmbeddedType::of::<BindingsBlock, localstorage::LocalStorageBinding>(),
        EmbeddedType::of::<BindingsBlock, cron::CronBinding>(),
    ],
    sidecar: Some(sidecar_maker::<BindingsBlock, SidecarBinding>),
};


impl Host for DaprCtx {
    async fn invoke(
        &mut self,
        name: String,
        operation: String,
        data: Vec<u8>,
        metadata: Metadata,
    ) -> Result<Response, Error> {
        non_empty("operation", &operation)?;
        let backend = self.app.get::<BindingsBlock>(&name)?;
        backend.invoke(&operation, data, &metadata).await
    }
}
