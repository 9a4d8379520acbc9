/**
 * The runner's `handler` export: fixed subscriptions and input bindings,
 * and everything delivered recorded in `statestore` for scenarios to check
 * (tests/conformance/README.md).
 * @module
 */

import { App, type CloudEvent, DaprError, type EventStatus, InvokeResponse, state } from "@wasmtime-dapr/guest-js";

const STORE = "statestore";
const PUBSUB = "pubsub";
/** `flaky` events and `flaky-*` jobs succeed on this attempt. */
const FLAKY_SUCCESS_ATTEMPT = 3;

/** Records a delivered event under `received:<topic>:<data>`, with `suffix` appended to the value. */
function record(event: CloudEvent, suffix = ""): void {
  const data = event.text();
  state.save(STORE, `received:${event.topic}:${data}`, `${event.path}|${event.source}|${event.dataContentType}|${data}${suffix}`);
}

/** Increments the counter under `key`; the new count. */
function count(key: string): number {
  const item = state.get(STORE, key);
  const previous = item ? Number.parseInt(item.text().trim(), 10) : 0;
  const attempt = (Number.isNaN(previous) ? 0 : previous) + 1;
  state.save(STORE, key, String(attempt));
  return attempt;
}

/**
 * Counts one more delivery under `key` with its data: the value becomes
 * `<count>|<data>` (job triggers, actor timers and reminders).
 */
export function tally(key: string, data: string): void {
  const done = Number.parseInt(state.get(STORE, key)?.text().split("|")[0] ?? "", 10);
  state.save(STORE, key, `${(Number.isNaN(done) ? 0 : done) + 1}|${data}`);
}

/** The runner's handlers. */
export const app = new App();

for (const topic of ["orders", "flaky-dead", "poison-dead", "batched-dead"]) app.topic(PUBSUB, topic, (event) => record(event));

// `drop-*` events are dropped, `retry-*` ones retried until their second
// attempt; the others (and those on their second attempt) are recorded with
// the size of their batch.
app.bulkTopic(
  PUBSUB,
  "batched",
  (events) =>
    events.map((event): EventStatus | void => {
      const data = event.text();
      if (data.startsWith("drop")) return "drop";
      if (data.startsWith("retry") && count(`attempts:${event.id}`) < 2) return "retry";
      record(event, `|${events.length}`);
    }),
  { maxMessages: 3, maxAwaitMs: 1000, deadLetterTopic: "batched-dead" },
);

// Retried until its third attempt, then recorded.
app.topic(
  PUBSUB,
  "flaky",
  (event): EventStatus | void => {
    if (count(`attempts:${event.id}`) < FLAKY_SUCCESS_ATTEMPT) return "retry";
    record(event);
  },
  { deadLetterTopic: "flaky-dead" },
);

// Never processed.
app.topic(PUBSUB, "poison", () => "drop", { deadLetterTopic: "poison-dead" });

// Always answers 500.
app.invoke("fail", () => new InvokeResponse({ status: 500, data: "failed" }));

// Answers `<verb>:<method>:<query as k=v joined by &>:<data>`.
app.invoke("*", (request) => {
  const query = request.query.map(([k, v]) => `${k}=${v}`).join("&");
  return InvokeResponse.text(`${request.verb}:${request.method}:${query}:${request.text()}`);
});

// Saves `binding:<name>` = the event's data.
app.binding("ticker", (event) => {
  state.save(STORE, `binding:${event.name}`, event.data);
});

// Saves `config-update:<key>` = the value of each changed item.
app.configurationUpdate((_store, _subscriptionId, items) => {
  for (const item of items) {
    try {
      state.save(STORE, `config-update:${item.key}`, item.value);
    } catch (e) {
      // Nothing can report a failure here; the missing key shows it.
      if (!(e instanceof DaprError)) throw e;
    }
  }
});

// Counts every trigger under `job-attempts:<name>`; jobs named `flaky-*`
// fail their first two triggers, `failing-*` every one; a completed trigger
// is counted under `job:<name>` as `<count>|<data>`.
app.job("*", (event) => {
  const attempt = count(`job-attempts:${event.name}`);
  if (event.name.startsWith("failing-") || (event.name.startsWith("flaky-") && attempt < FLAKY_SUCCESS_ATTEMPT)) {
    throw new Error(`job \`${event.name}\` fails attempt ${attempt}`);
  }
  tally(`job:${event.name}`, event.text());
});
