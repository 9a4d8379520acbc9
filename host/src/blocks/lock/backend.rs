//! The distributed lock trait.

use crate::backend::BackendResult;
pub use crate::wit::dapr::runtime::lock::UnlockStatus;

/// One lock store component as one app sees it (resources scoped to the app).
#[async_trait::async_trait]
pub trait LockStore: Send + Sync {
    /// Takes the lock if free (or expired); `false` if another owner holds it.
    async fn try_lock(
        &self,
        resource_id: &str,
        owner: &str,
        expiry_in_seconds: u32,
    ) -> BackendResult<bool>;

    /// Releases the lock if `owner` holds it.
    async fn unlock(&self, resource_id: &str, owner: &str) -> BackendResult<UnlockStatus>;
}
