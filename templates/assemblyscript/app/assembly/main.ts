// {{name}}: an app that keeps the items published to it.
//
// - Subscribes to topic `items` of the pub/sub `pubsub`. Each event is a
//   JSON object with a string `id`, such as `{"id": "1", "name": "apple"}`;
//   it is saved as published under `item:{id}` in `statestore`.
// - Answers the invocation `GET items/{id}` with the saved item (JSON), or
//   `404` when there is none.
//
// Every event and invocation runs in a fresh instance (top-level code runs
// first, through the `_initialize` export): keep data in the building
// blocks, not in globals.

import { JSON } from "json-as";
// json-as's syntax check: it returns false instead of aborting on bad input
// (AssemblyScript cannot catch the abort of a parser).
import { validateJSON } from "json-as/assembly/util/validateJson";
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
  fromUtf8,
  setHandler,
  utf8,
} from "@wasmtime-dapr/guest-assemblyscript/assembly/dapr";

// `cabi_realloc` and the shims of the `handler` export the host calls.
export * from "@wasmtime-dapr/guest-assemblyscript/assembly/bindings/exports";

/** The state store the items are kept in. */
const STORE = "statestore";
/** The pub/sub component and topic the items arrive on. */
const PUBSUB = "pubsub";
const TOPIC = "items";
/** The invocation method prefix. */
const PREFIX = "items/";

const dapr = new DaprClient();

class App extends DaprApp {
  /** Asked once when the app is loaded: the topics to deliver. */
  subscriptions(): Array<Subscription> {
    return [new Subscription(PUBSUB, TOPIC, null, [], null, null)];
  }

  /**
   * One event. `Success` acknowledges it, `Retry` has it delivered again
   * later, `Drop` discards it (to the dead-letter topic, if any).
   */
  onTopicEvent(event: CloudEvent): EventStatus {
    const data = fromUtf8(event.data);
    const trimmed = data.trimStart();
    // Only a JSON object is an item; anything else would abort the parser.
    const id = validateJSON(data) && trimmed.startsWith("{") ? JSON.parse<JSON.Obj>(data).get("id") : null;
    if (id === null || id.type != JSON.Types.String) {
      log("dropping event " + event.id + ": not an item with a string `id`");
      return EventStatus.Drop;
    }
    const saved = dapr.state.save(STORE, new KeyValue(key(id.get<string>()), event.data));
    if (saved.isErr) {
      log("saving item " + id.get<string>() + ": " + describe(saved.error) + "; retrying");
      return EventStatus.Retry;
    }
    return EventStatus.Success;
  }

  /** One invocation from another app (or `dapr invoke` through a sidecar). */
  onInvoke(request: Request): Response {
    let method = request.method;
    while (method.startsWith("/")) method = method.substring(1);
    if (!method.startsWith(PREFIX) || method.length == PREFIX.length) return answer(404, "");
    if (request.verb != HttpVerb.Get) return answer(405, "only GET items/{id}");
    const found = dapr.state.get(STORE, key(method.substring(PREFIX.length)));
    if (found.isErr) return answer(500, describe(found.error));
    const item = found.value;
    if (item === null) return answer(404, "");
    return new Response(200, [], "application/json", item.data);
  }
}

/** The state key of item `id`. */
function key(id: string): string {
  return "item:" + id;
}

/** Writes `message` to stderr (the WASI shim's `console.error` writes to stdout). */
function log(message: string): void {
  process.stderr.write(message + "\n");
}

/** A plain-text answer. */
function answer(status: u16, text: string): Response {
  return new Response(status, [], "text/plain", utf8(text));
}

setHandler(new App());
