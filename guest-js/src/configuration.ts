/**
 * Reading application configuration and watching it change (Dapr's
 * configuration building block). Changes of a subscription are received
 * with {@link App.configurationUpdate}.
 * @module
 */

import * as wit from "./wit.js";
import { call, type MetadataLike, pairs, record } from "./wit.js";

/** One configuration item. */
export interface ConfigurationItem {
  /** Its key. */
  key: string;
  /** Its value. */
  value: string;
  /** The store's version of the value (may be empty). */
  version: string;
  /** Store-specific metadata. */
  metadata: Record<string, string>;
}

/** @internal An item from its WIT record. */
export function fromWit(item: { key: string; value: string; version: string; metadata: Array<[string, string]> }): ConfigurationItem {
  return { key: item.key, value: item.value, version: item.version, metadata: record(item.metadata) };
}

/**
 * The items `keys` of `store` (every item if `keys` is empty); missing keys
 * are left out.
 */
export function get(store: string, keys: Iterable<string> = [], options: { metadata?: MetadataLike } = {}): ConfigurationItem[] {
  return call(wit.configuration.get, store, [...keys], pairs(options.metadata)).map(fromWit);
}

/** The value of `key`, or `undefined` if the store has no such item. */
export function getValue(store: string, key: string): string | undefined {
  return get(store, [key]).find((item) => item.key === key)?.value;
}

/**
 * Watches `keys` (every item if empty) and returns the subscription id;
 * changes arrive at the app's {@link App.configurationUpdate} handler.
 */
export function subscribe(store: string, keys: Iterable<string> = [], options: { metadata?: MetadataLike } = {}): string {
  return call(wit.configuration.subscribe, store, [...keys], pairs(options.metadata));
}

/** Stops the subscription `subscriptionId`. */
export function unsubscribe(store: string, subscriptionId: string): void {
  call(wit.configuration.unsubscribe, store, subscriptionId);
}
