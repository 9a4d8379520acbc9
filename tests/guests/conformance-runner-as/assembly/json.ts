// A small dynamic JSON value: parsed from the step, built for the answer.
//
// Hand-written rather than taken from a JSON library because a step that is
// not JSON must be answered `invalid-argument`, and AssemblyScript cannot
// catch the abort a library's parser raises on bad input: `parse` reports
// errors by returning `null` (the reason is in `parseError`).

/** The JSON types. */
export enum Kind {
  Null,
  Bool,
  Number,
  String,
  Array,
  Object,
}

/** One JSON value. Objects keep their keys in order. */
export class Json {
  kind: Kind = Kind.Null;
  boolValue: bool = false;
  /** The number (`Number`). */
  num: f64 = 0;
  /** Whether the number was written as an integer that fits in an i64. */
  isInt: bool = false;
  /** The number as an integer, when `isInt`. */
  intValue: i64 = 0;
  strValue: string = "";
  /** Elements (`Array`) or field values (`Object`). */
  items: Array<Json> = [];
  /** Field names (`Object`), parallel to `items`. */
  keys: Array<string> = [];

  static nil(): Json {
    return new Json();
  }

  static ofBool(b: bool): Json {
    const v = new Json();
    v.kind = Kind.Bool;
    v.boolValue = b;
    return v;
  }

  static ofInt(n: i64): Json {
    const v = new Json();
    v.kind = Kind.Number;
    v.num = <f64>n;
    v.isInt = true;
    v.intValue = n;
    return v;
  }

  static ofStr(s: string): Json {
    const v = new Json();
    v.kind = Kind.String;
    v.strValue = s;
    return v;
  }

  /** `s`, or `null` for a missing string. */
  static ofOptStr(s: string | null): Json {
    return s === null ? Json.nil() : Json.ofStr(s);
  }

  static arr(items: Array<Json> = []): Json {
    const v = new Json();
    v.kind = Kind.Array;
    v.items = items;
    return v;
  }

  static obj(): Json {
    const v = new Json();
    v.kind = Kind.Object;
    return v;
  }

  get isNull(): bool {
    return this.kind == Kind.Null;
  }

  /** Adds (or replaces) field `key`; returns this object. */
  set(key: string, value: Json): Json {
    const i = this.keys.indexOf(key);
    if (i >= 0) {
      this.items[i] = value;
    } else {
      this.keys.push(key);
      this.items.push(value);
    }
    return this;
  }

  /** Appends to this array; returns it. */
  push(value: Json): Json {
    this.items.push(value);
    return this;
  }

  /** Field `key` of an object, `null` if missing (or not an object). */
  get(key: string): Json | null {
    if (this.kind != Kind.Object) return null;
    const i = this.keys.indexOf(key);
    return i < 0 ? null : this.items[i];
  }

  /** The JSON text. */
  toString(): string {
    const out = new Array<string>();
    write(this, out);
    return out.join("");
  }
}

/** `{key: value}`. */
export function obj1(key: string, value: Json): Json {
  return Json.obj().set(key, value);
}

// ---- serialization ----

function write(v: Json, out: Array<string>): void {
  switch (v.kind) {
    case Kind.Null:
      out.push("null");
      break;
    case Kind.Bool:
      out.push(v.boolValue ? "true" : "false");
      break;
    case Kind.Number:
      out.push(v.isInt ? v.intValue.toString() : v.num.toString());
      break;
    case Kind.String:
      out.push(quote(v.strValue));
      break;
    case Kind.Array:
      out.push("[");
      for (let i = 0; i < v.items.length; i++) {
        if (i > 0) out.push(",");
        write(v.items[i], out);
      }
      out.push("]");
      break;
    case Kind.Object:
      out.push("{");
      for (let i = 0; i < v.items.length; i++) {
        if (i > 0) out.push(",");
        out.push(quote(v.keys[i]));
        out.push(":");
        write(v.items[i], out);
      }
      out.push("}");
      break;
  }
}

const HEX = "0123456789abcdef";

/** `s` as a JSON string literal. */
export function quote(s: string): string {
  let plain = true;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c == 0x22 || c == 0x5c) {
      plain = false;
      break;
    }
  }
  if (plain) return "\"" + s + "\"";
  const parts = new Array<string>();
  parts.push("\"");
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let esc: string | null = null;
    if (c == 0x22) esc = "\\\"";
    else if (c == 0x5c) esc = "\\\\";
    else if (c == 0x0a) esc = "\\n";
    else if (c == 0x0d) esc = "\\r";
    else if (c == 0x09) esc = "\\t";
    else if (c == 0x08) esc = "\\b";
    else if (c == 0x0c) esc = "\\f";
    else if (c < 0x20) esc = "\\u00" + HEX.charAt(c >> 4) + HEX.charAt(c & 0xf);
    if (esc !== null) {
      parts.push(s.substring(start, i));
      parts.push(esc);
      start = i + 1;
    }
  }
  parts.push(s.substring(start));
  parts.push("\"");
  return parts.join("");
}

// ---- parsing ----

let lastError: string = "";

/** Why the last `parse` returned `null`. */
export function parseError(): string {
  return lastError;
}

class Parser {
  pos: i32 = 0;
  error: string | null = null;
  constructor(public text: string) {}

  fail(message: string): Json | null {
    if (this.error === null) this.error = message + " at offset " + this.pos.toString();
    return null;
  }

  skipSpace(): void {
    while (this.pos < this.text.length) {
      const c = this.text.charCodeAt(this.pos);
      if (c != 0x20 && c != 0x09 && c != 0x0a && c != 0x0d) break;
      this.pos++;
    }
  }

  literal(word: string): bool {
    if (this.text.substr(this.pos, word.length) == word) {
      this.pos += word.length;
      return true;
    }
    return false;
  }

  value(depth: i32): Json | null {
    if (depth > 128) return this.fail("nested too deeply");
    this.skipSpace();
    if (this.pos >= this.text.length) return this.fail("unexpected end of input");
    const c = this.text.charCodeAt(this.pos);
    if (c == 0x7b) return this.object(depth);
    if (c == 0x5b) return this.array(depth);
    if (c == 0x22) {
      const s = this.string();
      return s === null ? null : Json.ofStr(s);
    }
    if (c == 0x2d || (c >= 0x30 && c <= 0x39)) return this.number();
    if (this.literal("true")) return Json.ofBool(true);
    if (this.literal("false")) return Json.ofBool(false);
    if (this.literal("null")) return Json.nil();
    return this.fail("unexpected character");
  }

  object(depth: i32): Json | null {
    this.pos++; // {
    const v = Json.obj();
    this.skipSpace();
    if (this.pos < this.text.length && this.text.charCodeAt(this.pos) == 0x7d) {
      this.pos++;
      return v;
    }
    while (true) {
      this.skipSpace();
      if (this.pos >= this.text.length || this.text.charCodeAt(this.pos) != 0x22) return this.fail("expected a field name");
      const key = this.string();
      if (key === null) return null;
      this.skipSpace();
      if (this.pos >= this.text.length || this.text.charCodeAt(this.pos) != 0x3a) return this.fail("expected `:`");
      this.pos++;
      const item = this.value(depth + 1);
      if (item === null) return null;
      v.set(key, item);
      this.skipSpace();
      if (this.pos >= this.text.length) return this.fail("unterminated object");
      const c = this.text.charCodeAt(this.pos++);
      if (c == 0x7d) return v;
      if (c != 0x2c) return this.fail("expected `,` or `}`");
    }
    return null;
  }

  array(depth: i32): Json | null {
    this.pos++; // [
    const v = Json.arr();
    this.skipSpace();
    if (this.pos < this.text.length && this.text.charCodeAt(this.pos) == 0x5d) {
      this.pos++;
      return v;
    }
    while (true) {
      const item = this.value(depth + 1);
      if (item === null) return null;
      v.items.push(item);
      this.skipSpace();
      if (this.pos >= this.text.length) return this.fail("unterminated array");
      const c = this.text.charCodeAt(this.pos++);
      if (c == 0x5d) return v;
      if (c != 0x2c) return this.fail("expected `,` or `]`");
    }
    return null;
  }

  /** A string literal (at its opening quote); `null` on error. */
  string(): string | null {
    this.pos++; // "
    const parts = new Array<string>();
    let start = this.pos;
    while (true) {
      if (this.pos >= this.text.length) {
        this.fail("unterminated string");
        return null;
      }
      const c = this.text.charCodeAt(this.pos);
      if (c == 0x22) {
        parts.push(this.text.substring(start, this.pos));
        this.pos++;
        return parts.join("");
      }
      if (c < 0x20) {
        this.fail("control character in string");
        return null;
      }
      if (c != 0x5c) {
        this.pos++;
        continue;
      }
      parts.push(this.text.substring(start, this.pos));
      this.pos++;
      if (this.pos >= this.text.length) {
        this.fail("unterminated string");
        return null;
      }
      const e = this.text.charCodeAt(this.pos++);
      if (e == 0x22) parts.push("\"");
      else if (e == 0x5c) parts.push("\\");
      else if (e == 0x2f) parts.push("/");
      else if (e == 0x62) parts.push("\b");
      else if (e == 0x66) parts.push("\f");
      else if (e == 0x6e) parts.push("\n");
      else if (e == 0x72) parts.push("\r");
      else if (e == 0x74) parts.push("\t");
      else if (e == 0x75) {
        // \uXXXX: one UTF-16 code unit, which is what a string holds.
        let unit: i32 = 0;
        for (let k = 0; k < 4; k++) {
          const d = this.pos < this.text.length ? hexDigit(this.text.charCodeAt(this.pos)) : -1;
          if (d < 0) {
            this.fail("invalid \\u escape");
            return null;
          }
          unit = (unit << 4) | d;
          this.pos++;
        }
        parts.push(String.fromCharCode(unit));
      } else {
        this.fail("invalid escape");
        return null;
      }
      start = this.pos;
    }
    return null;
  }

  number(): Json | null {
    const start = this.pos;
    let integral = true;
    if (this.text.charCodeAt(this.pos) == 0x2d) this.pos++;
    const digits = this.pos;
    while (this.pos < this.text.length && isDigit(this.text.charCodeAt(this.pos))) this.pos++;
    if (this.pos == digits) return this.fail("invalid number");
    if (this.pos - digits > 1 && this.text.charCodeAt(digits) == 0x30) return this.fail("leading zero in number");
    if (this.pos < this.text.length && this.text.charCodeAt(this.pos) == 0x2e) {
      integral = false;
      this.pos++;
      const frac = this.pos;
      while (this.pos < this.text.length && isDigit(this.text.charCodeAt(this.pos))) this.pos++;
      if (this.pos == frac) return this.fail("invalid number");
    }
    if (this.pos < this.text.length && (this.text.charCodeAt(this.pos) | 0x20) == 0x65) {
      integral = false;
      this.pos++;
      if (this.pos < this.text.length) {
        const sign = this.text.charCodeAt(this.pos);
        if (sign == 0x2b || sign == 0x2d) this.pos++;
      }
      const exp = this.pos;
      while (this.pos < this.text.length && isDigit(this.text.charCodeAt(this.pos))) this.pos++;
      if (this.pos == exp) return this.fail("invalid number");
    }
    const text = this.text.substring(start, this.pos);
    const v = new Json();
    v.kind = Kind.Number;
    v.num = parseFloat(text);
    // Integers up to 18 digits fit in an i64; larger ones stay floats.
    if (integral && this.pos - digits <= 18) {
      v.isInt = true;
      v.intValue = I64.parseInt(text);
    }
    return v;
  }
}

function isDigit(c: i32): bool {
  return c >= 0x30 && c <= 0x39;
}

/** The value of the hexadecimal digit `c` (either case), -1 if it is none. */
export function hexDigit(c: i32): i32 {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  if (l >= 0x61 && l <= 0x66) return l - 0x61 + 10;
  return -1;
}

/** Parses JSON text; `null` (and `parseError()` tells why) if it is not JSON. */
export function parse(text: string): Json | null {
  const p = new Parser(text);
  const v = p.value(0);
  if (v !== null) {
    p.skipSpace();
    if (p.pos < text.length) {
      p.fail("trailing characters");
    }
  }
  if (p.error !== null) {
    lastError = p.error!;
    return null;
  }
  return v;
}

// ---- bytes ----

/**
 * `bytes` decoded as UTF-8, each invalid sequence replaced by U+FFFD (the
 * maximal-subpart rule, like Rust's `String::from_utf8_lossy`).
 */
export function textOf(bytes: Uint8Array): string {
  const n = bytes.length;
  const units = new Array<string>();
  let run = new Array<i32>();
  let i = 0;
  while (i < n) {
    const b0 = <i32>bytes[i];
    let cp: i32 = -1;
    let len = 1;
    if (b0 < 0x80) {
      cp = b0;
    } else {
      let need = 0;
      let lo = 0x80;
      let hi = 0xbf;
      if (b0 >= 0xc2 && b0 <= 0xdf) {
        need = 1;
        cp = b0 & 0x1f;
      } else if (b0 >= 0xe0 && b0 <= 0xef) {
        need = 2;
        cp = b0 & 0x0f;
        if (b0 == 0xe0) lo = 0xa0;
        if (b0 == 0xed) hi = 0x9f;
      } else if (b0 >= 0xf0 && b0 <= 0xf4) {
        need = 3;
        cp = b0 & 0x07;
        if (b0 == 0xf0) lo = 0x90;
        if (b0 == 0xf4) hi = 0x8f;
      }
      if (need == 0) {
        cp = -1;
      } else {
        let k = 1;
        for (; k <= need; k++) {
          if (i + k >= n) break;
          const b = <i32>bytes[i + k];
          if (b < lo || b > hi) break;
          lo = 0x80;
          hi = 0xbf;
          cp = (cp << 6) | (b & 0x3f);
        }
        if (k <= need) {
          // Invalid or truncated: replace the maximal valid prefix.
          cp = -1;
          len = k;
        } else {
          len = need + 1;
        }
      }
    }
    run.push(cp < 0 ? 0xfffd : cp);
    i += len;
    if (run.length >= 1024) {
      units.push(codePoints(run));
      run = new Array<i32>();
    }
  }
  units.push(codePoints(run));
  return units.join("");
}

function codePoints(cps: Array<i32>): string {
  const parts = new Array<string>();
  for (let i = 0; i < cps.length; i++) parts.push(String.fromCodePoint(cps[i]));
  return parts.join("");
}

/** The UTF-8 bytes of `s`. */
export function bytesOf(s: string): Uint8Array {
  return Uint8Array.wrap(String.UTF8.encode(s));
}
