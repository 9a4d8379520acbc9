/**
 * Publishing to topics (Dapr's publish & subscribe building block).
 * Subscribing is done with {@link App.topic}.
 * @module
 */

import { DaprError } from "./errors.js";
import * as wit from "./wit.js";
import { call, type Data, jsonBytes, type MetadataLike, pairs, toBytes } from "./wit.js";

/** One message of {@link bulkPublish}. */
export interface BulkMessage {
  /** Identifies the message among the others of the call. */
  entryId: string;
  /** The payload: bytes, or text as UTF-8; default empty. */
  data?: Data;
  /** Its media type; default `application/json`. */
  contentType?: string;
  /** Per-message metadata. */
  metadata?: MetadataLike;
}

/** A message of {@link bulkPublish} that was not published. */
export interface BulkFailure {
  /** The message's `entryId`. */
  entryId: string;
  /** Why it was not published. */
  error: DaprError;
}

/** Options of {@link publish}. */
export interface PublishOptions {
  /** The media type of the data; default `application/json`. */
  contentType?: string | null;
  /** Metadata for the broker. */
  metadata?: MetadataLike;
}

/**
 * Publishes `data` to `topic` of `pubsub`; returns once the broker accepted
 * it.
 */
export function publish(pubsub: string, topic: string, data: Data, options: PublishOptions = {}): void {
  call(wit.pubsub.publish, pubsub, topic, toBytes(data), options.contentType ?? undefined, pairs(options.metadata));
}

/** Publishes `value` serialized as JSON. */
export function publishJson(pubsub: string, topic: string, value: unknown, options: { metadata?: MetadataLike } = {}): void {
  publish(pubsub, topic, jsonBytes(value), { contentType: "application/json", metadata: options.metadata });
}

/** A {@link BulkMessage} whose payload is `value` serialized as JSON. */
export function jsonMessage(entryId: string, value: unknown, metadata?: MetadataLike): BulkMessage {
  return { entryId, data: jsonBytes(value), contentType: "application/json", metadata };
}

/**
 * Publishes many messages; returns those that failed (empty when all were
 * accepted). Throws only when nothing could be attempted.
 */
export function bulkPublish(
  pubsub: string,
  topic: string,
  messages: Iterable<BulkMessage>,
  options: { metadata?: MetadataLike } = {},
): BulkFailure[] {
  const witMessages = [...messages].map((m) => ({
    entryId: m.entryId,
    data: toBytes(m.data),
    contentType: m.contentType ?? "application/json",
    metadata: pairs(m.metadata),
  }));
  const failures = call(wit.pubsub.bulkPublish, pubsub, topic, witMessages, pairs(options.metadata));
  return failures.map((f) => ({ entryId: f.entryId, error: DaprError.fromWit(f.error) }));
}
