//! An HTTP component as a wasmCloud user writes it, with wasmCloud's
//! published SDK and nothing of this project: it must run unchanged on
//! `wasmtime-dapr serve`.
//!
//! - `PUT /kv/KEY` stores the body under `KEY` in bucket `default`;
//! - `GET /kv/KEY` answers the stored bytes, or 404;
//! - `POST /count/KEY` increments `KEY` by one and answers the count;
//! - `GET /config/KEY` answers the configuration value, or 404.

use std::io::Read;

use wasmcloud_component::http::{self, ErrorCode, Response, StatusCode};
use wasmcloud_component::wasi::config::store as config;
use wasmcloud_component::wasi::keyvalue::{atomics, store};

struct Component;

http::export!(Component);

impl http::Server for Component {
    fn handle(
        request: http::IncomingRequest,
    ) -> http::Result<http::Response<impl http::OutgoingBody>> {
        let path = request.uri().path().to_string();
        let method = request.method().as_str().to_string();
        let answer = match (method.as_str(), path.split_once('/').map(|(_, p)| p)) {
            ("PUT", Some(rest)) if rest.starts_with("kv/") => {
                let mut body = Vec::new();
                request
                    .into_body()
                    .read_to_end(&mut body)
                    .map_err(|e| ErrorCode::InternalError(Some(e.to_string())))?;
                bucket()
                    .and_then(|b| b.set(&rest[3..], &body).map_err(describe))
                    .map(|()| (StatusCode::NO_CONTENT, Vec::new()))
            }
            ("GET", Some(rest)) if rest.starts_with("kv/") => bucket()
                .and_then(|b| b.get(&rest[3..]).map_err(describe))
                .map(found),
            ("POST", Some(rest)) if rest.starts_with("count/") => bucket()
                .and_then(|b| atomics::increment(&b, &rest[6..], 1).map_err(describe))
                .map(|n| (StatusCode::OK, n.to_string().into_bytes())),
            ("GET", Some(rest)) if rest.starts_with("config/") => config::get(&rest[7..])
                .map_err(|e| format!("{e:?}"))
                .map(|value| found(value.map(String::into_bytes))),
            _ => Ok((StatusCode::NOT_FOUND, b"no such route".to_vec())),
        };
        let (status, body) =
            answer.unwrap_or_else(|e| (StatusCode::INTERNAL_SERVER_ERROR, e.into_bytes()));
        Response::builder()
            .status(status)
            .body(body)
            .map_err(|e| ErrorCode::InternalError(Some(e.to_string())))
    }
}

fn bucket() -> Result<store::Bucket, String> {
    store::open("default").map_err(describe)
}

fn describe(err: store::Error) -> String {
    format!("{err:?}")
}

fn found(value: Option<Vec<u8>>) -> (StatusCode, Vec<u8>) {
    match value {
        Some(bytes) => (StatusCode::OK, bytes),
        None => (StatusCode::NOT_FOUND, b"not found".to_vec()),
    }
}
