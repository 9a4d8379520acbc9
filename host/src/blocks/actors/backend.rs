//! The actors traits: one app's client view, the host's actors, and where
//! actor turns run (an activation source and its live instances).

use std::sync::Arc;
use std::time::Duration;

use crate::backend::BackendResult;
use crate::blocks::state::StateStore;
use crate::wit::Error;
pub use crate::wit::dapr::runtime::actors::{
    ActorRef, ActorStateOperation, ActorStateUpsert, Reminder, Timer,
};
pub use crate::wit::exports::dapr::runtime::actor::{ActorType, ReminderOutcome};

/// The actors whose turns are in progress along one chain of calls (actor
/// A's turn invoking B, whose turn invokes C, ...): a call to an actor
/// already on the chain would wait for its own caller forever.
#[derive(Clone, Debug, Default)]
pub struct CallChain(Arc<Vec<(String, String)>>);

impl CallChain {
    /// Whether `actor`'s turn is in progress on this chain.
    pub fn contains(&self, actor: &ActorRef) -> bool {
        self.0
            .iter()
            .any(|(t, id)| *t == actor.actor_type && *id == actor.id)
    }

    /// `unsupported` if `actor`'s turn is on this chain: a call to it would
    /// wait for itself forever.
    pub fn refuse_reentry(&self, actor: &ActorRef) -> Result<(), Error> {
        if !self.contains(actor) {
            return Ok(());
        }
        Err(Error::Unsupported(format!(
            "{} is already in a turn on this call chain; a reentrant call would wait for itself forever (actor reentrancy is not supported)",
            super::timing::described(actor)
        )))
    }

    /// The chain as one line (`type/id` of each turn, `,`-separated, each
    /// part percent-encoded), to carry it across daprd.
    pub fn encode(&self) -> String {
        let part = |s: &str| {
            s.replace('%', "%25")
                .replace('/', "%2F")
                .replace(',', "%2C")
        };
        self.0
            .iter()
            .map(|(t, id)| format!("{}/{}", part(t), part(id)))
            .collect::<Vec<_>>()
            .join(",")
    }

    /// The chain [`CallChain::encode`] wrote (parts it cannot read are
    /// skipped).
    pub fn decode(line: &str) -> CallChain {
        let part = |s: &str| {
            s.replace("%2C", ",")
                .replace("%2F", "/")
                .replace("%25", "%")
        };
        let turns = line
            .split(',')
            .filter_map(|turn| turn.split_once('/'))
            .map(|(t, id)| (part(t), part(id)))
            .collect();
        CallChain(Arc::new(turns))
    }

    /// This chain continued by a turn of `actor`.
    pub fn then(&self, actor: &ActorRef) -> CallChain {
        let mut chain = (*self.0).clone();
        chain.push((actor.actor_type.clone(), actor.id.clone()));
        CallChain(Arc::new(chain))
    }
}

/// The actors one app reaches as a client, whichever app hosts them.
#[async_trait::async_trait]
pub trait ActorClient: Send + Sync {
    /// Calls `method` of `actor` (activating it if needed); `chain` is the
    /// calling turn's chain (empty outside a turn).
    async fn invoke(
        &self,
        actor: &ActorRef,
        method: &str,
        data: Vec<u8>,
        chain: &CallChain,
    ) -> BackendResult<Vec<u8>>;

    /// The value of `key` in `actor`'s state (an actor this app hosts).
    async fn get_state(&self, actor: &ActorRef, key: &str) -> BackendResult<Option<Vec<u8>>>;

    /// Applies `operations` to `actor`'s state atomically.
    async fn transact_state(
        &self,
        actor: &ActorRef,
        operations: Vec<ActorStateOperation>,
    ) -> BackendResult<()>;

    /// Registers (or replaces) `reminder` of `actor`.
    async fn register_reminder(&self, actor: &ActorRef, reminder: Reminder) -> BackendResult<()>;

    /// The reminder `name` of `actor` as registered.
    async fn get_reminder(&self, actor: &ActorRef, name: &str) -> BackendResult<Option<Reminder>>;

    /// Unregisters the reminder `name` of `actor` (succeeding if missing).
    async fn unregister_reminder(&self, actor: &ActorRef, name: &str) -> BackendResult<()>;

    /// Registers (or replaces) `timer` of `actor`, activating it if needed.
    async fn register_timer(
        &self,
        actor: &ActorRef,
        timer: Timer,
        chain: &CallChain,
    ) -> BackendResult<()>;

    /// Stops the timer `name` of `actor` (succeeding if missing).
    async fn unregister_timer(&self, actor: &ActorRef, name: &str) -> BackendResult<()>;
}

/// The actors of every app of a host.
pub trait Actors: Send + Sync {
    /// The client view of app `app_id`, whose actor state lives in `state`
    /// (or the error that says why it has none).
    fn for_app(
        self: Arc<Self>,
        app_id: &str,
        state: Result<Arc<dyn StateStore>, Error>,
    ) -> Arc<dyn ActorClient>;

    /// Makes app `app_id` the host of `types`, activating its actors through
    /// `source`; an actor type without its own idle timeout gets
    /// `idle_timeout`. Returns the hosted types' names.
    fn host(
        &self,
        app_id: &str,
        types: Vec<ActorType>,
        source: Arc<dyn ActorSource>,
        idle_timeout: Duration,
    ) -> anyhow::Result<Vec<String>>;
}

/// Where an app's actors are activated: its component, each activation in
/// an instance of its own.
#[async_trait::async_trait]
pub trait ActorSource: Send + Sync {
    /// A fresh instance for `actor`, after its `on-activate`. `Ok(None)`
    /// when no instance slot is free now and `wait` is false; with `wait`,
    /// waits as an invocation does (and fails when overloaded). An `Err`
    /// is the activation's failure (including the actor's own refusal).
    async fn activate(
        &self,
        actor: &ActorRef,
        wait: bool,
    ) -> BackendResult<Option<Box<dyn ActorInstance>>>;
}

/// One live actor: the instance its turns run in. In every turn, `Err` is
/// a failure of the instance (a trap, the deadline): it is then dropped;
/// `Ok(Err(..))` is the actor's own failure answer.
#[async_trait::async_trait]
pub trait ActorInstance: Send {
    /// Runs `on-invoke`, its calls carrying `chain`.
    async fn invoke(
        &mut self,
        method: &str,
        data: Vec<u8>,
        chain: &CallChain,
    ) -> BackendResult<Result<Vec<u8>, String>>;

    /// Runs `on-timer`.
    async fn timer(
        &mut self,
        name: &str,
        callback: Option<&str>,
        data: Vec<u8>,
        chain: &CallChain,
    ) -> BackendResult<Result<(), String>>;

    /// Runs `on-reminder`.
    async fn reminder(
        &mut self,
        name: &str,
        data: Vec<u8>,
        chain: &CallChain,
    ) -> BackendResult<Result<ReminderOutcome, String>>;

    /// Runs `on-deactivate`; the instance is dropped afterwards.
    async fn deactivate(&mut self) -> BackendResult<Result<(), String>>;
}
