/**
 * Reading secrets (Dapr's secrets building block).
 * @module
 */

import * as wit from "./wit.js";
import { call, type MetadataLike, pairs, record } from "./wit.js";

/**
 * The secret `key` of `store`: its values by name (most stores have one,
 * named `key`). A missing secret throws {@link NotFoundError}.
 */
export function get(store: string, key: string, options: { metadata?: MetadataLike } = {}): Record<string, string> {
  return record(call(wit.secrets.get, store, key, pairs(options.metadata)));
}

/**
 * The single value of the secret `key`: its value named `key`, else its
 * first; `undefined` if it has no values.
 */
export function getValue(store: string, key: string): string | undefined {
  const secret = call(wit.secrets.get, store, key, []);
  const named = secret.find(([name]) => name === key);
  return named ? named[1] : secret[0]?.[1];
}

/** Every secret of `store` this app may read, by key. */
export function getBulk(store: string, options: { metadata?: MetadataLike } = {}): Record<string, Record<string, string>> {
  const all = call(wit.secrets.getBulk, store, pairs(options.metadata));
  return Object.fromEntries(all.map(([key, secret]) => [key, record(secret)]));
}
