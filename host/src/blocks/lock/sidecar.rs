//! Distributed locks through daprd.

use std::sync::Arc;

use ::dapr::dapr::proto::runtime::v1 as proto;
use ::dapr::dapr::proto::runtime::v1::unlock_response::Status;

use super::LockBlock;
use crate::backend::BackendResult;
use crate::backend::sidecar::{Sidecar, error_from_status};
use crate::blocks::SidecarComponent;
use crate::blocks::lock::{LockStore, UnlockStatus};
use crate::wit::Error;

/// One lock store component of the sidecar.
pub struct SidecarLockStore {
    sidecar: Sidecar,
    name: String,
}

impl SidecarComponent<LockBlock> for SidecarLockStore {
    fn connect(sidecar: &Sidecar, name: &str) -> Arc<dyn LockStore> {
        Arc::new(SidecarLockStore {
            sidecar: sidecar.clone(),
            name: name.to_string(),
        })
    }
}

#[async_trait::async_trait]
impl LockStore for SidecarLockStore {
    async fn try_lock(
        &self,
        resource_id: &str,
        owner: &str,
        expiry_in_seconds: u32,
    ) -> BackendResult<bool> {
        let request = proto::TryLockRequest {
            store_name: self.name.clone(),
            resource_id: resource_id.to_string(),
            lock_owner: owner.to_string(),
            expiry_in_seconds: i32::try_from(expiry_in_seconds)
                .map_err(|_| Error::InvalidArgument("expiry-in-seconds is too large".into()))?,
        };
        let r = self
            .sidecar
            .client()
            .try_lock_alpha1(request)
            .await
            .map_err(error_from_status)?;
        Ok(r.into_inner().success)
    }

    async fn unlock(&self, resource_id: &str, owner: &str) -> BackendResult<UnlockStatus> {
        let request = proto::UnlockRequest {
            store_name: self.name.clone(),
            resource_id: resource_id.to_string(),
            lock_owner: owner.to_string(),
        };
        let r = self
            .sidecar
            .client()
            .unlock_alpha1(request)
            .await
            .map_err(error_from_status)?;
        match Status::try_from(r.into_inner().status) {
            Ok(Status::Success) => Ok(UnlockStatus::Success),
            Ok(Status::LockDoesNotExist) => Ok(UnlockStatus::LockDoesNotExist),
            Ok(Status::LockBelongsToOthers) => Ok(UnlockStatus::LockBelongsToOthers),
            Ok(Status::InternalError) | Err(_) => {
                Err(Error::Internal("the lock store failed to unlock".into()))
            }
        }
    }
}
