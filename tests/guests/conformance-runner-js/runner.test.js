// Tests of the runner's decoding against stubbed imports (run by
// guest-js/test.sh on the tsc output in build/tsc): a step that cannot be
// decoded is answered `invalid-argument` with a `runner:` message, never an
// exception, and a decoded step reaches the import with every argument.
import assert from "node:assert/strict";
import { test } from "node:test";
import { stub, witError, bytes } from "../../../guest-js/tests/helpers.js";
import { execute } from "./build/tsc/steps.js";

const answer = (step) => JSON.parse(execute(step));

function runnerError(step) {
  const reply = answer(step);
  const message = reply.err?.["invalid-argument"];
  assert.equal(typeof message, "string", JSON.stringify(reply));
  assert.ok(message.startsWith("runner: "), message);
  return message;
}

test("undecodable steps are invalid arguments", () => {
  runnerError("not json");
  runnerError("[1, 2]");
  runnerError('{"args": {}}');
  assert.match(runnerError('{"op": "state.nope"}'), /state\.nope/);
  runnerError('{"op": "state.get", "args": []}');
  runnerError('{"op": "state.get", "args": {"key": 7}}');
  runnerError('{"op": "state.get", "args": {"consistency": "sometimes"}}');
  runnerError('{"op": "state.save", "args": {"items": [{"data": {}}]}}');
  runnerError('{"op": "state.transact", "args": {"operations": [{"upsert": {}, "delete": {}}]}}');
  runnerError('{"op": "state.transact", "args": {"operations": [{"merge": {}}]}}');
  runnerError('{"op": "lock.try-lock", "args": {"expiry-in-seconds": -1}}');
  runnerError('{"op": "lock.try-lock", "args": {"expiry-in-seconds": true}}');
  runnerError('{"op": "lock.try-lock", "args": {"expiry-in-seconds": 4294967296}}');
  runnerError('{"op": "invoke.invoke-method", "args": {"request": {"verb": "GET"}}}');
  runnerError('{"op": "pubsub.publish", "args": {"metadata": [["a"]]}}');
  runnerError('{"op": "toString"}');
  runnerError('{"op": "jobs.schedule", "args": {"job": {"failure-policy": {"sometimes": null}}}}');
  runnerError('{"op": "jobs.schedule", "args": {"job": {"failure-policy": {"constant": {"interval-ms": -1}}}}}');
  runnerError('{"op": "jobs.schedule", "args": {"overwrite": "yes"}}');
  assert.match(runnerError('{"op": "state.get", "args": {"key": "lone-\\ud800"}}'), /Unicode/);
});

test("omitted fields take their defaults", () => {
  const calls = stub("dapr:runtime/state@0.1.0", { save: () => undefined });
  assert.deepEqual(answer('{"op": "state.save", "args": {"items": [{"etag": null}]}}'), { ok: null });
  const [[, store, [item]]] = calls;
  assert.deepEqual([store, item.key, [...item.data], item.etag, item.metadata], ["", "", [], undefined, []]);
  assert.deepEqual(item.options, { concurrency: "last-write", consistency: "eventual" });
});

test("answers encode values and errors", () => {
  stub("dapr:runtime/state@0.1.0", {
    get: () => ({ data: new Uint8Array([0x61, 0xff, 0x62]), etag: "1", metadata: [["m", "v"]] }),
  });
  assert.deepEqual(answer('{"op": "state.get", "args": {"store": "s", "key": "k"}}'), {
    ok: { data: "a\ufffdb", etag: "1", metadata: [["m", "v"]] },
  });
  stub("dapr:runtime/lock@0.1.0", {
    unlock: () => {
      throw witError("not-found", "no store");
    },
  });
  assert.deepEqual(answer('{"op": "lock.unlock", "args": {}}'), { err: { "not-found": "no store" } });
  stub("dapr:runtime/lock@0.1.0", { unlock: () => "lock-belongs-to-others" });
  assert.deepEqual(answer('{"op": "lock.unlock", "args": {}}'), { ok: "lock-belongs-to-others" });
  stub("dapr:runtime/invoke@0.1.0", {
    invokeMethod: () => {
      throw new RangeError("bug");
    },
  });
  assert.deepEqual(answer('{"op": "invoke.invoke-method", "args": {}}'), { err: { internal: "runner: RangeError: bug" } });
  stub("dapr:runtime/state@0.1.0", { get: () => ({ data: bytes(""), etag: undefined, metadata: [] }) });
  assert.deepEqual(answer('{"op": "state.get", "args": {}}'), { ok: { data: "", etag: null, metadata: [] } });
});

test("jobs: a decoded job reaches the import; a read job is encoded", () => {
  const calls = stub("dapr:runtime/jobs@0.1.0", {
    schedule: () => undefined,
    get: () => ({ name: "j", schedule: undefined, dueTime: "1s", repeats: 2, ttl: undefined, data: bytes("d"), failurePolicy: { tag: "drop" } }),
  });
  const step = { op: "jobs.schedule", args: { job: { name: "j", "due-time": "1s", "failure-policy": { constant: { "interval-ms": 500, "max-retries": null } } }, overwrite: true } };
  assert.deepEqual(answer(JSON.stringify(step)), { ok: null });
  const [[, job, overwrite]] = calls;
  assert.equal(overwrite, true);
  assert.deepEqual(job.failurePolicy, { tag: "constant", val: { intervalMs: 500n, maxRetries: undefined } });
  assert.deepEqual(answer('{"op": "jobs.get", "args": {"name": "j"}}'), {
    ok: { name: "j", schedule: null, "due-time": "1s", repeats: 2, ttl: null, data: "d", "failure-policy": { drop: null } },
  });
});
