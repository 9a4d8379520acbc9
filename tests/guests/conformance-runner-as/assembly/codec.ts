// JSON encoding of WIT values, both ways, as the step protocol defines it
// (tests/conformance/README.md).
//
// Decoding: every field may be omitted (or `null`) and then takes its
// default; fields without a documented default take the empty value of
// their type (`""`, `0`, `[]`). A present field of the wrong type is an
// error. Without exceptions, the first error is recorded (`invalid`) and
// decoding goes on with defaults; a step checks `failed()` before it calls
// the runtime.

import { Box, DaprError, Metadata, Tuple2, HttpVerb, UnlockStatus, Consistency, Concurrency, WriteOptions, Result, DataCipher } from "@wasmtime-dapr/guest-assemblyscript/assembly/dapr";
import { Json, Kind, hexDigit, obj1, textOf } from "./json";

/** The first decoding error of the current step, if any. */
let invalid: string | null = null;

/** Records a decoding error (the first one wins). */
export function fail(message: string): void {
  if (invalid === null) invalid = message;
}

/** Whether decoding the current step failed. */
export function failed(): bool {
  return invalid !== null;
}

/** The recorded decoding error. */
export function failure(): string {
  return invalid === null ? "" : invalid!;
}

/** Forgets the recorded error (before a new step). */
export function resetFailure(): void {
  invalid = null;
}

const VERB_NAMES: string[] = ["get", "head", "post", "put", "delete", "patch", "options"];
const VERBS: HttpVerb[] = [HttpVerb.Get, HttpVerb.Head, HttpVerb.Post, HttpVerb.Put, HttpVerb.Delete, HttpVerb.Patch, HttpVerb.Options];
const CONSISTENCY_NAMES: string[] = ["eventual", "strong"];
const CONSISTENCIES: Consistency[] = [Consistency.Eventual, Consistency.Strong];
const CONCURRENCY_NAMES: string[] = ["first-write", "last-write"];
const CONCURRENCIES: Concurrency[] = [Concurrency.FirstWrite, Concurrency.LastWrite];
const UNLOCK_NAMES: string[] = ["success", "lock-does-not-exist", "lock-belongs-to-others"];
const UNLOCK_STATUSES: UnlockStatus[] = [UnlockStatus.Success, UnlockStatus.LockDoesNotExist, UnlockStatus.LockBelongsToOthers];
const CIPHER_NAMES: string[] = ["aes-gcm", "chacha20-poly1305"];
const CIPHERS: DataCipher[] = [DataCipher.AesGcm, DataCipher.Chacha20Poly1305];

/** A JSON object whose fields are decoded by WIT name; a missing object behaves like an empty one. */
export class Fields {
  constructor(
    /** Names the object in error messages. */
    public what: string,
    /** The object, `null` when it was missing. */
    public map: Json | null,
  ) {}

  /** Wraps `value`, which must be an object or `null` (or missing). */
  static of(value: Json | null, what: string): Fields {
    if (value === null || value.kind == Kind.Null) return new Fields(what, null);
    if (value.kind == Kind.Object) return new Fields(what, value);
    fail("`" + what + "` must be an object, not " + value.toString());
    return new Fields(what, null);
  }

  /** The field `name`, `null` if missing or `null`. */
  get(name: string): Json | null {
    const map = this.map;
    if (map === null) return null;
    const v = map.get(name);
    if (v === null || v.kind == Kind.Null) return null;
    return v;
  }

  wrong(name: string, expected: string): void {
    fail("`" + this.what + "." + name + "` must be " + expected);
  }

  /** A nested object (empty if missing). */
  object(name: string): Fields {
    return Fields.of(this.get(name), name);
  }

  /** A string (default `""`). */
  str(name: string): string {
    const s = this.optString(name);
    return s === null ? "" : s;
  }

  /** An optional string (default `null`). */
  optString(name: string): string | null {
    const v = this.get(name);
    if (v === null) return null;
    if (v.kind != Kind.String) {
      this.wrong(name, "a string");
      return null;
    }
    return v.strValue;
  }

  /** A payload given as text (default empty). */
  data(name: string): Uint8Array {
    return Uint8Array.wrap(String.UTF8.encode(this.str(name)));
  }

  /** Bytes given as hexadecimal text (default empty). */
  hex(name: string): Uint8Array {
    const text = this.str(name);
    const out = new Uint8Array(text.length >> 1);
    if (text.length % 2 != 0) {
      this.wrong(name, "hexadecimal text");
      return out;
    }
    for (let i = 0; i < out.length; i++) {
      const high = hexDigit(text.charCodeAt(2 * i));
      const low = hexDigit(text.charCodeAt(2 * i + 1));
      if (high < 0 || low < 0) {
        this.wrong(name, "hexadecimal text");
        return out;
      }
      out[i] = <u8>(high * 16 + low);
    }
    return out;
  }

  /** An unsigned 32-bit integer (default 0). */
  uint32(name: string): u32 {
    const v = this.get(name);
    if (v === null) return 0;
    if (v.kind != Kind.Number || !v.isInt || v.intValue < 0 || v.intValue > <i64>u32.MAX_VALUE) {
      this.wrong(name, "a u32");
      return 0;
    }
    return <u32>v.intValue;
  }

  /** An optional unsigned 32-bit integer (default `null`). */
  optUint32(name: string): Box<u32> | null {
    if (this.get(name) === null) return null;
    return new Box<u32>(this.uint32(name));
  }

  /** An unsigned 64-bit integer (default 0). */
  uint64(name: string): u64 {
    const v = this.get(name);
    if (v === null) return 0;
    if (v.kind != Kind.Number || !v.isInt || v.intValue < 0) {
      this.wrong(name, "a u64");
      return 0;
    }
    return <u64>v.intValue;
  }

  /** An optional number (default `null`). */
  optF64(name: string): Box<f64> | null {
    const v = this.get(name);
    if (v === null) return null;
    if (v.kind != Kind.Number) {
      this.wrong(name, "a number");
      return null;
    }
    return new Box<f64>(v.num);
  }

  /** A boolean (default `false`). */
  bool(name: string): bool {
    const v = this.get(name);
    if (v === null) return false;
    if (v.kind != Kind.Bool) {
      this.wrong(name, "a boolean");
      return false;
    }
    return v.boolValue;
  }

  /** Whether the object was missing or `null`. */
  get isNull(): bool {
    return this.map === null;
  }

  /** An array (default empty). */
  array(name: string): Array<Json> {
    const v = this.get(name);
    if (v === null) return [];
    if (v.kind != Kind.Array) {
      this.wrong(name, "an array");
      return [];
    }
    return v.items;
  }

  /** An array of strings (default empty). */
  strings(name: string): Array<string> {
    const items = this.array(name);
    const out = new Array<string>();
    for (let i = 0; i < items.length; i++) {
      const v = items[i];
      if (v.kind != Kind.String) {
        this.wrong(name, "an array of strings");
        return [];
      }
      out.push(v.strValue);
    }
    return out;
  }

  /** An array of `[k, v]` string pairs (metadata, headers, ...; default empty). */
  pairs(name: string): Metadata {
    const items = this.array(name);
    const out: Metadata = [];
    for (let i = 0; i < items.length; i++) {
      const pair = items[i];
      if (
        pair.kind != Kind.Array ||
        pair.items.length != 2 ||
        pair.items[0].kind != Kind.String ||
        pair.items[1].kind != Kind.String
      ) {
        this.wrong(name, "an array of [string, string] pairs");
        return [];
      }
      out.push(new Tuple2<string, string>(pair.items[0].strValue, pair.items[1].strValue));
    }
    return out;
  }

  /** This object as a variant: the name of its only field (the case); `payload()` gives that field's value. */
  variantCase(): string {
    const map = this.map;
    if (map === null || map.keys.length != 1) {
      fail("`" + this.what + "` must be an object with exactly one field");
      return "";
    }
    return map.keys[0];
  }

  /** The payload of a variant (see `variantCase`), an object. */
  payload(): Fields {
    const map = this.map;
    if (map === null || map.keys.length != 1) return new Fields(this.what, null);
    return Fields.of(map.items[0], map.keys[0]);
  }

  /** The index in `names` of an enum given by its case name; `fallback` if missing. */
  caseIndex(name: string, names: string[], fallback: i32): i32 {
    const v = this.get(name);
    if (v === null) return fallback;
    if (v.kind == Kind.String) {
      const i = names.indexOf(v.strValue);
      if (i >= 0) return i;
    }
    this.wrong(name, "one of " + names.join(", "));
    return fallback;
  }

  /** A `consistency` (default `eventual`). */
  consistency(name: string): Consistency {
    return CONSISTENCIES[this.caseIndex(name, CONSISTENCY_NAMES, 0)];
  }

  /** `write-options` (default last-write, eventual). */
  options(name: string): WriteOptions {
    const options = this.object(name);
    const concurrency = CONCURRENCIES[options.caseIndex("concurrency", CONCURRENCY_NAMES, 1)];
    return new WriteOptions(concurrency, options.consistency("consistency"));
  }

  /** An optional `data-cipher` (default `null`). */
  optCipher(name: string): Box<DataCipher> | null {
    if (this.get(name) === null) return null;
    return new Box<DataCipher>(CIPHERS[this.caseIndex(name, CIPHER_NAMES, 0)]);
  }

  /** An `http-verb` (default `post`). */
  verb(name: string): HttpVerb {
    return VERBS[this.caseIndex(name, VERB_NAMES, 2)];
  }
}

/** The elements of `items` as objects (each must be an object or `null`); `what` names them. */
export function each(items: Array<Json>, what: string): Array<Fields> {
  const out = new Array<Fields>();
  for (let i = 0; i < items.length; i++) out.push(Fields.of(items[i], what));
  return out;
}

/** The JSON name of an HTTP verb. */
export function verbName(verb: HttpVerb): string {
  const i = VERBS.indexOf(verb);
  return i < 0 ? "unknown" : VERB_NAMES[i];
}

/** The JSON name of an unlock status. */
export function unlockStatus(status: UnlockStatus): Json {
  const i = UNLOCK_STATUSES.indexOf(status);
  return Json.ofStr(i < 0 ? "unknown" : UNLOCK_NAMES[i]);
}

/** A payload as JSON text (invalid UTF-8 replaced). */
export function data(bytes: Uint8Array): Json {
  return Json.ofStr(textOf(bytes));
}

/**
 * Bytes as lowercase hexadecimal text (ciphertexts). The digits go into one
 * UTF-16 buffer: a string per byte would be hundreds of thousands of live
 * objects for a large ciphertext, which the garbage collector makes slow.
 */
export function hex(bytes: Uint8Array): Json {
  const units = new Uint16Array(bytes.length * 2);
  for (let i = 0; i < bytes.length; i++) {
    units[2 * i] = hexUnit(bytes[i] >> 4);
    units[2 * i + 1] = hexUnit(bytes[i] & 15);
  }
  return Json.ofStr(String.UTF16.decodeUnsafe(units.dataStart, <usize>units.byteLength));
}

/** The UTF-16 code unit of the lowercase hexadecimal digit `d` (0 to 15). */
function hexUnit(d: i32): u16 {
  return <u16>(d < 10 ? 0x30 + d : 0x61 + d - 10);
}

/** `[k, v]` pairs. */
export function pairs(list: Array<Tuple2<string, string>>): Json {
  const out = Json.arr();
  for (let i = 0; i < list.length; i++) {
    out.push(Json.arr([Json.ofStr(list[i].f0), Json.ofStr(list[i].f1)]));
  }
  return out;
}

/** The message of a runtime error. */
export function message(e: DaprError): string {
  switch (e.tag) {
    case DaprError.NOT_FOUND_TAG: return e.getNotFound();
    case DaprError.DENIED_TAG: return e.getDenied();
    case DaprError.ETAG_MISMATCH_TAG: return e.getEtagMismatch();
    case DaprError.INVALID_ARGUMENT_TAG: return e.getInvalidArgument();
    case DaprError.UNAVAILABLE_TAG: return e.getUnavailable();
    case DaprError.UNSUPPORTED_TAG: return e.getUnsupported();
    case DaprError.INTERNAL_TAG: return e.getInternal();
  }
  return "";
}

/** A runtime error: `{"<case>": "<message>"}`. */
export function error(e: DaprError): Json {
  return obj1(e.caseName(), Json.ofStr(message(e)));
}

/** A nested result: `{"ok": ...}` or `{"err": {...}}`; `ok` encodes the ok value. */
export function result<T>(r: Result<T, DaprError>, ok: (value: T) => Json): Json {
  return r.isOk ? obj1("ok", ok(r.value)) : obj1("err", error(r.error));
}
