//! Answers every HTTP request with `200 Hello, world!`; the baseline of the
//! benchmarks.

use dapr_guest::http::{HttpHandler, Request, Response};

struct Hello;

impl HttpHandler for Hello {
    fn handle(_request: Request) -> Response {
        Response::text(200, "Hello, world!")
    }
}

dapr_guest::export_http!(Hello);
