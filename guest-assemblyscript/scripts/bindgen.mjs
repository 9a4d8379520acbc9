#!/usr/bin/env node
// Regenerates assembly/bindings from the WIT embedded in wasmtime-dapr, for
// worlds `app` (exports.ts), `http-app` (exports-http-app.ts) and
// `actor-app` (exports-actor-app.ts) together:
//   node scripts/bindgen.mjs   (npm run bindgen)
import { rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { runWasmtimeDapr } from "./wasmtime-dapr.mjs";

const out = join(resolve(dirname(fileURLToPath(import.meta.url)), ".."), "assembly", "bindings");
rmSync(out, { recursive: true, force: true });
runWasmtimeDapr(["bindgen", "assemblyscript", "--out", out, "--world", "app,http-app,actor-app"]);
