/**
 * JSON encoding of WIT values, both ways, as the step protocol defines it
 * (tests/conformance/README.md).
 *
 * Decoding: every field may be omitted (or `null`) and then takes its
 * default; fields without a documented default take the empty value of
 * their type (`""`, `0`, `[]`). A present field of the wrong type is an
 * error. Payloads (`data`) are UTF-8 text; answers decode bytes lossily.
 * @module
 */

import type { DaprError } from "@wasmtime-dapr/guest-js";

const U32_MAX = 2 ** 32 - 1;

/** A step that cannot be decoded; answered as `invalid-argument`. */
export class Invalid extends Error {}

/** A lone UTF-16 surrogate: what no WIT string can hold. */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/** Throws {@link Invalid} if any string in `value` holds a lone surrogate. */
function checkStrings(value: unknown): void {
  if (typeof value === "string") {
    if (LONE_SURROGATE.test(value)) {
      throw new Invalid(`the step holds a string that is not valid Unicode: ${JSON.stringify(value)}`);
    }
  } else if (Array.isArray(value)) {
    value.forEach(checkStrings);
  } else if (value && typeof value === "object") {
    for (const [key, item] of Object.entries(value)) {
      checkStrings(key);
      checkStrings(item);
    }
  }
}

/**
 * The step's JSON value; refuses text that is not JSON, and strings no WIT
 * string can hold (lone UTF-16 surrogates, which `\ud800` escapes produce).
 */
export function parse(step: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(step);
  } catch (error) {
    throw new Invalid(`the step is not JSON: ${(error as Error).message}`);
  }
  checkStrings(value);
  return value;
}

/** A JSON value as compact text, for messages. */
export function show(value: unknown): string {
  return JSON.stringify(value) ?? String(value);
}

/**
 * A JSON object whose fields are decoded by WIT name; a missing object
 * behaves like an empty one.
 */
export class Fields {
  /** The object's fields. */
  readonly map: Record<string, unknown>;

  /**
   * Wraps `value`, which must be an object, `null` or `undefined`; `what`
   * names it in error messages.
   */
  constructor(
    value: unknown,
    readonly what: string,
  ) {
    if (value !== undefined && value !== null && (typeof value !== "object" || Array.isArray(value))) {
      throw new Invalid(`\`${what}\` must be an object, not ${show(value)}`);
    }
    this.map = (value ?? {}) as Record<string, unknown>;
  }

  private get(name: string): unknown {
    return Object.hasOwn(this.map, name) ? this.map[name] : undefined;
  }

  private wrong(name: string, expected: string): Invalid {
    return new Invalid(`\`${this.what}.${name}\` must be ${expected}`);
  }

  /** A nested object (empty if missing). */
  object(name: string): Fields {
    return new Fields(this.get(name), name);
  }

  /** A string (default `""`). */
  string(name: string): string {
    return this.optString(name) ?? "";
  }

  /** An optional string (default `undefined`). */
  optString(name: string): string | undefined {
    const value = this.get(name);
    if (value === undefined || value === null) return undefined;
    if (typeof value === "string") return value;
    throw this.wrong(name, "a string");
  }

  /** A payload given as text (default empty), as UTF-8 bytes. */
  data(name: string): Uint8Array {
    return new TextEncoder().encode(this.string(name));
  }

  /** An unsigned 32-bit integer (default 0). */
  u32(name: string): number {
    const value = this.get(name);
    if (value === undefined || value === null) return 0;
    if (typeof value === "number" && Number.isInteger(value) && value >= 0 && value <= U32_MAX) return value;
    throw this.wrong(name, "a u32");
  }

  /** An optional unsigned 32-bit integer (default `undefined`). */
  optU32(name: string): number | undefined {
    const value = this.get(name);
    return value === undefined || value === null ? undefined : this.u32(name);
  }

  /**
   * An unsigned 64-bit integer (default 0); JSON numbers beyond 2^53 lose
   * precision in JavaScript, so those are refused.
   */
  u64(name: string): number {
    const value = this.get(name);
    if (value === undefined || value === null) return 0;
    if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) return value;
    throw this.wrong(name, "a u64 (at most 2^53 - 1 here)");
  }

  /** An optional number (default `undefined`). */
  optF64(name: string): number | undefined {
    const value = this.get(name);
    if (value === undefined || value === null) return undefined;
    if (typeof value === "number") return value;
    throw this.wrong(name, "a number");
  }

  /** A boolean (default `false`). */
  bool(name: string): boolean {
    const value = this.get(name);
    if (value === undefined || value === null) return false;
    if (typeof value === "boolean") return value;
    throw this.wrong(name, "a boolean");
  }

  /** Whether the field is missing or `null`. */
  isNull(name: string): boolean {
    const value = this.get(name);
    return value === undefined || value === null;
  }

  /** An array (default empty). */
  array(name: string): unknown[] {
    const value = this.get(name);
    if (value === undefined || value === null) return [];
    if (Array.isArray(value)) return value;
    throw this.wrong(name, "an array");
  }

  /** An array of strings (default empty). */
  strings(name: string): string[] {
    const values = this.array(name);
    if (values.every((v) => typeof v === "string")) return values as string[];
    throw this.wrong(name, "an array of strings");
  }

  /** An array of `[k, v]` string pairs (metadata, headers, ...). */
  pairs(name: string): Array<[string, string]> {
    return this.array(name).map((pair) => {
      if (!Array.isArray(pair) || pair.length !== 2 || !pair.every((s) => typeof s === "string")) {
        throw this.wrong(name, "an array of [string, string] pairs");
      }
      return [pair[0], pair[1]] as [string, string];
    });
  }

  /**
   * This object as a variant: its only field's name (the case) and value
   * (the payload, an object).
   */
  variant(): [string, Fields] {
    const entries = Object.entries(this.map);
    if (entries.length !== 1) throw new Invalid(`\`${this.what}\` must be an object with exactly one field`);
    const [[name, payload]] = entries;
    return [name, new Fields(payload, name)];
  }

  /** An enum given by its case name, one of `cases` (default `fallback`). */
  case<C extends string>(name: string, cases: readonly C[], fallback: C): C {
    const value = this.get(name);
    if (value === undefined || value === null) return fallback;
    if (typeof value === "string" && (cases as readonly string[]).includes(value)) return value as C;
    throw this.wrong(name, `one of ${cases.join(", ")}`);
  }
}

/** Decodes each element of `items` with `decode`; `what` names them. */
export function each<T>(items: unknown[], what: string, decode: (fields: Fields) => T): T[] {
  return items.map((item) => decode(new Fields(item, what)));
}

const decoder = new TextDecoder();

/** Bytes (or text) as text, replacing invalid UTF-8. */
export function text(data: Uint8Array | string): string {
  return typeof data === "string" ? data : decoder.decode(data);
}

/** `[k, v]` pairs, from an object or from pairs. */
export function pairs(items: Record<string, string> | ReadonlyArray<readonly [string, string]>): Array<[string, string]> {
  const entries = Array.isArray(items) ? items : Object.entries(items);
  return entries.map(([k, v]) => [k, v]);
}

/** A runtime error: `{"<case>": "<message>"}`. */
export function error(e: DaprError): Record<string, string> {
  return { [e.case]: e.message };
}
