// The actors client against stubbed imports, and the actor export over
// Actor subclasses.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Actor, actors, hostActors, NotFoundError } from "@wasmtime-dapr/guest-js";
import { bytes, str, stub, witError } from "./helpers.js";

const ACTORS = "dapr:runtime/actors@0.1.0";
const cart = actors.ref("cart", "alice");

test("client calls reach the import as WIT values and come back converted", () => {
  const calls = stub(ACTORS, {
    invoke: (_actor, method, data) => (method === "echo" ? data : bytes(`${method}:${str(data)}`)),
    getState: (_actor, key) => (key === "items" ? bytes('["apple"]') : undefined),
    transactState: () => undefined,
    registerReminder: () => undefined,
    getReminder: () => ({ name: "r", dueTime: "1h", data: bytes("d") }),
    registerTimer: () => undefined,
  });
  assert.equal(str(actors.invoke(cart, "add", "apple")), "add:apple");
  assert.deepEqual(actors.invokeJson(actors.ref("cart", "bob"), "echo", { n: 1 }), { n: 1 });
  assert.deepEqual(actors.getStateJson(cart, "items"), ["apple"]);
  assert.equal(actors.getState(cart, "missing"), undefined);
  assert.equal(actors.getStateJson(cart, "missing", 7), 7);
  actors.saveState(cart, "k", "v", { ttlSeconds: 5 });
  actors.deleteState(cart, "k");
  actors.registerReminder(cart, { name: "r", dueTime: "1h", period: "PT1M" });
  actors.registerTimer(cart, { name: "t", dueTime: "0s", callback: "tick", data: "x" });
  const reminder = actors.getReminder(cart, "r");
  assert.deepEqual([reminder.name, reminder.dueTime, reminder.period, reminder.text()], ["r", "1h", undefined, "d"]);

  const [, invoke] = calls;
  assert.deepEqual(invoke[1], { actorType: "cart", id: "bob" });
  assert.equal(str(invoke[3]), '{"n":1}');
  const [upsert, del] = calls.filter(([name]) => name === "transactState").map(([, , ops]) => ops[0]);
  assert.deepEqual([upsert.tag, upsert.val.key, str(upsert.val.value), upsert.val.ttlSeconds], ["upsert", "k", "v", 5]);
  assert.deepEqual(del, { tag: "delete", val: "k" });
  const [, , witReminder] = calls.find(([name]) => name === "registerReminder");
  assert.deepEqual([witReminder.period, witReminder.ttl, witReminder.data.length], ["PT1M", undefined, 0]);
  const [, , witTimer] = calls.find(([name]) => name === "registerTimer");
  assert.deepEqual([witTimer.callback, str(witTimer.data)], ["tick", "x"]);
});

test("client errors are typed", () => {
  stub(ACTORS, {
    invoke: () => {
      throw witError("not-found", "no app hosts `nope`");
    },
  });
  assert.throws(() => actors.invoke(actors.ref("nope", "1"), "m"), NotFoundError);
});

class Counter extends Actor {
  static actorType = "counter";
  static idleTimeoutMs = 1000;
  activations = 0;
  #calls = 0;

  onActivate() {
    this.activations += 1;
  }

  count() {
    this.#calls += 1;
    return `${this.ref.id}:${this.#calls}`;
  }

  fail() {
    throw new Error("no luck");
  }
}

class Quiet extends Actor {
  static actorType = "quiet";
}

test("the actor export: types, turns on one live actor, method dispatch, failures", () => {
  const actor = hostActors(Counter, Quiet);
  assert.deepEqual(Object.keys(actor).sort(), ["actorTypes", "onActivate", "onDeactivate", "onInvoke", "onReminder", "onTimer"]);
  assert.deepEqual(actor.actorTypes(), [
    { name: "counter", idleTimeoutMs: 1000n },
    { name: "quiet", idleTimeoutMs: undefined },
  ]);
  const ref = { actorType: "counter", id: "c1" };
  actor.onActivate(ref);
  assert.equal(str(actor.onInvoke(ref, "count", bytes(""))), "c1:1");
  assert.equal(str(actor.onInvoke(ref, "count", new Uint8Array())), "c1:2");
  assert.throws(() => actor.onInvoke(ref, "fail", bytes("")), (e) => e === "no luck");
  for (const hidden of ["fly", "onActivate", "constructor", "toString", "activations", "#calls"]) {
    assert.throws(() => actor.onInvoke(ref, hidden, bytes("")), (e) => e === `counter has no method \`${hidden}\``);
  }
  // Defaults: timers do nothing, reminders are kept.
  actor.onTimer(ref, "t", undefined, bytes(""));
  assert.equal(actor.onReminder(ref, "r", bytes("")), "keep");
  actor.onDeactivate(ref);
  // A turn with no live actor activates one afresh.
  assert.equal(str(actor.onInvoke(ref, "count", bytes(""))), "c1:1");
  assert.throws(() => actor.onActivate({ actorType: "other", id: "1" }), (e) => typeof e === "string" && e.includes("`other`"));
  assert.throws(() => actor.onInvoke({ actorType: "quiet", id: "q" }, "x", bytes("")), (e) => e === "quiet has no method `x`");
});

test("hostActors refuses what is not an actor type", () => {
  assert.throws(() => hostActors(class {}), TypeError);
  assert.throws(() => hostActors(class extends Actor {}), TypeError);
  assert.throws(() => hostActors(Counter, Counter), /twice/);
});
