// The HTTP front end of the orders example, an HTTP app (world `http-app`);
// the AssemblyScript twin of examples/orders/orders.
//
// - `POST /orders` with a JSON body that has an `id` (string or number)
//   publishes the body to topic `orders` of pub/sub `pubsub` and answers
//   `202 Accepted`; `400` if the body is not such a JSON object.
// - `GET /orders/{id}` asks app `order-store` for `orders/{id}` through
//   service invocation and relays its status and body.
// - Anything else is `404`.

import { DaprClient, HttpVerb, describe } from "@wasmtime-dapr/guest-assemblyscript/assembly/dapr";
import { Request, Response, serveHttp } from "@wasmtime-dapr/guest-assemblyscript/assembly/http";
// The same check of an order the back end makes.
import { orderId } from "../../order-store-as/assembly/order-id";

// `cabi_realloc` and the `wasi:http/incoming-handler` export.
export * from "@wasmtime-dapr/guest-assemblyscript/assembly/bindings/exports-http-app";

const PUBSUB = "pubsub";
const TOPIC = "orders";
const ORDER_STORE = "order-store";
const PREFIX = "/orders";

const dapr = new DaprClient();

function handle(request: Request): Response {
  if (!request.path.startsWith(PREFIX)) return Response.notFound();
  const rest = request.path.substring(PREFIX.length);
  if (request.method == "POST" && rest.length == 0) return create(request);
  if (request.method == "GET" && rest.startsWith("/")) {
    const id = rest.substring(1);
    if (id.length > 0 && !id.includes("/")) return lookup(id);
  }
  return Response.notFound();
}

/** Publishes the order in the request body. */
function create(request: Request): Response {
  if (orderId(request.body) === null) {
    return Response.text(400, "expected a JSON object with an `id` string or number");
  }
  const published = dapr.pubsub.publish(PUBSUB, TOPIC, request.body, "application/json");
  if (published.isErr) return Response.text(502, describe(published.error));
  return Response.empty(202);
}

/** Relays order-store's answer for order `id`. */
function lookup(id: string): Response {
  const answer = dapr.invoker.invoke(ORDER_STORE, "orders/" + id, HttpVerb.Get);
  if (answer.isErr) return Response.text(502, describe(answer.error));
  const found = answer.value;
  const response = new Response(found.status, [], found.data);
  const contentType = found.contentType;
  if (contentType !== null) response.header("content-type", contentType);
  return response;
}

serveHttp(handle);
