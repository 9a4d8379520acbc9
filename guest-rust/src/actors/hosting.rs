//! Hosting actor types: the [`Actor`] trait and [`export_actors!`]. The host
//! runs each active actor in an instance of its own, so the instance keeps
//! exactly one actor value between its turns.

use std::cell::RefCell;

pub use crate::wit::exports::dapr::runtime::actor::{ActorType, ReminderOutcome};

use super::ActorRef;

/// One actor type hosted by this component. The value lives in memory for
/// as long as the actor is active, so its fields carry over from one turn
/// to the next; keep what must outlive a deactivation in actor state
/// ([`super::save_state_json`]).
///
/// ```no_run
/// use dapr_guest::actors::{Actor, ActorRef};
///
/// struct Counter { me: ActorRef, calls: u32 }
///
/// impl Actor for Counter {
///     const TYPE: &'static str = "counter";
///
///     fn new(me: &ActorRef) -> Self {
///         Counter { me: me.clone(), calls: 0 }
///     }
///
///     fn on_invoke(&mut self, method: &str, _data: Vec<u8>) -> Result<Vec<u8>, String> {
///         self.calls += 1;
///         Ok(format!("{method} #{}", self.calls).into_bytes())
///     }
/// }
///
/// dapr_guest::export_actors!(Counter);
/// ```
pub trait Actor: 'static {
    /// The type's name, as callers write it in [`ActorRef::actor_type`].
    const TYPE: &'static str;

    /// Deactivate an actor after this many idle milliseconds; `None`: the
    /// host's setting (60 minutes by default).
    const IDLE_TIMEOUT_MS: Option<u64> = None;

    /// The value of the actor `me`, made at its activation.
    fn new(me: &ActorRef) -> Self
    where
        Self: Sized;

    /// Runs once after [`Actor::new`]; `Err` refuses the activation.
    fn on_activate(&mut self) -> Result<(), String> {
        Ok(())
    }

    /// Handles `method` called with `data`; `Err` is handed to the caller.
    fn on_invoke(&mut self, method: &str, data: Vec<u8>) -> Result<Vec<u8>, String>;

    /// Handles timer `name` (with its callback and data).
    fn on_timer(
        &mut self,
        name: &str,
        callback: Option<&str>,
        data: Vec<u8>,
    ) -> Result<(), String> {
        let _ = (name, callback, data);
        Ok(())
    }

    /// Handles reminder `name`; keeps the reminder by default.
    fn on_reminder(&mut self, name: &str, data: Vec<u8>) -> Result<ReminderOutcome, String> {
        let _ = (name, data);
        Ok(ReminderOutcome::Keep)
    }

    /// Runs before the actor is deactivated.
    fn on_deactivate(&mut self) -> Result<(), String> {
        Ok(())
    }
}

/// An actor value behind a type-erased pointer (what [`Hosting`] keeps).
#[doc(hidden)]
pub trait LiveActor {
    fn activate(&mut self) -> Result<(), String>;
    fn invoke(&mut self, method: &str, data: Vec<u8>) -> Result<Vec<u8>, String>;
    fn timer(&mut self, name: &str, callback: Option<&str>, data: Vec<u8>) -> Result<(), String>;
    fn reminder(&mut self, name: &str, data: Vec<u8>) -> Result<ReminderOutcome, String>;
    fn deactivate(&mut self) -> Result<(), String>;
}

impl<T: Actor> LiveActor for T {
    fn activate(&mut self) -> Result<(), String> {
        self.on_activate()
    }
    fn invoke(&mut self, method: &str, data: Vec<u8>) -> Result<Vec<u8>, String> {
        self.on_invoke(method, data)
    }
    fn timer(&mut self, name: &str, callback: Option<&str>, data: Vec<u8>) -> Result<(), String> {
        self.on_timer(name, callback, data)
    }
    fn reminder(&mut self, name: &str, data: Vec<u8>) -> Result<ReminderOutcome, String> {
        self.on_reminder(name, data)
    }
    fn deactivate(&mut self) -> Result<(), String> {
        self.on_deactivate()
    }
}

/// One hosted type as [`export_actors!`] lists it.
#[doc(hidden)]
pub struct ActorKind {
    name: &'static str,
    idle_timeout_ms: Option<u64>,
    make: fn(&ActorRef) -> Box<dyn LiveActor>,
}

impl ActorKind {
    /// The kind of `T`.
    pub fn of<T: Actor>() -> Self {
        ActorKind {
            name: T::TYPE,
            idle_timeout_ms: T::IDLE_TIMEOUT_MS,
            make: |me| Box::new(T::new(me)),
        }
    }
}

thread_local! {
    /// The one actor of this instance.
    static LIVE: RefCell<Option<(ActorRef, Box<dyn LiveActor>)>> = const { RefCell::new(None) };
}

/// The `actor` export over the hosted kinds (what [`export_actors!`]
/// forwards to).
#[doc(hidden)]
pub struct Hosting<'a>(pub &'a [ActorKind]);

impl Hosting<'_> {
    pub fn actor_types(&self) -> Vec<ActorType> {
        self.0
            .iter()
            .map(|k| ActorType {
                name: k.name.to_owned(),
                idle_timeout_ms: k.idle_timeout_ms,
            })
            .collect()
    }

    pub fn on_activate(&self, actor: ActorRef) -> Result<(), String> {
        let kind = self
            .0
            .iter()
            .find(|k| k.name == actor.actor_type)
            .ok_or_else(|| {
                format!(
                    "this component does not host actor type `{}`",
                    actor.actor_type
                )
            })?;
        let mut live = (kind.make)(&actor);
        live.activate()?;
        LIVE.with(|slot| *slot.borrow_mut() = Some((actor, live)));
        Ok(())
    }

    /// Runs `turn` on the live actor `actor` (activating it if this
    /// instance has none, which the host never leaves it without).
    fn with_live<R>(
        &self,
        actor: ActorRef,
        turn: impl FnOnce(&mut dyn LiveActor) -> Result<R, String>,
    ) -> Result<R, String> {
        let current = LIVE.with(|slot| {
            slot.borrow()
                .as_ref()
                .map(|(me, _)| me.actor_type == actor.actor_type && me.id == actor.id)
        });
        if current != Some(true) {
            self.on_activate(actor)?;
        }
        let live = LIVE.with(|slot| slot.borrow_mut().take());
        let Some((me, mut live)) = live else {
            return Err("no live actor in this instance".to_owned());
        };
        let answer = turn(live.as_mut());
        LIVE.with(|slot| *slot.borrow_mut() = Some((me, live)));
        answer
    }

    pub fn on_invoke(
        &self,
        actor: ActorRef,
        method: String,
        data: Vec<u8>,
    ) -> Result<Vec<u8>, String> {
        self.with_live(actor, |a| a.invoke(&method, data))
    }

    pub fn on_timer(
        &self,
        actor: ActorRef,
        name: String,
        callback: Option<String>,
        data: Vec<u8>,
    ) -> Result<(), String> {
        self.with_live(actor, |a| a.timer(&name, callback.as_deref(), data))
    }

    pub fn on_reminder(
        &self,
        actor: ActorRef,
        name: String,
        data: Vec<u8>,
    ) -> Result<ReminderOutcome, String> {
        self.with_live(actor, |a| a.reminder(&name, data))
    }

    pub fn on_deactivate(&self, actor: ActorRef) -> Result<(), String> {
        let answer = self.with_live(actor, |a| a.deactivate());
        LIVE.with(|slot| *slot.borrow_mut() = None);
        answer
    }
}

/// Implements the `actor` export for `$ty` over the listed [`Actor`]
/// types (used by [`export_actors!`] and [`export_app!`]).
#[doc(hidden)]
#[macro_export]
macro_rules! __impl_actor_export {
    ($ty:ident; $($actor:ty),+) => {
        impl $crate::wit::exports::dapr::runtime::actor::Guest for $ty {
            fn actor_types() -> Vec<$crate::actors::ActorType> {
                $crate::actors::Hosting(&[$($crate::actors::ActorKind::of::<$actor>()),+]).actor_types()
            }
            fn on_activate(actor: $crate::actors::ActorRef) -> Result<(), String> {
                $crate::actors::Hosting(&[$($crate::actors::ActorKind::of::<$actor>()),+]).on_activate(actor)
            }
            fn on_invoke(actor: $crate::actors::ActorRef, method: String, data: Vec<u8>) -> Result<Vec<u8>, String> {
                $crate::actors::Hosting(&[$($crate::actors::ActorKind::of::<$actor>()),+]).on_invoke(actor, method, data)
            }
            fn on_timer(actor: $crate::actors::ActorRef, name: String, callback: Option<String>, data: Vec<u8>) -> Result<(), String> {
                $crate::actors::Hosting(&[$($crate::actors::ActorKind::of::<$actor>()),+]).on_timer(actor, name, callback, data)
            }
            fn on_reminder(actor: $crate::actors::ActorRef, name: String, data: Vec<u8>) -> Result<$crate::actors::ReminderOutcome, String> {
                $crate::actors::Hosting(&[$($crate::actors::ActorKind::of::<$actor>()),+]).on_reminder(actor, name, data)
            }
            fn on_deactivate(actor: $crate::actors::ActorRef) -> Result<(), String> {
                $crate::actors::Hosting(&[$($crate::actors::ActorKind::of::<$actor>()),+]).on_deactivate(actor)
            }
        }
    };
}

/// Exports the listed [`Actor`] types as the component's
/// `dapr:runtime/actor` export (world `actor-app`; the `actors` feature
/// without `handler`).
#[cfg(not(feature = "handler"))]
#[macro_export]
macro_rules! export_actors {
    ($($actor:ty),+ $(,)?) => {
        /// The component's `actor` export.
        struct __DaprActors;
        $crate::__impl_actor_export!(__DaprActors; $($actor),+);
        $crate::wit::__export_actor_world!(__DaprActors with_types_in $crate::wit);
    };
}

/// Exports `$handler` (a [`Handler`](crate::Handler)) and the listed
/// [`Actor`] types: a component with both the `handler` and `actors`
/// features targets `app` and `actor-app` together.
#[cfg(feature = "handler")]
#[macro_export]
macro_rules! export_app {
    ($handler:ident, [$($actor:ty),+ $(,)?]) => {
        $crate::__impl_actor_export!($handler; $($actor),+);
        $crate::wit::__export_app_actor_world!($handler with_types_in $crate::wit);
    };
}
