//! Actors through daprd: the client calls are daprd's Actors API (its
//! placement finds the hosting app, wherever it runs), and the actor types
//! of this host's apps are hosted in [`HostedActors`], registered with
//! daprd and served over its actor stream by
//! [`crate::inbound::actor_stream`]. daprd keeps actor state in its state
//! store marked `actorStateStore: "true"`, reminders in its scheduler, and
//! decides when an idle actor is deactivated ([`IdlePolicy::LeaveToSidecar`]).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use ::dapr::dapr::proto::runtime::v1 as proto;

use super::backend::{
    ActorClient, ActorRef, ActorSource, ActorStateOperation, ActorType, Actors, CallChain,
    Reminder, Timer,
};
use super::hosting::IdlePolicy;
use super::reminders::Stored;
use super::table::HostedTypes;
use super::timing::{described, times_of};
use crate::backend::BackendResult;
use crate::backend::sidecar::{Sidecar, error_from_status};
use crate::blocks::jobs::sidecar::data_from_any;
use crate::blocks::state::StateStore;
use crate::wit::Error;

/// The invocation metadata that carries the caller's [`CallChain`] through
/// daprd to the actor stream, so a reentrant call is refused there too.
pub const CALL_CHAIN_METADATA: &str = "wasmtime-dapr-actor-chain";

/// The actors of a host served by daprd.
pub struct SidecarActors {
    sidecar: Sidecar,
    hosted: HostedTypes,
}

impl SidecarActors {
    /// The actors reached through `sidecar`; none hosted yet.
    pub fn new(sidecar: &Sidecar) -> Arc<Self> {
        Arc::new(SidecarActors {
            sidecar: sidecar.clone(),
            hosted: HostedTypes::default(),
        })
    }

    /// The actor types this host's apps host, which the actor stream
    /// registers with daprd and serves.
    pub fn hosted(&self) -> &HostedTypes {
        &self.hosted
    }

    fn client(&self) -> crate::backend::sidecar::Client {
        self.sidecar.client()
    }
}

impl Actors for SidecarActors {
    fn for_app(
        self: Arc<Self>,
        _app_id: &str,
        _state: Result<Arc<dyn StateStore>, Error>,
    ) -> Arc<dyn ActorClient> {
        // daprd keeps actor state in its own actor state store.
        self
    }

    fn host(
        &self,
        app_id: &str,
        types: Vec<ActorType>,
        source: Arc<dyn ActorSource>,
        idle_timeout: Duration,
    ) -> anyhow::Result<Vec<String>> {
        let idle = IdlePolicy::LeaveToSidecar;
        self.hosted
            .add(app_id, types, source, idle_timeout, idle, |_| Ok(()))
    }
}

/// Actor data as daprd hands it back: a gRPC client's bytes come as a
/// JSON string of their base64 (daprd marshals them), anything else (such
/// as JSON an HTTP client registered) as it is.
pub fn data_from_daprd(any: Option<prost_types::Any>) -> Vec<u8> {
    use base64::Engine;
    let data = data_from_any(any);
    serde_json::from_slice::<String>(&data)
        .ok()
        .and_then(|text| base64::engine::general_purpose::STANDARD.decode(text).ok())
        .unwrap_or(data)
}

/// A reminder's data as daprd delivers it: the payload of the reminder
/// this host registered ([`Stored`]), or another client's data as it is.
pub fn reminder_data_from_daprd(any: Option<prost_types::Any>) -> Vec<u8> {
    let data = data_from_daprd(any);
    match Stored::decode(&data) {
        Ok((_, reminder)) => reminder.data,
        Err(_) => data,
    }
}

/// `not-found` unless an app of this host hosts `actor`'s type: daprd keeps
/// actor state under the hosting app's id, so only that app reaches it.
fn hosted_here(hosted: &HostedTypes, actor: &ActorRef) -> BackendResult<()> {
    match hosted.get(&actor.actor_type) {
        Some(_) => Ok(()),
        None => Err(Error::NotFound(format!(
            "no app hosts actor type `{}` here; actor state belongs to the hosting app (daprd keeps it under that app's id)",
            actor.actor_type
        ))),
    }
}

/// Whether daprd answered that there is no such reminder.
fn is_missing(status: &tonic::Status) -> bool {
    status.code() == tonic::Code::NotFound || status.message().contains("not found")
}

#[async_trait::async_trait]
impl ActorClient for SidecarActors {
    async fn invoke(
        &self,
        actor: &ActorRef,
        method: &str,
        data: Vec<u8>,
        chain: &CallChain,
    ) -> BackendResult<Vec<u8>> {
        chain.refuse_reentry(actor)?;
        let mut metadata = HashMap::new();
        let encoded = chain.encode();
        if !encoded.is_empty() {
            metadata.insert(CALL_CHAIN_METADATA.to_string(), encoded);
        }
        let request = proto::InvokeActorRequest {
            actor_type: actor.actor_type.clone(),
            actor_id: actor.id.clone(),
            method: method.to_string(),
            data,
            metadata,
        };
        match self.client().invoke_actor(request).await {
            Ok(response) => Ok(response.into_inner().data),
            Err(status) => Err(error_from_status(status)),
        }
    }

    async fn get_state(&self, actor: &ActorRef, key: &str) -> BackendResult<Option<Vec<u8>>> {
        hosted_here(&self.hosted, actor)?;
        let request = proto::GetActorStateRequest {
            actor_type: actor.actor_type.clone(),
            actor_id: actor.id.clone(),
            key: key.to_string(),
        };
        let response = self
            .client()
            .get_actor_state(request)
            .await
            .map_err(error_from_status)?
            .into_inner();
        // daprd answers a missing key with empty data.
        Ok(Some(response.data).filter(|d| !d.is_empty()))
    }

    async fn transact_state(
        &self,
        actor: &ActorRef,
        operations: Vec<ActorStateOperation>,
    ) -> BackendResult<()> {
        hosted_here(&self.hosted, actor)?;
        let operations = operations
            .into_iter()
            .map(|op| match op {
                ActorStateOperation::Upsert(u) => proto::TransactionalActorStateOperation {
                    operation_type: "upsert".into(),
                    key: u.key,
                    value: Some(prost_types::Any {
                        type_url: String::new(),
                        value: u.value,
                    }),
                    metadata: u
                        .ttl_seconds
                        .map(|ttl| [("ttlInSeconds".to_string(), ttl.to_string())].into())
                        .unwrap_or_default(),
                },
                ActorStateOperation::Delete(key) => proto::TransactionalActorStateOperation {
                    operation_type: "delete".into(),
                    key,
                    value: None,
                    metadata: HashMap::new(),
                },
            })
            .collect();
        let request = proto::ExecuteActorStateTransactionRequest {
            actor_type: actor.actor_type.clone(),
            actor_id: actor.id.clone(),
            operations,
        };
        self.client()
            .execute_actor_state_transaction(request)
            .await
            .map_err(error_from_status)?;
        Ok(())
    }

    async fn register_reminder(&self, actor: &ActorRef, reminder: Reminder) -> BackendResult<()> {
        let label = format!("reminder `{}` of {}", reminder.name, described(actor));
        let (due, period, ttl) = (&reminder.due_time, &reminder.period, &reminder.ttl);
        times_of(&label, due, period.as_deref(), ttl.as_deref())?;
        // The reminder as registered travels as its data, so that it reads
        // back as registered (daprd rewrites the period, `R3/PT1S` to
        // `@every 1s`) and delivers its own payload.
        let stored = serde_json::to_vec(&Stored::of(actor, &reminder)).map_err(Error::internal)?;
        let request = proto::RegisterActorReminderRequest {
            actor_type: actor.actor_type.clone(),
            actor_id: actor.id.clone(),
            name: reminder.name,
            due_time: reminder.due_time,
            period: reminder.period.unwrap_or_default(),
            data: stored,
            ttl: reminder.ttl.unwrap_or_default(),
            overwrite: None,
            failure_policy: None,
        };
        self.client()
            .register_actor_reminder(request)
            .await
            .map_err(error_from_status)?;
        Ok(())
    }

    async fn get_reminder(&self, actor: &ActorRef, name: &str) -> BackendResult<Option<Reminder>> {
        let request = proto::GetActorReminderRequest {
            actor_type: actor.actor_type.clone(),
            actor_id: actor.id.clone(),
            name: name.to_string(),
        };
        match self.client().get_actor_reminder(request).await {
            Ok(response) => {
                let r = response.into_inner();
                let data = data_from_daprd(r.data);
                // Another client's reminder: as daprd describes it.
                let reminder = Stored::decode(&data).map_or_else(
                    |_| Reminder {
                        name: name.to_string(),
                        due_time: r.due_time.unwrap_or_default(),
                        period: r.period.filter(|p| !p.is_empty()),
                        ttl: r.ttl.filter(|t| !t.is_empty()),
                        data: data.clone(),
                    },
                    |(_, reminder)| reminder,
                );
                Ok(Some(reminder))
            }
            Err(status) if is_missing(&status) => Ok(None),
            Err(status) => Err(error_from_status(status)),
        }
    }

    async fn unregister_reminder(&self, actor: &ActorRef, name: &str) -> BackendResult<()> {
        let request = proto::UnregisterActorReminderRequest {
            actor_type: actor.actor_type.clone(),
            actor_id: actor.id.clone(),
            name: name.to_string(),
        };
        match self.client().unregister_actor_reminder(request).await {
            Ok(_) => Ok(()),
            Err(status) if is_missing(&status) => Ok(()),
            Err(status) => Err(error_from_status(status)),
        }
    }

    async fn register_timer(
        &self,
        actor: &ActorRef,
        timer: Timer,
        _chain: &CallChain,
    ) -> BackendResult<()> {
        let label = format!("timer `{}` of {}", timer.name, described(actor));
        let (due, period, ttl) = (&timer.due_time, &timer.period, &timer.ttl);
        times_of(&label, due, period.as_deref(), ttl.as_deref())?;
        let request = proto::RegisterActorTimerRequest {
            actor_type: actor.actor_type.clone(),
            actor_id: actor.id.clone(),
            name: timer.name,
            due_time: timer.due_time,
            period: timer.period.unwrap_or_default(),
            callback: timer.callback.unwrap_or_default(),
            data: timer.data,
            ttl: timer.ttl.unwrap_or_default(),
        };
        self.client()
            .register_actor_timer(request)
            .await
            .map_err(error_from_status)?;
        Ok(())
    }

    async fn unregister_timer(&self, actor: &ActorRef, name: &str) -> BackendResult<()> {
        let request = proto::UnregisterActorTimerRequest {
            actor_type: actor.actor_type.clone(),
            actor_id: actor.id.clone(),
            name: name.to_string(),
        };
        self.client()
            .unregister_actor_timer(request)
            .await
            .map_err(error_from_status)?;
        Ok(())
    }
}
