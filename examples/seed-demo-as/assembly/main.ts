// The seed demo in AssemblyScript: saves `weapon` ("Death Star", as JSON)
// and `planets` ({"name":"Tatooine","test":123}) with one bulk save, reads
// both back, and prints `Test successfully!` (exit code 0) if they
// round-trip; otherwise prints what differed (exit code 1). The store is
// `statestore` unless given as the first argument.

import { JSON } from "json-as";
import { DaprClient, KeyValue, describe } from "@wasmtime-dapr/guest-assemblyscript/assembly/dapr";

// The host calls `cabi_realloc` to hand strings and lists back.
export { cabi_realloc } from "@wasmtime-dapr/guest-assemblyscript/assembly/dapr";

/** The value stored under `planets`. */
@json
class Planet {
  name: string = "";
  test: i32 = 0;
}

const args = process.argv;
const storeName = args.length > 1 ? args[1] : "statestore";
const dapr = new DaprClient();

const weapon = "Death Star";
const planet = new Planet();
planet.name = "Tatooine";
planet.test = 123;

const saved = dapr.state.saveBulk(storeName, [
  KeyValue.text("weapon", JSON.stringify<string>(weapon)),
  KeyValue.text("planets", JSON.stringify<Planet>(planet)),
]);
if (saved.isErr) {
  console.error("state store `" + storeName + "`: " + describe(saved.error));
  process.exit(1);
}

let problems = new Array<string>();

const weaponBack = dapr.state.getText(storeName, "weapon");
if (weaponBack.isErr) {
  problems.push("weapon: " + describe(weaponBack.error));
} else if (weaponBack.value === null) {
  problems.push("weapon: missing after save");
} else {
  const got = JSON.parse<string>(weaponBack.value!);
  if (got != weapon) problems.push("weapon: saved \"" + weapon + "\", read back \"" + got + "\"");
}

const planetBack = dapr.state.getText(storeName, "planets");
if (planetBack.isErr) {
  problems.push("planets: " + describe(planetBack.error));
} else if (planetBack.value === null) {
  problems.push("planets: missing after save");
} else {
  const got = JSON.parse<Planet>(planetBack.value!);
  if (got.name != planet.name || got.test != planet.test) {
    problems.push("planets: saved " + JSON.stringify(planet) + ", read back " + JSON.stringify(got));
  }
}

if (problems.length == 0) {
  console.log("Test successfully!");
} else {
  for (let i = 0; i < problems.length; i++) console.error(problems[i]);
  process.exit(1);
}
