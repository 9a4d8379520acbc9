//! The actors block (`dapr:runtime/actors` and `dapr:runtime/actor`):
//! virtual actors, each active one in its own instance, turn by turn. It
//! has no components: the embedded backend hosts the actor types of this
//! host's apps ([`embedded::LocalActors`], [`hosting::HostedActors`]),
//! keeps actor state in the state store marked `actorStateStore: true`
//! and reminders in the jobs scheduler. Through daprd ([`sidecar`]) the
//! calls are daprd's Actors API, and the hosted types are served over
//! daprd's actor stream ([`crate::inbound::actor_stream`]).

mod backend;
pub mod embedded;
pub mod hosting;
mod reminders;
pub mod sidecar;
mod state;
pub mod table;
mod timing;

pub use timing::described;

pub use backend::*;
pub use hosting::{DEFAULT_IDLE_TIMEOUT, HostedActors, IdlePolicy};
pub use state::ACTOR_STATE_STORE;

use super::{BlockUnit, DaprCtx, non_empty, observed};
use crate::wit::Error;
use crate::wit::dapr::runtime::actors::Host;

/// The actors block's description.
pub static UNIT: BlockUnit = BlockUnit {
    name: "actors",
    label: "actor type",
    type_prefix: None,
    embedded: &[],
    sidecar: None,
};

impl DaprCtx {
    /// `invalid-argument` for an empty actor type or id; `denied` unless
    /// the runtime config's grants allow the actor type.
    fn check_actor(&self, actor: &ActorRef) -> Result<(), Error> {
        non_empty("actor type", &actor.actor_type)?;
        non_empty("actor id", &actor.id)?;
        self.app
            .access
            .check(&self.app.app_id, UNIT.name, UNIT.label, &actor.actor_type)
    }
}

/// `T/id`, the target of an actor call in spans and metrics.
fn target(actor: &ActorRef) -> String {
    format!("{}/{}", actor.actor_type, actor.id)
}

impl Host for DaprCtx {
    async fn invoke(
        &mut self,
        actor: ActorRef,
        method: String,
        data: Vec<u8>,
    ) -> Result<Vec<u8>, Error> {
        observed(&self.app, "actors", "invoke", &target(&actor), async {
            self.check_actor(&actor)?;
            non_empty("method", &method)?;
            self.within_body_limit("the actor call's data", data.len())?;
            let chain = self.actor_chain.clone();
            self.app.actors.invoke(&actor, &method, data, &chain).await
        })
        .await
    }

    async fn get_state(&mut self, actor: ActorRef, key: String) -> Result<Option<Vec<u8>>, Error> {
        observed(&self.app, "actors", "get-state", &target(&actor), async {
            self.check_actor(&actor)?;
            non_empty("key", &key)?;
            self.app.actors.get_state(&actor, &key).await
        })
        .await
    }

    async fn transact_state(
        &mut self,
        actor: ActorRef,
        operations: Vec<ActorStateOperation>,
    ) -> Result<(), Error> {
        observed(
            &self.app,
            "actors",
            "transact-state",
            &target(&actor),
            async {
                self.check_actor(&actor)?;
                let mut bytes = 0;
                for operation in &operations {
                    match operation {
                        ActorStateOperation::Upsert(u) => {
                            non_empty("key", &u.key)?;
                            bytes += u.value.len();
                        }
                        ActorStateOperation::Delete(key) => non_empty("key", key)?,
                    }
                }
                self.within_body_limit("the actor state values", bytes)?;
                self.app.actors.transact_state(&actor, operations).await
            },
        )
        .await
    }

    async fn register_reminder(
        &mut self,
        actor: ActorRef,
        reminder: Reminder,
    ) -> Result<(), Error> {
        observed(
            &self.app,
            "actors",
            "register-reminder",
            &target(&actor),
            async {
                self.check_actor(&actor)?;
                non_empty("reminder name", &reminder.name)?;
                self.within_body_limit("the reminder data", reminder.data.len())?;
                self.app.actors.register_reminder(&actor, reminder).await
            },
        )
        .await
    }

    async fn get_reminder(
        &mut self,
        actor: ActorRef,
        name: String,
    ) -> Result<Option<Reminder>, Error> {
        observed(
            &self.app,
            "actors",
            "get-reminder",
            &target(&actor),
            async {
                self.check_actor(&actor)?;
                non_empty("reminder name", &name)?;
                self.app.actors.get_reminder(&actor, &name).await
            },
        )
        .await
    }

    async fn unregister_reminder(&mut self, actor: ActorRef, name: String) -> Result<(), Error> {
        observed(
            &self.app,
            "actors",
            "unregister-reminder",
            &target(&actor),
            async {
                self.check_actor(&actor)?;
                non_empty("reminder name", &name)?;
                self.app.actors.unregister_reminder(&actor, &name).await
            },
        )
        .await
    }

    async fn register_timer(&mut self, actor: ActorRef, timer: Timer) -> Result<(), Error> {
        observed(
            &self.app,
            "actors",
            "register-timer",
            &target(&actor),
            async {
                self.check_actor(&actor)?;
                non_empty("timer name", &timer.name)?;
                self.within_body_limit("the timer data", timer.data.len())?;
                let chain = self.actor_chain.clone();
                self.app.actors.register_timer(&actor, timer, &chain).await
            },
        )
        .await
    }

    async fn unregister_timer(&mut self, actor: ActorRef, name: String) -> Result<(), Error> {
        observed(
            &self.app,
            "actors",
            "unregister-timer",
            &target(&actor),
            async {
                self.check_actor(&actor)?;
                non_empty("timer name", &name)?;
                self.app.actors.unregister_timer(&actor, &name).await
            },
        )
        .await
    }
}
