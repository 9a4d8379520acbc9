// The AssemblyScript runner of the conformance scenarios: implements world
// `dapr:conformance/actor-runner` (tests/conformance/wit/runner.wit) as
// tests/conformance/README.md describes — worlds `app` and `actor-app`
// (every dapr:runtime import, the `handler` and `actor` exports) plus the
// root-level export `execute: func(step: string) -> string`.
//
// `execute` translates one JSON step to a `dapr:runtime` call and its
// outcome back to JSON (step.ts); the handler records what the host
// delivers in `statestore` so scenarios can observe it (handler.ts); the
// `actor` export hosts the test actor type `conformance-actor` (actor.ts).

import { setActor, setHandler } from "@wasmtime-dapr/guest-assemblyscript/assembly/dapr";
import { liftString } from "@wasmtime-dapr/guest-assemblyscript/assembly/bindings/rt";
import { hosted } from "./actor";
import { Runner } from "./handler";
import { execute as executeStep } from "./step";

// `cabi_realloc` and the export shims of the handler and the actor.
export * from "@wasmtime-dapr/guest-assemblyscript/assembly/bindings/exports";
export * from "@wasmtime-dapr/guest-assemblyscript/assembly/bindings/exports-actor-app";

setHandler(new Runner());
setActor(hosted);

// Return area of `execute`: the answer's pointer and length (UTF-16 code units).
const RET_AREA: usize = memory.data(8, 4);
// The last answer, kept reachable until the host has copied it out.
let answer: string = "";

/**
 * Canonical ABI export of `execute: func(step: string) -> string` (a
 * root-level function, so its core name is just `execute`): the step's
 * UTF-16 characters come as pointer and length, allocated by the host with
 * `cabi_realloc`; the answer goes back through the return area.
 */
export function execute(ptr: u32, len: u32): u32 {
  answer = executeStep(liftString(<usize>ptr, len));
  store<u32>(RET_AREA, <u32>changetype<usize>(answer), 0);
  store<u32>(RET_AREA, <u32>answer.length, 4);
  return <u32>RET_AREA;
}
