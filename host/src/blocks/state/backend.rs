//! The state store trait.

use crate::backend::{BackendResult, Error, Metadata};
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

    /// One page of at most `limit` of this app's keys, starting at `cursor`
    /// (the cursor of the previous page; `None` for the first).
    ///
    /// By default through the state query API (a query with only a page),
    /// so a store lists keys exactly when it can be queried, and then only
    /// the keys of JSON values; a store that cannot is `unsupported`.
    async fn list_keys(&self, cursor: Option<&str>, limit: u32) -> BackendResult<KeyPage> {
        let mut page = serde_json::json!({ "limit": limit });
        if let Some(token) = cursor {
            page["token"] = token.into();
        }
        let query = serde_json::json!({ "page": page }).to_string();
        let answer = self.query(&query, &Vec::new()).await.map_err(|e| match e {
            Error::Unsupported(m) | Error::Internal(m) | Error::InvalidArgument(m) => {
                Error::Unsupported(format!(
                    "listing keys needs the state query API, which this store does not serve: {m}"
                ))
            }
            other => other,
        })?;
        let full = answer.results.len() >= limit as usize;
        Ok(KeyPage {
            keys: answer.results.into_iter().map(|item| item.key).collect(),
            cursor: answer.token.filter(|_| full),
        })
    }

    /// This store as seen under `prefix` within this app's keys (actor
    /// state: `TYPE||ID||`, which an app's own keys cannot reach since they
    /// may not contain `||`); `None` when the store cannot nest keys.
    fn nested(&self, prefix: &str) -> Option<std::sync::Arc<dyn StateStore>> {
        let _ = prefix;
        None
    }

    /// Replaces the value of `key` with `data` if its current etag is
    /// `expected` (`None`: only if the key is missing); `false` if the key
    /// changed since. Writes with last-write concurrency.
    ///
    /// By default a read and an etag-checked write: atomic for an existing
    /// key; for a missing key another writer can create it between the two
    /// (stores that accept any write to a missing key, such as `state.redis`,
    /// cannot refuse it). The embedded stores do both in one atomic step.
    async fn swap(&self, key: &str, expected: Option<&str>, data: Vec<u8>) -> BackendResult<bool> {
        let item = |etag: Option<&str>| SaveItem {
            key: key.to_string(),
            data: data.clone(),
            etag: etag.map(str::to_string),
            options: WriteOptions {
                concurrency: Concurrency::LastWrite,
                consistency: Consistency::Strong,
            },
            metadata: Vec::new(),
        };
        if expected.is_none()
            && self
                .get(key, Consistency::Strong, &Vec::new())
                .await?
                .is_some()
        {
            return Ok(false);
        }
        match self.save(vec![item(expected)]).await {
            Ok(()) => Ok(true),
            Err(Error::EtagMismatch(_)) => Ok(false),
            Err(other) => Err(other),
        }
    }
}

/// One page of keys.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KeyPage {
    /// The keys, in the store's order.
    pub keys: Vec<String>,
    /// Where the next page starts; `None` after the last page.
    pub cursor: Option<String>,
}
