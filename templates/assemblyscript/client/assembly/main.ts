// {{name}}: a command that checks the state store round trip.
//
// Saves two values to the state store, reads them back and prints
// `Test successfully!` (exit code 0) when both come back unchanged;
// otherwise it says on stderr what went wrong (exit code 1). The store is
// `statestore`, or the one named by the first argument.
//
// `wasmtime-dapr run` runs this module's top-level code once (the `_start`
// export) with the Dapr imports; on the embedded backend `statestore` is a
// SQLite file in `--data-dir`.

import { DaprClient, KeyValue, describe } from "@wasmtime-dapr/guest-assemblyscript/assembly/dapr";

// The host calls `cabi_realloc` to hand strings and lists to the module.
export { cabi_realloc } from "@wasmtime-dapr/guest-assemblyscript/assembly/dapr";

const args = process.argv;
const storeName = args.length > 1 ? args[1] : "statestore";
const dapr = new DaprClient();

// The values to round-trip: state values are bytes; these are JSON text.
const keys = ["greeting", "profile"];
const values = ['"Hello from {{name}}!"', '{"name":"{{name}}","languages":["assemblyscript","wasm"]}'];

// Every call returns a Result (AssemblyScript cannot catch exceptions):
// test `isErr`, then read `value` or `error`.
for (let i = 0; i < keys.length; i++) {
  const saved = dapr.state.save(storeName, KeyValue.text(keys[i], values[i]));
  if (saved.isErr) fail("saving `" + keys[i] + "` to `" + storeName + "`: " + describe(saved.error));
}
for (let i = 0; i < keys.length; i++) {
  const read = dapr.state.getText(storeName, keys[i]);
  if (read.isErr) fail("reading `" + keys[i] + "` from `" + storeName + "`: " + describe(read.error));
  const value = read.value;
  if (value === null) fail("`" + keys[i] + "`: saved " + values[i] + ", but it is missing");
  else if (value != values[i]) fail("`" + keys[i] + "`: saved " + values[i] + ", read back " + value);
}
console.log("Test successfully!");

/** Reports `problem` on stderr and exits with code 1. */
function fail(problem: string): void {
  // The WASI shim's `console.error` writes to stdout; this is stderr.
  process.stderr.write(problem + "\n");
  process.exit(1);
}
