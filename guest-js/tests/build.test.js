// dapr-wasm-build refuses bad input with one clear message and a non-zero
// exit, before any component is made.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const BIN = fileURLToPath(new URL("../bin/dapr-wasm-build.js", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "dapr-wasm-build-test-"));

function build(...args) {
  const run = spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", env: { ...process.env, DAPR_WIT: "" } });
  return { code: run.status, stderr: run.stderr };
}

test("usage errors exit 2", () => {
  assert.equal(build().code, 2);
  assert.equal(build("a.js").code, 2);
  const unknown = build("--frobnicate", "a.js", "-o", "a.wasm");
  assert.equal(unknown.code, 2);
  writeFileSync(join(dir, "ok.js"), "export const x = 1;\n");
  const world = build("--world", "nonsense", join(dir, "ok.js"), "-o", join(dir, "ok.wasm"));
  assert.equal(world.code, 2);
  assert.match(world.stderr, /unknown world `nonsense`/);
});

test("a missing entry or WIT, or a syntax error, exits 1 naming it", () => {
  const missing = build(join(dir, "nope.ts"), "-o", join(dir, "x.wasm"));
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /nope\.ts: no such file/);
  writeFileSync(join(dir, "bad.ts"), "export const = ;\n");
  const bad = build(join(dir, "bad.ts"), "-o", join(dir, "bad.wasm"));
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /bundling .*bad\.ts failed:\n  .*bad\.ts:1:/);
  const noWit = build("--dapr-wit", dir, join(dir, "ok.js"), "-o", join(dir, "ok.wasm"));
  assert.equal(noWit.code, 1);
  assert.match(noWit.stderr, /no dapr:runtime WIT at/);
  const extra = build("--wit", join(dir, "missing.wit"), join(dir, "ok.js"), "-o", join(dir, "ok.wasm"));
  assert.equal(extra.code, 1);
  assert.match(extra.stderr, /--wit .*missing\.wit: no such file/);
});
