// Shared by the unit tests: stubbing imports and making WIT errors.

/** The `ComponentError` the bindings throw for a WIT `err(error)`. */
export function witError(tag, val) {
  return Object.assign(new Error(`${tag}: ${val}`), { payload: { tag, val } });
}

/**
 * Stubs the functions of interface `specifier` (`dapr:runtime/state@0.1.0`)
 * with `functions`, recording every call in the returned array as
 * `[name, ...args]`.
 */
export function stub(specifier, functions) {
  const calls = [];
  globalThis.wit ??= {};
  globalThis.wit[specifier] = Object.fromEntries(
    Object.entries(functions).map(([name, fn]) => [
      name,
      (...args) => {
        calls.push([name, ...args]);
        return fn(...args);
      },
    ]),
  );
  return calls;
}

/** UTF-8 bytes of `text`. */
export const bytes = (text) => new TextEncoder().encode(text);
/** UTF-8 text of `data`. */
export const str = (data) => new TextDecoder().decode(data);
