// Lays out the WIT that componentize-js and the type generator read.
//
// Both resolve one directory as one package: its `.wit` files at the top and
// every package it uses under `deps/`. The SDK's package (`wit/worlds.wit`,
// `dapr:js`) goes at the top; `dapr:runtime` (the repository's `wit/`, or the
// copy `wasmtime-dapr wit --out DIR` writes) goes under `deps/dapr-runtime`
// and its own `deps/` next to it; each `--wit` path (a file or a directory of
// one package, with optional `deps/`) under `deps/` too.
//
// The http-app world: StarlingMonkey, the JavaScript engine inside
// componentize-js, implements `wasi:http/incoming-handler` (the fetch event)
// at the wasi:http version it was built with, and componentize-js only
// accepts that exact version as the world's export. So when the dapr:runtime
// WIT has another wasi:http version, the staged WIT gets a copy of that
// wasi:http package relabelled with the engine's version (its interfaces are
// the same across 0.2.x patch releases; they keep using the other WASI
// packages at the dapr:runtime version), and the `dapr:js/http-app` world
// includes dapr:runtime's client and that `wasi:http/proxy`. The host links
// the older patch version to its own (semver-compatible).

import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The guest-js directory. */
export const SDK = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** The `--world` shorthands, by the world each names. */
export const WORLDS = {
  command: "dapr:js/command",
  app: "dapr:runtime/app",
  "http-app": "dapr:js/http-app",
  "actor-app": "dapr:runtime/actor-app",
  "app-actors": "dapr:js/app-actors",
};

/** A user error: printed as one line, exit code 1 (or 2 for usage). */
export class UserError extends Error {
  constructor(message, code = 1) {
    super(message);
    this.code = code;
  }
}

/**
 * The dapr:runtime WIT directory: `$DAPR_WIT`, else the repository's `wit/`
 * when this SDK lives in the repository.
 */
export function daprWit(explicit = process.env.DAPR_WIT) {
  const dir = resolve(explicit || join(SDK, "..", "wit"));
  if (!existsSync(join(dir, "worlds.wit"))) {
    throw new UserError(
      `no dapr:runtime WIT at ${dir}: write one with \`wasmtime-dapr wit --out DIR\` and set DAPR_WIT=DIR (or pass --dapr-wit DIR)`,
    );
  }
  return dir;
}

/** The wasi:http version StarlingMonkey's fetch event implements. */
export function engineHttpVersion() {
  const entry = fileURLToPath(import.meta.resolve("@bytecodealliance/componentize-js"));
  const engine = join(dirname(entry), "..", "lib", "starlingmonkey_embedding.wasm");
  const found = /wasi:http\/incoming-handler@(\d+\.\d+\.\d+)/.exec(readFileSync(engine).toString("latin1"));
  if (!found) throw new Error(`cannot tell the wasi:http version of ${engine}`);
  return found[1];
}

/** The version of the package declared in a `.wit` file's text. */
function packageVersion(text, name) {
  const found = new RegExp(`^package ${name}@([^;\\s]+);`, "m").exec(text);
  return found ? found[1] : undefined;
}

/** Copies the `.wit` files of `from` (a file or a directory) into `to`. */
function copyPackage(from, to) {
  mkdirSync(to, { recursive: true });
  if (statSync(from).isFile()) {
    cpSync(from, join(to, basename(from)));
    return;
  }
  for (const name of readdirSync(from)) {
    if (name.endsWith(".wit")) cpSync(join(from, name), join(to, name));
  }
}

/** Copies every package under `from/deps` into `deps`. */
function copyDeps(from, deps) {
  const dir = join(from, "deps");
  if (!existsSync(dir)) return;
  for (const name of readdirSync(dir)) {
    const target = join(deps, name);
    if (!existsSync(target)) cpSync(join(dir, name), target, { recursive: true });
  }
}

/**
 * Writes the staged WIT into a new temporary directory and returns it.
 * `extra` are the `--wit` paths (files or package directories).
 */
export function stageWit({ dapr = daprWit(), extra = [] } = {}) {
  const stage = mkdtempSync(join(tmpdir(), "dapr-wasm-wit-"));
  const deps = join(stage, "deps");
  copyPackage(join(SDK, "wit"), stage);
  copyPackage(dapr, join(deps, "dapr-runtime"));
  copyDeps(dapr, deps);
  extra.forEach((path, i) => {
    const full = resolve(path);
    if (!existsSync(full)) throw new UserError(`--wit ${path}: no such file or directory`);
    copyPackage(full, join(deps, `extra-${i}`));
    if (statSync(full).isDirectory()) copyDeps(full, deps);
  });

  // The http-app world, at the engine's wasi:http version.
  const http = join(deps, "http", "http.wit");
  const httpText = readFileSync(http, "utf8");
  const ours = packageVersion(httpText, "wasi:http");
  const engine = engineHttpVersion();
  if (ours !== engine) {
    const relabelled = httpText
      .replace(`package wasi:http@${ours};`, `package wasi:http@${engine};`)
      .replace(new RegExp(`(wasi:http/[a-z-]+)@${ours.replaceAll(".", "\\.")}`, "g"), `$1@${engine}`);
    mkdirSync(join(deps, `http-${engine}`));
    writeFileSync(join(deps, `http-${engine}`, "http.wit"), relabelled);
  }
  writeFileSync(
    join(stage, "http-app.wit"),
    [
      "package dapr:js@0.1.0;",
      "",
      "/// An HTTP app (see lib/stage.js): the building blocks, and",
      "/// `wasi:http/proxy` at the version StarlingMonkey's fetch event implements.",
      "world http-app {",
      "  include dapr:runtime/client@0.1.0;",
      `  include wasi:http/proxy@${engine};`,
      "}",
      "",
    ].join("\n"),
  );
  return stage;
}
