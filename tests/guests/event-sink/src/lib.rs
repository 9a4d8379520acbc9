//! Test guest for pub/sub delivery: both a Dapr app and an HTTP component.
//!
//! - Subscribes to topic `numbers` of `pubsub`. An event's data is
//!   `{"n":N,"retryEvery":K}`; when `K > 0` and `N % K == 0`, the first
//!   delivery (remembered as `seen-N` in `statestore`) answers `retry`.
//!   Every other delivery applies the effect: `done-N` counts how many times
//!   it was applied.
//! - `POST /publish?from=A&to=B[&retry=K]` publishes `A..B` (with `K`, 7 by
//!   default) to `pubsub`/`numbers`, one `publish` call each, in order.
//! - `GET /count?n=N[&from=A]` answers `{"distinct":D,"total":T}`: how
//!   many of `done-A..done-(A+N-1)` (`A` is 0 by default) exist, and the sum
//!   of their counts.

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
        let Ok(number) = event.parse_json::<Number>() else {
            return EventStatus::Drop;
        };
        match handle(number) {
            Ok(status) => status,
            Err(_) => EventStatus::Retry,
        }
    }
}

/// An event's data.
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct Number {
    n: u64,
    retry_every: u64,
}

fn handle(Number { n, retry_every }: Number) -> dapr_guest::Result<EventStatus> {
    if retry_every > 0 && n % retry_every == 0 {
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
        let number = |name: &str| {
            request
                .query_param(name)
                .and_then(|v| v.parse::<u64>().ok())
        };
        let result = match request.path() {
            "/publish" => match (number("from"), number("to")) {
                (Some(from), Some(to)) => publish(from, to, number("retry").unwrap_or(7)),
                _ => return Response::text(400, "need from and to"),
            },
            "/count" => match number("n") {
                Some(n) => count(number("from").unwrap_or(0), n),
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

fn publish(from: u64, to: u64, retry_every: u64) -> dapr_guest::Result<String> {
    for n in from..to {
        pubsub::publish_json(PUBSUB, TOPIC, &Number { n, retry_every })?;
    }
    Ok(to.saturating_sub(from).to_string())
}

fn count(from: u64, n: u64) -> dapr_guest::Result<String> {
    let (mut distinct, mut total) = (0u64, 0u64);
    let (mut start, end) = (from, from + n);
    while start < end {
        let keys: Vec<String> = (start..end.min(start + CHUNK))
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
