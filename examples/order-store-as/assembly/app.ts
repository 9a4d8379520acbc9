// The back end of the orders example, a Dapr app (`handler` export); the
// AssemblyScript twin of examples/orders/order-store.
//
// Subscribes to topic `orders` of pub/sub `pubsub` and saves every order, a
// JSON object with a string or number `id`, under `order:{id}` in
// `statestore`. Answers the invocation `GET orders/{id}` with the stored
// JSON, or `404` if there is no such order.

import {
  CloudEvent,
  DaprApp,
  DaprClient,
  EventStatus,
  HttpVerb,
  KeyValue,
  Request,
  Response,
  Subscription,
  describe,
  setHandler,
  utf8,
} from "@wasmtime-dapr/guest-assemblyscript/assembly/dapr";
import { orderId } from "./order-id";

// `cabi_realloc` and the handler's export shims.
export * from "@wasmtime-dapr/guest-assemblyscript/assembly/bindings/exports";

const STORE = "statestore";
const PUBSUB = "pubsub";
const TOPIC = "orders";
const PREFIX = "orders/";

const dapr = new DaprClient();

class OrderStore extends DaprApp {
  subscriptions(): Array<Subscription> {
    return [new Subscription(PUBSUB, TOPIC, null, [], null, null)];
  }

  onTopicEvent(event: CloudEvent): EventStatus {
    const id = orderId(event.data);
    if (id === null) return EventStatus.Drop;
    // The order's bytes exactly as published.
    const saved = dapr.state.save(STORE, new KeyValue(key(id), event.data));
    return saved.isOk ? EventStatus.Success : EventStatus.Retry;
  }

  onInvoke(request: Request): Response {
    let method = request.method;
    while (method.startsWith("/")) method = method.substring(1);
    if (request.verb != HttpVerb.Get || !method.startsWith(PREFIX) || method.length == PREFIX.length) {
      return notFound();
    }
    const found = dapr.state.get(STORE, key(method.substring(PREFIX.length)));
    if (found.isErr) return new Response(500, [], "text/plain", utf8(describe(found.error)));
    const order = found.value;
    if (order === null) return notFound();
    return new Response(200, [], "application/json", order.data);
  }
}

/** The state key of order `id`. */
function key(id: string): string {
  return "order:" + id;
}

/** `404`, no body. */
function notFound(): Response {
  return new Response(404, [], null, new Uint8Array(0));
}

setHandler(new OrderStore());
