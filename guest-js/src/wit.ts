/**
 * The generated `dapr:runtime` imports and the conversions every
 * building-block module shares.
 *
 * componentize-js turns each interface of the component's world into an ES
 * module named after it (`dapr:runtime/state@0.1.0`); every world this SDK
 * supports includes `dapr:runtime/client`, so these imports always resolve.
 * A failed call throws an error whose `payload` is the WIT `error` value;
 * {@link call} turns it into a {@link DaprError}.
 * @module
 */

import { DaprError, type WitError } from "./errors.js";
import { stringify } from "./json.js";

export * as actors from "dapr:runtime/actors@0.1.0";
export * as bindings from "dapr:runtime/bindings@0.1.0";
export * as configuration from "dapr:runtime/configuration@0.1.0";
export * as conversation from "dapr:runtime/conversation@0.1.0";
export * as crypto from "dapr:runtime/crypto@0.1.0";
export * as invoke from "dapr:runtime/invoke@0.1.0";
export * as jobs from "dapr:runtime/jobs@0.1.0";
export * as lock from "dapr:runtime/lock@0.1.0";
export * as metadata from "dapr:runtime/metadata@0.1.0";
export * as pubsub from "dapr:runtime/pubsub@0.1.0";
export * as secrets from "dapr:runtime/secrets@0.1.0";
export * as state from "dapr:runtime/state@0.1.0";

/** A payload: bytes as they are, or text (stored as UTF-8). */
export type Data = Uint8Array | string;

/** Metadata given to a call: an object, `[key, value]` pairs, or nothing. */
export type MetadataLike = Record<string, string> | Iterable<readonly [string, string]> | undefined | null;

/** Metadata pairs as WIT takes and gives them. */
export type Pairs = Array<[string, string]>;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Whether `value` is a WIT error value carried by a thrown error. */
function witError(thrown: unknown): WitError | undefined {
  const payload = (thrown as { payload?: unknown } | null)?.payload;
  if (payload && typeof payload === "object" && typeof (payload as WitError).tag === "string") {
    return payload as WitError;
  }
  return undefined;
}

/**
 * Calls a generated import and throws its WIT error as a {@link DaprError};
 * other exceptions (a bug, a bad argument) propagate unchanged.
 */
export function call<A extends unknown[], T>(fn: (...args: A) => T, ...args: A): T {
  try {
    return fn(...args);
  } catch (thrown) {
    const error = witError(thrown);
    if (error) throw DaprError.fromWit(error);
    throw thrown;
  }
}

/**
 * Bytes handed over by the bindings (or the app) as a `Uint8Array`: a
 * `Uint8Array` as it is, any other typed array or `DataView` as a view of
 * its bytes, an `ArrayBuffer` as a view of it. The bindings do not always
 * give a `Uint8Array` of this realm (an empty `list<u8>` handed to an export
 * is not one), so every payload is passed through this.
 */
export function asBytes(data: unknown): Uint8Array | undefined {
  if (data instanceof Uint8Array) return data;
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (data instanceof ArrayBuffer || Object.prototype.toString.call(data) === "[object ArrayBuffer]") {
    return new Uint8Array(data as ArrayBuffer);
  }
  return undefined;
}

/** A payload as bytes; text is encoded as UTF-8. */
export function toBytes(data: Data | undefined | null): Uint8Array {
  if (data === undefined || data === null) return new Uint8Array();
  if (typeof data === "string") return encoder.encode(data);
  const bytes = asBytes(data);
  if (bytes) return bytes;
  throw new TypeError(`a payload must be a Uint8Array or a string, not ${describe(data)}`);
}

/** Bytes as UTF-8 text, invalid sequences replaced. */
export function text(data: Uint8Array): string {
  return decoder.decode(data);
}

/** `value` serialized as compact JSON, as UTF-8 bytes. */
export function jsonBytes(value: unknown): Uint8Array {
  const json = stringify(value);
  if (json === undefined) throw new TypeError(`${describe(value)} cannot be serialized as JSON`);
  return encoder.encode(json);
}

/** Metadata, headers or a query as the list of pairs WIT takes. */
export function pairs(items: MetadataLike): Pairs {
  if (items === undefined || items === null) return [];
  const entries: Iterable<unknown> =
    Symbol.iterator in (items as object) ? (items as Iterable<unknown>) : Object.entries(items);
  const result: Pairs = [];
  for (const pair of entries) {
    if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== "string" || typeof pair[1] !== "string") {
      throw new TypeError(`metadata pairs must be [string, string], not ${describe(pair)}`);
    }
    result.push([pair[0], pair[1]]);
  }
  return result;
}

/** Pairs as an object (a later duplicate name wins). */
export function record(items: ReadonlyArray<readonly [string, string]>): Record<string, string> {
  return Object.fromEntries(items);
}

/** `value` if it is one of `cases`, else a `TypeError` naming `what`. */
export function oneOf<C extends string>(value: unknown, cases: readonly C[], what: string): C {
  if (typeof value === "string" && (cases as readonly string[]).includes(value)) return value as C;
  throw new TypeError(`${what} must be one of ${cases.join(", ")}, not ${describe(value)}`);
}

/** A short description of a value, for error messages. */
export function describe(value: unknown): string {
  if (value === null) return "null";
  if (value instanceof Uint8Array) return "a Uint8Array";
  if (Array.isArray(value)) return `an array ${safeJson(value)}`;
  if (typeof value === "object") return `${Object.prototype.toString.call(value)} ${safeJson(value)}`;
  return `${typeof value} ${safeJson(value)}`;
}

function safeJson(value: unknown): string {
  try {
    return String(JSON.stringify(value));
  } catch {
    return String(value);
  }
}

/**
 * `text()` and `json()` of the payload in `data`, for the SDK's classes that
 * carry one.
 */
export abstract class Payload {
  /** The payload. */
  abstract readonly data: Data;

  /**
   * The payload as bytes of their own (a copy, backed by an `ArrayBuffer`,
   * as web APIs such as `new Response(body)` take them).
   */
  bytes(): Uint8Array<ArrayBuffer> {
    return typeof this.data === "string" ? encoder.encode(this.data) : new Uint8Array(toBytes(this.data));
  }

  /** The payload as UTF-8 text (invalid bytes replaced). */
  text(): string {
    return typeof this.data === "string" ? this.data : text(toBytes(this.data));
  }

  /** The payload parsed as JSON (throws `SyntaxError` if it is not JSON). */
  json<T = unknown>(): T {
    return JSON.parse(this.text()) as T;
  }
}
