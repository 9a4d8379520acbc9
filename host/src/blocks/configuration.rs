//! `dapr:runtime/configuration`.

use super::DaprCtx;
use crate::wit::dapr::runtime::configuration::{Host, Item};
use crate::wit::{Error, Metadata};

impl Host for DaprCtx {
    async fn get(
        &mut self,
        store: String,
        keys: Vec<String>,
        metadata: Metadata,
    ) -> Result<Vec<Item>, Error> {
        let backend = self.app.configuration.get("configuration store", &store)?;
        backend.get(&keys, &metadata).await
    }

    async fn subscribe(
        &mut self,
        store: String,
        keys: Vec<String>,
        metadata: Metadata,
    ) -> Result<String, Error> {
        let backend = self.app.configuration.get("configuration store", &store)?;
        let sink = self.app.config_updates.as_ref().ok_or_else(|| {
            Error::Unsupported(
                "configuration updates are delivered to the `handler` export, which this component does not export"
                    .to_string(),
            )
        })?;
        backend.subscribe(&keys, &metadata, sink(&store)).await
    }

    async fn unsubscribe(&mut self, store: String, id: String) -> Result<(), Error> {
        let backend = self.app.configuration.get("configuration store", &store)?;
        backend.unsubscribe(&id).await
    }
}
