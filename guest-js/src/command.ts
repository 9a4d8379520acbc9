/**
 * Run-once commands (`wasmtime-dapr run`): the `wasi:cli/run` export.
 *
 * ```ts
 * import { state } from "@wasmtime-dapr/guest-js";
 * import { command } from "@wasmtime-dapr/guest-js/command";
 *
 * export const run = command((args) => {
 *   state.save("statestore", "greeting", args[0] ?? "hello");
 *   return 0;
 * });
 * ```
 *
 * A module of its own (not re-exported by the package's index) because it
 * imports `wasi:cli/environment`, which only the `command` world has.
 * @module
 */

import { getArguments } from "wasi:cli/environment@0.2.12";

/** A command's entry: the arguments after the program name; an exit code. */
export type Main = (args: string[]) => number | void;

/** The thrown value that makes `wasi:cli/run` return `err` (exit code 1). */
class Failure extends Error {
  /** The `err` payload of `result<_, _>`: none. */
  readonly payload = undefined;
}

/**
 * The object implementing `wasi:cli/run` by calling `main`: export it as
 * `run` from the entry module, built with `--world command`. `main`
 * receives the arguments given after the component (`wasmtime-dapr run
 * app.wasm ARGS...`) and returns nothing or 0 for success, anything else
 * (or throws) for failure: exit code 1. A thrown error is printed to stderr.
 */
export function command(main: Main): { run(): void } {
  return {
    run(): void {
      let code: number | void;
      try {
        code = main(getArguments().slice(1));
      } catch (error) {
        console.error(error instanceof Error ? (error.stack ?? String(error)) : String(error));
        code = 1;
      }
      if (code !== undefined && code !== null && code !== 0) {
        throw new Failure(`exit code ${String(code)}`);
      }
    },
  };
}
