//! The runner's `actor` export: the test actor type `conformance-actor`.
//! Its methods show what the host promises: `echo` answers its data;
//! `count` counts calls in memory (only the same instance, turn after turn,
//! keeps counting); `set` (`key=value`) and `get` (`key`) use actor state;
//! `turn` notes in actor state that a turn is running, waits 50 ms and
//! counts, noting an overlap if another turn was running; `timer`
//! (`name=period`) registers a timer on itself; `call`
//! (`type/id/method/data`) calls another actor and answers its answer. Timers and reminders are
//! recorded in `statestore` as `actor-timer:<id>:<name>` and
//! `actor-reminder:<id>:<name>` = `<count>|<data>`; a reminder whose data is
//! `cancel` cancels itself.

use std::cell::Cell;
use std::time::Duration;

use dapr_guest::actors::{self, ActorRef, Timer};

use crate::Runner;
use crate::codec::text;
use crate::exports::dapr::runtime::actor::{ActorType, Guest, ReminderOutcome};
use crate::handler::tally;

/// The hosted type.
const TYPE: &str = "conformance-actor";

thread_local! {
    /// The calls of `count` in this instance.
    static CALLS: Cell<u64> = const { Cell::new(0) };
}

impl Guest for Runner {
    fn actor_types() -> Vec<ActorType> {
        vec![ActorType {
            name: TYPE.to_owned(),
            idle_timeout_ms: None,
        }]
    }

    fn on_activate(_actor: ActorRef) -> Result<(), String> {
        CALLS.set(0);
        Ok(())
    }

    fn on_invoke(actor: ActorRef, method: String, data: Vec<u8>) -> Result<Vec<u8>, String> {
        let failed = |e: dapr_guest::Error| e.to_string();
        match method.as_str() {
            "echo" => Ok(data),
            "count" => {
                CALLS.set(CALLS.get() + 1);
                Ok(CALLS.get().to_string().into_bytes())
            }
            "set" => {
                let data = text(&data).into_owned();
                let (key, value) = data.split_once('=').ok_or("set takes key=value")?;
                set(&actor, key, value.as_bytes()).map_err(failed)?;
                Ok(Vec::new())
            }
            "get" => Ok(actors::get_state(&actor, &text(&data))
                .map_err(failed)?
                .unwrap_or_default()),
            "turn" => {
                let overlapping = actors::get_state(&actor, "busy").map_err(failed)?.is_some();
                if overlapping {
                    add(&actor, "overlaps").map_err(failed)?;
                }
                set(&actor, "busy", b"1").map_err(failed)?;
                std::thread::sleep(Duration::from_millis(50));
                actors::delete_state(&actor, "busy").map_err(failed)?;
                Ok(add(&actor, "turns")
                    .map_err(failed)?
                    .to_string()
                    .into_bytes())
            }
            "timer" => {
                let data = text(&data).into_owned();
                let (name, period) = data.split_once('=').ok_or("timer takes name=period")?;
                let timer = Timer::new(name, "0s")
                    .period(period)
                    .callback("tick")
                    .data("timer-data");
                actors::register_timer(&actor, &timer).map_err(failed)?;
                Ok(Vec::new())
            }
            "call" => {
                let data = text(&data).into_owned();
                let mut parts = data.splitn(4, '/');
                let (Some(actor_type), Some(id), Some(method)) =
                    (parts.next(), parts.next(), parts.next())
                else {
                    return Err("call takes type/id/method/data".to_owned());
                };
                let callee = ActorRef::new(actor_type, id);
                actors::invoke(&callee, method, parts.next().unwrap_or("").as_bytes())
                    .map_err(failed)
            }
            other => Err(format!("conformance-actor has no method `{other}`")),
        }
    }

    fn on_timer(
        actor: ActorRef,
        name: String,
        callback: Option<String>,
        data: Vec<u8>,
    ) -> Result<(), String> {
        let data = format!("{}:{}", callback.unwrap_or_default(), text(&data));
        tally(&format!("actor-timer:{}:{name}", actor.id), &data).map_err(|e| e.to_string())
    }

    fn on_reminder(
        actor: ActorRef,
        name: String,
        data: Vec<u8>,
    ) -> Result<ReminderOutcome, String> {
        tally(&format!("actor-reminder:{}:{name}", actor.id), &text(&data))
            .map_err(|e| e.to_string())?;
        Ok(if data == b"cancel" {
            ReminderOutcome::Cancel
        } else {
            ReminderOutcome::Keep
        })
    }

    fn on_deactivate(_actor: ActorRef) -> Result<(), String> {
        Ok(())
    }
}

/// Stores `value` under `key` in `actor`'s state.
fn set(actor: &ActorRef, key: &str, value: &[u8]) -> dapr_guest::Result<()> {
    actors::transact_state(
        actor,
        &[actors::ActorStateOperation::Upsert(
            actors::ActorStateUpsert {
                key: key.to_owned(),
                value: value.to_vec(),
                ttl_seconds: None,
            },
        )],
    )
}

/// Increments the count under `key` in `actor`'s state; the new count.
fn add(actor: &ActorRef, key: &str) -> dapr_guest::Result<u64> {
    let count = actors::get_state(actor, key)?
        .and_then(|v| text(&v).parse::<u64>().ok())
        .unwrap_or(0)
        + 1;
    set(actor, key, count.to_string().as_bytes())?;
    Ok(count)
}
