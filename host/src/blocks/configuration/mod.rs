//! The configuration block (`dapr:runtime/configuration`): reading and
//! watching configuration stores; updates go to the `handler` export.

mod backend;
pub mod file;
mod sidecar;

pub use backend::*;
pub use sidecar::SidecarConfigurationStore;

use super::{Block, BlockUnit, DaprCtx, EmbeddedType, sidecar_maker};
use crate::wit::dapr::runtime::configuration::Host;
use crate::wit::{Error, Metadata};

/// The configuration store block.
pub struct ConfigurationBlock;

impl Block for ConfigurationBlock {
    type Backend = dyn ConfigurationStore;

    fn unit() -> &'static BlockUnit {
        &UNIT
    }
}

/// The configuration block's description.
pub static UNIT: BlockUnit = BlockUnit {
    name: "configuration",
    label: "configuration store",
    type_prefix: Some("configuration"),
    embedded: &[
        EmbeddedType::of::<ConfigurationBlock, file::FileConfigurationStore>(),
    ],
    sidecar: Some(sidecar_maker::<ConfigurationBlock, SidecarConfigurationStore>),
};

impl Host for DaprCtx {
    async fn get(
        &mut self,
        store: String,
        keys: Vec<String>,
        metadata: Metadata,
    ) -> Result<Vec<Item>, Error> {
        let backend = self.app.get::<ConfigurationBlock>(&store)?;
        backend.get(&keys, &metadata).await
    }

    async fn subscribe(
        &mut self,
        store: String,
        keys: Vec<String>,
        metadata: Metadata,
    ) -> Result<String, Error> {
        let backend = self.app.get::<ConfigurationBlock>(&store)?;
        let sink = self.app.config_updates.as_ref().ok_or_else(|| {
            Error::Unsupported(
                "configuration updates are delivered to the `handler` export, which this component does not export"
                    .to_string(),
            )
        })?;
        backend
            .subscribe(&keys, &metadata, sink.subscriber(&store))
            .await
    }

    async fn unsubscribe(&mut self, store: String, id: String) -> Result<(), Error> {
        let backend = self.app.get::<ConfigurationBlock>(&store)?;
        backend.unsubscribe(&id).await
    }
}
