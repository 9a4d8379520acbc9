//! Actor state in the app's actor state store, in Dapr's key layout: the
//! store scopes keys to the hosting app (`<appId>||`, its default
//! `keyPrefix`), and each actor's keys follow as
//! `<actorType>||<actorId>||<key>`, in a nested view of the store (an app's
//! own keys cannot contain `||`, so they never meet an actor's).

use std::sync::Arc;

use super::backend::{ActorRef, ActorStateOperation};
use crate::backend::BackendResult;
use crate::blocks::state::{
    Concurrency, Consistency, DeleteItem, Operation, SaveItem, StateStore, WriteOptions,
};
use crate::wit::Error;

/// The component metadata that marks the state store holding actor state.
pub const ACTOR_STATE_STORE: &str = "actorStateStore";

/// The key of `actor`'s `key` within the app's keys.
fn key_of(actor: &ActorRef, key: &str) -> String {
    format!("{}||{}||{key}", actor.actor_type, actor.id)
}

/// `store` as `actor` sees it: its keys only.
fn of_actor(store: &dyn StateStore, actor: &ActorRef) -> BackendResult<Arc<dyn StateStore>> {
    store.nested(&key_of(actor, "")).ok_or_else(|| {
        Error::Unsupported("the actor state store cannot hold actor state".to_string())
    })
}

/// The value of `actor`'s `key`.
pub async fn get(
    store: &dyn StateStore,
    actor: &ActorRef,
    key: &str,
) -> BackendResult<Option<Vec<u8>>> {
    let value = of_actor(store, actor)?
        .get(key, Consistency::Strong, &Vec::new())
        .await?;
    Ok(value.map(|v| v.data))
}

/// Applies `operations` to `actor`'s state in one transaction.
pub async fn transact(
    store: &dyn StateStore,
    actor: &ActorRef,
    operations: Vec<ActorStateOperation>,
) -> BackendResult<()> {
    let options = WriteOptions {
        concurrency: Concurrency::LastWrite,
        consistency: Consistency::Strong,
    };
    let operations = operations
        .into_iter()
        .map(|operation| match operation {
            ActorStateOperation::Upsert(upsert) => Operation::Upsert(SaveItem {
                key: upsert.key,
                data: upsert.value,
                etag: None,
                options,
                metadata: upsert
                    .ttl_seconds
                    .map(|ttl| vec![("ttlInSeconds".to_string(), ttl.to_string())])
                    .unwrap_or_default(),
            }),
            ActorStateOperation::Delete(key) => Operation::Delete(DeleteItem {
                key,
                etag: None,
                options,
                metadata: Vec::new(),
            }),
        })
        .collect();
    of_actor(store, actor)?
        .transact(operations, &Vec::new())
        .await
}
