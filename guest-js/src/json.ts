/**
 * `stringify`: `JSON.stringify` for the SDK's payloads and the runner's
 * answers, the same text for the same value, without StarlingMonkey's
 * failure on long strings.
 *
 * SpiderMonkey as componentize-js 0.23.0 embeds it asks for more than
 * 100 MB of linear memory to `JSON.stringify` a string of about a million
 * UTF-16 code units outside Latin-1 (a 1 MiB payload of CJK text or emoji),
 * which a `--memory-limit` of 128 MiB refuses (a trap). Quoting such a
 * string in slices of {@link SLICE} code units, cut between surrogate pairs,
 * gives the same text with ordinary memory use.
 * @module
 */

/** Strings longer than this are quoted slice by slice. */
const SLICE = 16384;

/** `text` quoted as a JSON string, exactly as `JSON.stringify(text)`. */
export function quote(text: string): string {
  if (text.length <= SLICE) return JSON.stringify(text);
  const parts: string[] = [];
  for (let start = 0; start < text.length; ) {
    let end = Math.min(start + SLICE, text.length);
    const last = text.charCodeAt(end - 1);
    // Never cut a surrogate pair (each half alone would be escaped).
    if (end < text.length && last >= 0xd800 && last <= 0xdbff) end -= 1;
    parts.push(JSON.stringify(text.slice(start, end)).slice(1, -1));
    start = end;
  }
  return `"${parts.join("")}"`;
}

/**
 * `value` as JSON text, as `JSON.stringify(value)` gives it (no replacer,
 * no indentation): `toJSON` is called, `undefined`, functions and symbols
 * are left out of objects and are `null` in arrays, non-finite numbers are
 * `null`; `undefined` at the top gives `undefined`. A cycle or a `BigInt`
 * is a `TypeError`.
 */
export function stringify(value: unknown): string | undefined {
  return write(value, "", new Set());
}

function write(value: unknown, key: string, seen: Set<object>): string | undefined {
  if (value !== null && (typeof value === "object" || typeof value === "bigint")) {
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === "function") value = toJSON.call(value, key);
  }
  if (value instanceof String || value instanceof Number || value instanceof Boolean) value = value.valueOf();
  switch (typeof value) {
    case "string":
      return quote(value);
    case "number":
    case "boolean":
      return JSON.stringify(value);
    case "bigint":
      throw new TypeError("a BigInt cannot be serialized as JSON");
    case "object":
      break;
    default:
      return undefined;
  }
  if (value === null) return "null";
  if (seen.has(value)) throw new TypeError("cyclic object value cannot be serialized as JSON");
  seen.add(value);
  try {
    if (Array.isArray(value)) {
      return `[${value.map((item, i) => write(item, String(i), seen) ?? "null").join(",")}]`;
    }
    const members: string[] = [];
    for (const name of Object.keys(value)) {
      const member = write((value as Record<string, unknown>)[name], name, seen);
      if (member !== undefined) members.push(`${quote(name)}:${member}`);
    }
    return `{${members.join(",")}}`;
  } finally {
    seen.delete(value);
  }
}
