//! {{name}}: an app that keeps the items published to it.
//!
//! - Subscribes to topic `items` of the pub/sub `pubsub`. Each event is a
//!   JSON object with a string `id`, such as `{"id": "1", "name": "apple"}`;
//!   it is saved as published under `item:{id}` in `statestore`.
//! - Answers the invocation `GET items/{id}` with the saved item (JSON), or
//!   `404` when there is none.
//!
//! Every event and invocation runs in a fresh instance: keep data in the
//! building blocks, not in statics.

use dapr_guest::invoke::{HttpVerb, Request, Response};
use dapr_guest::{CloudEvent, EventStatus, Handler, Subscription, state};
use serde::Deserialize;

/// The state store the items are kept in.
const STORE: &str = "statestore";
/// The pub/sub component and topic the items arrive on.
const PUBSUB: &str = "pubsub";
const TOPIC: &str = "items";

/// What this app needs of an event; other fields are kept but not read.
#[derive(Deserialize)]
struct ItemEvent {
    id: String,
}

/// The app: the host calls these functions, each in a fresh instance.
struct App;

impl Handler for App {
    /// Asked once when the app is loaded: the topics to deliver.
    fn subscriptions() -> Vec<Subscription> {
        vec![Subscription::new(PUBSUB, TOPIC)]
    }

    /// One event. `Success` acknowledges it, `Retry` has it delivered again
    /// later, `Drop` discards it (to the dead-letter topic, if any).
    fn on_topic_event(event: CloudEvent) -> EventStatus {
        let item: ItemEvent = match event.parse_json() {
            Ok(item) => item,
            Err(e) => {
                eprintln!("dropping event {}: not an item with a string `id`: {e}", event.id);
                return EventStatus::Drop;
            }
        };
        match state::save(STORE, &key(&item.id), event.data) {
            Ok(()) => EventStatus::Success,
            Err(e) => {
                eprintln!("saving item {}: {e}; retrying", item.id);
                EventStatus::Retry
            }
        }
    }

    /// One invocation from another app (`dapr_guest::invoke::get("{{name}}",
    /// "items/1")`, or `dapr invoke` through a sidecar).
    fn on_invoke(request: Request) -> Response {
        let method = request.method.trim_start_matches('/');
        let Some(id) = method.strip_prefix("items/").filter(|id| !id.is_empty()) else {
            return Response::not_found();
        };
        if request.verb != HttpVerb::Get {
            return Response::text(405, "only GET items/{id}");
        }
        match state::get(STORE, &key(id)) {
            Ok(Some(item)) => Response::new(200).body(item, "application/json"),
            Ok(None) => Response::not_found(),
            Err(e) => Response::text(500, e.to_string()),
        }
    }
}

/// The state key of item `id`.
fn key(id: &str) -> String {
    format!("item:{id}")
}

dapr_guest::export_handler!(App);
