#!/usr/bin/env node
// Turns a core module built by asc into a component:
//   node componentize.mjs MODULE.wasm -o OUT.wasm --world client|app|http-app
import { runWasmtimeDapr } from "./wasmtime-dapr.mjs";

runWasmtimeDapr(["componentize", ...process.argv.slice(2)]);
