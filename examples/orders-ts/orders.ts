// The HTTP front end of the orders example, in TypeScript (`--world
// http-app`); the same behaviour as the Rust `orders`:
//
// - `POST /orders` with a JSON body that has an `id` (string or number)
//   publishes the body to topic `orders` of pub/sub `pubsub` and answers
//   `202 Accepted`; `400` if the body is not such a JSON object.
// - `GET /orders/{id}` asks app `order-store` for `orders/{id}` through
//   service invocation and relays its status and body.
// - Anything else is `404`.
//
// Any language's store serves it: `examples/order-store-py` is one in Python.

import { DaprError, http, invoke, pubsub } from "@wasmtime-dapr/guest-js";

const PUBSUB = "pubsub";
const TOPIC = "orders";
const ORDER_STORE = "order-store";

/** Whether `body` is a JSON object with a string or number `id`. */
function hasId(body: string): boolean {
  try {
    const order: unknown = JSON.parse(body);
    if (!order || typeof order !== "object" || Array.isArray(order)) return false;
    const id = (order as { id?: unknown }).id;
    return typeof id === "string" || typeof id === "number";
  } catch {
    return false;
  }
}

/** Publishes the order in the request body. */
async function create(request: Request): Promise<Response> {
  const body = await request.text();
  if (!hasId(body)) return new Response("expected a JSON object with an `id` string or number", { status: 400 });
  pubsub.publish(PUBSUB, TOPIC, body, { contentType: "application/json" });
  return new Response(null, { status: 202 });
}

/** Relays order-store's answer for order `id`. */
function lookup(id: string): Response {
  const answer = invoke.get(ORDER_STORE, `orders/${id}`);
  const headers: Record<string, string> = answer.contentType ? { "content-type": answer.contentType } : {};
  return new Response(answer.bytes(), { status: answer.status, headers });
}

http.serve(async (request) => {
  const path = new URL(request.url).pathname;
  try {
    if (request.method === "POST" && path === "/orders") return await create(request);
    const id = /^\/orders\/([^/]+)$/.exec(path)?.[1];
    if (request.method === "GET" && id) return lookup(decodeURIComponent(id));
    return new Response("not found", { status: 404 });
  } catch (error) {
    if (!(error instanceof DaprError)) throw error;
    return new Response(String(error), { status: 502 });
  }
});
