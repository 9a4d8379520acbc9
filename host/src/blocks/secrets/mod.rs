//! The secrets block (`dapr:runtime/secrets`): reading secret stores.

mod backend;
pub mod env;
pub mod file;
mod sidecar;

pub use backend::*;
pub use sidecar::SidecarSecretStore;

use super::{Block, BlockUnit, DaprCtx, EmbeddedType, non_empty, sidecar_maker};
use crate::wit::dapr::runtime::secrets::Host;
use crate::wit::{Error, Metadata};

/// The secret store block.
pub struct SecretsBlock;

impl Block for SecretsBlock {
    type Backend = dyn SecretStore;

    fn unit() -> &'static BlockUnit {
        &UNIT
    }
}

/// The secrets block's description.
pub static UNIT: BlockUnit = BlockUnit {
    name: "secrets",
    label: "secret store",
    type_prefix: Some("secretstores"),
    embedded: &[
        EmbeddedType::of::<SecretsBlock, file::FileSecretStore>(),
        EmbeddedType::of::<SecretsBlock, env::EnvSecretStore>(),
    ],
    sidecar: Some(sidecar_maker::<SecretsBlock, SidecarSecretStore>),
};

impl Host for DaprCtx {
    async fn get(
        &mut self,
        store: String,
        key: String,
        metadata: Metadata,
    ) -> Result<Secret, Error> {
        non_empty("key", &key)?;
        let backend = self.app.get::<SecretsBlock>(&store)?;
        backend.get(&key, &metadata).await
    }

    async fn get_bulk(
        &mut self,
        store: String,
        metadata: Metadata,
    ) -> Result<Vec<(String, Secret)>, Error> {
        let backend = self.app.get::<SecretsBlock>(&store)?;
        backend.get_bulk(&metadata).await
    }
}
