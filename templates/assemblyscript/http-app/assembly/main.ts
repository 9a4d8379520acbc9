// {{name}}: a JSON HTTP endpoint backed by the state store.
//
// - `POST /items/{id}` with a JSON body saves it under `item:{id}` in
//   `statestore` and answers `201` with the saved JSON (`400` if the body
//   is not JSON).
// - `GET /items/{id}` answers the saved JSON, or `404`.
//
// Every request runs in a fresh instance (top-level code runs first,
// through the `_initialize` export): keep data in the building blocks, not
// in globals.

import { DaprClient, KeyValue, describe } from "@wasmtime-dapr/guest-assemblyscript/assembly/dapr";
import { Request, Response, serveHttp } from "@wasmtime-dapr/guest-assemblyscript/assembly/http";
// json-as's syntax check: it returns false instead of aborting on bad input
// (AssemblyScript cannot catch the abort of a parser).
import { validateJSON } from "json-as/assembly/util/validateJson";

// `cabi_realloc` and the shim of the `wasi:http/incoming-handler` export.
export * from "@wasmtime-dapr/guest-assemblyscript/assembly/bindings/exports-http-app";

/** The state store the items are kept in. */
const STORE = "statestore";
const PREFIX = "/items/";

const dapr = new DaprClient();

/** One request; its body is already read. */
function handle(request: Request): Response {
  const path = request.path;
  const id = path.startsWith(PREFIX) ? path.substring(PREFIX.length) : "";
  if (id.length == 0 || id.includes("/")) return error(404, "no such resource: use /items/{id}");
  if (request.method == "GET") return get(id);
  if (request.method == "POST") return post(id, request);
  return error(405, "use GET or POST");
}

/** `GET /items/{id}`. */
function get(id: string): Response {
  const found = dapr.state.get(STORE, key(id));
  if (found.isErr) return error(500, describe(found.error));
  const item = found.value;
  if (item === null) return error(404, "no item " + id);
  return Response.bytes(200, item.data, "application/json");
}

/** `POST /items/{id}`: the body must be JSON; it is saved as sent. */
function post(id: string, request: Request): Response {
  if (!validateJSON(request.text())) return error(400, "the body is not JSON");
  const saved = dapr.state.save(STORE, new KeyValue(key(id), request.body));
  if (saved.isErr) return error(500, describe(saved.error));
  return Response.bytes(201, request.body, "application/json");
}

/** An error answer: `{"error": message}`. */
function error(status: u16, message: string): Response {
  return Response.json(status, '{"error":' + quote(message) + "}");
}

/** `text` as a JSON string. */
function quote(text: string): string {
  let out = '"';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c == 0x22 || c == 0x5c) out += "\\" + String.fromCharCode(c);
    else if (c < 0x20) out += "\\u" + c.toString(16).padStart(4, "0");
    else out += String.fromCharCode(c);
  }
  return out + '"';
}

/** The state key of item `id`. */
function key(id: string): string {
  return "item:" + id;
}

serveHttp(handle);
