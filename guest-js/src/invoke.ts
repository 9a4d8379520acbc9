/**
 * Calling methods of other apps (Dapr's service invocation building block).
 *
 * {@link InvokeRequest} and {@link InvokeResponse} are also what an app's
 * {@link App.invoke} handlers receive and return:
 *
 * ```ts
 * const response = invoke.postJson("orders", "place", { id: 1 });
 * if (response.ok) console.log(response.json());
 * ```
 * @module
 */

import * as wit from "./wit.js";
import { call, type Data, jsonBytes, oneOf, pairs, Payload, toBytes, type MetadataLike } from "./wit.js";

/** The HTTP verb of an invocation (the WIT case names). */
export type HttpVerb = "get" | "head" | "post" | "put" | "delete" | "patch" | "options";
/** Every {@link HttpVerb}. */
export const HTTP_VERBS: readonly HttpVerb[] = ["get", "head", "post", "put", "delete", "patch", "options"];

/** The fields of an {@link InvokeRequest}; all but `method` optional. */
export interface InvokeRequestInit {
  /** The method (path) to call, such as `orders/42`. */
  method: string;
  /** The HTTP verb; default `post`. */
  verb?: HttpVerb;
  /** Query parameters, in order. */
  query?: MetadataLike;
  /** Headers, in order. */
  headers?: MetadataLike;
  /** The media type of `data`. */
  contentType?: string | null;
  /** The body: bytes, or text as UTF-8. */
  data?: Data;
}

/** An invocation: a method of the called app, with an HTTP-like shape. */
export class InvokeRequest extends Payload {
  /** The method (path) to call, such as `orders/42`. */
  readonly method: string;
  /** The HTTP verb. */
  readonly verb: HttpVerb;
  /** Query parameters, in order. */
  readonly query: Array<[string, string]>;
  /** Headers, in order. */
  readonly headers: Array<[string, string]>;
  /** The media type of `data`. */
  readonly contentType: string | undefined;
  /** The body. */
  readonly data: Data;

  /** A request from its fields (validated: a bad verb is a `TypeError`). */
  constructor(init: InvokeRequestInit) {
    super();
    this.method = init.method;
    this.verb = oneOf(init.verb ?? "post", HTTP_VERBS, "verb");
    this.query = pairs(init.query);
    this.headers = pairs(init.headers);
    this.contentType = init.contentType ?? undefined;
    this.data = typeof init.data === "string" ? init.data : toBytes(init.data);
  }

  /** A POST (unless `verb` says otherwise) whose body is `value` as JSON. */
  static json(method: string, value: unknown, verb: HttpVerb = "post"): InvokeRequest {
    return new InvokeRequest({ method, verb, contentType: "application/json", data: jsonBytes(value) });
  }

  /** @internal The WIT record. */
  toWit() {
    return {
      method: this.method,
      verb: this.verb,
      query: this.query,
      headers: this.headers,
      contentType: this.contentType,
      data: toBytes(this.data),
    };
  }
}

/** The fields of an {@link InvokeResponse}; all optional. */
export interface InvokeResponseInit {
  /** The HTTP status; default 200. */
  status?: number;
  /** Headers, in order. */
  headers?: MetadataLike;
  /** The media type of `data`. */
  contentType?: string | null;
  /** The body: bytes, or text as UTF-8. */
  data?: Data;
}

/** The answer to an invocation; a non-2xx status is an answer, not an error. */
export class InvokeResponse extends Payload {
  /** The HTTP status. */
  readonly status: number;
  /** Headers, in order. */
  readonly headers: Array<[string, string]>;
  /** The media type of `data`. */
  readonly contentType: string | undefined;
  /** The body. */
  readonly data: Data;

  /** A response from its fields (a status outside 0..65535 is a `TypeError`). */
  constructor(init: InvokeResponseInit = {}) {
    super();
    const status = init.status ?? 200;
    if (!Number.isInteger(status) || status < 0 || status > 0xffff) {
      throw new TypeError(`a status must be an integer in 0..65535, not ${status}`);
    }
    this.status = status;
    this.headers = pairs(init.headers);
    this.contentType = init.contentType ?? undefined;
    this.data = typeof init.data === "string" ? init.data : toBytes(init.data);
  }

  /** A `text/plain` response. */
  static text(text: string, status = 200): InvokeResponse {
    return new InvokeResponse({ status, contentType: "text/plain", data: text });
  }

  /** An `application/json` response of `value`. */
  static json(value: unknown, status = 200): InvokeResponse {
    return new InvokeResponse({ status, contentType: "application/json", data: jsonBytes(value) });
  }

  /** Whether the status is 2xx. */
  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }

  /** @internal The WIT record. */
  toWit() {
    return { status: this.status, headers: this.headers, contentType: this.contentType, data: toBytes(this.data) };
  }
}

/** Calls `request.method` on the app `appId` (which may be this app). */
export function invokeMethod(appId: string, request: InvokeRequest | InvokeRequestInit): InvokeResponse {
  const req = request instanceof InvokeRequest ? request : new InvokeRequest(request);
  const response = call(wit.invoke.invokeMethod, appId, req.toWit());
  return new InvokeResponse({
    status: response.status,
    headers: response.headers,
    contentType: response.contentType,
    data: response.data,
  });
}

/** Calls `method` of `appId` with verb GET and no body. */
export function get(appId: string, method: string): InvokeResponse {
  return invokeMethod(appId, { method, verb: "get" });
}

/** Calls `method` of `appId` with verb POST and `value` as JSON. */
export function postJson(appId: string, method: string, value: unknown): InvokeResponse {
  return invokeMethod(appId, InvokeRequest.json(method, value));
}
