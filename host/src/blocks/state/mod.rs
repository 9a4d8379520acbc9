//! The state block (`dapr:runtime/state`): key/value stores with etags,
//! transactions and queries.

mod backend;
pub mod embedded;
pub mod memory;
pub mod query;
mod sidecar;
pub mod sqlite;

pub use backend::*;
pub use sidecar::SidecarStateStore;

use super::{DaprCtx, non_empty, observed};
use crate::wit::dapr::runtime::state::Host;
use crate::wit::{Error, Metadata};

impl Host for DaprCtx {
    async fn get(
        &mut self,
        store: String,
        key: String,
        consistency: Consistency,
        metadata: Metadata,
    ) -> Result<Option<Value>, Error> {
        observed(&self.app, "state", "get", &store, async {
            non_empty("key", &key)?;
            let backend = self.app.get::<StateBlock>(&store)?;
            backend.get(&key, consistency, &metadata).await
        })
        .await
    }

    async fn get_bulk(
        &mut self,
        store: String,
        keys: Vec<String>,
        metadata: Metadata,
    ) -> Result<Vec<BulkValue>, Error> {
        observed(&self.app, "state", "get-bulk", &store, async {
            keys.iter().try_for_each(|k| non_empty("key", k))?;
            let backend = self.app.get::<StateBlock>(&store)?;
            backend.get_bulk(&keys, &metadata).await
        })
        .await
    }

    async fn save(&mut self, store: String, items: Vec<SaveItem>) -> Result<(), Error> {
        observed(&self.app, "state", "save", &store, async {
            items.iter().try_for_each(|i| non_empty("key", &i.key))?;
            let bytes = items.iter().map(|i| i.data.len()).sum();
            self.within_body_limit(&values_named(items.iter().map(|i| &i.key)), bytes)?;
            let backend = self.app.get::<StateBlock>(&store)?;
            backend.save(items).await
        })
        .await
    }

    async fn delete(&mut self, store: String, item: DeleteItem) -> Result<(), Error> {
        observed(&self.app, "state", "delete", &store, async {
            non_empty("key", &item.key)?;
            let backend = self.app.get::<StateBlock>(&store)?;
            backend.delete(item).await
        })
        .await
    }

    async fn transact(
        &mut self,
        store: String,
        operations: Vec<Operation>,
        metadata: Metadata,
    ) -> Result<(), Error> {
        observed(&self.app, "state", "transact", &store, async {
            operations.iter().try_for_each(|op| match op {
                Operation::Upsert(i) => non_empty("key", &i.key),
                Operation::Delete(i) => non_empty("key", &i.key),
            })?;
            let upserts = || {
                operations.iter().filter_map(|op| match op {
                    Operation::Upsert(i) => Some(i),
                    Operation::Delete(_) => None,
                })
            };
            let bytes = upserts().map(|i| i.data.len()).sum();
            self.within_body_limit(&values_named(upserts().map(|i| &i.key)), bytes)?;
            let backend = self.app.get::<StateBlock>(&store)?;
            backend.transact(operations, &metadata).await
        })
        .await
    }

    async fn query(
        &mut self,
        store: String,
        query: String,
        metadata: Metadata,
    ) -> Result<QueryResponse, Error> {
        observed(&self.app, "state", "query", &store, async {
            let backend = self.app.get::<StateBlock>(&store)?;
            backend.query(&query, &metadata).await
        })
        .await
    }
}

/// How a body-limit error names the values of one call: the key of a
/// single value, else how many there are.
fn values_named<'a>(keys: impl Iterator<Item = &'a String>) -> String {
    let keys: Vec<&String> = keys.collect();
    match keys.as_slice() {
        [key] => format!("the value of `{key}`"),
        many => format!("the {} values together", many.len()),
    }
}

component_block! {
    /// The state block: `get::<StateBlock>(name)` finds one of an app's state stores.
    StateBlock: dyn StateStore = ("state", "state store", "state"),
    embedded [sqlite::SqliteStateDb, memory::MemoryStateStore], sidecar SidecarStateStore
}
