// Finds and runs the `wasmtime-dapr` CLI: $WASMTIME_DAPR, the binary in the
// repository's target/release, or the one on PATH.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** Runs `wasmtime-dapr ARGS...` with inherited stdio and exits with its status. */
export function runWasmtimeDapr(args) {
  const candidates = [process.env.WASMTIME_DAPR, join(repo, "target", "release", "wasmtime-dapr"), "wasmtime-dapr"]
    .filter((c) => c && (c === "wasmtime-dapr" || existsSync(c)));
  for (const bin of candidates) {
    const probe = spawnSync(bin, [args[0], "--help"], { stdio: "ignore" });
    if (probe.error || probe.status !== 0) continue;
    const r = spawnSync(bin, args, { stdio: "inherit" });
    process.exit(r.error ? 1 : (r.status ?? 1));
  }
  console.error(
    "no wasmtime-dapr binary found; build it with `cargo build --release -p wasmtime-dapr` or set WASMTIME_DAPR",
  );
  process.exit(1);
}
