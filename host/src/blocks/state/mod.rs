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

use super::{Block, BlockUnit, DaprCtx, EmbeddedType, non_empty, sidecar_maker};
use crate::wit::dapr::runtime::state::Host;
use crate::wit::{Error, Metadata};

/// The state store block.
pub struct StateBlock;

impl Block for StateBlock {
    type Backend = dyn StateStore;

    fn unit() -> &'static BlockUnit {
        &UNIT
    }
}

/// The state block's description.
pub static UNIT: BlockUnit = BlockUnit {
    name: "state",
    label: "state store",
    type_prefix: Some("state"),
    embedded: &[
        EmbeddedType::of::<StateBlock, sqlite::SqliteStateDb>(),
        EmbeddedType::of::<StateBlock, memory::MemoryStateStore>(),
    ],
    sidecar: Some(sidecar_maker::<StateBlock, SidecarStateStore>),
};


impl Host for DaprCtx {
    async fn get(
        &mut self,
        store: String,
        key: String,
        consistency: Consistency,
        metadata: Metadata,
    ) -> Result<Option<Value>, Error> {
        non_empty("key", &key)?;
        let backend = self.app.get::<StateBlock>(&store)?;
        backend.get(&key, consistency, &metadata).await
    }

    async fn get_bulk(
        &mut self,
        store: String,
        keys: Vec<String>,
        metadata: Metadata,
    ) -> Result<Vec<BulkValue>, Error> {
        keys.iter().try_for_each(|k| non_empty("key", k))?;
        let backend = self.app.get::<StateBlock>(&store)?;
        backend.get_bulk(&keys, &metadata).await
    }

    async fn save(&mut self, store: String, items: Vec<SaveItem>) -> Result<(), Error> {
        items.iter().try_for_each(|i| non_empty("key", &i.key))?;
        let backend = self.app.get::<StateBlock>(&store)?;
        backend.save(items).await
    }

    async fn delete(&mut self, store: String, item: DeleteItem) -> Result<(), Error> {
        non_empty("key", &item.key)?;
        let backend = self.app.get::<StateBlock>(&store)?;
        backend.delete(item).await
    }

    async fn transact(
        &mut self,
        store: String,
        operations: Vec<Operation>,
        metadata: Metadata,
    ) -> Result<(), Error> {
        operations.iter().try_for_each(|op| match op {
            Operation::Upsert(i) => non_empty("key", &i.key),
            Operation::Delete(i) => non_empty("key", &i.key),
        })?;
        let backend = self.app.get::<StateBlock>(&store)?;
        backend.transact(operations, &metadata).await
    }

    async fn query(
        &mut self,
        store: String,
        query: String,
        metadata: Metadata,
    ) -> Result<QueryResponse, Error> {
        let backend = self.app.get::<StateBlock>(&store)?;
        backend.query(&query, &metadata).await
    }
}
