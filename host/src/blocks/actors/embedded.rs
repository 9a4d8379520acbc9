//! The embedded actor runtime: which app of this host hosts each actor type
//! (its [`HostedActors`]), in-process calls to them, and their reminders in
//! the host's jobs scheduler.

use std::sync::{Arc, Weak};
use std::time::Duration;

use super::backend::{
    ActorClient, ActorRef, ActorSource, ActorStateOperation, ActorType, Actors, CallChain,
    Reminder, Timer,
};
use super::hosting::{HostedActors, IdlePolicy};
use super::reminders::Reminders;
use super::table::HostedTypes;
use crate::backend::BackendResult;
use crate::blocks::jobs::Jobs;
use crate::blocks::state::StateStore;
use crate::wit::Error;

/// The actors of every app of this host, by type.
pub struct LocalActors {
    hosted: HostedTypes,
    jobs: Arc<dyn Jobs>,
}

impl LocalActors {
    /// No actor types yet; reminders are jobs of `jobs`.
    pub fn new(jobs: Arc<dyn Jobs>) -> Arc<Self> {
        Arc::new(LocalActors {
            hosted: HostedTypes::default(),
            jobs,
        })
    }

    /// The app hosting `actor_type`; `not-found` naming it if none does.
    fn host_of(&self, actor_type: &str) -> BackendResult<Arc<HostedActors>> {
        self.hosted.get(actor_type).ok_or_else(|| {
            Error::NotFound(format!(
                "no app hosts actor type `{actor_type}` (none of this host's apps does)"
            ))
        })
    }
}

impl Actors for LocalActors {
    fn for_app(
        self: Arc<Self>,
        app_id: &str,
        state: Result<Arc<dyn StateStore>, Error>,
    ) -> Arc<dyn ActorClient> {
        Arc::new(AppActors {
            actors: Arc::downgrade(&self),
            app_id: app_id.to_string(),
            state,
        })
    }

    fn host(
        &self,
        app_id: &str,
        types: Vec<ActorType>,
        source: Arc<dyn ActorSource>,
        idle_timeout: Duration,
    ) -> anyhow::Result<Vec<String>> {
        let jobs = &self.jobs;
        self.hosted.add(
            app_id,
            types,
            source,
            idle_timeout,
            IdlePolicy::Deactivate,
            |actors| Reminders::of(jobs, app_id).start_delivery(actors),
        )
    }
}

/// One app's view of this host's actors.
struct AppActors {
    actors: Weak<LocalActors>,
    app_id: String,
    state: Result<Arc<dyn StateStore>, Error>,
}

impl AppActors {
    fn actors(&self) -> BackendResult<Arc<LocalActors>> {
        self.actors
            .upgrade()
            .ok_or_else(|| Error::Unavailable("the host is stopping".into()))
    }

    /// The app hosting `actor`'s type.
    fn host_of(&self, actor: &ActorRef) -> BackendResult<Arc<HostedActors>> {
        self.actors()?.host_of(&actor.actor_type)
    }

    /// The reminders of `actor`'s type.
    fn reminders_of(&self, actor: &ActorRef) -> BackendResult<Reminders> {
        let actors = self.actors()?;
        let hosted = actors.host_of(&actor.actor_type)?;
        Ok(Reminders::of(&actors.jobs, hosted.app_id()))
    }

    /// The actor state store, for an actor type this app hosts.
    fn state_of(&self, actor: &ActorRef) -> BackendResult<&Arc<dyn StateStore>> {
        let hosted = self.host_of(actor)?;
        if hosted.app_id() != self.app_id {
            return Err(Error::Denied(format!(
                "actor type `{}` is hosted by app `{}`; actor state belongs to the hosting app, not to `{}`",
                actor.actor_type,
                hosted.app_id(),
                self.app_id
            )));
        }
        self.state.as_ref().map_err(Clone::clone)
    }
}

#[async_trait::async_trait]
impl ActorClient for AppActors {
    async fn invoke(
        &self,
        actor: &ActorRef,
        method: &str,
        data: Vec<u8>,
        chain: &CallChain,
    ) -> BackendResult<Vec<u8>> {
        self.host_of(actor)?
            .invoke(actor, method, data, chain)
            .await
    }

    async fn get_state(&self, actor: &ActorRef, key: &str) -> BackendResult<Option<Vec<u8>>> {
        super::state::get(&**self.state_of(actor)?, actor, key).await
    }

    async fn transact_state(
        &self,
        actor: &ActorRef,
        operations: Vec<ActorStateOperation>,
    ) -> BackendResult<()> {
        super::state::transact(&**self.state_of(actor)?, actor, operations).await
    }

    async fn register_reminder(&self, actor: &ActorRef, reminder: Reminder) -> BackendResult<()> {
        self.reminders_of(actor)?.register(actor, reminder).await
    }

    async fn get_reminder(&self, actor: &ActorRef, name: &str) -> BackendResult<Option<Reminder>> {
        self.reminders_of(actor)?.get(actor, name).await
    }

    async fn unregister_reminder(&self, actor: &ActorRef, name: &str) -> BackendResult<()> {
        self.reminders_of(actor)?.unregister(actor, name).await
    }

    async fn register_timer(
        &self,
        actor: &ActorRef,
        timer: Timer,
        chain: &CallChain,
    ) -> BackendResult<()> {
        self.host_of(actor)?
            .register_timer(actor, timer, chain)
            .await
    }

    async fn unregister_timer(&self, actor: &ActorRef, name: &str) -> BackendResult<()> {
        self.host_of(actor)?.unregister_timer(actor, name);
        Ok(())
    }
}
