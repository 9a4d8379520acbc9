// The runner's `handler` export: fixed subscriptions and input bindings,
// and everything delivered recorded in `statestore` for scenarios to check
// (tests/conformance/README.md, "The runner's handler export").

import {
  DaprApp,
  DaprClient,
  KeyValue,
  Request,
  Response,
  Subscription,
  BulkSubscribe,
  CloudEvent,
  EventStatus,
  BindingEvent,
  ConfigurationItem,
  Result,
  Unit,
  DaprError,
  describe,
  ok,
  err,
} from "@wasmtime-dapr/guest-assemblyscript/assembly/dapr";
import { verbName } from "./codec";
import { bytesOf, textOf } from "./json";

const STORE = "statestore";
const PUBSUB = "pubsub";
/** `flaky` events succeed on this attempt. */
const FLAKY_SUCCESS_ATTEMPT: u64 = 3;
/** The most events in a batch of topic `batched`. */
const BATCH_SIZE: u32 = 3;
/** How long a batch of topic `batched` waits to fill. */
const BATCH_AWAIT_MS: u32 = 1000;

const dapr = new DaprClient();

export class Runner extends DaprApp {
  subscriptions(): Array<Subscription> {
    const topics: string[] = ["orders", "flaky", "poison", "flaky-dead", "poison-dead"];
    const deadLetters: Array<string | null> = [null, "flaky-dead", "poison-dead", null, null];
    const out = new Array<Subscription>();
    for (let i = 0; i < topics.length; i++) {
      out.push(new Subscription(PUBSUB, topics[i], null, [], deadLetters[i], null));
    }
    out.push(new Subscription(PUBSUB, "batched", null, [], "batched-dead", new BulkSubscribe(BATCH_SIZE, BATCH_AWAIT_MS)));
    out.push(new Subscription(PUBSUB, "batched-dead", null, [], null, null));
    return out;
  }

  /**
   * `drop-*` events are dropped, `retry-*` ones retried until their second
   * attempt; the others (and those on their second attempt) are recorded
   * with the size of their batch.
   */
  onBulkTopicEvent(events: Array<CloudEvent>): Array<EventStatus> {
    const statuses = new Array<EventStatus>();
    for (let i = 0; i < events.length; i++) {
      const event = events[i];
      const payload = textOf(event.data);
      if (payload.startsWith("drop")) {
        statuses.push(EventStatus.Drop);
        continue;
      }
      if (payload.startsWith("retry")) {
        const attempt = countAttempt(event.id);
        if (attempt.isErr || attempt.value < 2) {
          statuses.push(EventStatus.Retry);
          continue;
        }
      }
      const saved = save(receivedKey(event), receivedValue(event) + "|" + events.length.toString());
      statuses.push(saved.isOk ? EventStatus.Success : EventStatus.Retry);
    }
    return statuses;
  }

  onTopicEvent(event: CloudEvent): EventStatus {
    if (event.topic == "poison") return EventStatus.Drop;
    if (event.topic == "flaky") {
      const attempt = countAttempt(event.id);
      if (attempt.isErr) return EventStatus.Retry;
      if (attempt.value < FLAKY_SUCCESS_ATTEMPT) return EventStatus.Retry;
    }
    return record(event).isOk ? EventStatus.Success : EventStatus.Retry;
  }

  onInvoke(request: Request): Response {
    if (request.method == "fail") return new Response(500, [], null, bytesOf("failed"));
    const query = new Array<string>();
    for (let i = 0; i < request.query.length; i++) {
      query.push(request.query[i].f0 + "=" + request.query[i].f1);
    }
    const body = verbName(request.verb) + ":" + request.method + ":" + query.join("&") + ":" + textOf(request.data);
    return new Response(200, [], "text/plain", bytesOf(body));
  }

  inputBindings(): Array<string> {
    return ["ticker"];
  }

  onBindingEvent(event: BindingEvent): Result<Uint8Array, string> {
    const saved = dapr.state.save(STORE, new KeyValue("binding:" + event.name, event.data));
    if (saved.isErr) return err<Uint8Array, string>(describe(saved.error));
    return ok<Uint8Array, string>(new Uint8Array(0));
  }

  onConfigurationUpdate(storeName: string, subscriptionId: string, items: Array<ConfigurationItem>): void {
    for (let i = 0; i < items.length; i++) {
      // Nothing can report a failure here; a missing key shows it.
      dapr.state.save(STORE, KeyValue.text("config-update:" + items[i].key, items[i].value));
    }
  }

  /**
   * Counts every trigger under `job-attempts:<name>`; jobs named `flaky-*`
   * fail their first two triggers, `failing-*` every one; a completed trigger
   * is counted under `job:<name>` as `<count>|<data>`.
   */
  onJobEvent(name: string, data: Uint8Array): Result<Unit, string> {
    const attempt = count("job-attempts:" + name);
    if (attempt.isErr) return err<Unit, string>(describe(attempt.error));
    if (name.startsWith("failing-") || (name.startsWith("flaky-") && attempt.value < FLAKY_SUCCESS_ATTEMPT)) {
      return err<Unit, string>("job `" + name + "` fails attempt " + attempt.value.toString());
    }
    return tally("job:" + name, textOf(data));
  }
}

/**
 * Counts one more delivery under `key` with its data: the value becomes
 * `<count>|<data>` (job triggers, actor timers and reminders).
 */
export function tally(key: string, data: string): Result<Unit, string> {
  const previous = dapr.state.getText(STORE, key);
  if (previous.isErr) return err<Unit, string>(describe(previous.error));
  const text = previous.value;
  const done = text === null ? <u64>0 : parseCount(text.split("|")[0]);
  const saved = dapr.state.save(STORE, KeyValue.text(key, (done + 1).toString() + "|" + data));
  if (saved.isErr) return err<Unit, string>(describe(saved.error));
  return ok<Unit, string>(new Unit());
}

/** Increments the attempt counter of event `id` and returns the new count. */
function countAttempt(id: string): Result<u64, DaprError> {
  return count("attempts:" + id);
}

/** Increments the counter under `key` and returns the new count. */
function count(key: string): Result<u64, DaprError> {
  const previous = dapr.state.getText(STORE, key);
  if (previous.isErr) return err<u64, DaprError>(previous.error);
  const attempt = parseCount(previous.value) + 1;
  const saved = dapr.state.save(STORE, KeyValue.text(key, attempt.toString()));
  if (saved.isErr) return err<u64, DaprError>(saved.error);
  return ok<u64, DaprError>(attempt);
}

/** A stored counter: its trimmed text as an unsigned integer, 0 if missing or not a number. */
function parseCount(text: string | null): u64 {
  if (text === null) return 0;
  const s = text.trim();
  if (s.length == 0 || s.length > 19) return 0;
  let n: u64 = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return 0;
    n = n * 10 + <u64>(c - 0x30);
  }
  return n;
}

/** Records a delivered event under `received:<topic>:<data>`. */
function record(event: CloudEvent): Result<Unit, DaprError> {
  return save(receivedKey(event), receivedValue(event));
}

/** `received:<topic>:<data>`. */
function receivedKey(event: CloudEvent): string {
  return "received:" + event.topic + ":" + textOf(event.data);
}

/** `<path>|<source>|<content type>|<data>`. */
function receivedValue(event: CloudEvent): string {
  return event.path + "|" + event.source + "|" + event.dataContentType + "|" + textOf(event.data);
}

/** Saves text `value` under `key` in the runner's store. */
function save(key: string, value: string): Result<Unit, DaprError> {
  return dapr.state.save(STORE, KeyValue.text(key, value));
}
