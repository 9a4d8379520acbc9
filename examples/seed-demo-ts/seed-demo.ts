// Seeds a state store and checks that the values read back unchanged.
//
// Saves `weapon` with one save and `planets` with a bulk save, reads both
// back and prints `Test successfully!` (exit code 0) if they round-trip;
// otherwise reports the difference on stderr (exit code 1). The store is
// `statestore` unless given as the first argument.

import { DaprError, state } from "@wasmtime-dapr/guest-js";
import { command } from "@wasmtime-dapr/guest-js/command";

/** The value stored under `planets`. */
interface Planet {
  name: string;
  test: number;
}

const WEAPON = "Death Star";
const PLANET: Planet = { name: "Tatooine", test: 123 };

/** Whether two planets are the same. */
function samePlanet(a: Planet, b: Planet): boolean {
  return a.name === b.name && a.test === b.test;
}

/** Records a problem unless `key` reads back as JSON equal to `expected`. */
function check<T>(problems: string[], store: string, key: string, expected: T, same: (a: T, b: T) => boolean): void {
  const item = state.get(store, key);
  if (item === undefined) {
    problems.push(`\`${key}\`: expected ${JSON.stringify(expected)}, but the key is missing`);
    return;
  }
  let actual: T;
  try {
    actual = item.json<T>();
  } catch {
    problems.push(`\`${key}\`: expected ${JSON.stringify(expected)}, read non-JSON ${JSON.stringify(item.text())}`);
    return;
  }
  if (!same(actual, expected)) {
    problems.push(`\`${key}\`: expected ${JSON.stringify(expected)}, read ${JSON.stringify(actual)}`);
  }
}

/** Seeds `store` and returns what did not round-trip. */
function seed(store: string): string[] {
  state.saveJson(store, "weapon", WEAPON);
  state.saveBulk(store, [state.jsonItem("planets", PLANET)]);
  const problems: string[] = [];
  check(problems, store, "weapon", WEAPON, (a, b) => a === b);
  check(problems, store, "planets", PLANET, samePlanet);
  return problems;
}

export const run = command(([store = "statestore"]) => {
  let problems: string[];
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
