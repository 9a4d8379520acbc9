/**
 * Output bindings: sending data to external systems (Dapr's bindings
 * building block). Input bindings are received with {@link App.binding}.
 * @module
 */

import * as wit from "./wit.js";
import { call, type Data, type MetadataLike, pairs, Payload, record, toBytes } from "./wit.js";

/** What an output binding answered. */
export class BindingResponse extends Payload {
  /**
   * @param data the response payload (may be empty)
   * @param metadata binding-specific response metadata
   */
  constructor(
    readonly data: Uint8Array,
    readonly metadata: Record<string, string>,
  ) {
    super();
  }
}

/**
 * Invokes `operation` (such as `create` or `get`) of the output binding
 * `name` with `data` (default empty) and binding-specific metadata.
 */
export function invoke(
  name: string,
  operation: string,
  data: Data = new Uint8Array(),
  options: { metadata?: MetadataLike } = {},
): BindingResponse {
  const response = call(wit.bindings.invoke, name, operation, toBytes(data), pairs(options.metadata));
  return new BindingResponse(toBytes(response.data), record(response.metadata));
}
