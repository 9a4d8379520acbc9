// The building-block clients against stubbed imports: arguments reach the
// import as WIT values, answers and WIT errors come back converted.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  bindings,
  configuration,
  DaprError,
  ERRORS,
  EtagMismatchError,
  InternalError,
  invoke,
  InvokeRequest,
  jobs,
  InvokeResponse,
  lock,
  metadata,
  NotFoundError,
  pubsub,
  secrets,
  state,
} from "@wasmtime-dapr/guest-js";
import { bytes, str, stub, witError } from "./helpers.js";

const STATE = "dapr:runtime/state@0.1.0";

test("every WIT error case becomes its class, carrying case and message", () => {
  for (const [errorCase, cls] of ERRORS) {
    const error = DaprError.fromWit({ tag: errorCase, val: "why" });
    assert.ok(error instanceof cls && error instanceof DaprError, errorCase);
    assert.equal(error.case, errorCase);
    assert.equal(error.message, "why");
    assert.equal(String(error), `${errorCase}: why`);
  }
  const unknown = DaprError.fromWit({ tag: "new-case", val: "m" });
  assert.ok(unknown instanceof InternalError);
});

test("state.get: options become WIT arguments; a missing key is undefined", () => {
  const calls = stub(STATE, {
    get: (_store, key) => (key === "k" ? { data: bytes('{"a":1}'), etag: "7", metadata: [["m", "v"]] } : undefined),
  });
  const item = state.get("s", "k", { consistency: "strong", metadata: { x: "y" } });
  assert.deepEqual(calls[0], ["get", "s", "k", "strong", [["x", "y"]]]);
  assert.equal(item.etag, "7");
  assert.deepEqual(item.metadata, { m: "v" });
  assert.deepEqual(item.json(), { a: 1 });
  assert.equal(state.get("s", "missing"), undefined);
  assert.equal(state.getJson("s", "missing", 5), 5);
  assert.throws(() => state.get("s", "k", { consistency: "sometimes" }), TypeError);
});

test("state.saveJson and saveBulk send JSON bytes with default options", () => {
  const calls = stub(STATE, { save: () => undefined });
  state.saveJson("s", "k", { name: "Tatooine" });
  state.saveBulk("s", [state.jsonItem("p", [1], { etag: "3", concurrency: "first-write", metadata: [["ttlInSeconds", "9"]] })]);
  const [[, store, [first]], [, , [second]]] = calls;
  assert.equal(store, "s");
  assert.equal(str(first.data), '{"name":"Tatooine"}');
  assert.deepEqual(first.options, { concurrency: "last-write", consistency: "eventual" });
  assert.equal(first.etag, undefined);
  assert.equal(second.etag, "3");
  assert.equal(second.options.concurrency, "first-write");
  assert.deepEqual(second.metadata, [["ttlInSeconds", "9"]]);
  assert.throws(() => state.save("s", "k", 42), TypeError);
  assert.throws(() => state.saveJson("s", "k", undefined), TypeError);
});

test("a WIT error is thrown as its DaprError; other errors pass through", () => {
  stub(STATE, {
    save: () => {
      throw witError("etag-mismatch", "stale");
    },
    delete: () => {
      throw new RangeError("bug");
    },
  });
  assert.throws(() => state.save("s", "k", "v"), (e) => e instanceof EtagMismatchError && e.message === "stale");
  assert.throws(() => state.delete("s", "k"), RangeError);
});

test("state.getBulk keeps per-key errors; transact maps operations", () => {
  const calls = stub(STATE, {
    getBulk: () => [
      { key: "a", value: { tag: "ok", val: { data: bytes("x"), etag: undefined, metadata: [] } } },
      { key: "b", value: { tag: "ok", val: undefined } },
      { key: "c", value: { tag: "err", val: { tag: "not-found", val: "gone" } } },
    ],
    transact: () => undefined,
  });
  const [a, b, c] = state.getBulk("s", ["a", "b", "c"]);
  assert.equal(a.item.text(), "x");
  assert.equal(b.item, undefined);
  assert.ok(c.error instanceof NotFoundError);
  state.transact("s", [{ upsert: { key: "u", data: "1" } }, { delete: { key: "d", etag: "2" } }], { metadata: { m: "v" } });
  const [, , operations, meta] = calls[1];
  assert.deepEqual(operations.map((o) => [o.tag, o.val.key]), [["upsert", "u"], ["delete", "d"]]);
  assert.equal(operations[1].val.etag, "2");
  assert.deepEqual(meta, [["m", "v"]]);
  assert.throws(() => state.transact("s", [{ merge: {} }]), TypeError);
});

test("state.query serializes an object query", () => {
  const calls = stub(STATE, {
    query: () => ({ results: [{ key: "k", data: bytes('{"n":1}'), etag: "1" }], token: undefined, metadata: [] }),
  });
  const response = state.query("s", { filter: { EQ: { n: 1 } } });
  assert.equal(calls[0][2], '{"filter":{"EQ":{"n":1}}}');
  assert.deepEqual(response.results[0].json(), { n: 1 });
  assert.equal(response.token, undefined);
});

test("pubsub: publishJson sets the content type; bulk failures are DaprErrors", () => {
  const calls = stub("dapr:runtime/pubsub@0.1.0", {
    publish: () => undefined,
    bulkPublish: () => [{ entryId: "2", error: { tag: "unavailable", val: "down" } }],
  });
  pubsub.publishJson("p", "t", { id: 1 });
  assert.deepEqual(calls[0].slice(0, 3), ["publish", "p", "t"]);
  assert.equal(str(calls[0][3]), '{"id":1}');
  assert.equal(calls[0][4], "application/json");
  pubsub.publish("p", "t", "raw");
  assert.equal(calls[1][4], undefined);
  const failures = pubsub.bulkPublish("p", "t", [{ entryId: "1", data: "a" }, pubsub.jsonMessage("2", [])]);
  assert.equal(calls[2][3][0].contentType, "application/json");
  assert.equal(failures[0].entryId, "2");
  assert.equal(failures[0].error.case, "unavailable");
});

test("invoke: requests are validated and responses converted", () => {
  const calls = stub("dapr:runtime/invoke@0.1.0", {
    invokeMethod: () => ({ status: 201, headers: [["h", "v"]], contentType: "application/json", data: bytes('{"ok":true}') }),
  });
  const response = invoke.postJson("orders", "place", { id: 1 });
  const [, appId, request] = calls[0];
  assert.equal(appId, "orders");
  assert.deepEqual([request.method, request.verb, request.contentType], ["place", "post", "application/json"]);
  assert.equal(response.status, 201);
  assert.ok(response.ok);
  assert.deepEqual(response.json(), { ok: true });
  invoke.get("orders", "list");
  assert.equal(calls[1][2].verb, "get");
  assert.throws(() => new InvokeRequest({ method: "m", verb: "GET" }), TypeError);
  assert.throws(() => new InvokeResponse({ status: 70000 }), TypeError);
  assert.equal(InvokeResponse.text("hi", 404).toWit().contentType, "text/plain");
});

test("bindings, secrets, configuration, lock, metadata", () => {
  stub("dapr:runtime/bindings@0.1.0", { invoke: (_n, _o, data) => ({ data, metadata: [["k", "v"]] }) });
  const answer = bindings.invoke("files", "create", "body", { metadata: { fileName: "a" } });
  assert.equal(answer.text(), "body");
  assert.deepEqual(answer.metadata, { k: "v" });

  stub("dapr:runtime/secrets@0.1.0", {
    get: (_s, key) => (key === "multi" ? [["a", "1"], ["b", "2"]] : [[key, "v"]]),
    getBulk: () => [["x", [["x", "1"]]]],
  });
  assert.deepEqual(secrets.get("s", "multi"), { a: "1", b: "2" });
  assert.equal(secrets.getValue("s", "one"), "v");
  assert.equal(secrets.getValue("s", "multi"), "1");
  assert.deepEqual(secrets.getBulk("s"), { x: { x: "1" } });

  stub("dapr:runtime/configuration@0.1.0", {
    get: (_s, keys) => keys.map((key) => ({ key, value: `${key}!`, version: "1", metadata: [] })),
    subscribe: () => "sub-1",
    unsubscribe: () => undefined,
  });
  assert.equal(configuration.getValue("c", "greeting"), "greeting!");
  assert.equal(configuration.subscribe("c", ["a"]), "sub-1");

  stub("dapr:runtime/lock@0.1.0", { tryLock: () => true, unlock: () => "lock-belongs-to-others" });
  assert.equal(lock.tryLock("l", "r", "o", 5), true);
  assert.equal(lock.unlock("l", "r", "o"), "lock-belongs-to-others");
  assert.throws(() => lock.tryLock("l", "r", "o", -1), TypeError);

  stub("dapr:runtime/metadata@0.1.0", {
    get: () => ({ appId: "a", runtime: "embedded", components: [{ name: "s", componentType: "state.sqlite", version: "v1" }] }),
  });
  assert.deepEqual(metadata.get().components, [{ name: "s", componentType: "state.sqlite", version: "v1" }]);
});

test("jobs: a job becomes the WIT record (u64 as bigint) and back", () => {
  const calls = stub("dapr:runtime/jobs@0.1.0", {
    schedule: () => undefined,
    get: (name) =>
      name === "j"
        ? { name, schedule: "@daily", data: bytes("d"), failurePolicy: { tag: "constant", val: { intervalMs: 1500n, maxRetries: undefined } } }
        : undefined,
    delete: () => undefined,
  });
  jobs.schedule({ name: "j", dueTime: "1s", data: "d", failurePolicy: { kind: "constant", intervalMs: 500, maxRetries: 2 } }, { overwrite: true });
  const [[, job, overwrite]] = calls;
  assert.equal(overwrite, true);
  assert.deepEqual(job.failurePolicy, { tag: "constant", val: { intervalMs: 500n, maxRetries: 2 } });
  assert.equal(str(job.data), "d");
  jobs.schedule({ name: "k", schedule: "@every 1s", failurePolicy: { kind: "drop" } });
  assert.deepEqual(calls[1][1].failurePolicy, { tag: "drop" });
  assert.equal(calls[1][2], false);
  const got = jobs.get("j");
  assert.deepEqual([got.schedule, got.dueTime, got.text()], ["@daily", undefined, "d"]);
  assert.deepEqual(got.failurePolicy, { kind: "constant", intervalMs: 1500, maxRetries: undefined });
  assert.equal(jobs.get("none"), undefined);
  jobs.delete("j");
  assert.deepEqual(calls.at(-1), ["delete", "j"]);
  assert.throws(() => jobs.schedule({ name: "x", repeats: -1 }), TypeError);
  assert.throws(() => jobs.schedule({ name: "x", failurePolicy: { kind: "sometimes" } }), TypeError);
});
