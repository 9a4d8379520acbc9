//! Key/value state stores (Dapr's state management building block).
//!
//! Values are bytes; the `*_json` functions store JSON, as Dapr clients
//! conventionally do. Writes default to last-write concurrency and eventual
//! consistency; build a [`SaveItem`] or [`DeleteItem`] to pass an etag, ask
//! for first-write concurrency, strong consistency or a TTL.
//!
//! ```no_run
//! use dapr_guest::state::{self, SaveItem};
//!
//! # fn main() -> dapr_guest::Result<()> {
//! let current = state::get_value("statestore", "greeting")?;
//! let item = SaveItem::new("greeting", "hello").ttl_seconds(60);
//! let item = match current.and_then(|v| v.etag) {
//!     Some(etag) => item.etag(etag),
//!     None => item.first_write(),
//! };
//! state::save_item("statestore", &item)?;
//! # Ok(())
//! # }
//! ```

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::wit::dapr::runtime::state as raw;
use crate::{Metadata, Result, owned_strings};

pub use raw::{
    BulkValue, Concurrency, Consistency, DeleteItem, Operation, QueryItem, QueryResponse, SaveItem,
    Value, WriteOptions,
};

/// Reads `key` from `store`; `None` if it does not exist or has expired.
pub fn get(store: &str, key: &str) -> Result<Option<Vec<u8>>> {
    Ok(get_value(store, key)?.map(|v| v.data))
}

/// Reads `key` from `store` with its etag and metadata (eventual consistency).
pub fn get_value(store: &str, key: &str) -> Result<Option<Value>> {
    get_with(store, key, Consistency::Eventual, &[])
}

/// Reads `key` from `store` with the given consistency and metadata.
pub fn get_with(
    store: &str,
    key: &str,
    consistency: Consistency,
    metadata: &[(String, String)],
) -> Result<Option<Value>> {
    Ok(raw::get(store, key, consistency, metadata)?)
}

/// Reads `key` from `store` and deserializes it from JSON.
pub fn get_json<T: DeserializeOwned>(store: &str, key: &str) -> Result<Option<T>> {
    get_value(store, key)?.map(|v| v.parse_json()).transpose()
}

/// Reads many keys at once: one entry per key, in order.
pub fn get_bulk<S: AsRef<str>>(store: &str, keys: &[S]) -> Result<Vec<BulkValue>> {
    Ok(raw::get_bulk(store, &owned_strings(keys), &[])?)
}

/// Saves `data` under `key` (last-write concurrency, no etag).
pub fn save(store: &str, key: &str, data: impl Into<Vec<u8>>) -> Result<()> {
    save_item(store, &SaveItem::new(key, data))
}

/// Saves `value` as JSON under `key` (last-write concurrency, no etag).
pub fn save_json<T: Serialize + ?Sized>(store: &str, key: &str, value: &T) -> Result<()> {
    save_item(store, &SaveItem::json(key, value)?)
}

/// Saves one item with its options (etag, concurrency, TTL, ...).
pub fn save_item(store: &str, item: &SaveItem) -> Result<()> {
    save_bulk(store, std::slice::from_ref(item))
}

/// Saves several items in one call. Items are saved one by one, not
/// atomically: the first failure stops the save (use [`transact`] for
/// all-or-nothing).
pub fn save_bulk(store: &str, items: &[SaveItem]) -> Result<()> {
    Ok(raw::save(store, items)?)
}

/// Deletes `key` (last-write concurrency; a missing key is not an error).
pub fn delete(store: &str, key: &str) -> Result<()> {
    delete_item(store, &DeleteItem::new(key))
}

/// Deletes one key with its options (etag, concurrency, ...).
pub fn delete_item(store: &str, item: &DeleteItem) -> Result<()> {
    Ok(raw::delete(store, item)?)
}

/// Applies `operations` atomically, in order.
pub fn transact(store: &str, operations: &[Operation]) -> Result<()> {
    Ok(raw::transact(store, operations, &[])?)
}

/// Runs a query in Dapr's state query language (a JSON document with
/// `filter`, `sort` and `page`) over the JSON values of `store`.
pub fn query(store: &str, query: &str) -> Result<QueryResponse> {
    Ok(raw::query(store, query, &[])?)
}

impl Default for WriteOptions {
    /// Last-write concurrency, eventual consistency.
    fn default() -> Self {
        WriteOptions {
            concurrency: Concurrency::LastWrite,
            consistency: Consistency::Eventual,
        }
    }
}

impl Value {
    /// Deserializes the stored bytes from JSON.
    pub fn parse_json<T: DeserializeOwned>(&self) -> Result<T> {
        Ok(serde_json::from_slice(&self.data)?)
    }
}

impl QueryItem {
    /// Deserializes the item's bytes from JSON.
    pub fn parse_json<T: DeserializeOwned>(&self) -> Result<T> {
        Ok(serde_json::from_slice(&self.data)?)
    }
}

impl SaveItem {
    /// An item saving `data` under `key` with default [`WriteOptions`].
    pub fn new(key: impl Into<String>, data: impl Into<Vec<u8>>) -> Self {
        SaveItem {
            key: key.into(),
            data: data.into(),
            etag: None,
            options: WriteOptions::default(),
            metadata: Metadata::new(),
        }
    }

    /// An item saving `value` as JSON under `key`.
    pub fn json<T: Serialize + ?Sized>(key: impl Into<String>, value: &T) -> Result<Self> {
        Ok(SaveItem::new(key, serde_json::to_vec(value)?))
    }

    /// Only saves if the stored etag is `etag`.
    pub fn etag(mut self, etag: impl Into<String>) -> Self {
        self.etag = Some(etag.into());
        self
    }

    /// Without an etag, only saves if the key does not exist yet.
    pub fn first_write(mut self) -> Self {
        self.options.concurrency = Concurrency::FirstWrite;
        self
    }

    /// Acknowledges the write only after a quorum of replicas has it.
    pub fn strong(mut self) -> Self {
        self.options.consistency = Consistency::Strong;
        self
    }

    /// Lets the item expire after `seconds` (`-1`: never).
    pub fn ttl_seconds(self, seconds: i64) -> Self {
        self.metadata("ttlInSeconds", seconds.to_string())
    }

    /// Adds a metadata entry, such as `contentType`.
    pub fn metadata(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.metadata.push((key.into(), value.into()));
        self
    }
}

impl DeleteItem {
    /// An item deleting `key` with default [`WriteOptions`].
    pub fn new(key: impl Into<String>) -> Self {
        DeleteItem {
            key: key.into(),
            etag: None,
            options: WriteOptions::default(),
            metadata: Metadata::new(),
        }
    }

    /// Only deletes if the stored etag is `etag`.
    pub fn etag(mut self, etag: impl Into<String>) -> Self {
        self.etag = Some(etag.into());
        self
    }

    /// Acknowledges the delete only after a quorum of replicas has it.
    pub fn strong(mut self) -> Self {
        self.options.consistency = Consistency::Strong;
        self
    }

    /// Adds a metadata entry.
    pub fn metadata(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.metadata.push((key.into(), value.into()));
        self
    }
}
