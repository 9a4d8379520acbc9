/**
 * @wasmtime-dapr/guest-js: Dapr building blocks for WebAssembly components
 * written in JavaScript or TypeScript, served by wasmtime-dapr.
 *
 * One namespace per building block, each a thin layer over the
 * `dapr:runtime` imports: {@link state}, {@link pubsub}, {@link invoke},
 * {@link bindings}, {@link secrets}, {@link configuration}, {@link lock},
 * {@link metadata}, {@link jobs}, {@link conversation}, {@link crypto} and
 * {@link actors}. A failed call throws a subclass of {@link DaprError}
 * named after the WIT error case. {@link App} registers the handlers of an
 * app that receives events and invocations; {@link Actor} and
 * {@link hostActors} host actor types; {@link http} serves HTTP;
 * `command` (from `@wasmtime-dapr/guest-js/command`) makes the
 * `wasi:cli/run` export of a run-once command.
 * @module
 */

export * as actors from "./actors.js";
export * as bindings from "./bindings.js";
export * as configuration from "./configuration.js";
export * as http from "./http.js";
export * as invoke from "./invoke.js";
export * as jobs from "./jobs.js";
export * as conversation from "./conversation.js";
export * as crypto from "./crypto.js";
export * as lock from "./lock.js";
export * as metadata from "./metadata.js";
export * as pubsub from "./pubsub.js";
export * as secrets from "./secrets.js";
export * as state from "./state.js";

export { Actor, ActorCall, hostActors, REMINDER_OUTCOMES, ReminderEvent, TimerEvent } from "./actor.js";
export type { ActorClass, ActorExport, ReminderOutcome } from "./actor.js";
export type { ActorRef } from "./actors.js";
export { App, BindingEvent, CloudEvent, EVENT_STATUSES, JobEvent } from "./app.js";
export type {
  BindingHandler,
  BulkTopicHandler,
  BulkTopicOptions,
  ConfigurationHandler,
  EventStatus,
  HandlerExport,
  InvokeHandler,
  JobHandler,
  TopicHandler,
  TopicOptions,
} from "./app.js";
export type { ConfigurationItem } from "./configuration.js";
export {
  DaprError,
  DeniedError,
  ERRORS,
  EtagMismatchError,
  InternalError,
  InvalidArgumentError,
  NotFoundError,
  UnavailableError,
  UnsupportedError,
} from "./errors.js";
export type { ErrorCase } from "./errors.js";
export { HTTP_VERBS, InvokeRequest, InvokeResponse } from "./invoke.js";
export type { HttpVerb, InvokeRequestInit, InvokeResponseInit } from "./invoke.js";
export type { Data, MetadataLike } from "./wit.js";
export { stringify as stringifyJson } from "./json.js";
