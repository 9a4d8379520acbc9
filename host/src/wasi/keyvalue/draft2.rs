//! `wasi:keyvalue@0.2.0-draft2` (Spin's): cursors are the store's own
//! text, `increment` is signed, `get-many` answers every key, and
//! `atomics` adds compare-and-swap handles.

use wasmtime::component::Resource;

use super::{Bucket, Cas, KvError};
use crate::wasi::WasiDapr;

pub(super) mod bindings {
    wasmtime::component::bindgen!({
        path: "../wit/deps/keyvalue-0.2.0-draft2",
        world: "wasi:keyvalue/imports",
        imports: { default: async },
        with: {
            "wasi:keyvalue/store.bucket": crate::wasi::keyvalue::Bucket,
            "wasi:keyvalue/atomics.cas": crate::wasi::keyvalue::Cas,
        },
    });
}

use bindings::wasi::keyvalue::{atomics, batch, store};

store_interface!(store, String, std::convert::identity, Ok::<_, KvError>);

impl atomics::Host for WasiDapr<'_> {
    async fn increment(
        &mut self,
        bucket: Resource<Bucket>,
        key: String,
        delta: i64,
    ) -> Result<i64, store::Error> {
        let range = i64::MIN.into()..=i64::MAX.into();
        let dapr = self.dapr;
        let increment = self.kv_increment(&bucket, key, delta.into(), range);
        let sum = super::observe(dapr, "increment", increment).await?;
        Ok(i64::try_from(sum).map_err(|e| KvError::Other(e.to_string()))?)
    }

    async fn swap(&mut self, cas: Resource<Cas>, value: Vec<u8>) -> Result<(), atomics::CasError> {
        let store_error = |e: KvError| atomics::CasError::StoreError(e.into());
        let cas = self.table.delete(cas).map_err(|e| store_error(e.into()))?;
        let swapped = super::observe(self.dapr, "swap", cas.swap(value)).await;
        match swapped.map_err(store_error)? {
            Ok(()) => Ok(()),
            Err(fresh) => {
                let handle = self.table.push(fresh).map_err(|e| store_error(e.into()))?;
                Err(atomics::CasError::CasFailed(handle))
            }
        }
    }
}

impl atomics::HostCas for WasiDapr<'_> {
    async fn new(
        &mut self,
        bucket: Resource<Bucket>,
        key: String,
    ) -> Result<Resource<Cas>, store::Error> {
        let cas = super::observe(self.dapr, "cas", self.kv_cas_new(&bucket, key)).await?;
        Ok(self.table.push(cas).map_err(KvError::from)?)
    }

    async fn current(&mut self, cas: Resource<Cas>) -> Result<Option<Vec<u8>>, store::Error> {
        let cas = self.table.get(&cas).map_err(KvError::from)?;
        Ok(cas.current.clone())
    }

    async fn drop(&mut self, cas: Resource<Cas>) -> wasmtime::Result<()> {
        self.table.delete(cas)?;
        Ok(())
    }
}

batch_interface!(
    batch,
    store,
    (String, Option<Vec<u8>>),
    std::convert::identity
);
