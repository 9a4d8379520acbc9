//! The runner's `handler` export: fixed subscriptions and input bindings,
//! and everything delivered recorded in `statestore` for scenarios to check.

use dapr_guest::configuration::Item;
use dapr_guest::invoke::{Request, Response};
use dapr_guest::state;

use crate::Runner;
use crate::codec::{self, text};
use crate::exports::dapr::runtime::handler::{
    BindingEvent, BulkSubscribe, CloudEvent, EventStatus, Guest, Subscription,
};

const STORE: &str = "statestore";
const PUBSUB: &str = "pubsub";
/// `flaky` events succeed on this attempt.
const FLAKY_SUCCESS_ATTEMPT: u64 = 3;
/// The most events in a batch of topic `batched`.
const BATCH_SIZE: u32 = 3;
/// How long a batch of topic `batched` waits to fill.
const BATCH_AWAIT_MS: u32 = 1000;

impl Guest for Runner {
    fn subscriptions() -> Vec<Subscription> {
        [
            ("orders", None),
            ("flaky", Some("flaky-dead")),
            ("poison", Some("poison-dead")),
            ("flaky-dead", None),
            ("poison-dead", None),
        ]
        .into_iter()
        .map(|(topic, dead_letter)| Subscription {
            pubsub: PUBSUB.to_owned(),
            topic: topic.to_owned(),
            route: None,
            metadata: Vec::new(),
            dead_letter_topic: dead_letter.map(str::to_owned),
            bulk: None,
        })
        .chain([
            Subscription {
                pubsub: PUBSUB.to_owned(),
                topic: "batched".to_owned(),
                route: None,
                metadata: Vec::new(),
                dead_letter_topic: Some("batched-dead".to_owned()),
                bulk: Some(BulkSubscribe {
                    max_messages: BATCH_SIZE,
                    max_await_ms: BATCH_AWAIT_MS,
                }),
            },
            Subscription {
                pubsub: PUBSUB.to_owned(),
                topic: "batched-dead".to_owned(),
                route: None,
                metadata: Vec::new(),
                dead_letter_topic: None,
                bulk: None,
            },
        ])
        .collect()
    }

    /// `drop-*` events are dropped, `retry-*` ones retried until their
    /// second attempt; the others (and those on their second attempt) are
    /// recorded with the size of their batch.
    fn on_bulk_topic_event(events: Vec<CloudEvent>) -> Vec<EventStatus> {
        let size = events.len();
        events
            .iter()
            .map(|event| {
                let data = text(&event.data);
                let outcome = if data.starts_with("drop") {
                    return EventStatus::Drop;
                } else if data.starts_with("retry") {
                    match count_attempt(&event.id) {
                        Ok(attempt) if attempt < 2 => return EventStatus::Retry,
                        Ok(_) => record_batched(event, size),
                        Err(e) => Err(e),
                    }
                } else {
                    record_batched(event, size)
                };
                match outcome {
                    Ok(()) => EventStatus::Success,
                    Err(_) => EventStatus::Retry,
                }
            })
            .collect()
    }

    fn on_topic_event(event: CloudEvent) -> EventStatus {
        let outcome = match event.topic.as_str() {
            "poison" => return EventStatus::Drop,
            "flaky" => match count_attempt(&event.id) {
                Ok(attempt) if attempt < FLAKY_SUCCESS_ATTEMPT => return EventStatus::Retry,
                Ok(_) => record(&event),
                Err(e) => Err(e),
            },
            _ => record(&event),
        };
        match outcome {
            Ok(()) => EventStatus::Success,
            Err(_) => EventStatus::Retry,
        }
    }

    fn on_invoke(request: Request) -> Response {
        if request.method == "fail" {
            return Response {
                status: 500,
                headers: Vec::new(),
                content_type: None,
                data: b"failed".to_vec(),
            };
        }
        let query: Vec<String> = request
            .query
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let body = format!(
            "{}:{}:{}:{}",
            codec::verb_name(request.verb),
            request.method,
            query.join("&"),
            text(&request.data),
        );
        Response::text(200, body)
    }

    fn input_bindings() -> Vec<String> {
        vec!["ticker".to_owned()]
    }

    fn on_binding_event(event: BindingEvent) -> Result<Vec<u8>, String> {
        state::save(STORE, &format!("binding:{}", event.name), event.data)
            .map(|()| Vec::new())
            .map_err(|e| e.to_string())
    }

    fn on_configuration_update(_store: String, _subscription_id: String, items: Vec<Item>) {
        for item in items {
            // Nothing can report a failure here; a missing key shows it.
            let _ = state::save(STORE, &format!("config-update:{}", item.key), item.value);
        }
    }

    /// Counts every trigger under `job-attempts:<name>`; jobs named
    /// `flaky-*` fail their first two triggers, `failing-*` every one; a
    /// completed trigger is counted under `job:<name>` as `<count>|<data>`.
    fn on_job_event(name: String, data: Vec<u8>) -> Result<(), String> {
        let attempt = count(&format!("job-attempts:{name}")).map_err(|e| e.to_string())?;
        if name.starts_with("failing-")
            || (name.starts_with("flaky-") && attempt < FLAKY_SUCCESS_ATTEMPT)
        {
            return Err(format!("job `{name}` fails attempt {attempt}"));
        }
        tally(&format!("job:{name}"), &text(&data)).map_err(|e| e.to_string())
    }
}

/// Counts one delivery under `key` in `statestore` as `<count>|<data>`.
pub(crate) fn tally(key: &str, data: &str) -> dapr_guest::Result<()> {
    let done = state::get(STORE, key)?
        .and_then(|v| {
            text(&v)
                .split('|')
                .next()
                .and_then(|n| n.parse::<u64>().ok())
        })
        .unwrap_or(0);
    state::save(STORE, key, format!("{}|{data}", done + 1))
}

/// Increments the attempt counter of event `id` and returns the new count.
fn count_attempt(id: &str) -> dapr_guest::Result<u64> {
    count(&format!("attempts:{id}"))
}

/// Increments the counter under `key` and returns the new count.
fn count(key: &str) -> dapr_guest::Result<u64> {
    let previous = state::get(STORE, key)?
        .and_then(|data| text(&data).trim().parse::<u64>().ok())
        .unwrap_or(0);
    let attempt = previous + 1;
    state::save(STORE, key, attempt.to_string())?;
    Ok(attempt)
}

/// Records a delivered event under `received:<topic>:<data>`.
fn record(event: &CloudEvent) -> dapr_guest::Result<()> {
    state::save(STORE, &received_key(event), received_value(event))
}

/// Records an event of a batch of `size` like [`record`], the size
/// appended to the value.
fn record_batched(event: &CloudEvent, size: usize) -> dapr_guest::Result<()> {
    let value = format!("{}|{size}", received_value(event));
    state::save(STORE, &received_key(event), value)
}

/// `received:<topic>:<data>`.
fn received_key(event: &CloudEvent) -> String {
    format!("received:{}:{}", event.topic, text(&event.data))
}

/// `<path>|<source>|<content type>|<data>`.
fn received_value(event: &CloudEvent) -> String {
    format!(
        "{}|{}|{}|{}",
        event.path,
        event.source,
        event.data_content_type,
        text(&event.data)
    )
}
