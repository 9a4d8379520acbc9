//! The configuration store trait.

use std::sync::Arc;

use crate::backend::{BackendResult, Metadata};
pub use crate::wit::dapr::runtime::configuration::Item;

/// Receives the changed items of one configuration subscription.
#[async_trait::async_trait]
pub trait ConfigurationSubscriber: Send + Sync {
    /// Delivers changed items, in order of change.
    async fn update(&self, subscription_id: &str, items: Vec<Item>);
}

/// Makes the subscriber that delivers one store's updates to an app's
/// `handler` export.
pub trait ConfigurationSink: Send + Sync {
    /// The subscriber for `store`'s updates.
    fn subscriber(&self, store: &str) -> Arc<dyn ConfigurationSubscriber>;
}

/// One configuration store component.
#[async_trait::async_trait]
pub trait ConfigurationStore: Send + Sync {
    /// Reads `keys` (all if empty); missing keys are left out.
    async fn get(&self, keys: &[String], metadata: &Metadata) -> BackendResult<Vec<Item>>;

    /// Watches `keys` (all if empty) and returns the subscription id.
    async fn subscribe(
        &self,
        keys: &[String],
        metadata: &Metadata,
        subscriber: Arc<dyn ConfigurationSubscriber>,
    ) -> BackendResult<String>;

    /// Stops a subscription; `not-found` if it is not active.
    async fn unsubscribe(&self, id: &str) -> BackendResult<()>;
}
