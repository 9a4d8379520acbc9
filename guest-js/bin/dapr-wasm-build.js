#!/usr/bin/env node
// Builds a JavaScript or TypeScript module into a wasmtime-dapr component.
//
//   dapr-wasm-build [--world command|app|http-app|actor-app|app-actors|WORLD] [--wit PATH]... [--dapr-wit DIR] ENTRY -o OUT.wasm
//
// ENTRY (`.js`, `.mjs`, `.ts`, `.mts`) is bundled with esbuild (TypeScript
// types are stripped, not checked: run `tsc --noEmit` for that), imports of
// `@wasmtime-dapr/guest-js` resolve to this SDK, and componentize-js turns
// the bundle into a component of WORLD (default `command`). See README.md.

import { rmSync, writeFileSync, existsSync, mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { SDK, stageWit, daprWit, UserError, WORLDS } from "../lib/stage.js";

const USAGE =
  "usage: dapr-wasm-build [--world command|app|http-app|actor-app|app-actors|WORLD] [--wit PATH]... [--dapr-wit DIR] ENTRY -o OUT.wasm";

function options() {
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: {
        world: { type: "string", default: "command" },
        wit: { type: "string", multiple: true, default: [] },
        "dapr-wit": { type: "string" },
        out: { type: "string", short: "o" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    throw new UserError(`${error.message}\n${USAGE}`, 2);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  if (positionals.length !== 1 || !values.out) throw new UserError(USAGE, 2);
  return { entry: positionals[0], ...values };
}

/** Bundles `entry` into one ES module at `outfile`. */
async function bundle(entry, outfile) {
  const esbuild = await import("esbuild");
  try {
    await esbuild.build({
      entryPoints: [entry],
      outfile,
      bundle: true,
      format: "esm",
      platform: "neutral",
      target: "es2022",
      // The world's interfaces: componentize-js provides them as modules.
      external: ["dapr:*", "wasi:*"],
      alias: { "@wasmtime-dapr/guest-js": join(SDK, "src") },
      mainFields: ["module", "main"],
      logLevel: "silent",
    });
  } catch (error) {
    const messages = (error.errors ?? []).map(
      (e) => `${e.location ? `${e.location.file}:${e.location.line}:${e.location.column}: ` : ""}${e.text}`,
    );
    throw new UserError(`bundling ${entry} failed:\n  ${messages.join("\n  ") || error.message}`);
  }
}

async function main() {
  const opts = options();
  const entry = resolve(opts.entry);
  if (!existsSync(entry)) throw new UserError(`${opts.entry}: no such file`);
  const world = WORLDS[opts.world] ?? opts.world;
  if (!world.includes(":")) {
    throw new UserError(`unknown world \`${opts.world}\`: command, app, http-app, actor-app, app-actors, or a qualified name such as dapr:conformance/runner`, 2);
  }
  const stage = stageWit({ dapr: daprWit(opts["dapr-wit"]), extra: opts.wit });
  try {
    const bundled = join(stage, "bundle.js");
    await bundle(entry, bundled);
    const { componentize } = await import("@bytecodealliance/componentize-js");
    let component;
    try {
      ({ component } = await componentize({ sourcePath: bundled, witPath: stage, worldName: world }));
    } catch (error) {
      throw new UserError(`componentize-js (world ${world}): ${String(error.message ?? error).trim()}`);
    }
    const out = resolve(opts.out);
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, component);
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

main().catch((error) => {
  if (error instanceof UserError) {
    console.error(`dapr-wasm-build: ${error.message}`);
    process.exit(error.code);
  }
  console.error(error);
  process.exit(1);
});
