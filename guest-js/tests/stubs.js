// Module hooks for the unit tests, registered by `node --import
// ./tests/register.js`: every `dapr:*` and `wasi:*` import resolves to a
// stub module whose exported functions call `globalThis.wit[SPECIFIER][NAME]`
// (which a test sets), and `@wasmtime-dapr/guest-js` resolves to the
// compiled SDK (`dist/`). The stub's export names are those of the
// declarations generated from the WIT (`generated/`, `npm run types`), so a
// stub has exactly the functions the component would import.

import { readFileSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";

const SDK = new URL("..", import.meta.url);
const PREFIX = "wit-stub:";

/** `dapr:runtime/state@0.1.0` → `generated/interfaces/dapr-runtime-state.d.ts`. */
function declarations(specifier) {
  const name = specifier.replace(/@[^@]*$/, "").replace(/[:/]/g, "-");
  return fileURLToPath(new URL(`generated/interfaces/${name}.d.ts`, SDK));
}

export async function resolve(specifier, context, next) {
  if (/^(dapr|wasi):/.test(specifier)) return { url: PREFIX + specifier, shortCircuit: true };
  if (specifier === "@wasmtime-dapr/guest-js" || specifier.startsWith("@wasmtime-dapr/guest-js/")) {
    const sub = specifier.slice("@wasmtime-dapr/guest-js".length) || "/index";
    return { url: pathToFileURL(fileURLToPath(new URL(`dist${sub}.js`, SDK))).href, shortCircuit: true };
  }
  return next(specifier, context);
}

export async function load(url, context, next) {
  if (!url.startsWith(PREFIX)) return next(url, context);
  const specifier = url.slice(PREFIX.length);
  const text = readFileSync(declarations(specifier), "utf8");
  const names = [...text.matchAll(/^\s*export function (\w+)\(/gm)].map((m) => m[1]);
  // A WIT name that is a JavaScript keyword: `export { _delete as delete };`.
  const renamed = [...text.matchAll(/^\s*export \{ (\w+) as (\w+) \};/gm)];
  const lines = [`const impl = (name) => (...args) => {`,
    `  const fn = globalThis.wit?.[${JSON.stringify(specifier)}]?.[name];`,
    `  if (!fn) throw new Error(\`no stub for ${specifier} \${name}\`);`,
    `  return fn(...args);`,
    `};`];
  for (const name of names) lines.push(`export const ${name} = impl(${JSON.stringify(name)});`);
  for (const [, local, exported] of renamed) {
    lines.push(`const ${local} = impl(${JSON.stringify(exported)});`, `export { ${local} as ${exported} };`);
  }
  return { format: "module", source: lines.join("\n"), shortCircuit: true };
}
