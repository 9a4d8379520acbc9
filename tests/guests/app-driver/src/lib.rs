//! A test-only HTTP front for the apps served with it, so that tests can
//! reach an app's `handler` export over loopback with the embedded backend:
//!
//! - `POST /publish/{pubsub}/{topic}` publishes the body (as
//!   `application/json`) and answers `204`, or `500` with the error.
//! - `GET /invoke/{app}/{method...}` invokes `method` of `app` with `GET`
//!   and answers the app's status and body, or `502` with the error.

use dapr_guest::http::{HttpHandler, Method, Request, Response};
use dapr_guest::{invoke, pubsub};

struct Driver;

impl HttpHandler for Driver {
    fn handle(request: Request) -> Response {
        let path = request.path().to_owned();
        match (request.method(), path.split_once('/').map(|(_, rest)| rest)) {
            (Method::Post, Some(rest)) if rest.starts_with("publish/") => {
                let Some((pubsub_name, topic)) = rest["publish/".len()..].split_once('/') else {
                    return Response::text(400, "use /publish/{pubsub}/{topic}");
                };
                let (pubsub_name, topic) = (pubsub_name.to_owned(), topic.to_owned());
                let body = match request.into_body() {
                    Ok(body) => body,
                    Err(e) => return Response::text(400, e.to_string()),
                };
                match pubsub::publish(&pubsub_name, &topic, &body, Some("application/json")) {
                    Ok(()) => Response::new(204),
                    Err(e) => Response::text(500, e.to_string()),
                }
            }
            (Method::Get, Some(rest)) if rest.starts_with("invoke/") => {
                let Some((app, method)) = rest["invoke/".len()..].split_once('/') else {
                    return Response::text(400, "use /invoke/{app}/{method}");
                };
                match invoke::get(app, method) {
                    Ok(answer) => Response::new(answer.status).body(
                        answer.data,
                        answer.content_type.as_deref().unwrap_or("application/octet-stream"),
                    ),
                    Err(e) => Response::text(502, e.to_string()),
                }
            }
            _ => Response::not_found(),
        }
    }
}

dapr_guest::export_http!(Driver);
