/**
 * The TypeScript runner of the conformance scenarios: implements world
 * `dapr:conformance/actor-runner` as tests/conformance/README.md describes.
 *
 * `execute` translates one JSON step to a `dapr:runtime` call and its
 * outcome back to JSON (steps.ts); the `handler` export records what the
 * host delivers in `statestore` so scenarios can observe it (events.ts);
 * the `actor` export hosts the test actor type `conformance-actor`
 * (actor.ts).
 * @module
 */

import { app } from "./events.js";

export { actor } from "./actor.js";
export { execute } from "./steps.js";

/** The `dapr:runtime/handler` export. */
export const handler = app.handler();
