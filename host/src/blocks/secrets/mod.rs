//! The secrets block (`dapr:runtime/secrets`): reading secret stores.

mod backend;
pub mod env;
pub mod file;
mod sidecar;

pub use backend::*;
pub use sidecar::SidecarSecretStore;

use super::{DaprCtx, non_empty, observed};
use crate::wit::dapr::runtime::secrets::Host;
use crate::wit::{Error, Metadata};

impl Host for DaprCtx {
    async fn get(
        &mut self,
        store: String,
        key: String,
        metadata: Metadata,
    ) -> Result<Secret, Error> {
        observed(&self.app, "secrets", "get", &store, async {
            non_empty("key", &key)?;
            let backend = self.app.get::<SecretsBlock>(&store)?;
            backend.get(&key, &metadata).await
        })
        .await
    }

    async fn get_bulk(
        &mut self,
        store: String,
        metadata: Metadata,
    ) -> Result<Vec<(String, Secret)>, Error> {
        observed(&self.app, "secrets", "get-bulk", &store, async {
            let backend = self.app.get::<SecretsBlock>(&store)?;
            backend.get_bulk(&metadata).await
        })
        .await
    }
}

component_block! {
    /// The secrets block: `get::<SecretsBlock>(name)` finds one of an app's secret stores.
    SecretsBlock: dyn SecretStore = ("secrets", "secret store", "secretstores"),
    embedded [file::FileSecretStore, env::EnvSecretStore], sidecar SidecarSecretStore
}
