//! State through daprd.

use std::sync::Arc;

use ::dapr::dapr::proto::common::v1 as common;
use ::dapr::dapr::proto::runtime::v1 as proto;

use super::StateBlock;
use crate::backend::sidecar::{Sidecar, error_from_status, from_map, to_map};
use crate::backend::{BackendResult, Metadata};
use crate::blocks::SidecarComponent;
use crate::blocks::state::{
    BulkValue, Concurrency, Consistency, DeleteItem, Operation, QueryItem, QueryResponse, SaveItem,
    StateStore, Value, WriteOptions,
};

/// One state store component of the sidecar.
pub struct SidecarStateStore {
    sidecar: Sidecar,
    name: String,
}

impl SidecarComponent<StateBlock> for SidecarStateStore {
    fn connect(sidecar: &Sidecar, name: &str) -> Arc<dyn StateStore> {
        Arc::new(SidecarStateStore {
            sidecar: sidecar.clone(),
            name: name.to_string(),
        })
    }
}

fn consistency(c: Consistency) -> i32 {
    match c {
        Consistency::Eventual => {
            common::state_options::StateConsistency::ConsistencyEventual as i32
        }
        Consistency::Strong => common::state_options::StateConsistency::ConsistencyStrong as i32,
    }
}

/// The WIT checks an etag whenever one is given; some Dapr stores ignore
/// it under an explicit last-write, so a last-write with an etag is sent
/// with the concurrency unspecified (which every store checks).
fn options(o: WriteOptions, has_etag: bool) -> common::StateOptions {
    use common::state_options::StateConcurrency;
    let concurrency = match o.concurrency {
        Concurrency::FirstWrite => StateConcurrency::ConcurrencyFirstWrite,
        Concurrency::LastWrite if has_etag => StateConcurrency::ConcurrencyUnspecified,
        Concurrency::LastWrite => StateConcurrency::ConcurrencyLastWrite,
    };
    common::StateOptions {
        concurrency: concurrency as i32,
        consistency: consistency(o.consistency),
    }
}

fn etag(etag: Option<String>) -> Option<common::Etag> {
    etag.map(|value| common::Etag { value })
}

fn non_empty(s: String) -> Option<String> {
    (!s.is_empty()).then_some(s)
}

fn state_item(item: SaveItem) -> common::StateItem {
    let options = options(item.options, item.etag.is_some());
    common::StateItem {
        key: item.key,
        value: item.data,
        etag: etag(item.etag),
        metadata: to_map(&item.metadata),
        options: Some(options),
    }
}

fn delete_item(item: DeleteItem) -> common::StateItem {
    let options = options(item.options, item.etag.is_some());
    common::StateItem {
        key: item.key,
        value: Vec::new(),
        etag: etag(item.etag),
        metadata: to_map(&item.metadata),
        options: Some(options),
    }
}

/// Dapr answers a missing key with empty data and no etag.
fn value(
    data: Vec<u8>,
    etag: String,
    metadata: std::collections::HashMap<String, String>,
) -> Option<Value> {
    if data.is_empty() && etag.is_empty() {
        None
    } else {
        Some(Value {
            data,
            etag: non_empty(etag),
            metadata: from_map(metadata),
        })
    }
}

#[async_trait::async_trait]
impl StateStore for SidecarStateStore {
    async fn get(
        &self,
        key: &str,
        c: Consistency,
        metadata: &Metadata,
    ) -> BackendResult<Option<Value>> {
        let request = proto::GetStateRequest {
            store_name: self.name.clone(),
            key: key.to_string(),
            consistency: consistency(c),
            metadata: to_map(metadata),
        };
        let r = self
            .sidecar
            .client()
            .get_state(request)
            .await
            .map_err(error_from_status)?
            .into_inner();
        Ok(value(r.data, r.etag, r.metadata))
    }

    async fn get_bulk(
        &self,
        keys: &[String],
        metadata: &Metadata,
    ) -> BackendResult<Vec<BulkValue>> {
        let request = proto::GetBulkStateRequest {
            store_name: self.name.clone(),
            keys: keys.to_vec(),
            parallelism: 0,
            metadata: to_map(metadata),
        };
        let r = self
            .sidecar
            .client()
            .get_bulk_state(request)
            .await
            .map_err(error_from_status)?
            .into_inner();
        let mut by_key: std::collections::HashMap<String, proto::BulkStateItem> =
            r.items.into_iter().map(|i| (i.key.clone(), i)).collect();
        Ok(keys
            .iter()
            .map(|key| {
                let value = match by_key.remove(key) {
                    None => Ok(None),
                    Some(item) if !item.error.is_empty() => {
                        Err(crate::wit::Error::Internal(item.error))
                    }
                    Some(item) => Ok(value(item.data, item.etag, item.metadata)),
                };
                BulkValue {
                    key: key.clone(),
                    value,
                }
            })
            .collect())
    }

    async fn save(&self, items: Vec<SaveItem>) -> BackendResult<()> {
        // One request per item keeps the WIT's "stop at the first failure"
        // semantics (daprd saves a multi-item request in parallel).
        for item in items {
            let request = proto::SaveStateRequest {
                store_name: self.name.clone(),
                states: vec![state_item(item)],
            };
            self.sidecar
                .client()
                .save_state(request)
                .await
                .map_err(error_from_status)?;
        }
        Ok(())
    }

    async fn delete(&self, item: DeleteItem) -> BackendResult<()> {
        let item = delete_item(item);
        let request = proto::DeleteStateRequest {
            store_name: self.name.clone(),
            key: item.key,
            etag: item.etag,
            options: item.options,
            metadata: item.metadata,
        };
        self.sidecar
            .client()
            .delete_state(request)
            .await
            .map_err(error_from_status)?;
        Ok(())
    }

    async fn transact(&self, operations: Vec<Operation>, metadata: &Metadata) -> BackendResult<()> {
        let operations = operations
            .into_iter()
            .map(|op| match op {
                Operation::Upsert(item) => proto::TransactionalStateOperation {
                    operation_type: "upsert".into(),
                    request: Some(state_item(item)),
                },
                Operation::Delete(item) => proto::TransactionalStateOperation {
                    operation_type: "delete".into(),
                    request: Some(delete_item(item)),
                },
            })
            .collect();
        let request = proto::ExecuteStateTransactionRequest {
            store_name: self.name.clone(),
            operations,
            metadata: to_map(metadata),
        };
        self.sidecar
            .client()
            .execute_state_transaction(request)
            .await
            .map_err(error_from_status)?;
        Ok(())
    }

    async fn query(&self, query: &str, metadata: &Metadata) -> BackendResult<QueryResponse> {
        let request = proto::QueryStateRequest {
            store_name: self.name.clone(),
            query: query.to_string(),
            metadata: to_map(metadata),
        };
        let r = self
            .sidecar
            .client()
            .query_state_alpha1(request)
            .await
            .map_err(error_from_status)?
            .into_inner();
        Ok(QueryResponse {
            results: r
                .results
                .into_iter()
                .map(|i| QueryItem {
                    key: i.key,
                    data: i.data,
                    etag: non_empty(i.etag),
                })
                .collect(),
            token: non_empty(r.token),
            metadata: from_map(r.metadata),
        })
    }
}
