//! Answers every HTTP request with `200 Hello, world!`, except `GET /spin`,
//! which never returns; the baseline of the benchmarks (and the busy
//! neighbour of the time-isolation benchmark).

use std::hint::black_box;

use dapr_guest::http::{HttpHandler, Method, Request, Response};

struct Hello;

impl HttpHandler for Hello {
    fn handle(request: Request) -> Response {
        match (request.method(), request.path()) {
            (Method::Get, "/spin") => loop {
                black_box(());
            },
            _ => Response::text(200, "Hello, world!"),
        }
    }
}

dapr_guest::export_http!(Hello);
