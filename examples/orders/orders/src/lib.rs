//! The HTTP front end of the orders example.
//!
//! - `POST /orders` with a JSON body that has an `id` (string or number)
//!   publishes the body to topic `orders` of pub/sub `pubsub` and answers
//!   `202 Accepted`; `400` if the body is not such a JSON object.
//! - `GET /orders/{id}` asks app `order-store` for `orders/{id}` through
//!   service invocation and relays its status and body.
//! - Anything else is `404`.

use dapr_guest::http::{HttpHandler, Method, Request, Response};
use dapr_guest::{invoke, pubsub};
use serde_json::Value;

const PUBSUB: &str = "pubsub";
const TOPIC: &str = "orders";
const ORDER_STORE: &str = "order-store";

struct Orders;

impl HttpHandler for Orders {
    fn handle(request: Request) -> Response {
        let path = request.path().to_owned();
        match (request.method(), path.strip_prefix("/orders")) {
            (Method::Post, Some("")) => create(request),
            (Method::Get, Some(rest)) => match rest.strip_prefix('/') {
                Some(id) if !id.is_empty() && !id.contains('/') => lookup(id),
                _ => Response::not_found(),
            },
            _ => Response::not_found(),
        }
    }
}

/// Publishes the order in the request body.
fn create(request: Request) -> Response {
    let body = match request.into_body() {
        Ok(body) => body,
        Err(e) => return Response::text(400, e.to_string()),
    };
    if !has_id(&body) {
        return Response::text(400, "expected a JSON object with an `id` string or number");
    }
    match pubsub::publish(PUBSUB, TOPIC, &body, Some("application/json")) {
        Ok(()) => Response::new(202),
        Err(e) => Response::text(502, e.to_string()),
    }
}

/// Whether `body` is a JSON object with a string or number `id`.
fn has_id(body: &[u8]) -> bool {
    serde_json::from_slice::<Value>(body)
        .is_ok_and(|order| matches!(order.get("id"), Some(Value::String(_) | Value::Number(_))))
}

/// Relays order-store's answer for order `id`.
fn lookup(id: &str) -> Response {
    match invoke::get(ORDER_STORE, &format!("orders/{id}")) {
        Ok(answer) => {
            let mut response = Response::new(answer.status);
            if let Some(content_type) = answer.content_type {
                response = response.header("content-type", content_type);
            }
            response.body = answer.data;
            response
        }
        Err(e) => Response::text(502, e.to_string()),
    }
}

dapr_guest::export_http!(Orders);
