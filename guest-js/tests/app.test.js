// App registration and the handler export, command and HTTP, against
// stubbed imports.
import assert from "node:assert/strict";
import { test } from "node:test";
import { App, http, InvokeResponse } from "@wasmtime-dapr/guest-js";
import { command } from "@wasmtime-dapr/guest-js/command";
import { bytes, str, stub } from "./helpers.js";

/** A WIT cloud-event record. */
function event(topic, data = "d") {
  return {
    id: "1", source: "app", eventType: "t", specVersion: "1.0", dataContentType: "text/plain",
    data: bytes(data), topic, pubsub: "pubsub", path: topic, extensions: [["x", "y"]],
  };
}

test("the export has one function per handler function, each with a default", () => {
  const handler = new App().handler();
  assert.deepEqual(Object.keys(handler).sort(), [
    "inputBindings", "onBindingEvent", "onBulkTopicEvent", "onConfigurationUpdate", "onInvoke", "onJobEvent", "onTopicEvent",
    "subscriptions",
  ]);
  assert.throws(() => handler.onJobEvent("j", bytes("")), (e) => typeof e === "string");
  assert.deepEqual(handler.subscriptions(), []);
  assert.deepEqual(handler.inputBindings(), []);
  assert.equal(handler.onTopicEvent(event("orders")), "drop");
  assert.equal(handler.onInvoke({ method: "m", verb: "get", query: [], headers: [], data: bytes("") }).status, 404);
  assert.throws(() => handler.onBindingEvent({ name: "b", data: bytes(""), metadata: [] }), (e) => typeof e === "string");
  handler.onConfigurationUpdate("c", "id", []);
});

test("topics: subscriptions are listed; results map to event statuses", () => {
  const seen = [];
  const app = new App()
    .topic("pubsub", "orders", (e) => { seen.push([e.text(), e.type, e.extensions]); })
    .topic("pubsub", "flaky", () => "retry", { deadLetterTopic: "dead", route: "r", metadata: { rawPayload: "true" } })
    .topic("pubsub", "boom", () => { throw new Error("boom"); })
    .topic("pubsub", "odd", () => "maybe");
  const handler = app.handler();
  assert.deepEqual(handler.subscriptions()[1], {
    pubsub: "pubsub", topic: "flaky", route: "r", metadata: [["rawPayload", "true"]], deadLetterTopic: "dead", bulk: undefined,
  });
  assert.equal(handler.onTopicEvent(event("orders", "o-1")), "success");
  assert.deepEqual(seen, [["o-1", "t", { x: "y" }]]);
  assert.equal(handler.onTopicEvent(event("flaky")), "retry");
  assert.equal(handler.onTopicEvent(event("boom")), "retry");
  assert.equal(handler.onTopicEvent(event("odd")), "retry");
  assert.throws(() => app.topic("pubsub", "orders", () => {}), /already has a handler/);
  assert.throws(() => app.topic("pubsub", "x", "not a function"), TypeError);
});

test("bulk topics: batches are answered per event; a bad answer retries the batch", () => {
  const app = new App()
    .bulkTopic("pubsub", "batched", (events) => events.map((e) => (e.text() === "bad" ? "drop" : undefined)), {
      maxMessages: 3,
      maxAwaitMs: 50,
    })
    .bulkTopic("pubsub", "short", () => [])
    .topic("pubsub", "single", () => "drop");
  const handler = app.handler();
  assert.deepEqual(handler.subscriptions()[0].bulk, { maxMessages: 3, maxAwaitMs: 50 });
  assert.equal(handler.subscriptions()[2].bulk, undefined);
  assert.deepEqual(handler.onBulkTopicEvent([event("batched", "ok"), event("batched", "bad")]), ["success", "drop"]);
  assert.deepEqual(handler.onBulkTopicEvent([event("short"), event("short")]), ["retry", "retry"]);
  assert.deepEqual(handler.onBulkTopicEvent([event("single")]), ["drop"]);
  assert.equal(handler.onTopicEvent(event("batched", "bad")), "drop");
  assert.throws(() => app.bulkTopic("pubsub", "none", () => [], { maxMessages: 0 }), RangeError);
});

test("invocations: exact method, catch-all, bodies, failures", () => {
  const handler = new App()
    .invoke("hello", (r) => InvokeResponse.text(`hello ${r.text()} ${r.verb} ${r.query[0][1]}`))
    .invoke("*", (r) => `any ${r.method}`)
    .invoke("fail", () => { throw new TypeError("bad"); })
    .invoke("weird", () => 42)
    .handler();
  const request = (method) => ({ method, verb: "post", query: [["q", "1"]], headers: [], contentType: undefined, data: bytes("you") });
  const hello = handler.onInvoke(request("hello"));
  assert.equal(str(hello.data), "hello you post 1");
  assert.equal(hello.contentType, "text/plain");
  const other = handler.onInvoke(request("other"));
  assert.deepEqual([other.status, str(other.data)], [200, "any other"]);
  const fail = handler.onInvoke(request("fail"));
  assert.deepEqual([fail.status, str(fail.data)], [500, "TypeError: bad"]);
  assert.equal(handler.onInvoke(request("weird")).status, 500);
});

test("input bindings and configuration updates", () => {
  const updates = [];
  const handler = new App()
    .binding("ticker", (e) => `got ${e.text()} ${e.metadata.k}`)
    .binding("broken", () => { throw new Error("nope"); })
    .configurationUpdate((store, id, items) => updates.push([store, id, items]))
    .handler();
  assert.deepEqual(handler.inputBindings(), ["ticker", "broken"]);
  assert.equal(str(handler.onBindingEvent({ name: "ticker", data: bytes("t"), metadata: [["k", "v"]] })), "got t v");
  assert.throws(() => handler.onBindingEvent({ name: "broken", data: bytes(""), metadata: [] }), (e) => e === "Error: nope");
  handler.onConfigurationUpdate("c", "s1", [{ key: "a", value: "1", version: "2", metadata: [] }]);
  assert.deepEqual(updates, [["c", "s1", [{ key: "a", value: "1", version: "2", metadata: {} }]]]);
});

test("jobs: by name, catch-all, failures are the err string", () => {
  const seen = [];
  const handler = new App()
    .job("report", (e) => seen.push(["report", e.text()]))
    .job("*", (e) => {
      if (e.name === "bad") throw new Error("no");
      seen.push(["any", e.name]);
    })
    .handler();
  handler.onJobEvent("report", bytes("weekly"));
  handler.onJobEvent("other", bytes(""));
  assert.deepEqual(seen, [["report", "weekly"], ["any", "other"]]);
  const log = console.error;
  console.error = () => {};
  try {
    assert.throws(() => handler.onJobEvent("bad", bytes("")), (e) => e === "Error: no");
  } finally {
    console.error = log;
  }
});

test("command: arguments after the program; a non-zero code or an exception fails", () => {
  stub("wasi:cli/environment@0.2.12", { getArguments: () => ["prog", "a", "b"] });
  let args;
  command((a) => { args = a; }).run();
  assert.deepEqual(args, ["a", "b"]);
  command(() => 0).run();
  const failure = (e) => Object.hasOwn(e, "payload") && e.payload === undefined;
  assert.throws(() => command(() => 1).run(), failure);
  const log = console.error;
  console.error = () => {};
  try {
    assert.throws(() => command(() => { throw new Error("x"); }).run(), failure);
  } finally {
    console.error = log;
  }
});

test("http.serve answers through the fetch event; a failure is a 500", async () => {
  const listeners = [];
  globalThis.addEventListener = (type, listener) => listeners.push([type, listener]);
  const log = console.error;
  console.error = () => {};
  try {
    http.serve(async (request) => {
      if (new URL(request.url).pathname === "/boom") throw new Error("boom");
      return new Response(`hi ${await request.text()}`, { status: 201 });
    });
    const [[type, listener]] = listeners;
    assert.equal(type, "fetch");
    const respond = (url, init) =>
      new Promise((resolve) => listener({ request: new Request(url, init), respondWith: resolve })).then((p) => p);
    const ok = await respond("http://app/x", { method: "POST", body: "there" });
    assert.deepEqual([ok.status, await ok.text()], [201, "hi there"]);
    const boom = await respond("http://app/boom");
    assert.deepEqual([boom.status, await boom.text()], [500, "Error: boom"]);
  } finally {
    console.error = log;
    delete globalThis.addEventListener;
  }
});

test("payloads the bindings hand over as other buffers become Uint8Arrays", () => {
  let data;
  const handler = new App().binding("b", (e) => { data = e.data; }).handler();
  handler.onBindingEvent({ name: "b", data: new ArrayBuffer(0), metadata: [] });
  assert.ok(data instanceof Uint8Array && data.length === 0);
  handler.onBindingEvent({ name: "b", data: new DataView(bytes("xyz").buffer, 1, 2), metadata: [] });
  assert.equal(str(data), "yz");
  assert.throws(() => handler.onBindingEvent({ name: "b", data: {}, metadata: [] }), (e) => /\[object Object\]/.test(e));
});
