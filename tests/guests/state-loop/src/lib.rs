//! Runs `n` state operations per request, for comparing guest and native
//! building-block calls in the benchmarks:
//!
//! - `GET /get?n=N`: `N` gets of `bench` in `statestore`.
//! - `GET /save?n=N`: `N` saves of a 64-byte value to `bench`.
//!
//! Both answer `200` with `N` (`n` defaults to 1).

use dapr_guest::http::{HttpHandler, Method, Request, Response};
use dapr_guest::state;

const STORE: &str = "statestore";
const KEY: &str = "bench";
const VALUE: [u8; 64] = [b'x'; 64];

struct StateLoop;

impl HttpHandler for StateLoop {
    fn handle(request: Request) -> Response {
        let n = match request.query_param("n").map(str::parse::<u32>) {
            None => 1,
            Some(Ok(n)) => n,
            Some(Err(_)) => return Response::text(400, "n must be a non-negative integer"),
        };
        let result = match (request.method(), request.path()) {
            (Method::Get, "/get") => repeat(n, || state::get(STORE, KEY).map(drop)),
            (Method::Get, "/save") => repeat(n, || state::save(STORE, KEY, VALUE)),
            _ => return Response::not_found(),
        };
        match result {
            Ok(()) => Response::text(200, n.to_string()),
            Err(e) => Response::text(500, e.to_string()),
        }
    }
}

/// Runs `op` `n` times, stopping at the first error.
fn repeat(n: u32, mut op: impl FnMut() -> dapr_guest::Result<()>) -> dapr_guest::Result<()> {
    (0..n).try_for_each(|_| op())
}

dapr_guest::export_http!(StateLoop);
