// Runs `n` state operations per request, the JavaScript/TypeScript
// counterpart of tests/guests/state-loop for the `languages` benchmark group:
//
// - `GET /get?n=N`: `N` gets of `bench` in `statestore` (eventual
//   consistency, no metadata);
// - `GET /save?n=N`: `N` saves of a 64-byte value to `bench` (last-write,
//   eventual).
//
// Both answer `200` with `N` (`n` defaults to 1); a malformed `n` is `400`,
// another path `404`, a failed call `500` with the error.

import { DaprError, http, state } from "@wasmtime-dapr/guest-js";

const STORE = "statestore";
const KEY = "bench";
const VALUE = new Uint8Array(64).fill(0x78); // `x` × 64

/** `n` of the query: 1 when absent, `undefined` unless a non-negative 32-bit integer. */
function countOf(url: URL): number | undefined {
  const text = url.searchParams.get("n");
  if (text === null) return 1;
  if (!/^[0-9]{1,10}$/.test(text) || Number(text) > 0xffff_ffff) return undefined;
  return Number(text);
}

/** The loop of each path. */
const LOOPS: Record<string, (n: number) => void> = {
  "/get": (n) => {
    for (let i = 0; i < n; i++) state.get(STORE, KEY);
  },
  "/save": (n) => {
    for (let i = 0; i < n; i++) state.save(STORE, KEY, VALUE);
  },
};

function text(body: string, status = 200): Response {
  return new Response(body, { status, headers: { "content-type": "text/plain; charset=utf-8" } });
}

// `GET /get` and `GET /save` run their loop; anything else is 404.
http.serve((request) => {
  const url = new URL(request.url);
  const loop = Object.hasOwn(LOOPS, url.pathname) ? LOOPS[url.pathname] : undefined;
  if (request.method !== "GET" || loop === undefined) return new Response("not found", { status: 404 });
  const n = countOf(url);
  if (n === undefined) return text("n must be a non-negative integer", 400);
  try {
    loop(n);
  } catch (error) {
    if (!(error instanceof DaprError)) throw error;
    return text(String(error), 500);
  }
  return text(String(n));
});
