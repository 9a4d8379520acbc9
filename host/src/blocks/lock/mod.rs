//! The distributed lock block (`dapr:runtime/lock`).

mod backend;
pub mod memory;
mod sidecar;

pub use backend::*;
pub use sidecar::SidecarLockStore;

use super::{DaprCtx, non_empty, observed};
use crate::wit::Error;
use crate::wit::dapr::runtime::lock::Host;

impl Host for DaprCtx {
    async fn try_lock(
        &mut self,
        store: String,
        resource_id: String,
        owner: String,
        expiry_in_seconds: u32,
    ) -> Result<bool, Error> {
        observed(&self.app, "lock", "try-lock", &store, async {
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
        })
        .await
    }

    async fn unlock(
        &mut self,
        store: String,
        resource_id: String,
        owner: String,
    ) -> Result<UnlockStatus, Error> {
        observed(&self.app, "lock", "unlock", &store, async {
            non_empty("resource id", &resource_id)?;
            non_empty("owner", &owner)?;
            let backend = self.app.get::<LockBlock>(&store)?;
            backend.unlock(&resource_id, &owner).await
        })
        .await
    }
}

component_block! {
    /// The lock block: `get::<LockBlock>(name)` finds one of an app's lock stores.
    LockBlock: dyn LockStore = ("lock", "lock store", "lock"),
    embedded [memory::MemoryLockStore], sidecar SidecarLockStore
}
