//! `lock.in-memory`: leases kept in process memory, scoped per app like
//! state keys (`keyPrefix` metadata, default `appid`).
//!
//! A lock held by the same owner is re-taken (its lease renewed).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::LockBlock;
use crate::backend::embedded::ComponentMetadata;
use crate::backend::embedded::clock::Clock;
use crate::backend::embedded::key_prefix::KeyPrefix;
use crate::backend::{BackendResult, Error};
use crate::blocks::EmbeddedComponent;
use crate::blocks::lock::{LockStore, UnlockStatus};

/// A held lock.
#[derive(Debug)]
struct Lease {
    owner: String,
    expires_at: i64,
}

/// One `lock.in-memory` component; hand apps a view with [`Self::for_app`].
#[derive(Debug)]
pub struct MemoryLockStore {
    component_name: String,
    key_prefix: KeyPrefix,
    clock: Clock,
    leases: Mutex<HashMap<String, Lease>>,
}

impl MemoryLockStore {
    fn with_clock(component_name: &str, key_prefix: KeyPrefix, clock: Clock) -> Arc<Self> {
        Arc::new(MemoryLockStore {
            component_name: component_name.to_string(),
            key_prefix,
            clock,
            leases: Mutex::default(),
        })
    }

    /// The live leases, expired ones removed.
    fn live(&self) -> std::sync::MutexGuard<'_, HashMap<String, Lease>> {
        let now = self.clock.now_ms();
        let mut leases = self.leases.lock().unwrap();
        leases.retain(|_, lease| lease.expires_at > now);
        leases
    }
}

/// One app's view of a lock store.
struct AppLocks {
    store: Arc<MemoryLockStore>,
    prefix: String,
}

impl AppLocks {
    fn scoped(&self, resource_id: &str, owner: &str) -> BackendResult<String> {
        if resource_id.is_empty() || owner.is_empty() {
            return Err(Error::InvalidArgument(
                "resource id and owner must not be empty".into(),
            ));
        }
        Ok(format!("{}{resource_id}", self.prefix))
    }
}

#[async_trait::async_trait]
impl LockStore for AppLocks {
    async fn try_lock(
        &self,
        resource_id: &str,
        owner: &str,
        expiry_in_seconds: u32,
    ) -> BackendResult<bool> {
        let key = self.scoped(resource_id, owner)?;
        if expiry_in_seconds == 0 {
            return Err(Error::InvalidArgument(
                "expiry-in-seconds must be positive".into(),
            ));
        }
        let expires_at = self
            .store
            .clock
            .now_ms()
            .saturating_add(i64::from(expiry_in_seconds) * 1000);
        let mut leases = self.store.live();
        match leases.get(&key) {
            Some(lease) if lease.owner != owner => Ok(false),
            _ => {
                leases.insert(
                    key,
                    Lease {
                        owner: owner.to_string(),
                        expires_at,
                    },
                );
                Ok(true)
            }
        }
    }

    async fn unlock(&self, resource_id: &str, owner: &str) -> BackendResult<UnlockStatus> {
        let key = self.scoped(resource_id, owner)?;
        let mut leases = self.store.live();
        Ok(match leases.get(&key) {
            None => UnlockStatus::LockDoesNotExist,
            Some(lease) if lease.owner != owner => UnlockStatus::LockBelongsToOthers,
            Some(_) => {
                leases.remove(&key);
                UnlockStatus::Success
            }
        })
    }
}

impl EmbeddedComponent<LockBlock> for MemoryLockStore {
    const TYPE: &'static str = "lock.in-memory";

    /// Creates the store from component metadata (`keyPrefix`).
    fn from_metadata(
        component_name: &str,
        metadata: &ComponentMetadata,
    ) -> anyhow::Result<Arc<Self>> {
        Ok(Self::with_clock(
            component_name,
            KeyPrefix::from_metadata(metadata),
            Clock::monotonic(),
        ))
    }

    /// The store as app `app_id` sees it (resources scoped by `keyPrefix`).
    fn for_app(self: &Arc<Self>, app_id: &str) -> Arc<dyn LockStore> {
        let prefix = self.key_prefix.resolve(&self.component_name, app_id);
        Arc::new(AppLocks {
            store: self.clone(),
            prefix,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicI64, Ordering};

    use super::*;

    fn store() -> (Arc<MemoryLockStore>, Arc<AtomicI64>) {
        let (clock, cell) = Clock::manual(0);
        (
            MemoryLockStore::with_clock("locks", KeyPrefix::AppId, clock),
            cell,
        )
    }

    #[tokio::test]
    async fn contention_and_unlock_outcomes() {
        let (store, _) = store();
        let app = store.for_app("a");
        assert!(app.try_lock("r", "one", 10).await.unwrap());
        assert!(!app.try_lock("r", "two", 10).await.unwrap());
        assert!(app.try_lock("r", "one", 10).await.unwrap());
        assert_eq!(
            app.unlock("r", "two").await.unwrap(),
            UnlockStatus::LockBelongsToOthers
        );
        assert_eq!(app.unlock("r", "one").await.unwrap(), UnlockStatus::Success);
        assert_eq!(
            app.unlock("r", "one").await.unwrap(),
            UnlockStatus::LockDoesNotExist
        );
        assert!(app.try_lock("r", "two", 10).await.unwrap());
    }

    #[tokio::test]
    async fn expired_locks_are_free() {
        let (store, clock) = store();
        let app = store.for_app("a");
        assert!(app.try_lock("r", "one", 2).await.unwrap());
        clock.store(1_999, Ordering::SeqCst);
        assert!(!app.try_lock("r", "two", 2).await.unwrap());
        clock.store(2_000, Ordering::SeqCst);
        assert_eq!(
            app.unlock("r", "one").await.unwrap(),
            UnlockStatus::LockDoesNotExist
        );
        assert!(app.try_lock("r", "two", 2).await.unwrap());
    }

    #[tokio::test]
    async fn apps_lock_independently_and_arguments_are_checked() {
        let (store, _) = store();
        let (a, b) = (store.for_app("a"), store.for_app("b"));
        assert!(a.try_lock("r", "one", 5).await.unwrap());
        assert!(b.try_lock("r", "two", 5).await.unwrap());
        assert!(matches!(
            a.try_lock("r", "one", 0).await,
            Err(Error::InvalidArgument(_))
        ));
        assert!(matches!(
            a.try_lock("", "one", 5).await,
            Err(Error::InvalidArgument(_))
        ));
        assert!(matches!(
            a.unlock("r", "").await,
            Err(Error::InvalidArgument(_))
        ));
    }

    #[tokio::test]
    async fn name_prefix_shares_locks_between_apps() {
        let md = [("keyPrefix".to_string(), "name".to_string())].into();
        let store = MemoryLockStore::from_metadata("locks", &md).unwrap();
        assert!(store.for_app("a").try_lock("r", "one", 5).await.unwrap());
        assert!(!store.for_app("b").try_lock("r", "two", 5).await.unwrap());
    }
}
