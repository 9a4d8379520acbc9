//! Test guest for pub/sub delivery: both a Dapr app and an HTTP component.
//!
//! - Subscribes to topic `numbers` of `pubsub`. An event's data is a number
//!   `n`; when `n % 7 == 0`, the first delivery (remembered as `seen-n` in
//!   `statestore`) answers `retry`. Every other delivery applies the effect:
//!   `done-n` counts how many times it was applied.
//! - `POST /publish?from=A&to=B` publishes `A..B` to `pubsub`/`numbers`, one
//!   `publish` call each, in order.
//! - `GET /count?n=N` answers `{"distinct":D,"total":T}`: how many of
//!   `done-0..done-(N-1)` exist, and the sum of their counts.

use dapr_guest::http::{HttpHandler, Request, Response};
use dapr_guest::{CloudEvent, EventStatus, Handler, Subscription, pubsub, state};

const STORE: &str = "statestore";
const PUBSUB: &str = "pubsub";
const TOPIC: &str = "numbers";
/// Keys read per `get-bulk` call when counting.
const CHUNK: u64 = 500;

struct Sink;

impl Handler for Sink {
    fn subscriptions() -> Vec<Subscription> {
        vec![Subscription::new(PUBSUB, TOPIC)]
    }

    fn on_topic_event(event: CloudEvent) -> EventStatus {
        let Ok(n) = event.parse_json::<u64>() else {
            return EventStatus::Drop;
        };
        match handle(n) {
            Ok(status) => status,
            Err(_) => EventStatus::Retry,
        }
    }
}

fn handle(n: u64) -> dapr_guest::Result<EventStatus> {
    if n % 7 == 0 {
        let seen = format!("seen-{n}");
        if state::get(STORE, &seen)?.is_none() {
            state::save(STORE, &seen, "1")?;
            return Ok(EventStatus::Retry);
        }
    }
    let done = format!("done-{n}");
    let count = state::get_json::<u64>(STORE, &done)?.unwrap_or(0);
    state::save_json(STORE, &done, &(count + 1))?;
    Ok(EventStatus::Success)
}

impl HttpHandler for Sink {
    fn handle(request: Request) -> Response {
        let number = |name: &str| request.query_param(name).and_then(|v| v.parse::<u64>().ok());
        let result = match request.path() {
            "/publish" => match (number("from"), number("to")) {
                (Some(from), Some(to)) => publish(from, to),
                _ => return Response::text(400, "need from and to"),
            },
            "/count" => match number("n") {
                Some(n) => count(n),
                None => return Response::text(400, "need n"),
            },
            _ => return Response::not_found(),
        };
        match result {
            Ok(body) => Response::text(200, body),
            Err(e) => Response::text(500, e.to_string()),
        }
    }
}

fn publish(from: u64, to: u64) -> dapr_guest::Result<String> {
    for n in from..to {
        pubsub::publish_json(PUBSUB, TOPIC, &n)?;
    }
    Ok(to.saturating_sub(from).to_string())
}

fn count(n: u64) -> dapr_guest::Result<String> {
    let (mut distinct, mut total) = (0u64, 0u64);
    let mut start = 0;
    while start < n {
        let keys: Vec<String> = (start..n.min(start + CHUNK))
            .map(|i| format!("done-{i}"))
            .collect();
        for value in state::get_bulk(STORE, &keys)? {
            if let Some(v) = value.value? {
                distinct += 1;
                total += v.parse_json::<u64>().unwrap_or(0);
            }
        }
        start += CHUNK;
    }
    Ok(format!("{{\"distinct\":{distinct},\"total\":{total}}}"))
}

dapr_guest::export_handler!(Sink);
dapr_guest::export_http!(Sink);
