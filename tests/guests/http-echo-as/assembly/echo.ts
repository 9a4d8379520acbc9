// Test guest: an HTTP app (world `http-app`) over guest-assemblyscript's
// `http.ts`, for host/tests/cli.rs.
//
// - `POST /echo` (any method, any path under `/echo`) answers `200` with
//   the request body as is, and the headers `x-method`, `x-path`,
//   `x-query`, `x-test` (the request's `x-test` header, `-` if none) and
//   `x-length` (the body's size).
// - `PUT /state/{key}` saves the body under `key` in `statestore` (`204`);
//   `GET /state/{key}` answers it (`200`, `application/octet-stream`) or
//   `404`.
// - `GET /bad-header` answers with a header name the host refuses and
//   `GET /bad-status` with status 1000: both become `500`.
// - Anything else is `404`.

import { DaprClient, KeyValue, describe } from "@wasmtime-dapr/guest-assemblyscript/assembly/dapr";
import { Request, Response, serveHttp } from "@wasmtime-dapr/guest-assemblyscript/assembly/http";

export * from "@wasmtime-dapr/guest-assemblyscript/assembly/bindings/exports-http-app";

const STORE = "statestore";
const dapr = new DaprClient();

function handle(request: Request): Response {
  const path = request.path;
  if (path.startsWith("/echo")) return echo(request);
  if (path.startsWith("/state/") && path.length > 7) {
    const key = path.substring(7);
    if (request.method == "PUT") {
      const saved = dapr.state.save(STORE, new KeyValue(key, request.body));
      return saved.isOk ? Response.empty(204) : Response.text(502, describe(saved.error));
    }
    if (request.method == "GET") {
      const found = dapr.state.get(STORE, key);
      if (found.isErr) return Response.text(502, describe(found.error));
      const value = found.value;
      return value === null ? Response.notFound() : Response.bytes(200, value.data, "application/octet-stream");
    }
  }
  if (path == "/bad-header") return Response.text(200, "unreachable").header("bad header", "x");
  if (path == "/bad-status") return new Response(1000);
  return Response.notFound();
}

function echo(request: Request): Response {
  const test = request.header("X-Test");
  return Response.bytes(200, request.body, "application/octet-stream")
    .header("x-method", request.method)
    .header("x-path", request.path)
    .header("x-query", request.query)
    .header("x-test", test === null ? "-" : test)
    .header("x-length", request.body.length.toString());
}

serveHttp(handle);
