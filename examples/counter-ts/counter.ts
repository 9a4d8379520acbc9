// An HTTP component that counts its visits: each `GET /` increments the
// number stored under `counter` in `statestore` and answers the new value.
// Concurrent requests run in separate instances, so the increment is an
// optimistic read-modify-write: the save carries the etag that was read
// (first-write concurrency when the key is missing) and starts over when
// another request won the race.

import { DaprError, EtagMismatchError, http, state } from "@wasmtime-dapr/guest-js";

const STORE = "statestore";
const KEY = "counter";
/** How often an increment is retried after losing a race. */
const MAX_ATTEMPTS = 100;

/** The stored count; anything unreadable counts as 0. */
function parseCount(text: string): number {
  const count = Number.parseInt(text.trim(), 10);
  return Number.isNaN(count) ? 0 : count;
}

/** Increments the counter and returns its new value. */
function increment(): number {
  for (let attempt = 1; ; attempt++) {
    const item = state.get(STORE, KEY);
    try {
      if (item === undefined) {
        state.save(STORE, KEY, "1", { concurrency: "first-write" });
        return 1;
      }
      const count = parseCount(item.text()) + 1;
      state.save(STORE, KEY, String(count), { etag: item.etag });
      return count;
    } catch (error) {
      if (!(error instanceof EtagMismatchError) || attempt === MAX_ATTEMPTS) throw error;
    }
  }
}

// `GET /` counts; anything else is 404.
http.serve((request) => {
  if (request.method !== "GET" || new URL(request.url).pathname !== "/") {
    return new Response("not found", { status: 404 });
  }
  try {
    return new Response(String(increment()), { headers: { "content-type": "text/plain" } });
  } catch (error) {
    if (!(error instanceof DaprError)) throw error;
    return new Response(String(error), { status: 500 });
  }
});
