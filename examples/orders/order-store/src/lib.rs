//! The back end of the orders example, a Dapr app (`handler` export).
//!
//! Subscribes to topic `orders` of pub/sub `pubsub` and saves every order, a
//! JSON object with a string or number `id`, under `order:{id}` in
//! `statestore`. Answers the invocation `GET orders/{id}` with the stored
//! JSON, or `404` if there is no such order.

use dapr_guest::invoke::{HttpVerb, Request, Response};
use dapr_guest::{CloudEvent, EventStatus, Handler, Subscription, state};
use serde_json::Value;

const STORE: &str = "statestore";
const PUBSUB: &str = "pubsub";
const TOPIC: &str = "orders";

struct OrderStore;

impl Handler for OrderStore {
    fn subscriptions() -> Vec<Subscription> {
        vec![Subscription::new(PUBSUB, TOPIC)]
    }

    fn on_topic_event(event: CloudEvent) -> EventStatus {
        let Some(id) = event.parse_json::<Value>().ok().as_ref().and_then(order_id) else {
            return EventStatus::Drop;
        };
        match state::save(STORE, &key(&id), event.data) {
            Ok(()) => EventStatus::Success,
            Err(_) => EventStatus::Retry,
        }
    }

    fn on_invoke(request: Request) -> Response {
        let method = request.method.trim_start_matches('/');
        match (request.verb, method.strip_prefix("orders/")) {
            (HttpVerb::Get, Some(id)) if !id.is_empty() => match state::get(STORE, &key(id)) {
                Ok(Some(order)) => Response::new(200).body(order, "application/json"),
                Ok(None) => Response::not_found(),
                Err(e) => Response::text(500, e.to_string()),
            },
            _ => Response::not_found(),
        }
    }
}

/// The order's `id` as text, if it is a string or number.
fn order_id(order: &Value) -> Option<String> {
    match order.get("id")? {
        Value::String(id) => Some(id.clone()),
        Value::Number(id) => Some(id.to_string()),
        _ => None,
    }
}

/// The state key of order `id`.
fn key(id: &str) -> String {
    format!("order:{id}")
}

dapr_guest::export_handler!(OrderStore);
