// The `id` of an order: the published bytes must be one JSON document, an
// object whose `id` member (the last one, if repeated) is a string or a
// number. A number is written the way the Rust order-store (serde_json)
// writes it: an integer that fits in 64 bits as is, any other number as the
// shortest round-tripping float (`4.5`, `1000.0`, `1e21`, `-0.0`).
//
// Hand-written rather than taken from a JSON library: AssemblyScript cannot
// catch the abort a library's parser raises on bad input, and an event that
// is not JSON must be dropped, not trap.

import { fromUtf8 } from "@wasmtime-dapr/guest-assemblyscript/assembly/dapr";

/** How deep arrays and objects may nest (serde_json's limit). */
const MAX_DEPTH = 128;

/** The order's `id` as text, or `null` if `data` is not such an order. */
export function orderId(data: Uint8Array): string | null {
  const p = new Parser(fromUtf8(data));
  p.ws();
  if (!p.eat(0x7b /* { */)) return null;
  let id: string | null = null;
  p.ws();
  if (!p.eat(0x7d /* } */)) {
    while (true) {
      p.ws();
      const name = p.str();
      if (name === null) return null;
      p.ws();
      if (!p.eat(0x3a /* : */)) return null;
      p.ws();
      if (name == "id") {
        const c = p.peek();
        if (c == 0x22 /* " */) {
          id = p.str();
          if (id === null) return null;
        } else if (c == 0x2d /* - */ || (c >= 0x30 && c <= 0x39)) {
          const literal = p.num();
          if (literal === null) return null;
          id = numberText(literal);
          if (id === null) return null;
        } else {
          if (!p.value(1)) return null;
          id = null;
        }
      } else if (!p.value(1)) {
        return null;
      }
      p.ws();
      if (p.eat(0x7d /* } */)) break;
      if (!p.eat(0x2c /* , */)) return null;
    }
  }
  p.ws();
  return p.atEnd() ? id : null;
}

/** A JSON scanner over UTF-16 code units; every method fails by returning `false`/`null`. */
class Parser {
  pos: i32 = 0;

  constructor(public s: string) {}

  atEnd(): bool {
    return this.pos >= this.s.length;
  }

  /** The next code unit, -1 at the end. */
  peek(): i32 {
    return this.atEnd() ? -1 : this.s.charCodeAt(this.pos);
  }

  eat(c: i32): bool {
    if (this.peek() != c) return false;
    this.pos++;
    return true;
  }

  eatWord(word: string): bool {
    if (this.s.substr(this.pos, word.length) != word) return false;
    this.pos += word.length;
    return true;
  }

  ws(): void {
    while (true) {
      const c = this.peek();
      if (c != 0x20 && c != 0x09 && c != 0x0a && c != 0x0d) return;
      this.pos++;
    }
  }

  /** Skips one value. */
  value(depth: i32): bool {
    const c = this.peek();
    if (c == 0x22) return this.str() !== null;
    if (c == 0x2d || (c >= 0x30 && c <= 0x39)) return this.num() !== null;
    if (c == 0x74) return this.eatWord("true");
    if (c == 0x66) return this.eatWord("false");
    if (c == 0x6e) return this.eatWord("null");
    if (c != 0x5b && c != 0x7b) return false;
    if (depth >= MAX_DEPTH) return false;
    const isObject = c == 0x7b;
    const close = isObject ? 0x7d : 0x5d;
    this.pos++;
    this.ws();
    if (this.eat(close)) return true;
    while (true) {
      this.ws();
      if (isObject) {
        if (this.str() === null) return false;
        this.ws();
        if (!this.eat(0x3a)) return false;
        this.ws();
      }
      if (!this.value(depth + 1)) return false;
      this.ws();
      if (this.eat(close)) return true;
      if (!this.eat(0x2c)) return false;
    }
  }

  /** A string, unescaped. */
  str(): string | null {
    if (!this.eat(0x22)) return null;
    const parts = new Array<string>();
    let start = this.pos;
    while (true) {
      const c = this.peek();
      if (c < 0x20) return null; // the end, or an unescaped control character
      if (c == 0x22) {
        parts.push(this.s.substring(start, this.pos));
        this.pos++;
        return parts.join("");
      }
      if (c != 0x5c /* \ */) {
        this.pos++;
        continue;
      }
      parts.push(this.s.substring(start, this.pos));
      this.pos++;
      const e = this.peek();
      this.pos++;
      if (e == 0x22) parts.push("\"");
      else if (e == 0x5c) parts.push("\\");
      else if (e == 0x2f) parts.push("/");
      else if (e == 0x62) parts.push("\b");
      else if (e == 0x66) parts.push("\f");
      else if (e == 0x6e) parts.push("\n");
      else if (e == 0x72) parts.push("\r");
      else if (e == 0x74) parts.push("\t");
      else if (e == 0x75 /* u */) {
        const unit = this.hex4();
        if (unit < 0) return null;
        parts.push(String.fromCharCode(unit));
      } else return null;
      start = this.pos;
    }
  }

  /** The four hex digits of a `\u` escape, -1 if malformed. */
  hex4(): i32 {
    if (this.pos + 4 > this.s.length) return -1;
    let n = 0;
    for (let i = 0; i < 4; i++) {
      const c = this.s.charCodeAt(this.pos + i);
      let d = -1;
      if (c >= 0x30 && c <= 0x39) d = c - 0x30;
      else if (c >= 0x61 && c <= 0x66) d = c - 0x61 + 10;
      else if (c >= 0x41 && c <= 0x46) d = c - 0x41 + 10;
      if (d < 0) return -1;
      n = n * 16 + d;
    }
    this.pos += 4;
    return n;
  }

  /** A number's literal text, checked against the JSON grammar. */
  num(): string | null {
    const start = this.pos;
    this.eat(0x2d);
    if (this.eat(0x30)) {
      if (isDigit(this.peek())) return null; // no leading zeros
    } else if (!this.digits()) {
      return null;
    }
    if (this.eat(0x2e /* . */) && !this.digits()) return null;
    if (this.eat(0x65 /* e */) || this.eat(0x45 /* E */)) {
      if (!this.eat(0x2b)) this.eat(0x2d);
      if (!this.digits()) return null;
    }
    return this.s.substring(start, this.pos);
  }

  /** One or more digits. */
  digits(): bool {
    const start = this.pos;
    while (isDigit(this.peek())) this.pos++;
    return this.pos > start;
  }
}

function isDigit(c: i32): bool {
  return c >= 0x30 && c <= 0x39;
}

/** A JSON number as serde_json's `Number` displays it; `null` if out of range. */
function numberText(literal: string): string | null {
  const negative = literal.startsWith("-");
  const magnitude = negative ? literal.substring(1) : literal;
  const integral = magnitude.indexOf(".") < 0 && magnitude.indexOf("e") < 0 && magnitude.indexOf("E") < 0;
  if (integral) {
    // u64 if non-negative, i64 if negative (and not -0).
    const limit = negative ? "9223372036854775808" : "18446744073709551615";
    const fits = magnitude.length < limit.length || (magnitude.length == limit.length && magnitude <= limit);
    if (fits && !(negative && magnitude == "0")) return literal;
  }
  const f = F64.parseFloat(magnitude);
  if (!isFinite(f)) return null;
  const text = floatText(f);
  return negative ? "-" + text : text;
}

/**
 * A non-negative finite float in the layout of Rust's `ryu` (which
 * serde_json uses): `0.0`, `12.0`, `0.001`, `1e21`, `1.5e-7`.
 */
function floatText(f: f64): string {
  if (f == 0) return "0.0";
  // Shortest digits and decimal exponent, from AssemblyScript's own
  // formatting (`123.0`, `0.001`, `1.5e-7`, `1e+21`).
  const text = f.toString();
  const e = text.indexOf("e");
  const mantissa = e < 0 ? text : text.substring(0, e);
  const exponent = e < 0 ? 0 : I32.parseInt(text.substring(e + 1).replace("+", ""));
  const dot = mantissa.indexOf(".");
  let digits = dot < 0 ? mantissa : mantissa.substring(0, dot) + mantissa.substring(dot + 1);
  // The decimal point comes after `point` of `digits`.
  let point = (dot < 0 ? mantissa.length : dot) + exponent;
  let lead = 0;
  while (lead < digits.length - 1 && digits.charCodeAt(lead) == 0x30) lead++;
  digits = digits.substring(lead);
  point -= lead;
  let end = digits.length;
  while (end > 1 && digits.charCodeAt(end - 1) == 0x30) end--;
  digits = digits.substring(0, end);

  const length = digits.length;
  const kk = point; // 10^(kk-1) <= f < 10^kk
  const k = kk - length;
  if (k >= 0 && kk <= 16) return digits + "0".repeat(k) + ".0";
  if (kk > 0 && kk <= 16) return digits.substring(0, kk) + "." + digits.substring(kk);
  if (kk > -5 && kk <= 0) return "0." + "0".repeat(-kk) + digits;
  const exp = "e" + (kk - 1).toString();
  if (length == 1) return digits + exp;
  return digits.substring(0, 1) + "." + digits.substring(1) + exp;
}
