// Seeds a state store and checks that the values read back unchanged.
//
// Saves `weapon` with one save and `planets` with a bulk save, reads both
// back and prints `Test successfully!` (exit code 0) if they round-trip;
// otherwise reports the difference on stderr (exit code 1). The store is
// `statestore` unless given as the first argument.

import { DaprError, state } from "@wasmtime-dapr/guest-js";
import { command } from "@wasmtime-dapr/guest-js/command";

const WEAPON = "Death Star";
const PLANET = { name: "Tatooine", test: 123 };

/** `value` as JSON with sorted keys, to compare values. */
function canonical(value) {
  return JSON.stringify(value, (_key, v) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );
}

/** Seeds `store` and returns what did not round-trip. */
function seed(store) {
  state.saveJson(store, "weapon", WEAPON);
  state.saveBulk(store, [state.jsonItem("planets", PLANET)]);
  const problems = [];
  for (const [key, expected] of [["weapon", WEAPON], ["planets", PLANET]]) {
    const item = state.get(store, key);
    if (item === undefined) {
      problems.push(`\`${key}\`: expected ${canonical(expected)}, but the key is missing`);
      continue;
    }
    let actual;
    try {
      actual = item.json();
    } catch {
      problems.push(`\`${key}\`: expected ${canonical(expected)}, read non-JSON ${JSON.stringify(item.text())}`);
      continue;
    }
    if (canonical(actual) !== canonical(expected)) {
      problems.push(`\`${key}\`: expected ${canonical(expected)}, read ${canonical(actual)}`);
    }
  }
  return problems;
}

export const run = command(([store = "statestore"]) => {
  let problems;
  try {
    problems = seed(store);
  } catch (error) {
    if (!(error instanceof DaprError)) throw error;
    console.error(`state store \`${store}\`: ${error}`);
    return 1;
  }
  for (const problem of problems) console.error(problem);
  if (problems.length > 0) return 1;
  console.log("Test successfully!");
  return 0;
});
