//! The configuration block (`dapr:runtime/configuration`): reading and
//! watching configuration stores; updates go to the `handler` export.

mod backend;
pub mod file;
mod sidecar;

pub use backend::*;
pub use sidecar::SidecarConfigurationStore;

use super::{DaprCtx, observed};
use crate::wit::dapr::runtime::configuration::Host;
use crate::wit::{Error, Metadata};

impl Host for DaprCtx {
    async fn get(
        &mut self,
        store: String,
        keys: Vec<String>,
        metadata: Metadata,
    ) -> Result<Vec<Item>, Error> {
        observed(&self.app, "configuration", "get", &store, async {
            let backend = self.app.get::<ConfigurationBlock>(&store)?;
            backend.get(&keys, &metadata).await
        })
        .await
    }

    async fn subscribe(
        &mut self,
        store: String,
        keys: Vec<String>,
        metadata: Metadata,
    ) -> Result<String, Error> {
        observed(&self.app, "configuration", "subscribe", &store, async {
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
        })
        .await
    }

    async fn unsubscribe(&mut self, store: String, id: String) -> Result<(), Error> {
        observed(&self.app, "configuration", "unsubscribe", &store, async {
            let backend = self.app.get::<ConfigurationBlock>(&store)?;
            backend.unsubscribe(&id).await
        })
        .await
    }
}

component_block! {
    /// The configuration block: `get::<ConfigurationBlock>(name)` finds one of an app's configuration stores.
    ConfigurationBlock: dyn ConfigurationStore = ("configuration", "configuration store", "configuration"),
    embedded [file::FileConfigurationStore], sidecar SidecarConfigurationStore
}
