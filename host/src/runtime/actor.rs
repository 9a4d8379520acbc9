//! An app's actors on the wasmtime side: the actor types it exports, and
//! one live instance per active actor, kept in its own store between turns.
//! Each turn runs under the app's deadline (restarted per turn) as one
//! inbound call in the traces and metrics.

use std::sync::Arc;

use anyhow::{Result, anyhow};
use opentelemetry::Context as TraceContext;
use tokio::sync::OwnedSemaphorePermit;
use wasmtime::Store;

use super::app::{App, grace, outcome_of};
use super::limits::Queueing;
use super::store::HostState;
use crate::backend::BackendResult;
use crate::blocks::actors::{ActorInstance, ActorRef, ActorType, CallChain, ReminderOutcome};
use crate::runtime::failure_message;
use crate::wit::Error;
use crate::wit::exports::dapr::runtime::actor::{Guest, GuestIndices};

impl App {
    fn actor_indices(&self) -> Result<&GuestIndices> {
        self.actor
            .as_ref()
            .ok_or_else(|| anyhow!("app `{}` does not export dapr:runtime/actor", self.id()))
    }

    /// The actor types the app hosts (`actor.actor-types`, in a fresh
    /// instance).
    pub async fn actor_types(&self) -> Result<Vec<ActorType>> {
        let indices = self.actor_indices()?;
        self.bounded(
            "actor-types",
            "",
            TraceContext::current(),
            Queueing::Wait,
            async {
                let mut store = self.new_store(&[])?;
                let instance = self.pre.instantiate_async(&mut store).await?;
                let guest = indices.load(&mut store, &instance)?;
                Ok(guest.call_actor_types(&mut store).await?)
            },
        )
        .await
    }

    /// A live instance for `actor` after its `on-activate`, holding one of
    /// the app's instance slots until it is dropped: `None` when no slot is
    /// free and `wait` is false; with `wait`, queued as an invocation is.
    pub async fn activate_actor(
        self: Arc<Self>,
        actor: &ActorRef,
        wait: bool,
    ) -> BackendResult<Option<Box<dyn ActorInstance>>> {
        let queueing = if wait {
            Queueing::Bounded
        } else {
            Queueing::Never
        };
        let slot = match self.admission.admit(queueing).await {
            Ok(slot) => slot,
            Err(_) if !wait => return Ok(None),
            Err(overloaded) => return Err(Error::Unavailable(overloaded.to_string())),
        };
        let failed = |err: anyhow::Error| Error::Internal(failure_message(&err));
        let indices = self.actor_indices().map_err(failed)?;
        let mut store = self.new_store(&[]).map_err(failed)?;
        let instance = self
            .pre
            .instantiate_async(&mut store)
            .await
            .map_err(|e| failed(e.into()))?;
        let guest = indices
            .load(&mut store, &instance)
            .map_err(|e| failed(e.into()))?;
        let mut live = LiveActor {
            app: self.clone(),
            actor: actor.clone(),
            store,
            guest,
            _slot: slot,
        };
        let chain = CallChain::default().then(actor);
        let activated = live
            .turn("actor-activate", &chain, async |g, s, a| {
                g.call_on_activate(s, a).await
            })
            .await?;
        match activated {
            Ok(()) => Ok(Some(Box::new(live))),
            Err(message) => Err(Error::Internal(format!(
                "actor `{}/{}` refused to activate: {message}",
                actor.actor_type, actor.id
            ))),
        }
    }
}

/// One active actor: its instance, in its own store, and its instance slot.
struct LiveActor {
    app: Arc<App>,
    actor: ActorRef,
    store: Store<HostState>,
    guest: Guest,
    _slot: OwnedSemaphorePermit,
}

impl LiveActor {
    /// Runs `call` as one turn of kind `kind`, its host calls carrying
    /// `chain`, under a fresh deadline; a trap or the deadline is `Err`.
    async fn turn<T>(
        &mut self,
        kind: &'static str,
        chain: &CallChain,
        call: impl AsyncFnOnce(&Guest, &mut Store<HostState>, &ActorRef) -> wasmtime::Result<T>,
    ) -> BackendResult<T> {
        let LiveActor {
            app,
            actor,
            store,
            guest,
            ..
        } = self;
        let timeout = app.limits().timeout;
        store.data_mut().restart_deadline(timeout);
        store.data_mut().dapr.actor_chain = chain.clone();
        let target = format!("{}/{}", actor.actor_type, actor.id);
        let work = async {
            match tokio::time::timeout(grace(timeout), call(guest, store, actor)).await {
                Ok(result) => result.map_err(anyhow::Error::from),
                Err(_) => Err(anyhow!("the turn exceeded the {timeout:?} deadline")),
            }
        };
        let result = app
            .inbound(kind, &target, &TraceContext::current(), work, outcome_of)
            .await;
        store.data_mut().dapr.actor_chain = CallChain::default();
        result.map_err(|err| {
            Error::Internal(format!(
                "app `{}`: {kind} of actor `{target}` failed: {}",
                app.id(),
                failure_message(&err)
            ))
        })
    }
}

#[async_trait::async_trait]
impl ActorInstance for LiveActor {
    async fn invoke(
        &mut self,
        method: &str,
        data: Vec<u8>,
        chain: &CallChain,
    ) -> BackendResult<Result<Vec<u8>, String>> {
        self.turn("actor-invoke", chain, async |g, s, a| {
            g.call_on_invoke(s, a, method, &data).await
        })
        .await
    }

    async fn timer(
        &mut self,
        name: &str,
        callback: Option<&str>,
        data: Vec<u8>,
        chain: &CallChain,
    ) -> BackendResult<Result<(), String>> {
        let callback = callback.map(str::to_string);
        self.turn("actor-timer", chain, async |g, s, a| {
            g.call_on_timer(s, a, name, callback.as_deref(), &data)
                .await
        })
        .await
    }

    async fn reminder(
        &mut self,
        name: &str,
        data: Vec<u8>,
        chain: &CallChain,
    ) -> BackendResult<Result<ReminderOutcome, String>> {
        self.turn("actor-reminder", chain, async |g, s, a| {
            g.call_on_reminder(s, a, name, &data).await
        })
        .await
    }

    async fn deactivate(&mut self) -> BackendResult<Result<(), String>> {
        let chain = CallChain::default().then(&self.actor);
        self.turn("actor-deactivate", &chain, async |g, s, a| {
            g.call_on_deactivate(s, a).await
        })
        .await
    }
}
