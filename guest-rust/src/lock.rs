//! Distributed locks with a lease (Dapr's distributed lock building block).

use crate::Result;
use crate::wit::dapr::runtime::lock as raw;

pub use raw::UnlockStatus;

/// Tries to lock `resource_id` for `owner` for at most `expiry_in_seconds`
/// (> 0). Returns whether the lock was taken; never waits.
pub fn try_lock(
    store: &str,
    resource_id: &str,
    owner: &str,
    expiry_in_seconds: u32,
) -> Result<bool> {
    Ok(raw::try_lock(store, resource_id, owner, expiry_in_seconds)?)
}

/// Releases the lock on `resource_id` if `owner` holds it.
pub fn unlock(store: &str, resource_id: &str, owner: &str) -> Result<UnlockStatus> {
    Ok(raw::unlock(store, resource_id, owner)?)
}
