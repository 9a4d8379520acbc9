// HTTP apps: components of world `http-app`, which export
// `wasi:http/incoming-handler` and are served by `wasmtime-dapr serve`.
//
// An app is a function from `Request` to `Response`:
//
//   import { Request, Response, serveHttp } from "@wasmtime-dapr/guest-assemblyscript/assembly/http";
//   export * from "@wasmtime-dapr/guest-assemblyscript/assembly/bindings/exports-http-app";
//
//   serveHttp((request: Request): Response => Response.text(200, "hello " + request.path));
//
// The request body is read whole before the handler runs, and the response
// body is written after it returns, through `wasi:io` streams in chunks of at
// most `CHUNK` bytes (`blocking-write-and-flush`). The `DaprClient` of
// `./dapr` works in HTTP apps too.

import { IncomingHandler, setIncomingHandler } from "./bindings/wasi/http/incoming-handler";
import {
  ErrorCode,
  Fields,
  IncomingBody,
  IncomingRequest,
  Method,
  OutgoingBody,
  OutgoingResponse,
  ResponseOutparam,
} from "./bindings/wasi/http/types";
import { InputStream, OutputStream, StreamError } from "./bindings/wasi/io/streams";
import { Tuple2, ok } from "./bindings/rt";

/** The most bytes one `blocking-write-and-flush` may take (the WASI limit). */
export const CHUNK: i32 = 4096;

/** How many bytes one read of the request body asks for. */
const READ_SIZE: u64 = 65536;

/** An HTTP request, its body read in full. */
export class Request {
  constructor(
    /** The method in upper case: `GET`, `POST`, ... (or the method as sent, for others). */
    public method: string,
    /** The path, without the query: `/orders/42`. */
    public path: string,
    /** The query without the `?` (empty if there is none). */
    public query: string,
    /** The headers as (lower-case name, value) pairs, in the order received. */
    public headers: Array<Tuple2<string, string>>,
    /** The body. */
    public body: Uint8Array,
  ) {}

  /** The value of the first header named `name` (any case), or `null`. */
  header(name: string): string | null {
    const lower = name.toLowerCase();
    for (let i = 0; i < this.headers.length; i++) {
      const h = unchecked(this.headers[i]);
      if (h.f0.toLowerCase() == lower) return h.f1;
    }
    return null;
  }

  /** The body as UTF-8 text (invalid sequences become U+FFFD). */
  text(): string {
    return String.UTF8.decodeUnsafe(this.body.dataStart, <usize>this.body.length);
  }
}

/** An HTTP response. */
export class Response {
  constructor(
    /** The status code. */
    public status: u16 = 200,
    /** The headers as (name, value) pairs. */
    public headers: Array<Tuple2<string, string>> = [],
    /** The body. */
    public body: Uint8Array = new Uint8Array(0),
  ) {}

  /** `status` with a `text/plain; charset=utf-8` body. */
  static text(status: u16, text: string): Response {
    return Response.bytes(status, utf8Bytes(text), "text/plain; charset=utf-8");
  }

  /** `status` with `json` (already serialized) as an `application/json` body. */
  static json(status: u16, json: string): Response {
    return Response.bytes(status, utf8Bytes(json), "application/json");
  }

  /** `status` with `body` of type `contentType`. */
  static bytes(status: u16, body: Uint8Array, contentType: string): Response {
    return new Response(status, [new Tuple2<string, string>("content-type", contentType)], body);
  }

  /** `status` without a body. */
  static empty(status: u16): Response {
    return new Response(status);
  }

  /** `404 Not Found`, no body. */
  static notFound(): Response {
    return new Response(404);
  }

  /** Adds the header `name: value`; returns this response. */
  header(name: string, value: string): Response {
    this.headers.push(new Tuple2<string, string>(name, value));
    return this;
  }
}

/** Serves HTTP requests with `handler`; call it once, at start-up. */
export function serveHttp(handler: (request: Request) => Response): void {
  httpHandler = handler;
  setIncomingHandler(new Incoming());
}

let httpHandler: ((request: Request) => Response) | null = null;

/** The `wasi:http/incoming-handler` implementation behind `serveHttp`. */
class Incoming extends IncomingHandler {
  handle(request: IncomingRequest, responseOut: ResponseOutparam): void {
    const parsed = readRequest(request);
    request.drop();
    let response: Response;
    if (parsed === null) {
      response = Response.text(400, "the request body could not be read");
    } else {
      response = httpHandler!(parsed);
    }
    send(response, responseOut);
  }
}

/** The request with its body, or `null` if the body could not be read. */
function readRequest(request: IncomingRequest): Request | null {
  const method = methodName(request.method());
  let path = "/";
  let query = "";
  const pathWithQuery = request.pathWithQuery();
  if (pathWithQuery !== null) {
    const q = pathWithQuery.indexOf("?");
    path = q < 0 ? pathWithQuery : pathWithQuery.substring(0, q);
    query = q < 0 ? "" : pathWithQuery.substring(q + 1);
  }
  const fields = request.headers();
  const entries = fields.entries();
  fields.drop();
  const headers = new Array<Tuple2<string, string>>();
  for (let i = 0; i < entries.length; i++) {
    const e = unchecked(entries[i]);
    headers.push(new Tuple2<string, string>(e.f0, String.UTF8.decodeUnsafe(e.f1.dataStart, <usize>e.f1.length)));
  }
  const consumed = request.consume();
  if (consumed.isErr) return null;
  const body = readBody(consumed.value);
  if (body === null) return null;
  return new Request(method, path, query, headers, body);
}

/** Reads `body` to its end and finishes it; `null` if reading failed. */
function readBody(body: IncomingBody): Uint8Array | null {
  const opened = body.stream();
  if (opened.isErr) {
    body.drop();
    return null;
  }
  const stream: InputStream = opened.value;
  const chunks = new Array<Uint8Array>();
  let total = 0;
  let failed = false;
  while (true) {
    const read = stream.blockingRead(READ_SIZE);
    if (read.isErr) {
      const e: StreamError = read.error;
      if (e.isLastOperationFailed()) {
        e.getLastOperationFailed().drop();
        failed = true;
      }
      break; // closed: the end of the body
    }
    const chunk = read.value;
    if (chunk.length > 0) {
      chunks.push(chunk);
      total += chunk.length;
    }
  }
  stream.drop();
  IncomingBody.finish(body).drop(); // the trailers are not read
  if (failed) return null;
  const out = new Uint8Array(total);
  let at = 0;
  for (let i = 0; i < chunks.length; i++) {
    const c = unchecked(chunks[i]);
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** Answers `responseOut` with `response`, streaming its body. */
function send(response: Response, responseOut: ResponseOutparam): void {
  const entries = new Array<Tuple2<string, Uint8Array>>();
  let hasLength = false;
  for (let i = 0; i < response.headers.length; i++) {
    const h = unchecked(response.headers[i]);
    if (h.f0.toLowerCase() == "content-length") hasLength = true;
    entries.push(new Tuple2<string, Uint8Array>(h.f0, utf8Bytes(h.f1)));
  }
  if (!hasLength) {
    entries.push(new Tuple2<string, Uint8Array>("content-length", utf8Bytes(response.body.length.toString())));
  }
  const fields = Fields.fromList(entries);
  if (fields.isErr) {
    fail(responseOut, "invalid response header (" + fields.error.caseName() + ")");
    return;
  }
  const outgoing = OutgoingResponse.create(fields.value);
  if (outgoing.setStatusCode(response.status).isErr) {
    outgoing.drop();
    fail(responseOut, "invalid response status " + response.status.toString());
    return;
  }
  const opened = outgoing.body();
  if (opened.isErr) {
    outgoing.drop();
    fail(responseOut, "the response body could not be opened");
    return;
  }
  const body = opened.value;
  ResponseOutparam.set(responseOut, ok<OutgoingResponse, ErrorCode>(outgoing));
  writeBody(body, response.body);
}

/** Writes `data` to `body` in chunks of at most `CHUNK` bytes and finishes it. */
function writeBody(body: OutgoingBody, data: Uint8Array): void {
  const opened = body.write();
  if (opened.isErr) {
    body.drop();
    return;
  }
  const stream: OutputStream = opened.value;
  let ok = true;
  for (let at = 0; ok && at < data.length; at += CHUNK) {
    const end = min(at + CHUNK, data.length);
    const written = stream.blockingWriteAndFlush(data.subarray(at, end));
    if (written.isErr) {
      // The client went away: nothing more can be sent.
      const e = written.error;
      if (e.isLastOperationFailed()) e.getLastOperationFailed().drop();
      ok = false;
    }
  }
  stream.drop();
  if (ok) {
    OutgoingBody.finish(body, null);
  } else {
    body.drop();
  }
}

/** Answers `responseOut` with `500` and `message`. */
function fail(responseOut: ResponseOutparam, message: string): void {
  const text = utf8Bytes(message);
  const fields = Fields.fromList([
    new Tuple2<string, Uint8Array>("content-type", utf8Bytes("text/plain; charset=utf-8")),
    new Tuple2<string, Uint8Array>("content-length", utf8Bytes(text.length.toString())),
  ]).value;
  const outgoing = OutgoingResponse.create(fields);
  outgoing.setStatusCode(500);
  const body = outgoing.body().value;
  ResponseOutparam.set(responseOut, ok<OutgoingResponse, ErrorCode>(outgoing));
  writeBody(body, text);
}

/** The name of `m`: `GET`, `POST`, ... */
function methodName(m: Method): string {
  switch (m.tag) {
    case Method.GET_TAG: return "GET";
    case Method.HEAD_TAG: return "HEAD";
    case Method.POST_TAG: return "POST";
    case Method.PUT_TAG: return "PUT";
    case Method.DELETE_TAG: return "DELETE";
    case Method.CONNECT_TAG: return "CONNECT";
    case Method.OPTIONS_TAG: return "OPTIONS";
    case Method.TRACE_TAG: return "TRACE";
    case Method.PATCH_TAG: return "PATCH";
    default: return m.getOther();
  }
}

function utf8Bytes(s: string): Uint8Array {
  return Uint8Array.wrap(String.UTF8.encode(s));
}
