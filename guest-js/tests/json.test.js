// stringifyJson gives exactly JSON.stringify's text, long strings included.
import assert from "node:assert/strict";
import { test } from "node:test";
import { stringifyJson } from "@wasmtime-dapr/guest-js";

test("the same text as JSON.stringify", () => {
  const long = "Tatooine ☀☀ 日本 🚀 \"q\" \\ \n\t\u0001 ".repeat(3000);
  // A surrogate pair across every possible slice boundary, and lone halves.
  const pairs = "a🚀".repeat(20000) + "\ud800x\udc00" + "b".repeat(16383) + "🚀";
  const values = [
    null, true, 0, -1.5, 1e21, NaN, Infinity, "", "plain", long, pairs,
    [1, undefined, () => 1, Symbol("s"), "x"],
    { a: undefined, b: [long, { c: null }], d: new Date(0), "k\u2028ey": "v" },
    { toJSON: (key) => ({ key }) },
    [new Number(3), new String("s"), new Boolean(false)],
  ];
  for (const value of values) assert.equal(stringifyJson(value), JSON.stringify(value));
  assert.equal(stringifyJson(undefined), undefined);
  assert.throws(() => stringifyJson(1n), TypeError);
  const cyclic = {};
  cyclic.self = cyclic;
  assert.throws(() => stringifyJson(cyclic), TypeError);
  const shared = { x: 1 };
  assert.equal(stringifyJson([shared, shared]), '[{"x":1},{"x":1}]');
});
