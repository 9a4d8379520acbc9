//! The actors one app hosts: one live instance per active actor, turn by
//! turn. Whatever delivers traffic to them (in-process calls, the embedded
//! reminder scheduler, timers, or later daprd's actor stream) goes through
//! [`HostedActors`], so the rules live here once:
//!
//! - a turn holds its actor's lock (a fair queue), so calls to one actor
//!   never overlap and run in arrival order; other actors are not held up;
//! - a call that would wait for a turn of its own chain is refused;
//! - an actor idle past its type's timeout is deactivated (by this host,
//!   or with daprd by daprd's `deactivate` request: [`IdlePolicy`]), and
//!   when the app has no free instance slot the least recently used idle
//!   actor is;
//! - a failed instance (a trap, the deadline) is dropped with its timers.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use chrono::Utc;
use tokio::sync::oneshot;

use super::backend::{
    ActorInstance, ActorRef, ActorSource, ActorType, CallChain, ReminderOutcome, Timer,
};
use super::timing::{described, times_of};
use crate::backend::BackendResult;
use crate::wit::Error;

/// The idle timeout of an actor type that sets none and whose app's
/// settings set none: 60 minutes, as in Dapr.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(60 * 60);

/// Who deactivates an actor idle past its type's timeout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdlePolicy {
    /// This host does (the embedded backend).
    Deactivate,
    /// daprd does, through its `deactivate` request: it is the authority on
    /// which actors are active, so this host deactivates an actor only to
    /// make room for another (least recently used first).
    LeaveToSidecar,
}

/// The actors of one hosting app.
pub struct HostedActors {
    app_id: String,
    idle: IdlePolicy,
    /// The hosted types and their idle timeouts.
    types: HashMap<String, Duration>,
    source: Arc<dyn ActorSource>,
    slots: Mutex<HashMap<(String, String), Arc<Slot>>>,
    sweeper: Mutex<Option<tokio::task::JoinHandle<()>>>,
}

/// One actor id: its turn lock around its activation.
struct Slot {
    actor: ActorRef,
    idle_timeout: Duration,
    activation: tokio::sync::Mutex<Activation>,
    last_used: Mutex<Instant>,
    /// The running timers; dropping a sender stops its timer.
    timers: Mutex<HashMap<String, oneshot::Sender<()>>>,
}

/// Where an actor id stands.
enum Activation {
    /// Not active; the next activating turn activates it.
    Inactive,
    /// Active in this instance.
    Live(Box<dyn ActorInstance>),
    /// Removed from the table; a waiter looks the actor up again.
    Retired,
}

/// What one turn does.
enum Turn<'a> {
    /// Nothing beyond activating the actor.
    Activate,
    Invoke(&'a str, Vec<u8>),
    Timer(&'a str, Option<&'a str>, Vec<u8>),
    Reminder(&'a str, Vec<u8>),
}

/// What one turn answered (`Done` for activation and timers).
enum Answer {
    Done,
    Invoked(Vec<u8>),
    Reminded(ReminderOutcome),
}

impl Slot {
    fn touch(&self) {
        *self.last_used.lock().unwrap() = Instant::now();
    }

    fn idle_for(&self) -> Duration {
        self.last_used.lock().unwrap().elapsed()
    }

    fn stop_timers(&self) {
        self.timers.lock().unwrap().clear();
    }
}

impl HostedActors {
    /// The actors of app `app_id` hosting `types`, activated through
    /// `source`; a type without its own idle timeout gets `idle_timeout`;
    /// `idle` says who deactivates idle actors. Needs a Tokio runtime (for
    /// the idle sweep).
    pub fn new(
        app_id: &str,
        types: &[ActorType],
        source: Arc<dyn ActorSource>,
        idle_timeout: Duration,
        idle: IdlePolicy,
    ) -> anyhow::Result<Arc<Self>> {
        let runtime = tokio::runtime::Handle::try_current()
            .map_err(|_| anyhow::anyhow!("hosting actors needs a Tokio runtime"))?;
        let types: HashMap<String, Duration> = types
            .iter()
            .map(|t| {
                let idle = t
                    .idle_timeout_ms
                    .map_or(idle_timeout, Duration::from_millis);
                (t.name.clone(), idle)
            })
            .collect();
        let shortest = types.values().copied().min().unwrap_or(idle_timeout);
        let hosted = Arc::new(HostedActors {
            app_id: app_id.to_string(),
            idle,
            types,
            source,
            slots: Mutex::default(),
            sweeper: Mutex::default(),
        });
        let every = (shortest / 4).clamp(Duration::from_millis(5), Duration::from_secs(30));
        let sweeper = runtime.spawn(Self::sweep_every(Arc::downgrade(&hosted), every));
        *hosted.sweeper.lock().unwrap() = Some(sweeper);
        Ok(hosted)
    }

    /// The hosting app's id.
    pub fn app_id(&self) -> &str {
        &self.app_id
    }

    /// The hosted types' names.
    pub fn type_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.types.keys().cloned().collect();
        names.sort();
        names
    }

    /// The hosted types with their idle timeouts, by name.
    pub fn idle_timeouts(&self) -> Vec<(String, Duration)> {
        let mut timeouts: Vec<(String, Duration)> =
            self.types.iter().map(|(t, d)| (t.clone(), *d)).collect();
        timeouts.sort();
        timeouts
    }

    /// How many actors are active now.
    pub fn active(&self) -> usize {
        let slots: Vec<Arc<Slot>> = self.slots.lock().unwrap().values().cloned().collect();
        slots
            .iter()
            .filter(|s| match s.activation.try_lock() {
                Ok(a) => matches!(*a, Activation::Live(_)),
                Err(_) => true,
            })
            .count()
    }

    /// Calls `method` of `actor`, activating it if needed. The actor's own
    /// failure is `internal` with its message.
    pub async fn invoke(
        self: &Arc<Self>,
        actor: &ActorRef,
        method: &str,
        data: Vec<u8>,
        chain: &CallChain,
    ) -> BackendResult<Vec<u8>> {
        match self
            .turn(actor, chain, true, Turn::Invoke(method, data))
            .await?
        {
            Some(Ok(Answer::Invoked(data))) => Ok(data),
            Some(Err(message)) => Err(Error::Internal(message)),
            _ => Err(Error::Internal("the actor gave no answer".into())),
        }
    }

    /// Delivers reminder `name` to `actor`, activating it if needed:
    /// `Ok(Err(..))` is the actor's own failure.
    pub async fn remind(
        self: &Arc<Self>,
        actor: &ActorRef,
        name: &str,
        data: Vec<u8>,
    ) -> BackendResult<Result<ReminderOutcome, String>> {
        let answer = self.deliver(actor, Turn::Reminder(name, data)).await?;
        Ok(answer.and_then(|answer| match answer {
            Answer::Reminded(outcome) => Ok(outcome),
            _ => Err("the actor gave no reminder outcome".to_string()),
        }))
    }

    /// Delivers timer `name` (with its `callback` and `data`) to `actor`,
    /// activating it if needed (daprd's timers outlive this host's view of
    /// the activation): `Ok(Err(..))` is the actor's own failure.
    pub async fn fire_timer(
        self: &Arc<Self>,
        actor: &ActorRef,
        name: &str,
        callback: Option<&str>,
        data: Vec<u8>,
    ) -> BackendResult<Result<(), String>> {
        let answer = self
            .deliver(actor, Turn::Timer(name, callback, data))
            .await?;
        Ok(answer.map(|_| ()))
    }

    /// Runs `turn` of `actor` outside any call chain (a delivery of the
    /// scheduler or of daprd), activating it if needed.
    async fn deliver(
        self: &Arc<Self>,
        actor: &ActorRef,
        turn: Turn<'_>,
    ) -> BackendResult<Result<Answer, String>> {
        self.turn(actor, &CallChain::default(), true, turn)
            .await?
            .ok_or_else(|| Error::Internal("the actor gave no answer".into()))
    }

    /// Activates `actor` if it is not active (its turn is not on `chain`).
    pub async fn activate(
        self: &Arc<Self>,
        actor: &ActorRef,
        chain: &CallChain,
    ) -> BackendResult<()> {
        if chain.contains(actor) {
            return Ok(());
        }
        self.turn(actor, chain, true, Turn::Activate).await?;
        Ok(())
    }

    /// Deactivates `actor` if it is active and idle (not in a turn); whether
    /// it was.
    pub async fn deactivate(&self, actor: &ActorRef) -> bool {
        let slot = self.slots.lock().unwrap().get(&key(actor)).cloned();
        match slot {
            Some(slot) => self.retire(&slot, |_| true).await,
            None => false,
        }
    }

    /// Deactivates every active actor not in a turn (the sidecar that
    /// placed them here is gone, and another host may activate them).
    pub async fn deactivate_all(&self) {
        let slots: Vec<Arc<Slot>> = self.slots.lock().unwrap().values().cloned().collect();
        for slot in slots {
            self.retire(&slot, |_| true).await;
        }
    }

    /// Starts `timer` of `actor` (activating it unless its turn is on
    /// `chain`), replacing one of the same name.
    pub async fn register_timer(
        self: &Arc<Self>,
        actor: &ActorRef,
        timer: Timer,
        chain: &CallChain,
    ) -> BackendResult<()> {
        let label = format!("timer `{}` of {}", timer.name, described(actor));
        let times = times_of(
            &label,
            &timer.due_time,
            timer.period.as_deref(),
            timer.ttl.as_deref(),
        )?;
        self.activate(actor, chain).await?;
        let (stop, stopped) = oneshot::channel();
        let slot = self.slot(actor)?;
        slot.timers.lock().unwrap().insert(timer.name.clone(), stop);
        tokio::spawn(Self::run_timer(
            Arc::downgrade(self),
            actor.clone(),
            timer,
            times,
            stopped,
        ));
        Ok(())
    }

    /// Stops timer `name` of `actor` (if it runs).
    pub fn unregister_timer(&self, actor: &ActorRef, name: &str) {
        if let Some(slot) = self.slots.lock().unwrap().get(&key(actor)) {
            slot.timers.lock().unwrap().remove(name);
        }
    }

    /// Fires `timer` at its times until it ends or is stopped; a timer
    /// whose actor is no longer active stops.
    async fn run_timer(
        this: Weak<Self>,
        actor: ActorRef,
        timer: Timer,
        times: crate::blocks::jobs::Timing,
        mut stopped: oneshot::Receiver<()>,
    ) {
        let mut next = Some(times.first);
        let mut count = 0;
        while let Some(at) = next {
            let wait = (at - Utc::now()).to_std().unwrap_or(Duration::ZERO);
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = &mut stopped => return,
            }
            if !matches!(stopped.try_recv(), Err(oneshot::error::TryRecvError::Empty)) {
                return;
            }
            let Some(hosted) = this.upgrade() else { return };
            let turn = Turn::Timer(&timer.name, timer.callback.as_deref(), timer.data.clone());
            match hosted
                .turn(&actor, &CallChain::default(), false, turn)
                .await
            {
                Ok(Some(Ok(_))) => {}
                Ok(None) => return,
                Ok(Some(Err(message))) => tracing::warn!(
                    app = %hosted.app_id, actor = %described(&actor), timer = %timer.name,
                    "the actor failed its timer: {message}"
                ),
                Err(err) => tracing::warn!(
                    app = %hosted.app_id, actor = %described(&actor), timer = %timer.name,
                    "timer delivery failed: {}", err.describe()
                ),
            }
            count += 1;
            next = times.next(count, Utc::now());
        }
        if let Some(hosted) = this.upgrade() {
            hosted.unregister_timer(&actor, &timer.name);
        }
    }

    /// The slot of `actor`, made if needed; `not-found` for a type this app
    /// does not host.
    fn slot(&self, actor: &ActorRef) -> BackendResult<Arc<Slot>> {
        let Some(idle_timeout) = self.types.get(&actor.actor_type) else {
            return Err(Error::NotFound(format!(
                "app `{}` does not host actor type `{}`",
                self.app_id, actor.actor_type
            )));
        };
        let mut slots = self.slots.lock().unwrap();
        Ok(slots
            .entry(key(actor))
            .or_insert_with(|| {
                Arc::new(Slot {
                    actor: actor.clone(),
                    idle_timeout: *idle_timeout,
                    activation: tokio::sync::Mutex::new(Activation::Inactive),
                    last_used: Mutex::new(Instant::now()),
                    timers: Mutex::default(),
                })
            })
            .clone())
    }

    /// Runs one turn of `actor` in its activation (activating it first if
    /// `activate`; else `None` when it is not active).
    async fn turn(
        self: &Arc<Self>,
        actor: &ActorRef,
        chain: &CallChain,
        activate: bool,
        turn: Turn<'_>,
    ) -> BackendResult<Option<Result<Answer, String>>> {
        chain.refuse_reentry(actor)?;
        loop {
            let slot = self.slot(actor)?;
            let mut activation = slot.activation.lock().await;
            match &*activation {
                Activation::Retired => continue,
                Activation::Inactive if !activate => return Ok(None),
                Activation::Inactive => {
                    *activation = Activation::Live(self.activate_instance(actor).await?);
                }
                Activation::Live(_) => {}
            }
            let Activation::Live(instance) = &mut *activation else {
                unreachable!("activated above");
            };
            slot.touch();
            let chain = chain.then(actor);
            let answer = match turn {
                Turn::Activate => Ok(Ok(Answer::Done)),
                Turn::Invoke(method, data) => instance
                    .invoke(method, data, &chain)
                    .await
                    .map(|r| r.map(Answer::Invoked)),
                Turn::Timer(name, callback, data) => instance
                    .timer(name, callback, data, &chain)
                    .await
                    .map(|r| r.map(|()| Answer::Done)),
                Turn::Reminder(name, data) => instance
                    .reminder(name, data, &chain)
                    .await
                    .map(|r| r.map(Answer::Reminded)),
            };
            slot.touch();
            if answer.is_err() {
                // The instance failed: drop it (and its timers) unasked.
                *activation = Activation::Inactive;
                slot.stop_timers();
            }
            return answer.map(Some);
        }
    }

    /// A fresh instance for `actor`: in a free slot, else in the slot of the
    /// least recently used idle actor, else waiting as invocations do.
    async fn activate_instance(&self, actor: &ActorRef) -> BackendResult<Box<dyn ActorInstance>> {
        loop {
            if let Some(instance) = self.source.activate(actor, false).await? {
                return Ok(instance);
            }
            if !self.evict_least_recently_used(actor).await {
                break;
            }
        }
        self.source.activate(actor, true).await?.ok_or_else(|| {
            Error::Unavailable(format!(
                "app `{}` has no free instance for {}",
                self.app_id,
                described(actor)
            ))
        })
    }

    /// Deactivates the least recently used idle actor other than `except`;
    /// whether there was one.
    async fn evict_least_recently_used(&self, except: &ActorRef) -> bool {
        let mut candidates: Vec<Arc<Slot>> = self
            .slots
            .lock()
            .unwrap()
            .iter()
            .filter(|(k, _)| **k != key(except))
            .map(|(_, slot)| slot.clone())
            .collect();
        candidates.sort_by_key(|slot| std::cmp::Reverse(slot.idle_for()));
        for slot in candidates {
            if self.retire(&slot, |live| live).await {
                tracing::debug!(app = %self.app_id, actor = %described(&slot.actor), "evicted to make room");
                return true;
            }
        }
        false
    }

    /// Removes `slot` if it is not in a turn and `wanted` (told whether it
    /// is active) agrees, deactivating a live actor first; whether it did.
    async fn retire(&self, slot: &Arc<Slot>, wanted: impl FnOnce(bool) -> bool) -> bool {
        let Ok(mut activation) = slot.activation.try_lock() else {
            return false;
        };
        let live = matches!(*activation, Activation::Live(_));
        if matches!(*activation, Activation::Retired) || !wanted(live) {
            return false;
        }
        if let Activation::Live(instance) = &mut *activation {
            match instance.deactivate().await {
                Ok(Ok(())) => {}
                Ok(Err(message)) => tracing::warn!(
                    app = %self.app_id, actor = %described(&slot.actor),
                    "the actor failed its deactivation: {message}"
                ),
                Err(err) => tracing::warn!(
                    app = %self.app_id, actor = %described(&slot.actor),
                    "deactivation failed: {}", err.describe()
                ),
            }
        }
        *activation = Activation::Retired;
        slot.stop_timers();
        let mut slots = self.slots.lock().unwrap();
        if slots
            .get(&key(&slot.actor))
            .is_some_and(|s| Arc::ptr_eq(s, slot))
        {
            slots.remove(&key(&slot.actor));
        }
        live
    }

    /// Deactivates the actors idle past their timeout (and forgets inactive
    /// ones), every `every`, until the actors are dropped.
    async fn sweep_every(this: Weak<Self>, every: Duration) {
        loop {
            tokio::time::sleep(every).await;
            let Some(hosted) = this.upgrade() else { return };
            let slots: Vec<Arc<Slot>> = hosted.slots.lock().unwrap().values().cloned().collect();
            for slot in slots {
                let idle =
                    hosted.idle == IdlePolicy::Deactivate && slot.idle_for() >= slot.idle_timeout;
                let timers = !slot.timers.lock().unwrap().is_empty();
                if hosted
                    .retire(&slot, |live| if live { idle } else { !timers })
                    .await
                {
                    tracing::debug!(app = %hosted.app_id, actor = %described(&slot.actor), "deactivated after being idle");
                }
            }
        }
    }
}

impl Drop for HostedActors {
    fn drop(&mut self) {
        if let Some(sweeper) = self.sweeper.lock().unwrap().take() {
            sweeper.abort();
        }
    }
}

fn key(actor: &ActorRef) -> (String, String) {
    (actor.actor_type.clone(), actor.id.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};

    /// What the fake instances did, in order: `activate A`, `invoke A m`,
    /// `end A m`, `deactivate A`.
    #[derive(Default)]
    struct Log(Mutex<Vec<String>>);

    impl Log {
        fn push(&self, line: String) {
            self.0.lock().unwrap().push(line);
        }

        fn lines(&self) -> Vec<String> {
            self.0.lock().unwrap().clone()
        }
    }

    /// Activates fake actors, at most `slots` at once.
    struct Source {
        log: Arc<Log>,
        slots: usize,
        live: Arc<AtomicUsize>,
        /// Set by the test: the actors, so a turn can call another actor.
        hosted: Mutex<Weak<HostedActors>>,
    }

    struct Instance {
        id: String,
        log: Arc<Log>,
        live: Arc<AtomicUsize>,
        hosted: Weak<HostedActors>,
    }

    impl Drop for Instance {
        fn drop(&mut self) {
            self.live.fetch_sub(1, SeqCst);
        }
    }

    #[async_trait::async_trait]
    impl ActorSource for Source {
        async fn activate(
            &self,
            actor: &ActorRef,
            _wait: bool,
        ) -> BackendResult<Option<Box<dyn ActorInstance>>> {
            if self.live.load(SeqCst) >= self.slots {
                return Ok(None);
            }
            self.live.fetch_add(1, SeqCst);
            self.log.push(format!("activate {}", actor.id));
            Ok(Some(Box::new(Instance {
                id: actor.id.clone(),
                log: self.log.clone(),
                live: self.live.clone(),
                hosted: self.hosted.lock().unwrap().clone(),
            })))
        }
    }

    #[async_trait::async_trait]
    impl ActorInstance for Instance {
        async fn invoke(
            &mut self,
            method: &str,
            data: Vec<u8>,
            chain: &CallChain,
        ) -> BackendResult<Result<Vec<u8>, String>> {
            self.log.push(format!("invoke {} {method}", self.id));
            match method {
                "trap" => return Err(Error::Internal("trapped".into())),
                "call" => {
                    // Calls the actor named by `data` from within this turn.
                    let target = actor(std::str::from_utf8(&data).unwrap());
                    let hosted = self.hosted.upgrade().unwrap();
                    return Ok(hosted
                        .invoke(&target, "echo", Vec::new(), chain)
                        .await
                        .map_err(|e| e.describe()));
                }
                "slow" => tokio::time::sleep(Duration::from_millis(30)).await,
                _ => {}
            }
            self.log.push(format!("end {} {method}", self.id));
            Ok(Ok(data))
        }

        async fn timer(
            &mut self,
            name: &str,
            _: Option<&str>,
            _: Vec<u8>,
            _: &CallChain,
        ) -> BackendResult<Result<(), String>> {
            self.log.push(format!("timer {} {name}", self.id));
            Ok(Ok(()))
        }

        async fn reminder(
            &mut self,
            name: &str,
            _: Vec<u8>,
            _: &CallChain,
        ) -> BackendResult<Result<ReminderOutcome, String>> {
            self.log.push(format!("reminder {} {name}", self.id));
            Ok(Ok(ReminderOutcome::Keep))
        }

        async fn deactivate(&mut self) -> BackendResult<Result<(), String>> {
            self.log.push(format!("deactivate {}", self.id));
            Ok(Ok(()))
        }
    }

    fn actor(id: &str) -> ActorRef {
        ActorRef {
            actor_type: "counter".into(),
            id: id.into(),
        }
    }

    /// Actors of type `counter` idle after `idle`, at most `slots` live.
    fn hosted(slots: usize, idle: Duration) -> (Arc<HostedActors>, Arc<Log>, Arc<AtomicUsize>) {
        let log = Arc::new(Log::default());
        let live = Arc::new(AtomicUsize::new(0));
        let source = Arc::new(Source {
            log: log.clone(),
            slots,
            live: live.clone(),
            hosted: Mutex::default(),
        });
        let types = [ActorType {
            name: "counter".into(),
            idle_timeout_ms: None,
        }];
        let hosted =
            HostedActors::new("app", &types, source.clone(), idle, IdlePolicy::Deactivate).unwrap();
        *source.hosted.lock().unwrap() = Arc::downgrade(&hosted);
        (hosted, log, live)
    }

    #[tokio::test]
    async fn turns_of_one_actor_never_overlap_and_keep_their_order() {
        let (hosted, log, _) = hosted(8, DEFAULT_IDLE_TIMEOUT);
        let mut calls = Vec::new();
        for n in 0..4 {
            let hosted = hosted.clone();
            calls.push(tokio::spawn(async move {
                let method = format!("slow{n}");
                let method = if n == 0 { "slow".to_string() } else { method };
                hosted
                    .invoke(&actor("a"), &method, Vec::new(), &CallChain::default())
                    .await
            }));
            // Each call is queued before the next starts.
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        let (b, none) = (actor("b"), CallChain::default());
        let other = hosted.invoke(&b, "echo", b"hi".to_vec(), &none);
        assert_eq!(other.await.unwrap(), b"hi");
        for call in calls {
            call.await.unwrap().unwrap();
        }
        let lines: Vec<String> = log
            .lines()
            .into_iter()
            .filter(|l| l.contains(" a slow"))
            .collect();
        assert_eq!(
            lines,
            [
                "invoke a slow",
                "end a slow",
                "invoke a slow1",
                "end a slow1",
                "invoke a slow2",
                "end a slow2",
                "invoke a slow3",
                "end a slow3"
            ]
        );
        // `b` was served while `a` was busy: one activation each.
        assert_eq!(
            log.lines()
                .iter()
                .filter(|l| l.starts_with("activate"))
                .count(),
            2
        );
        let b = log.lines().iter().position(|l| l == "end b echo").unwrap();
        let a_done = log.lines().iter().position(|l| l == "end a slow3").unwrap();
        assert!(b < a_done, "{:?}", log.lines());
    }

    #[tokio::test]
    async fn a_reentrant_call_fails_instead_of_waiting() {
        let (hosted, _, _) = hosted(8, DEFAULT_IDLE_TIMEOUT);
        let chain = CallChain::default();
        // a calls b: fine. a calls a, and a calls b which calls a: refused.
        assert!(
            hosted
                .invoke(&actor("a"), "call", b"b".to_vec(), &chain)
                .await
                .is_ok()
        );
        let (a, b, in_a) = (actor("a"), actor("b"), chain.then(&actor("a")));
        let direct = hosted.invoke(&a, "call", b"a".to_vec(), &chain);
        let answer = tokio::time::timeout(Duration::from_secs(5), direct)
            .await
            .unwrap();
        assert!(
            matches!(&answer, Err(Error::Internal(m)) if m.contains("reentran")),
            "{answer:?}"
        );
        // a's turn calls b, whose turn calls a.
        let across = hosted.invoke(&b, "call", b"a".to_vec(), &in_a);
        let answer = tokio::time::timeout(Duration::from_secs(5), across)
            .await
            .unwrap();
        assert!(
            matches!(&answer, Err(Error::Internal(m)) if m.contains("reentran")),
            "{answer:?}"
        );
        let refused = hosted
            .invoke(&actor("a"), "echo", Vec::new(), &chain.then(&actor("a")))
            .await;
        assert!(
            matches!(&refused, Err(Error::Unsupported(m)) if m.contains("`counter/a`")),
            "{refused:?}"
        );
    }

    #[tokio::test]
    async fn an_idle_actor_is_deactivated_and_a_busy_one_is_not() {
        let (hosted, log, live) = hosted(8, Duration::from_millis(60));
        let chain = CallChain::default();
        hosted
            .invoke(&actor("a"), "echo", Vec::new(), &chain)
            .await
            .unwrap();
        hosted
            .invoke(&actor("b"), "echo", Vec::new(), &chain)
            .await
            .unwrap();
        for _ in 0..6 {
            tokio::time::sleep(Duration::from_millis(25)).await;
            hosted
                .invoke(&actor("b"), "echo", Vec::new(), &chain)
                .await
                .unwrap();
        }
        assert!(
            log.lines().contains(&"deactivate a".to_string()),
            "{:?}",
            log.lines()
        );
        assert!(
            !log.lines().contains(&"deactivate b".to_string()),
            "{:?}",
            log.lines()
        );
        assert_eq!(live.load(SeqCst), 1);
        // The next call activates `a` afresh.
        hosted
            .invoke(&actor("a"), "echo", Vec::new(), &chain)
            .await
            .unwrap();
        assert_eq!(log.lines().iter().filter(|l| *l == "activate a").count(), 2);
    }

    #[tokio::test]
    async fn the_least_recently_used_idle_actor_makes_room() {
        let (hosted, log, live) = hosted(2, DEFAULT_IDLE_TIMEOUT);
        let chain = CallChain::default();
        for id in ["a", "b", "a", "c"] {
            hosted
                .invoke(&actor(id), "echo", Vec::new(), &chain)
                .await
                .unwrap();
        }
        assert_eq!(live.load(SeqCst), 2);
        assert!(
            log.lines().contains(&"deactivate b".to_string()),
            "{:?}",
            log.lines()
        );
        assert!(
            !log.lines().contains(&"deactivate a".to_string()),
            "{:?}",
            log.lines()
        );
        assert_eq!(hosted.active(), 2);
    }

    #[tokio::test]
    async fn a_failed_turn_drops_only_that_actor() {
        let (hosted, log, live) = hosted(8, DEFAULT_IDLE_TIMEOUT);
        let chain = CallChain::default();
        hosted
            .invoke(&actor("b"), "echo", Vec::new(), &chain)
            .await
            .unwrap();
        let failed = hosted.invoke(&actor("a"), "trap", Vec::new(), &chain).await;
        assert!(matches!(failed, Err(Error::Internal(_))), "{failed:?}");
        assert_eq!(live.load(SeqCst), 1);
        hosted
            .invoke(&actor("a"), "echo", Vec::new(), &chain)
            .await
            .unwrap();
        assert_eq!(log.lines().iter().filter(|l| *l == "activate a").count(), 2);
        assert_eq!(log.lines().iter().filter(|l| *l == "activate b").count(), 1);
    }

    #[tokio::test]
    async fn timers_fire_until_stopped_and_end_with_the_activation() {
        let (hosted, log, _) = hosted(8, DEFAULT_IDLE_TIMEOUT);
        let chain = CallChain::default();
        let timer = |name: &str| Timer {
            name: name.into(),
            due_time: "0s".into(),
            period: Some("20ms".into()),
            ttl: None,
            callback: None,
            data: Vec::new(),
        };
        hosted
            .register_timer(&actor("a"), timer("t"), &chain)
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(70)).await;
        hosted.unregister_timer(&actor("a"), "t");
        let fired = log.lines().iter().filter(|l| *l == "timer a t").count();
        assert!(fired >= 2, "{:?}", log.lines());
        tokio::time::sleep(Duration::from_millis(60)).await;
        assert_eq!(
            log.lines().iter().filter(|l| *l == "timer a t").count(),
            fired
        );
        hosted
            .register_timer(&actor("a"), timer("u"), &chain)
            .await
            .unwrap();
        assert!(hosted.deactivate(&actor("a")).await);
        let after = log.lines().len();
        tokio::time::sleep(Duration::from_millis(60)).await;
        assert_eq!(log.lines().len(), after, "{:?}", log.lines());
    }

    #[tokio::test]
    async fn an_unknown_type_is_not_found() {
        let (hosted, _, _) = hosted(8, DEFAULT_IDLE_TIMEOUT);
        let other = ActorRef {
            actor_type: "cart".into(),
            id: "a".into(),
        };
        let answer = hosted
            .invoke(&other, "echo", Vec::new(), &CallChain::default())
            .await;
        assert!(
            matches!(&answer, Err(Error::NotFound(m)) if m.contains("`cart`")),
            "{answer:?}"
        );
    }
}
