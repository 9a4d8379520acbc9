//! An HTTP component that counts its visits: each `GET /` increments the
//! number stored under `counter` in `statestore` and answers the new value.
//!
//! Concurrent requests run in separate instances, so the increment is an
//! optimistic read-modify-write: the save carries the etag that was read
//! (first-write concurrency when the key is missing) and starts over when
//! another request won the race.

use dapr_guest::http::{HttpHandler, Method, Request, Response};
use dapr_guest::state::{self, SaveItem};

const STORE: &str = "statestore";
const KEY: &str = "counter";
/// How often an increment is retried after losing a race.
const MAX_ATTEMPTS: usize = 100;

struct Counter;

impl HttpHandler for Counter {
    fn handle(request: Request) -> Response {
        match (request.method(), request.path()) {
            (Method::Get, "/") => match increment() {
                Ok(count) => Response::text(200, count.to_string()),
                Err(e) => Response::text(500, e.to_string()),
            },
            _ => Response::not_found(),
        }
    }
}

/// Increments the counter and returns its new value.
fn increment() -> dapr_guest::Result<u64> {
    let mut attempt = 1;
    loop {
        let current = state::get_value(STORE, KEY)?;
        let (count, item) = match current {
            Some(value) => {
                let count = parse_count(&value.data) + 1;
                let item = SaveItem::new(KEY, count.to_string());
                (
                    count,
                    match value.etag {
                        Some(etag) => item.etag(etag),
                        None => item,
                    },
                )
            }
            None => (1, SaveItem::new(KEY, "1").first_write()),
        };
        match state::save_item(STORE, &item) {
            Err(e) if e.is_etag_mismatch() && attempt < MAX_ATTEMPTS => attempt += 1,
            result => return result.map(|()| count),
        }
    }
}

/// The stored count; anything unreadable counts as 0.
fn parse_count(data: &[u8]) -> u64 {
    std::str::from_utf8(data)
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(0)
}

dapr_guest::export_http!(Counter);
