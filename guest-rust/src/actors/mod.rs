//! Virtual actors (Dapr's Actors API), the client side: call an actor, read
//! and write the state of an actor this app hosts, and schedule its
//! reminders and timers. Hosting actor types is [`Actor`] and
//! [`export_actors!`](crate::export_actors) (the `actors` feature).
//!
//! ```no_run
//! use dapr_guest::actors::{self, ActorRef};
//!
//! fn add_to_cart(user: &str, item: &str) -> dapr_guest::Result<Vec<u8>> {
//!     actors::invoke(&ActorRef::new("cart", user), "add", item.as_bytes())
//! }
//! ```

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::Result;
use crate::wit::dapr::runtime::actors as raw;

pub use raw::{ActorRef, ActorStateOperation, ActorStateUpsert, Reminder, Timer};

#[cfg(feature = "actors")]
mod hosting;
#[cfg(feature = "actors")]
pub use hosting::*;

/// Calls `method` of `actor` with `data` and returns its answer (the
/// actor is activated if needed). The actor's own failure is
/// [`RuntimeError::Internal`](crate::RuntimeError::Internal) with its message.
pub fn invoke(actor: &ActorRef, method: &str, data: &[u8]) -> Result<Vec<u8>> {
    Ok(raw::invoke(actor, method, data)?)
}

/// Calls `method` of `actor` with `request` as JSON and reads its answer
/// as JSON.
pub fn invoke_json<T: Serialize + ?Sized, R: DeserializeOwned>(
    actor: &ActorRef,
    method: &str,
    request: &T,
) -> Result<R> {
    let answer = invoke(actor, method, &serde_json::to_vec(request)?)?;
    Ok(serde_json::from_slice(&answer)?)
}

/// The value of `key` in `actor`'s state (an actor type this app hosts).
pub fn get_state(actor: &ActorRef, key: &str) -> Result<Option<Vec<u8>>> {
    Ok(raw::get_state(actor, key)?)
}

/// The value of `key` in `actor`'s state, read as JSON.
pub fn get_state_json<T: DeserializeOwned>(actor: &ActorRef, key: &str) -> Result<Option<T>> {
    match get_state(actor, key)? {
        Some(bytes) => Ok(Some(serde_json::from_slice(&bytes)?)),
        None => Ok(None),
    }
}

/// Applies `operations` to `actor`'s state, all or none.
pub fn transact_state(actor: &ActorRef, operations: &[ActorStateOperation]) -> Result<()> {
    Ok(raw::transact_state(actor, operations)?)
}

/// Stores `value` as JSON under `key` in `actor`'s state.
pub fn save_state_json<T: Serialize + ?Sized>(
    actor: &ActorRef,
    key: &str,
    value: &T,
) -> Result<()> {
    let upsert = ActorStateUpsert {
        key: key.to_owned(),
        value: serde_json::to_vec(value)?,
        ttl_seconds: None,
    };
    transact_state(actor, &[ActorStateOperation::Upsert(upsert)])
}

/// Deletes `key` from `actor`'s state.
pub fn delete_state(actor: &ActorRef, key: &str) -> Result<()> {
    transact_state(actor, &[ActorStateOperation::Delete(key.to_owned())])
}

/// Registers `reminder` for `actor`, replacing one of the same name.
pub fn register_reminder(actor: &ActorRef, reminder: &Reminder) -> Result<()> {
    Ok(raw::register_reminder(actor, reminder)?)
}

/// The reminder `name` of `actor` as registered, or `None`.
pub fn get_reminder(actor: &ActorRef, name: &str) -> Result<Option<Reminder>> {
    Ok(raw::get_reminder(actor, name)?)
}

/// Unregisters the reminder `name` of `actor` (succeeding if missing).
pub fn unregister_reminder(actor: &ActorRef, name: &str) -> Result<()> {
    Ok(raw::unregister_reminder(actor, name)?)
}

/// Starts `timer` for `actor`, for as long as its activation lasts.
pub fn register_timer(actor: &ActorRef, timer: &Timer) -> Result<()> {
    Ok(raw::register_timer(actor, timer)?)
}

/// Stops the timer `name` of `actor` (succeeding if missing).
pub fn unregister_timer(actor: &ActorRef, name: &str) -> Result<()> {
    Ok(raw::unregister_timer(actor, name)?)
}

impl ActorRef {
    /// The actor `id` of type `actor_type`.
    pub fn new(actor_type: impl Into<String>, id: impl Into<String>) -> Self {
        ActorRef {
            actor_type: actor_type.into(),
            id: id.into(),
        }
    }
}

impl Reminder {
    /// A reminder `name` that fires once at `due_time` (RFC 3339, or a Go
    /// or ISO 8601 duration from now).
    pub fn new(name: impl Into<String>, due_time: impl Into<String>) -> Self {
        Reminder {
            name: name.into(),
            due_time: due_time.into(),
            period: None,
            ttl: None,
            data: Vec::new(),
        }
    }
}

impl Timer {
    /// A timer `name` that fires once at `due_time` (as a reminder's).
    pub fn new(name: impl Into<String>, due_time: impl Into<String>) -> Self {
        Timer {
            name: name.into(),
            due_time: due_time.into(),
            period: None,
            ttl: None,
            callback: None,
            data: Vec::new(),
        }
    }

    /// Hands `callback` to `on_timer`.
    pub fn callback(mut self, callback: impl Into<String>) -> Self {
        self.callback = Some(callback.into());
        self
    }
}

/// The builder methods reminders and timers share (their times and data).
macro_rules! repeating {
    ($ty:ty, $handler:literal) => {
        impl $ty {
            /// Fires again every `period` (`10s`, `PT10S`, or `R5/PT10S` for
            /// five times in all).
            pub fn period(mut self, period: impl Into<String>) -> Self {
                self.period = Some(period.into());
                self
            }

            /// Stops firing at `ttl` (as the due time reads it).
            pub fn ttl(mut self, ttl: impl Into<String>) -> Self {
                self.ttl = Some(ttl.into());
                self
            }

            #[doc = concat!("Carries `data` to `", $handler, "`.")]
            pub fn data(mut self, data: impl Into<Vec<u8>>) -> Self {
                self.data = data.into();
                self
            }
        }
    };
}

repeating!(Reminder, "on_reminder");
repeating!(Timer, "on_timer");
