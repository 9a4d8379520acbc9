/**
 * HTTP apps: the `wasi:http/incoming-handler` export (`--world http-app`),
 * through StarlingMonkey's fetch event. `serve` registers one function from
 * a `Request` to a `Response` (the web platform's classes):
 *
 * ```ts
 * import { http, state } from "@wasmtime-dapr/guest-js";
 *
 * http.serve(async (request) => {
 *   const url = new URL(request.url);
 *   if (url.pathname === "/") return new Response("hello");
 *   return new Response("not found", { status: 404 });
 * });
 * ```
 *
 * Each request runs in a fresh instance of the component.
 * @module
 */

/** Answers one request (or a promise of the answer). */
export type FetchHandler = (request: Request) => Response | Promise<Response>;

/** What StarlingMonkey hands to a `fetch` listener. */
interface FetchEvent {
  readonly request: Request;
  respondWith(response: Response | Promise<Response>): void;
}

/** Answers a failed handler: 500, logged. */
async function answer(handler: FetchHandler, request: Request): Promise<Response> {
  try {
    const response = await handler(request);
    if (!(response instanceof Response)) {
      throw new TypeError(`the handler must return a Response, not ${typeof response}`);
    }
    return response;
  } catch (error) {
    const detail = error instanceof Error ? (error.stack ?? String(error)) : String(error);
    console.error(`${request.method} ${request.url} failed: ${detail}`);
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return new Response(message, { status: 500, headers: { "content-type": "text/plain" } });
  }
}

/**
 * Serves every HTTP request with `handler`; an exception (or a value that
 * is not a `Response`) is logged and answered with status 500.
 */
export function serve(handler: FetchHandler): void {
  (globalThis as unknown as { addEventListener(type: "fetch", listener: (event: FetchEvent) => void): void }).addEventListener(
    "fetch",
    (event) => event.respondWith(answer(handler, event.request)),
  );
}
