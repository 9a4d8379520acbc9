//! The distributed lock block (`dapr:runtime/lock`).

mod backend;
pub mod memory;
mod sidecar;

pub use backend::*;
pub use sidecar::SidecarLockStore;

use super::{Block, BlockUnit, DaprCtx, EmbeddedType, non_empty, sidecar_maker};
use crate::wit::Error;
use crate::wit::dapr::runtime::lock::Host;

/// The lock store block.
pub struct LockBlock;

impl Block for LockBlock {
    type Backend = dyn LockStore;

    fn unit() -> &'static BlockUnit {
        &UNIT
    }
}

/// The lock block's description.
pub static UNIT: BlockUnit = BlockUnit {
    name: "lock",
    label: "lock store",
    type_prefix: Some("lock"),
    embedded: &[
        EmbeddedType::of::<LockBlock, memory::MemoryLockStore>(),
    ],
    sidecar: Some(sidecar_maker::<LockBlock, SidecarLockStore>),
};

impl Host for DaprCtx {
    async fn try_lock(
        &mut self,
        store: String,
        resource_id: String,
        owner: String,
        expiry_in_seconds: u32,
    ) -> Result<bool, Error> {
        non_empty("resource id", &resource_id)?;
        non_empty("owner", &owner)?;
        if expiry_in_seconds == 0 {
            return Err(Error::InvalidArgument(
                "expiry-in-seconds must be > 0".to_string(),
            ));
        }
        let backend = self.app.get::<LockBlock>(&store)?;
        backend
            .try_lock(&resource_id, &owner, expiry_in_seconds)
            .await
    }

    async fn unlock(
        &mut self,
        store: String,
        resource_id: String,
        owner: String,
    ) -> Result<UnlockStatus, Error> {
        non_empty("resource id", &resource_id)?;
        non_empty("owner", &owner)?;
        let backend = self.app.get::<LockBlock>(&store)?;
        backend.unlock(&resource_id, &owner).await
    }
}
