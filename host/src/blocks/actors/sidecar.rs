//! Actors with a Dapr sidecar: not served yet. Every call is `unsupported`,
//! and an app exporting `actor` cannot be hosted through daprd until the
//! actor stream (`SubscribeActorEventsAlpha1`) drives
//! [`super::hosting::HostedActors`].

use std::sync::Arc;
use std::time::Duration;

use super::backend::{
    ActorClient, ActorRef, ActorSource, ActorStateOperation, ActorType, Actors, CallChain,
    Reminder, Timer,
};
use crate::backend::BackendResult;
use crate::blocks::state::StateStore;
use crate::wit::Error;

/// Why actors fail with a sidecar.
pub const NOT_YET: &str = "actors through daprd are not implemented yet";

/// The actors of a host served by daprd.
pub struct SidecarActors;

impl Actors for SidecarActors {
    fn for_app(
        self: Arc<Self>,
        _app_id: &str,
        _state: Result<Arc<dyn StateStore>, Error>,
    ) -> Arc<dyn ActorClient> {
        self
    }

    fn host(
        &self,
        app_id: &str,
        _types: Vec<ActorType>,
        _source: Arc<dyn ActorSource>,
        _idle_timeout: Duration,
    ) -> anyhow::Result<Vec<String>> {
        anyhow::bail!("app `{app_id}` exports dapr:runtime/actor, but {NOT_YET}")
    }
}

fn not_yet<T>() -> BackendResult<T> {
    Err(Error::Unsupported(NOT_YET.to_string()))
}

#[async_trait::async_trait]
impl ActorClient for SidecarActors {
    async fn invoke(
        &self,
        _: &ActorRef,
        _: &str,
        _: Vec<u8>,
        _: &CallChain,
    ) -> BackendResult<Vec<u8>> {
        not_yet()
    }

    async fn get_state(&self, _: &ActorRef, _: &str) -> BackendResult<Option<Vec<u8>>> {
        not_yet()
    }

    async fn transact_state(&self, _: &ActorRef, _: Vec<ActorStateOperation>) -> BackendResult<()> {
        not_yet()
    }

    async fn register_reminder(&self, _: &ActorRef, _: Reminder) -> BackendResult<()> {
        not_yet()
    }

    async fn get_reminder(&self, _: &ActorRef, _: &str) -> BackendResult<Option<Reminder>> {
        not_yet()
    }

    async fn unregister_reminder(&self, _: &ActorRef, _: &str) -> BackendResult<()> {
        not_yet()
    }

    async fn register_timer(&self, _: &ActorRef, _: Timer, _: &CallChain) -> BackendResult<()> {
        not_yet()
    }

    async fn unregister_timer(&self, _: &ActorRef, _: &str) -> BackendResult<()> {
        not_yet()
    }
}
