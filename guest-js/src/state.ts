/**
 * Key/value state stores (Dapr's state management building block).
 *
 * Keys are the app's own: two apps may use the same key independently.
 * Values are bytes; {@link saveJson} and {@link getJson} store and read
 * JSON, as other Dapr clients do:
 *
 * ```ts
 * const visits = (state.getJson<number>("statestore", "visits") ?? 0) + 1;
 * state.saveJson("statestore", "visits", visits);
 * ```
 * @module
 */

import { DaprError } from "./errors.js";
import { stringify } from "./json.js";
import * as wit from "./wit.js";
import { call, type Data, jsonBytes, type MetadataLike, oneOf, pairs, Payload, record, toBytes } from "./wit.js";

/** How a read or write is replicated before it is acknowledged. */
export type Consistency = "eventual" | "strong";
/** Every {@link Consistency}. */
export const CONSISTENCIES: readonly Consistency[] = ["eventual", "strong"];

/**
 * How a write without an etag treats an existing key: `first-write` only
 * writes a key that does not exist yet (else {@link EtagMismatchError}),
 * `last-write` replaces whatever is stored.
 */
export type Concurrency = "first-write" | "last-write";
/** Every {@link Concurrency}. */
export const CONCURRENCIES: readonly Concurrency[] = ["first-write", "last-write"];

/** Options of a write (save, delete, transaction operation). */
export interface WriteOptions {
  /** Only write if the stored etag is this one. */
  etag?: string | null;
  /** See {@link Concurrency}; default `last-write`. */
  concurrency?: Concurrency;
  /** See {@link Consistency}; default `eventual`. */
  consistency?: Consistency;
  /** Per-item metadata, such as `{ttlInSeconds: "60"}`. */
  metadata?: MetadataLike;
}

/** One item to save (or upsert in {@link transact}). */
export interface SaveItem extends WriteOptions {
  /** The key (must not be empty). */
  key: string;
  /** The value: bytes, or text stored as UTF-8; default empty. */
  data?: Data;
}

/** One key to delete (also a delete operation in {@link transact}). */
export interface DeleteItem extends WriteOptions {
  /** The key (must not be empty). */
  key: string;
}

/** One operation of {@link transact}: an upsert or a delete. */
export type Operation = { upsert: SaveItem } | { delete: DeleteItem };

/** Options of a read. */
export interface ReadOptions {
  /** See {@link Consistency}; default `eventual`. */
  consistency?: Consistency;
  /** Store-specific metadata. */
  metadata?: MetadataLike;
}

/** A stored value as read back. */
export class StateItem extends Payload {
  /**
   * @param data the bytes exactly as saved (may be empty)
   * @param etag the etag of this version, for a later etag-checked write
   * @param metadata store metadata about the item, such as `ttlExpireTime`
   */
  constructor(
    readonly data: Uint8Array,
    readonly etag: string | undefined,
    readonly metadata: Record<string, string>,
  ) {
    super();
  }
}

/** One key's outcome in {@link getBulk}: `item` or `error`. */
export interface BulkItem {
  /** The requested key. */
  key: string;
  /** The stored value; `undefined` for a missing key or when `error` is set. */
  item?: StateItem;
  /** Why reading only this key failed. */
  error?: DaprError;
}

/** One result of a {@link query}. */
export class QueryItem extends Payload {
  /**
   * @param key the key of the matching item
   * @param data its stored bytes
   * @param etag its etag, if the store has etags
   */
  constructor(
    readonly key: string,
    readonly data: Uint8Array,
    readonly etag: string | undefined,
  ) {
    super();
  }
}

/** A page of {@link query} results. */
export interface QueryResponse {
  /** The matching items, in the query's sort order. */
  results: QueryItem[];
  /** Pass as `page.token` for the next page; `undefined` on the last page. */
  token?: string;
  /** Store-specific metadata about the query. */
  metadata: Record<string, string>;
}

/** A {@link SaveItem} whose value is `value` serialized as JSON. */
export function jsonItem(key: string, value: unknown, options: WriteOptions = {}): SaveItem {
  return { ...options, key, data: jsonBytes(value) };
}

function writeOptions(options: WriteOptions) {
  return {
    concurrency: oneOf(options.concurrency ?? "last-write", CONCURRENCIES, "concurrency"),
    consistency: oneOf(options.consistency ?? "eventual", CONSISTENCIES, "consistency"),
  };
}

function witSaveItem(item: SaveItem) {
  return {
    key: item.key,
    data: toBytes(item.data),
    etag: item.etag ?? undefined,
    options: writeOptions(item),
    metadata: pairs(item.metadata),
  };
}

function witDeleteItem(item: DeleteItem) {
  return {
    key: item.key,
    etag: item.etag ?? undefined,
    options: writeOptions(item),
    metadata: pairs(item.metadata),
  };
}

function stateItem(value: { data: Uint8Array; etag?: string; metadata: Array<[string, string]> }): StateItem {
  return new StateItem(toBytes(value.data), value.etag ?? undefined, record(value.metadata));
}

/** Reads `key`; `undefined` if it does not exist (or has expired). */
export function get(store: string, key: string, options: ReadOptions = {}): StateItem | undefined {
  const consistency = oneOf(options.consistency ?? "eventual", CONSISTENCIES, "consistency");
  const value = call(wit.state.get, store, key, consistency, pairs(options.metadata));
  return value === undefined || value === null ? undefined : stateItem(value);
}

/**
 * Reads `key` and parses it as JSON; `defaultValue` (`undefined` unless
 * given) if it does not exist.
 */
export function getJson<T = unknown>(store: string, key: string, defaultValue?: T): T | undefined {
  const item = get(store, key);
  return item === undefined ? defaultValue : item.json<T>();
}

/**
 * Reads many keys: one {@link BulkItem} per key, in order; a failure of one
 * key does not fail the others.
 */
export function getBulk(store: string, keys: Iterable<string>, options: { metadata?: MetadataLike } = {}): BulkItem[] {
  const values = call(wit.state.getBulk, store, [...keys], pairs(options.metadata));
  return values.map((value) => {
    const outcome = value.value;
    if (outcome.tag === "err") return { key: value.key, error: DaprError.fromWit(outcome.val) };
    const found = outcome.val;
    return { key: value.key, item: found === undefined || found === null ? undefined : stateItem(found) };
  });
}

/** Saves `data` (bytes, or text as UTF-8) under `key`. */
export function save(store: string, key: string, data: Data, options: WriteOptions = {}): void {
  saveBulk(store, [{ ...options, key, data }]);
}

/** Saves `value` serialized as JSON; `options` are those of {@link save}. */
export function saveJson(store: string, key: string, value: unknown, options: WriteOptions = {}): void {
  save(store, key, jsonBytes(value), options);
}

/**
 * Saves items one by one (not atomically: see {@link transact}); the first
 * failure stops the save and is thrown, earlier items stay saved.
 */
export function saveBulk(store: string, items: Iterable<SaveItem>): void {
  call(wit.state.save, store, [...items].map(witSaveItem));
}

/** Deletes `key`; a missing key is not an error unless an etag is given. */
function deleteKey(store: string, key: string, options: WriteOptions = {}): void {
  deleteItem(store, { ...options, key });
}
export { deleteKey as delete };

/** Deletes the key of `item` with its etag and options. */
export function deleteItem(store: string, item: DeleteItem): void {
  call(wit.state.delete, store, witDeleteItem(item));
}

/**
 * Applies the operations atomically, in order: each `{upsert: item}` saves,
 * each `{delete: item}` deletes.
 */
export function transact(store: string, operations: Iterable<Operation>, options: { metadata?: MetadataLike } = {}): void {
  const witOperations = [...operations].map((operation) => {
    if (operation && typeof operation === "object" && "upsert" in operation) {
      return { tag: "upsert" as const, val: witSaveItem(operation.upsert) };
    }
    if (operation && typeof operation === "object" && "delete" in operation) {
      return { tag: "delete" as const, val: witDeleteItem(operation.delete) };
    }
    throw new TypeError(`an operation is {upsert: item} or {delete: item}, not ${wit.describe(operation)}`);
  });
  call(wit.state.transact, store, witOperations, pairs(options.metadata));
}

/**
 * Runs a query in Dapr's state query language (a JSON string, or an object
 * serialized to one) over the values this app stored as JSON.
 */
export function query(store: string, query: string | object, options: { metadata?: MetadataLike } = {}): QueryResponse {
  const queryText = typeof query === "string" ? query : stringify(query);
  if (queryText === undefined) throw new TypeError(`a query must be a string or an object, not ${wit.describe(query)}`);
  const response = call(wit.state.query, store, queryText, pairs(options.metadata));
  return {
    results: response.results.map((r) => new QueryItem(r.key, toBytes(r.data), r.etag ?? undefined)),
    token: response.token ?? undefined,
    metadata: record(response.metadata),
  };
}
