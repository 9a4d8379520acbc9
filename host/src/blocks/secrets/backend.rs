//! The secret store trait.

use crate::backend::{BackendResult, Metadata};
pub use crate::wit::dapr::runtime::secrets::Secret;

/// One secret store component (read-only).
#[async_trait::async_trait]
pub trait SecretStore: Send + Sync {
    /// Reads one secret; `not-found` if missing.
    async fn get(&self, key: &str, metadata: &Metadata) -> BackendResult<Secret>;

    /// Reads every secret, sorted by key.
    async fn get_bulk(&self, metadata: &Metadata) -> BackendResult<Vec<(String, Secret)>>;
}
