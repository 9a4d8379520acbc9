// Runs `n` state operations per invocation, the AssemblyScript counterpart of
// tests/guests/state-loop (which serves the same loop over wasi:http) for the
// `languages` benchmark group; it answers invocations (`handler.on-invoke`):
//
// - method `get`, query `n=N`: `N` gets of `bench` in `statestore`
//   (eventual consistency, no metadata, as the Rust SDK's `state::get`);
// - method `save`, query `n=N`: `N` saves of a 64-byte value to `bench`
//   (last-write, eventual, as the Rust SDK's `state::save`).
//
// Both answer `200` with `N` as text (`n` defaults to 1); a bad `n` is `400`,
// another method `404`, a failed call `500` with the error.

import {
  DaprApp,
  DaprClient,
  KeyValue,
  Request,
  Response,
  Consistency,
  Metadata,
  setHandler,
  describe,
  utf8,
} from "@wasmtime-dapr/guest-assemblyscript/assembly/dapr";
import * as stateApi from "@wasmtime-dapr/guest-assemblyscript/assembly/bindings/dapr/runtime/state";
// The handler shims and `cabi_realloc` the host calls.
export * from "@wasmtime-dapr/guest-assemblyscript/assembly/bindings/exports";

const STORE = "statestore";
const KEY = "bench";
const VALUE_LEN = 64;

const dapr = new DaprClient();
const value = new Uint8Array(VALUE_LEN);
value.fill(0x78); // 'x', like the Rust guest's [b'x'; 64]
const noMetadata: Metadata = [];

/** `n` of the query: 1 when absent, -1 when not a non-negative 32-bit integer. */
function countOf(request: Request): i64 {
  for (let i = 0; i < request.query.length; i++) {
    const pair = request.query[i];
    if (pair.f0 != "n") continue;
    const text = pair.f1;
    if (text.length == 0 || text.length > 10) return -1;
    let n: i64 = 0;
    for (let j = 0; j < text.length; j++) {
      const c = text.charCodeAt(j);
      if (c < 48 || c > 57) return -1;
      n = n * 10 + (c - 48);
    }
    return n > <i64>u32.MAX_VALUE ? -1 : n;
  }
  return 1;
}

function text(status: u16, body: string): Response {
  return new Response(status, [], "text/plain; charset=utf-8", utf8(body));
}

class StateLoop extends DaprApp {
  onInvoke(request: Request): Response {
    const n = countOf(request);
    if (n < 0) return text(400, "n must be a non-negative integer");
    const count = <u32>n;
    if (request.method == "get") {
      for (let i: u32 = 0; i < count; i++) {
        const r = stateApi.get(STORE, KEY, Consistency.Eventual, noMetadata);
        if (r.isErr) return text(500, describe(r.error));
      }
    } else if (request.method == "save") {
      for (let i: u32 = 0; i < count; i++) {
        const r = dapr.state.save(STORE, new KeyValue(KEY, value));
        if (r.isErr) return text(500, describe(r.error));
      }
    } else {
      return text(404, "no method " + request.method);
    }
    return text(200, count.toString());
  }
}

setHandler(new StateLoop());
