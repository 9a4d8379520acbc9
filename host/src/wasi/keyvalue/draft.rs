//! `wasi:keyvalue@0.2.0-draft` (wasmtime's and wasmCloud's): cursors are
//! positions (`u64`), `increment` is unsigned, `get-many` leaves missing
//! keys out as `none`.

use wasmtime::component::Resource;

use super::{Bucket, KvError};
use crate::wasi::WasiDapr;

pub(super) mod bindings {
    wasmtime::component::bindgen!({
        path: "../wit/deps/keyvalue-0.2.0-draft",
        world: "wasi:keyvalue/imports",
        imports: { default: async },
        with: { "wasi:keyvalue/store.bucket": crate::wasi::keyvalue::Bucket },
    });
}

use bindings::wasi::keyvalue::{atomics, batch, store};

/// The shared text cursor of a position.
fn cursor_in(cursor: Option<u64>) -> Option<String> {
    cursor.map(|position| position.to_string())
}

/// The position of the shared text cursor; a store whose page tokens are
/// not positions cannot serve this variant's `list-keys`.
fn cursor_out(cursor: Option<String>) -> Result<Option<u64>, KvError> {
    cursor
        .map(|token| {
            token.parse().map_err(|_| {
                KvError::Other(format!(
                    "unsupported: the store's page token {token:?} is not a position, \
                     which wasi:keyvalue@0.2.0-draft cursors must be"
                ))
            })
        })
        .transpose()
}

store_interface!(store, u64, cursor_in, cursor_out);

impl atomics::Host for WasiDapr<'_> {
    async fn increment(
        &mut self,
        bucket: Resource<Bucket>,
        key: String,
        delta: u64,
    ) -> Result<u64, store::Error> {
        let dapr = self.dapr;
        let increment = self.kv_increment(&bucket, key, delta.into(), 0..=u64::MAX.into());
        let sum = super::observe(dapr, "increment", increment).await?;
        Ok(u64::try_from(sum).map_err(|e| KvError::Other(e.to_string()))?)
    }
}

batch_interface!(batch, store, Option<(String, Vec<u8>)>, |(key, value): (
    String,
    Option<Vec<u8>>
)| value
    .map(|v| (key, v)));
