#!/usr/bin/env node
// Generates the TypeScript declarations of the WIT interfaces the SDK
// imports and exports (`declare module "dapr:runtime/state@0.1.0"`, ...) into
// `generated/`, from the world `dapr:js/sdk-types` of the staged WIT.
//
// jco's `guest-types` command cannot read any path here: the component that
// generates the types sees only the preopened directories of the WASI shim
// it runs on, and that shim (preview2-shim 0.26) preopens none by default
// ("failed to read path for WIT ... No such file or directory"). This script
// calls the same generator (jco-transpile's `generateGuestTypes`) after
// preopening `/` in that shim instance.

import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { SDK, stageWit, UserError } from "./stage.js";

const require = createRequire(import.meta.url);
const transpile = require.resolve("@bytecodealliance/jco-transpile");
const shim = await import(createRequire(transpile).resolve("@bytecodealliance/preview2-shim/filesystem"));
shim._setPreopens({ "/": "/" });
const { generateGuestTypes } = await import("@bytecodealliance/jco-transpile");

const out = join(SDK, "generated");
let stage;
try {
  stage = stageWit();
  const files = await generateGuestTypes(stage, { worldName: "dapr:js/sdk-types" });
  rmSync(out, { recursive: true, force: true });
  for (const [name, content] of Object.entries(files)) {
    const path = join(out, name);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
  }
  console.log(`wrote ${Object.keys(files).length} declaration files to ${out}`);
} catch (error) {
  console.error(`types: ${error instanceof UserError ? error.message : error}`);
  process.exitCode = 1;
} finally {
  if (stage) rmSync(stage, { recursive: true, force: true });
}
