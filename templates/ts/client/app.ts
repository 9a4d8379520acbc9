// {{name}}: a command that checks the state store round trip.
//
// Saves two values to the state store, reads them back and prints
// `Test successfully!` (exit code 0) when both come back unchanged;
// otherwise it says on stderr what went wrong (exit code 1). The store is
// `statestore`, or the one named by the first argument.
//
// `wasmtime-dapr run` calls `run` once with the Dapr imports; on the
// embedded backend `statestore` is a SQLite file in `--data-dir`.

import { DaprError, state } from "@wasmtime-dapr/guest-js";
import { command } from "@wasmtime-dapr/guest-js/command";

/** What is saved, by key: anything JSON can hold. */
const VALUES: Record<string, unknown> = {
  greeting: "Hello from {{name}}!",
  profile: { name: "{{name}}", languages: ["typescript", "wasm"] },
};

/** Saves `VALUES` to `store` and returns what did not read back. */
function roundTrip(store: string): string[] {
  for (const [key, value] of Object.entries(VALUES)) state.saveJson(store, key, value);
  const problems: string[] = [];
  for (const [key, saved] of Object.entries(VALUES)) {
    const item = state.get(store, key);
    const text = JSON.stringify(saved);
    if (item === undefined) problems.push(`\`${key}\`: saved ${text}, but it is missing`);
    else if (JSON.stringify(item.json()) !== text) problems.push(`\`${key}\`: saved ${text}, read back ${item.text()}`);
  }
  return problems;
}

/** The `wasi:cli/run` export: 0 on success, 1 with the problems on stderr. */
export const run = command(([store = "statestore"]) => {
  let problems: string[];
  try {
    problems = roundTrip(store);
  } catch (error) {
    // A failed call: `error.case` says which kind (`not-found`, ...).
    if (!(error instanceof DaprError)) throw error;
    console.error(`state store \`${store}\`: ${error}`);
    return 1;
  }
  for (const problem of problems) console.error(problem);
  if (problems.length > 0) return 1;
  console.log("Test successfully!");
  return 0;
});
