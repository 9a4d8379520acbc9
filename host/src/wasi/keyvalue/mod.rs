//! `wasi:keyvalue` on the state building block, for components written for
//! other hosts. Every published variant is linked (`draft`:
//! `0.2.0-draft`, as wasmtime and wasmCloud link it; `draft2`:
//! `0.2.0-draft2`, as Spin does); this module is what they share, each
//! variant's file only converts its types.
//!
//! `store.open(identifier)` opens the state store the identifier names for
//! the app ([`AppAccess::keyvalue_store`]), so grants, scopes and keys
//! prefixed by app id apply exactly as for `dapr:runtime/state`. Values are
//! stored byte-exact; `increment` keeps a decimal integer (text, so other
//! Dapr clients read it as a JSON number).

#[macro_use]
mod macros {
    /// Implements a variant's `store` interface (`open` and the `bucket`
    /// methods, the same in every variant but for the cursor type) and the
    /// conversion of `KvError` into its `error`, given the variant's
    /// generated `store` module (imported under that name) and the cursor conversions to and from the
    /// shared text cursor.
    macro_rules! store_interface {
        ($store:ident, $cursor:ty, $cursor_in:expr, $cursor_out:expr) => {
            impl From<$crate::wasi::keyvalue::KvError> for $store::Error {
                fn from(err: $crate::wasi::keyvalue::KvError) -> Self {
                    use $crate::wasi::keyvalue::KvError;
                    match err {
                        KvError::NoSuchStore => $store::Error::NoSuchStore,
                        KvError::AccessDenied => $store::Error::AccessDenied,
                        KvError::Other(message) => $store::Error::Other(message),
                    }
                }
            }

            impl $store::Host for $crate::wasi::WasiDapr<'_> {
                async fn open(
                    &mut self,
                    identifier: String,
                ) -> Result<
                    wasmtime::component::Resource<$crate::wasi::keyvalue::Bucket>,
                    $store::Error,
                > {
                    Ok(self.open(&identifier)?)
                }
            }

            impl $store::HostBucket for $crate::wasi::WasiDapr<'_> {
                async fn get(
                    &mut self,
                    bucket: wasmtime::component::Resource<$crate::wasi::keyvalue::Bucket>,
                    key: String,
                ) -> Result<Option<Vec<u8>>, $store::Error> {
                    Ok(
                        $crate::wasi::keyvalue::observe(
                            self.dapr,
                            "get",
                            self.kv_get(&bucket, key),
                        )
                        .await?,
                    )
                }

                async fn set(
                    &mut self,
                    bucket: wasmtime::component::Resource<$crate::wasi::keyvalue::Bucket>,
                    key: String,
                    value: Vec<u8>,
                ) -> Result<(), $store::Error> {
                    Ok($crate::wasi::keyvalue::observe(
                        self.dapr,
                        "set",
                        self.kv_set(&bucket, key, value),
                    )
                    .await?)
                }

                async fn delete(
                    &mut self,
                    bucket: wasmtime::component::Resource<$crate::wasi::keyvalue::Bucket>,
                    key: String,
                ) -> Result<(), $store::Error> {
                    Ok($crate::wasi::keyvalue::observe(
                        self.dapr,
                        "delete",
                        self.kv_delete_many(&bucket, vec![key]),
                    )
                    .await?)
                }

                async fn exists(
                    &mut self,
                    bucket: wasmtime::component::Resource<$crate::wasi::keyvalue::Bucket>,
                    key: String,
                ) -> Result<bool, $store::Error> {
                    Ok($crate::wasi::keyvalue::observe(
                        self.dapr,
                        "exists",
                        self.kv_get(&bucket, key),
                    )
                    .await?
                    .is_some())
                }

                async fn list_keys(
                    &mut self,
                    bucket: wasmtime::component::Resource<$crate::wasi::keyvalue::Bucket>,
                    cursor: Option<$cursor>,
                ) -> Result<$store::KeyResponse, $store::Error> {
                    let cursor = $cursor_in(cursor);
                    let (keys, next) = $crate::wasi::keyvalue::observe(
                        self.dapr,
                        "list-keys",
                        self.kv_list_keys(&bucket, cursor),
                    )
                    .await?;
                    Ok($store::KeyResponse {
                        keys,
                        cursor: $cursor_out(next)?,
                    })
                }

                async fn drop(
                    &mut self,
                    bucket: wasmtime::component::Resource<$crate::wasi::keyvalue::Bucket>,
                ) -> wasmtime::Result<()> {
                    self.table.delete(bucket)?;
                    Ok(())
                }
            }
        };
    }

    /// Implements a variant's `batch` interface, given its generated
    /// `batch` and `store` modules, the type of one `get-many` entry and
    /// how a `(key, value if present)` pair becomes one.
    macro_rules! batch_interface {
        ($batch:ident, $store:ident, $entry:ty, $entry_of:expr) => {
            impl $batch::Host for $crate::wasi::WasiDapr<'_> {
                async fn get_many(
                    &mut self,
                    bucket: wasmtime::component::Resource<$crate::wasi::keyvalue::Bucket>,
                    keys: Vec<String>,
                ) -> Result<Vec<$entry>, $store::Error> {
                    let values = $crate::wasi::keyvalue::observe(
                        self.dapr,
                        "get-many",
                        self.kv_get_many(&bucket, keys),
                    )
                    .await?;
                    Ok(values.into_iter().map($entry_of).collect())
                }

                async fn set_many(
                    &mut self,
                    bucket: wasmtime::component::Resource<$crate::wasi::keyvalue::Bucket>,
                    key_values: Vec<(String, Vec<u8>)>,
                ) -> Result<(), $store::Error> {
                    Ok($crate::wasi::keyvalue::observe(
                        self.dapr,
                        "set-many",
                        self.kv_set_many(&bucket, key_values),
                    )
                    .await?)
                }

                async fn delete_many(
                    &mut self,
                    bucket: wasmtime::component::Resource<$crate::wasi::keyvalue::Bucket>,
                    keys: Vec<String>,
                ) -> Result<(), $store::Error> {
                    Ok($crate::wasi::keyvalue::observe(
                        self.dapr,
                        "delete-many",
                        self.kv_delete_many(&bucket, keys),
                    )
                    .await?)
                }
            }
        };
    }
}

mod draft;
mod draft2;

use std::sync::Arc;

use wasmtime::component::{Linker, Resource};

use super::{HasWasiDapr, WasiDapr};
use crate::blocks::DaprCtx;
use crate::blocks::state::{
    Concurrency, Consistency, DeleteItem, SaveItem, StateBlock, StateStore, WriteOptions,
};
use crate::config::AppAccess;
use crate::wit::Error;

/// How many keys one `list-keys` page holds at most.
pub const KEY_PAGE: u32 = 1000;

/// How many times `increment` re-reads a key that changed under it before
/// giving up.
const INCREMENT_ATTEMPTS: usize = 64;

/// An open bucket: one state store as this app sees it.
pub struct Bucket {
    store: String,
    backend: Arc<dyn StateStore>,
}

/// A compare-and-swap handle (`0.2.0-draft2`): the key and the version its
/// value was read at.
pub struct Cas {
    bucket: Bucket,
    key: String,
    etag: Option<String>,
    current: Option<Vec<u8>>,
}

/// The error every variant's `error` has the same three cases of.
#[derive(Debug, PartialEq, Eq)]
pub enum KvError {
    /// The identifier names no state store the app can see.
    NoSuchStore,
    /// The runtime config or the store's scopes deny the app.
    AccessDenied,
    /// Anything else, as one line.
    Other(String),
}

impl<T> crate::metrics::Outcome for Result<T, KvError> {
    fn outcome(&self) -> &'static str {
        match self {
            Ok(_) => "ok",
            Err(KvError::NoSuchStore) => "no-such-store",
            Err(KvError::AccessDenied) => "access-denied",
            Err(KvError::Other(_)) => "other",
        }
    }
}

impl From<Error> for KvError {
    fn from(err: Error) -> Self {
        match err {
            Error::Denied(_) => KvError::AccessDenied,
            other => KvError::Other(other.describe()),
        }
    }
}

impl From<wasmtime::component::ResourceTableError> for KvError {
    fn from(err: wasmtime::component::ResourceTableError) -> Self {
        KvError::Other(err.to_string())
    }
}

/// A write as `set` makes it: last-write, no etag.
fn set_item(key: String, data: Vec<u8>) -> SaveItem {
    SaveItem {
        key,
        data,
        etag: None,
        options: WriteOptions {
            concurrency: Concurrency::LastWrite,
            consistency: Consistency::Eventual,
        },
        metadata: Vec::new(),
    }
}

fn non_empty(key: &str) -> Result<(), KvError> {
    if key.is_empty() {
        return Err(KvError::Other(
            "invalid argument: a key must not be empty".into(),
        ));
    }
    Ok(())
}

impl WasiDapr<'_> {
    fn access(&self) -> &AppAccess {
        &self.dapr.app.access
    }

    /// `store.open`: the state store `identifier` names for this app.
    fn open(&mut self, identifier: &str) -> Result<Resource<Bucket>, KvError> {
        let store = self.access().keyvalue_store(identifier).to_string();
        let backend = match self.dapr.app.get::<StateBlock>(&store) {
            Ok(backend) => backend.clone(),
            Err(Error::NotFound(_)) => return Err(KvError::NoSuchStore),
            Err(other) => return Err(other.into()),
        };
        Ok(self.table.push(Bucket { store, backend })?)
    }

    fn bucket(&self, bucket: &Resource<Bucket>) -> Result<Arc<dyn StateStore>, KvError> {
        Ok(self.table.get(bucket)?.backend.clone())
    }
}

/// Runs one `wasi:keyvalue` call of the app `dapr` serves, recorded as a
/// host call of block `wasi-keyvalue`.
async fn observe<T>(
    dapr: &DaprCtx,
    operation: &'static str,
    call: impl Future<Output = Result<T, KvError>>,
) -> Result<T, KvError> {
    crate::blocks::observed(&dapr.app, "wasi-keyvalue", operation, "", call).await
}

/// The async operations, shared by the variants. Each resolves the bucket
/// first, then awaits the backend without holding the resource table.
impl WasiDapr<'_> {
    async fn kv_get(
        &mut self,
        bucket: &Resource<Bucket>,
        key: String,
    ) -> Result<Option<Vec<u8>>, KvError> {
        non_empty(&key)?;
        let backend = self.bucket(bucket)?;
        let value = backend
            .get(&key, Consistency::Eventual, &Vec::new())
            .await?;
        Ok(value.map(|v| v.data))
    }

    async fn kv_set(
        &mut self,
        bucket: &Resource<Bucket>,
        key: String,
        value: Vec<u8>,
    ) -> Result<(), KvError> {
        self.kv_set_many(bucket, vec![(key, value)]).await
    }

    async fn kv_set_many(
        &mut self,
        bucket: &Resource<Bucket>,
        entries: Vec<(String, Vec<u8>)>,
    ) -> Result<(), KvError> {
        entries.iter().try_for_each(|(k, _)| non_empty(k))?;
        let bytes = entries.iter().map(|(_, v)| v.len()).sum();
        self.dapr.within_body_limit("the values", bytes)?;
        let backend = self.bucket(bucket)?;
        let items = entries.into_iter().map(|(k, v)| set_item(k, v)).collect();
        Ok(backend.save(items).await?)
    }

    async fn kv_delete_many(
        &mut self,
        bucket: &Resource<Bucket>,
        keys: Vec<String>,
    ) -> Result<(), KvError> {
        keys.iter().try_for_each(|k| non_empty(k))?;
        let backend = self.bucket(bucket)?;
        for key in keys {
            let item = DeleteItem {
                key,
                etag: None,
                options: set_item(String::new(), Vec::new()).options,
                metadata: Vec::new(),
            };
            backend.delete(item).await?;
        }
        Ok(())
    }

    async fn kv_get_many(
        &mut self,
        bucket: &Resource<Bucket>,
        keys: Vec<String>,
    ) -> Result<Vec<(String, Option<Vec<u8>>)>, KvError> {
        keys.iter().try_for_each(|k| non_empty(k))?;
        let backend = self.bucket(bucket)?;
        let values = backend.get_bulk(&keys, &Vec::new()).await?;
        values
            .into_iter()
            .map(|bulk| Ok((bulk.key, bulk.value?.map(|v| v.data))))
            .collect()
    }

    async fn kv_list_keys(
        &mut self,
        bucket: &Resource<Bucket>,
        cursor: Option<String>,
    ) -> Result<(Vec<String>, Option<String>), KvError> {
        let backend = self.bucket(bucket)?;
        let page = backend.list_keys(cursor.as_deref(), KEY_PAGE).await?;
        Ok((page.keys, page.cursor))
    }

    /// Adds `delta` to the decimal integer at `key` (missing: 0) and
    /// returns the sum, which must lie in `range`; retried while another
    /// writer changes the key in between.
    async fn kv_increment(
        &mut self,
        bucket: &Resource<Bucket>,
        key: String,
        delta: i128,
        range: std::ops::RangeInclusive<i128>,
    ) -> Result<i128, KvError> {
        non_empty(&key)?;
        let backend = self.bucket(bucket)?;
        for _ in 0..INCREMENT_ATTEMPTS {
            let current = backend.get(&key, Consistency::Strong, &Vec::new()).await?;
            let (value, etag) = match current {
                None => (0, None),
                Some(v) => (parse_counter(&key, &v.data)?, v.etag),
            };
            let sum = value
                .checked_add(delta)
                .filter(|s| range.contains(s))
                .ok_or_else(|| {
                    KvError::Other(format!(
                        "incrementing `{key}` ({value}) by {delta} leaves the integer range"
                    ))
                })?;
            if backend
                .swap(&key, etag.as_deref(), sum.to_string().into_bytes())
                .await?
            {
                return Ok(sum);
            }
        }
        Err(KvError::Other(format!(
            "unavailable: `{key}` changed under {INCREMENT_ATTEMPTS} increments in a row"
        )))
    }

    /// A CAS handle on `key`: its current value and version.
    async fn kv_cas_new(&mut self, bucket: &Resource<Bucket>, key: String) -> Result<Cas, KvError> {
        non_empty(&key)?;
        let open = self.table.get(bucket)?;
        let bucket = Bucket {
            store: open.store.clone(),
            backend: open.backend.clone(),
        };
        Cas::read(bucket, key).await
    }
}

impl Cas {
    /// Reads `key` of `bucket` into a fresh handle.
    async fn read(bucket: Bucket, key: String) -> Result<Cas, KvError> {
        let value = bucket
            .backend
            .get(&key, Consistency::Strong, &Vec::new())
            .await?;
        let (current, etag) = match value {
            Some(v) => (Some(v.data), v.etag),
            None => (None, None),
        };
        Ok(Cas {
            bucket,
            key,
            etag,
            current,
        })
    }

    /// Writes `value` if the key is still at the handle's version; else a
    /// fresh handle at the key's latest version.
    async fn swap(self, value: Vec<u8>) -> Result<Result<(), Cas>, KvError> {
        let swapped = self
            .bucket
            .backend
            .swap(&self.key, self.etag.as_deref(), value)
            .await?;
        if swapped {
            Ok(Ok(()))
        } else {
            Ok(Err(Cas::read(self.bucket, self.key).await?))
        }
    }
}

/// The decimal integer stored at `key`.
fn parse_counter(key: &str, data: &[u8]) -> Result<i128, KvError> {
    std::str::from_utf8(data)
        .ok()
        .and_then(|text| text.trim().parse::<i128>().ok())
        .ok_or_else(|| {
            KvError::Other(format!(
                "invalid argument: the value of `{key}` is not a decimal integer, so it cannot be incremented"
            ))
        })
}

/// Adds every `wasi:keyvalue` variant to `linker`.
pub fn add_to_linker<T: Send + 'static>(
    linker: &mut Linker<T>,
    get: fn(&mut T) -> WasiDapr<'_>,
) -> anyhow::Result<()> {
    draft::bindings::Imports::add_to_linker::<T, HasWasiDapr>(linker, get)?;
    draft2::bindings::Imports::add_to_linker::<T, HasWasiDapr>(linker, get)?;
    Ok(())
}
