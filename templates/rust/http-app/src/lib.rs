//! {{name}}: a JSON HTTP endpoint backed by the state store.
//!
//! - `POST /items/{id}` with a JSON body saves it under `item:{id}` in
//!   `statestore` and answers `201` with the saved JSON (`400` if the body
//!   is not JSON).
//! - `GET /items/{id}` answers the saved JSON, or `404`.
//!
//! Every request runs in a fresh instance: keep data in the building
//! blocks, not in statics.

use dapr_guest::http::{HttpHandler, Method, Request, Response};
use dapr_guest::state;
use serde_json::{Value, json};

/// The state store the items are kept in.
const STORE: &str = "statestore";

/// The HTTP handler: `handle` is called once per request.
struct Items;

impl HttpHandler for Items {
    fn handle(request: Request) -> Response {
        let Some(id) = request
            .path()
            .strip_prefix("/items/")
            .filter(|id| !id.is_empty() && !id.contains('/'))
            .map(str::to_owned)
        else {
            return error(404, "no such resource: use /items/{id}");
        };
        match request.method() {
            Method::Get => get(&id),
            Method::Post => match request.into_body() {
                Ok(body) => post(&id, &body),
                Err(e) => error(400, &e.to_string()),
            },
            _ => error(405, "use GET or POST"),
        }
    }
}

/// `GET /items/{id}`.
fn get(id: &str) -> Response {
    match state::get(STORE, &key(id)) {
        Ok(Some(item)) => Response::new(200).body(item, "application/json"),
        Ok(None) => error(404, &format!("no item {id}")),
        Err(e) => error(500, &e.to_string()),
    }
}

/// `POST /items/{id}`: the body must be JSON; it is saved as sent.
fn post(id: &str, body: &[u8]) -> Response {
    if let Err(e) = serde_json::from_slice::<Value>(body) {
        return error(400, &format!("the body is not JSON: {e}"));
    }
    match state::save(STORE, &key(id), body) {
        Ok(()) => Response::new(201).body(body, "application/json"),
        Err(e) => error(500, &e.to_string()),
    }
}

/// An error answer: `{"error": message}`.
fn error(status: u16, message: &str) -> Response {
    Response::new(status).body(json!({ "error": message }).to_string(), "application/json")
}

/// The state key of item `id`.
fn key(id: &str) -> String {
    format!("item:{id}")
}

dapr_guest::export_http!(Items);
