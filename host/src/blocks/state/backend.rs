//! The state store trait.

use crate::backend::{BackendResult, Metadata};
pub use crate::wit::dapr::runtime::state::{
    BulkValue, Concurrency, Consistency, DeleteItem, Operation, QueryItem, QueryResponse, SaveItem,
    Value, WriteOptions,
};

/// A key/value state store as one app sees it (keys already scoped to the app).
#[async_trait::async_trait]
pub trait StateStore: Send + Sync {
    /// Reads one key; `None` if it is missing or expired.
    async fn get(
        &self,
        key: &str,
        consistency: Consistency,
        metadata: &Metadata,
    ) -> BackendResult<Option<Value>>;

    /// Reads many keys, one entry per key in request order.
    async fn get_bulk(
        &self,
        keys: &[String],
        metadata: &Metadata,
    ) -> BackendResult<Vec<BulkValue>> {
        let mut out = Vec::with_capacity(keys.len());
        for key in keys {
            let value = self.get(key, Consistency::Eventual, metadata).await;
            out.push(BulkValue {
                key: key.clone(),
                value,
            });
        }
        Ok(out)
    }

    /// Saves items one by one; stops at the first failure.
    async fn save(&self, items: Vec<SaveItem>) -> BackendResult<()>;

    /// Deletes one key (etag checked if given).
    async fn delete(&self, item: DeleteItem) -> BackendResult<()>;

    /// Applies all operations atomically.
    async fn transact(&self, operations: Vec<Operation>, metadata: &Metadata) -> BackendResult<()>;

    /// Runs a Dapr state query (JSON) over this app's JSON values.
    async fn query(&self, query: &str, metadata: &Metadata) -> BackendResult<QueryResponse>;
}
