//! Misbehaving and heavy HTTP endpoints for the host's fault-isolation and
//! limit tests:
//!
//! - `GET /ok`: `200 ok`.
//! - `GET /trap`: panics, so the instance traps.
//! - `GET /loop`: never returns.
//! - `GET /grow`: allocates 1 MiB chunks, keeping them, until memory runs out.
//! - `POST /echo`: answers the request body unchanged.
//! - `POST /save[?key=KEY]`: saves the body under `KEY` (default `big`) in
//!   `statestore`, answers its length.
//! - `GET /load`: answers the value of `big`.
//! - `GET /fetch?authority=HOST:PORT`: makes an outbound `wasi:http` request
//!   to `http://HOST:PORT/` and answers its status and body, or `502` with the
//!   error code when the request fails (such as when the host denies it).

use std::hint::black_box;

use dapr_guest::http::{HttpHandler, Method, Request, Response};
use dapr_guest::state;

const STORE: &str = "statestore";
const KEY: &str = "big";
const MIB: usize = 1024 * 1024;

struct Faults;

impl HttpHandler for Faults {
    fn handle(request: Request) -> Response {
        match (request.method(), request.path()) {
            (Method::Get, "/ok") => Response::text(200, "ok"),
            (Method::Get, "/trap") => panic!("trap requested"),
            (Method::Get, "/loop") => spin(),
            (Method::Get, "/grow") => grow(),
            (Method::Post, "/echo") => with_body(request, |body| {
                Response::new(200).body(body, "application/octet-stream")
            }),
            (Method::Post, "/save") => {
                let key = request.query_param("key").unwrap_or(KEY).to_string();
                with_body(request, |body| save(&key, body))
            }
            (Method::Get, "/load") => load(),
            (Method::Get, "/fetch") => match request.query_param("authority") {
                Some(authority) => fetch(&authority),
                None => Response::text(400, "missing `authority`"),
            },
            _ => Response::not_found(),
        }
    }
}

/// Runs `f` on the whole request body; `400` if it cannot be read.
fn with_body(request: Request, f: impl FnOnce(Vec<u8>) -> Response) -> Response {
    match request.into_body() {
        Ok(body) => f(body),
        Err(e) => Response::text(400, e.to_string()),
    }
}

/// Loops forever without side effects the optimizer could drop.
fn spin() -> ! {
    loop {
        black_box(());
    }
}

/// Allocates and touches 1 MiB chunks until allocation fails (and traps).
fn grow() -> ! {
    let mut chunks: Vec<Vec<u8>> = Vec::new();
    loop {
        chunks.push(vec![1; MIB]);
        black_box(&mut chunks);
    }
}

/// Saves `body` under `key` and answers its length.
fn save(key: &str, body: Vec<u8>) -> Response {
    let len = body.len();
    match state::save(STORE, key, body) {
        Ok(()) => Response::text(200, len.to_string()),
        Err(e) => Response::text(500, e.to_string()),
    }
}

/// Answers the value of `big`, `404` if missing.
fn load() -> Response {
    match state::get(STORE, KEY) {
        Ok(Some(data)) => Response::new(200).body(data, "application/octet-stream"),
        Ok(None) => Response::not_found(),
        Err(e) => Response::text(500, e.to_string()),
    }
}

dapr_guest::export_http!(Faults);

/// GETs `http://{authority}/` through `wasi:http/outgoing-handler`.
fn fetch(authority: &str) -> Response {
    use dapr_guest::http::wasi::outgoing_handler;
    use dapr_guest::http::wasi::types::{Fields, OutgoingRequest, Scheme};

    let request = OutgoingRequest::new(Fields::new());
    let _ = request.set_method(&Method::Get);
    let _ = request.set_scheme(Some(&Scheme::Http));
    let _ = request.set_authority(Some(authority));
    let _ = request.set_path_with_query(Some("/"));
    let pending = match outgoing_handler::handle(request, None) {
        Ok(pending) => pending,
        Err(code) => return Response::text(502, format!("{code:?}")),
    };
    pending.subscribe().block();
    let response = match pending.get() {
        Some(Ok(Ok(response))) => response,
        Some(Ok(Err(code))) => return Response::text(502, format!("{code:?}")),
        _ => return Response::text(502, "no response"),
    };
    let status = response.status();
    let mut body = Vec::new();
    if let Ok(incoming) = response.consume()
        && let Ok(stream) = incoming.stream()
    {
        while let Ok(chunk) = stream.blocking_read(64 * 1024) {
            body.extend_from_slice(&chunk);
        }
    }
    Response::new(status).body(body, "text/plain")
}
