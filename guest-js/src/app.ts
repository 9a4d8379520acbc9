/**
 * Apps: functions registered on an {@link App} receive what the host
 * delivers through the `dapr:runtime/handler` export (pub/sub events,
 * service invocations, input-binding events, configuration updates, job
 * triggers):
 *
 * ```ts
 * import { App, InvokeResponse, state } from "@wasmtime-dapr/guest-js";
 *
 * const app = new App();
 * app.topic("pubsub", "orders", (event) => {
 *   state.save("statestore", event.id, event.data);
 * });
 * app.invoke("hello", (request) => InvokeResponse.text(`hello ${request.text()}`));
 *
 * export const handler = app.handler(); // the dapr:runtime/handler export
 * ```
 *
 * Every call runs in a fresh instance of the component: module-level code
 * runs once per instance, and nothing is shared between calls except
 * through the building blocks.
 * @module
 */

import { type ConfigurationItem, fromWit as configurationItem } from "./configuration.js";
import { InvokeRequest, InvokeResponse } from "./invoke.js";
import { type Data, type MetadataLike, pairs, Payload, record, toBytes } from "./wit.js";

/** Bytes from the bindings, as a `Uint8Array`. */
const bytesIn = (data: unknown): Uint8Array => toBytes(data as Data);

/**
 * How a topic handler handled an event: `success` (acknowledged), `retry`
 * (deliver it again later), `drop` (never to be processed; goes to the
 * dead-letter topic, if any).
 */
export type EventStatus = "success" | "retry" | "drop";
/** Every {@link EventStatus}. */
export const EVENT_STATUSES: readonly EventStatus[] = ["success", "retry", "drop"];

/** The WIT `cloud-event` record as the bindings give it. */
interface WitCloudEvent {
  id: string;
  source: string;
  eventType: string;
  specVersion: string;
  dataContentType: string;
  data: Uint8Array;
  topic: string;
  pubsub: string;
  path: string;
  extensions: Array<[string, string]>;
}

/** An event delivered to a subscription (CloudEvents 1.0 fields). */
export class CloudEvent extends Payload {
  /** The event id; a redelivery keeps it. */
  readonly id: string;
  /** Who sent it (the publishing app id). */
  readonly source: string;
  /** The event type, such as `com.dapr.event.sent`. */
  readonly type: string;
  /** The CloudEvents spec version, `1.0`. */
  readonly specVersion: string;
  /** The media type of `data`. */
  readonly dataContentType: string;
  /** The payload, as published. */
  readonly data: Uint8Array;
  /** The topic it was published to. */
  readonly topic: string;
  /** The pub/sub component it came through. */
  readonly pubsub: string;
  /** The subscription's route (its topic when it has none). */
  readonly path: string;
  /** Other CloudEvent attributes and broker metadata. */
  readonly extensions: Record<string, string>;

  /** @internal An event from its WIT record. */
  constructor(event: WitCloudEvent) {
    super();
    this.id = event.id;
    this.source = event.source;
    this.type = event.eventType;
    this.specVersion = event.specVersion;
    this.dataContentType = event.dataContentType;
    this.data = bytesIn(event.data);
    this.topic = event.topic;
    this.pubsub = event.pubsub;
    this.path = event.path;
    this.extensions = record(event.extensions);
  }
}

/** An event from an input binding. */
export class BindingEvent extends Payload {
  /**
   * @param name the input binding's component name
   * @param data the payload
   * @param metadata binding-specific metadata
   */
  constructor(
    readonly name: string,
    readonly data: Uint8Array,
    readonly metadata: Record<string, string>,
  ) {
    super();
  }
}

/** A trigger of a job this app scheduled with `jobs.schedule`. */
export class JobEvent extends Payload {
  /**
   * @param name the job's name
   * @param data the job's payload
   */
  constructor(
    readonly name: string,
    readonly data: Uint8Array,
  ) {
    super();
  }
}

/** Handles an event; returns nothing (success) or an {@link EventStatus}. */
export type TopicHandler = (event: CloudEvent) => EventStatus | void;
/** Handles a batch of events; returns one status (or nothing: success) per event, in order. */
export type BulkTopicHandler = (events: CloudEvent[]) => Array<EventStatus | void>;
/** Handles an invocation; returns an {@link InvokeResponse} or a 200 body. */
export type InvokeHandler = (request: InvokeRequest) => InvokeResponse | Data | void;
/** Handles an input-binding event; returns response data, if any. */
export type BindingHandler = (event: BindingEvent) => Data | void;
/** Handles a job trigger; an exception fails it (the job's failure policy decides on a retry). */
export type JobHandler = (event: JobEvent) => void;
/** Receives the changed items of a configuration subscription. */
export type ConfigurationHandler = (store: string, subscriptionId: string, items: ConfigurationItem[]) => void;

/** Options of {@link App.topic}. */
export interface TopicOptions {
  /** Handed back as {@link CloudEvent.path}; default the topic. */
  route?: string;
  /** Where dropped events, or events failing every retry, go. */
  deadLetterTopic?: string;
  /** Subscription metadata for the broker (such as `rawPayload`). */
  metadata?: MetadataLike;
}

/** Options of {@link App.bulkTopic}. */
export interface BulkTopicOptions extends TopicOptions {
  /** The most events in one batch; default 100. */
  maxMessages?: number;
  /** How long a batch that cannot fill waits after its oldest event, in milliseconds; default 1000. */
  maxAwaitMs?: number;
}

type Subscription = { pubsub: string; topic: string; options: TopicOptions } & (
  | { handler: TopicHandler; bulk?: undefined }
  | { handler: BulkTopicHandler; bulk: { maxMessages: number; maxAwaitMs: number } }
);

/** Registrations by key; a second handler for a key is an error. */
class Registry<E> {
  readonly entries = new Map<string, E>();

  constructor(private readonly what: (key: string) => string) {}

  /** Registers `entry`, whose function is `handler`. */
  add(key: string, handler: unknown, entry: E): void {
    if (typeof handler !== "function") throw new TypeError(`the handler of ${this.what(key)} must be a function`);
    if (this.entries.has(key)) throw new Error(`${this.what(key)} already has a handler`);
    this.entries.set(key, entry);
  }
}

/** Writes `what failed:` and the error (with its stack) to stderr. */
function logFailure(what: string, error: unknown): void {
  const detail = error instanceof Error ? (error.stack ?? String(error)) : String(error);
  console.error(`${what} failed: ${detail}`);
}

/** `Name: message` of a thrown value, for answers. */
function summary(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** The handlers of an app; {@link App.handler} turns them into the export. */
export class App {
  /** @internal */ readonly topics = new Registry<Subscription>((key) => `topic ${key}`);
  /** @internal */ readonly methods = new Registry<InvokeHandler>((key) => (key ? `method ${JSON.stringify(key)}` : "every method"));
  /** @internal */ readonly bindings = new Registry<BindingHandler>((key) => `input binding ${JSON.stringify(key)}`);
  /** @internal */ readonly configuration = new Registry<ConfigurationHandler>(() => "configuration updates");
  /** @internal */ readonly jobs = new Registry<JobHandler>((key) => (key ? `job ${JSON.stringify(key)}` : "every job"));

  /**
   * Subscribes `handler` to `topic` of `pubsub`. It returns nothing
   * (success) or an {@link EventStatus}; an exception is logged and the
   * event retried.
   */
  topic(pubsub: string, topic: string, handler: TopicHandler, options: TopicOptions = {}): this {
    this.topics.add(topicKey(pubsub, topic), handler, { pubsub, topic, options, handler });
    return this;
  }

  /**
   * Subscribes `handler` to `topic` of `pubsub` in batches of up to
   * `maxMessages` events (a batch that cannot fill is delivered once its
   * oldest event has waited `maxAwaitMs`). It returns one status per event,
   * in order, and each event is settled on its own as with {@link topic};
   * an exception, or an array of another length, retries the whole batch.
   */
  bulkTopic(pubsub: string, topic: string, handler: BulkTopicHandler, options: BulkTopicOptions = {}): this {
    const bulk = { maxMessages: options.maxMessages ?? 100, maxAwaitMs: options.maxAwaitMs ?? 1000 };
    if (!Number.isInteger(bulk.maxMessages) || bulk.maxMessages < 1) {
      throw new RangeError(`maxMessages must be a positive integer, not ${bulk.maxMessages}`);
    }
    this.topics.add(topicKey(pubsub, topic), handler, { pubsub, topic, options, handler, bulk });
    return this;
  }

  /**
   * Handles invocations of `method` (of every method without its own
   * handler when `method` is `"*"`). The handler returns an
   * {@link InvokeResponse}, or a body (bytes or text) answered with status
   * 200; an exception is logged and answered with status 500. Methods
   * without a handler are answered with status 404.
   */
  invoke(method: string, handler: InvokeHandler): this {
    this.methods.add(method === "*" ? "" : method, handler, handler);
    return this;
  }

  /**
   * Receives the events of the input binding `name`. The handler returns
   * response data (or nothing); an exception tells the binding that the
   * event failed.
   */
  binding(name: string, handler: BindingHandler): this {
    this.bindings.add(name, handler, handler);
    return this;
  }

  /**
   * Receives the changed items of every configuration subscription (made
   * with `configuration.subscribe`).
   */
  configurationUpdate(handler: ConfigurationHandler): this {
    this.configuration.add("", handler, handler);
    return this;
  }

  /**
   * Handles the triggers of the job `name` (of every job without its own
   * handler when `name` is `"*"`). An exception fails the trigger; a job
   * without a handler fails every trigger.
   */
  job(name: string, handler: JobHandler): this {
    this.jobs.add(name === "*" ? "" : name, handler, handler);
    return this;
  }

  /**
   * The object implementing the `dapr:runtime/handler` export: export it
   * as `handler` from the app's entry module (`export const handler =
   * app.handler();`), built with `--world app` (or a world including it).
   */
  handler(): HandlerExport {
    return bindExport<App, HandlerExport>(HANDLER, this);
  }
}

/**
 * An export's functions, as the bindings call them, from its table of
 * implementations taking `target` first (`HANDLER`, the actor export's).
 * @internal
 */
export function bindExport<T, E>(table: Record<string, (target: T, ...args: never[]) => unknown>, target: T): E {
  const exports: Record<string, unknown> = {};
  for (const [name, implementation] of Object.entries(table)) {
    exports[name] = (...args: unknown[]) => (implementation as (target: T, ...a: unknown[]) => unknown)(target, ...args);
  }
  return exports as E;
}

/** A topic handler's answer as a WIT status: nothing is success, anything but a status is a retry. */
function eventStatus(status: EventStatus | void | null, topic: string): EventStatus {
  if (status === undefined || status === null) return "success";
  if (EVENT_STATUSES.includes(status)) return status;
  console.error(`the handler of topic ${topic} returned ${String(status)}, not an EventStatus`);
  return "retry";
}

function topicKey(pubsub: string, topic: string): string {
  return `${JSON.stringify(topic)} of ${JSON.stringify(pubsub)}`;
}

/** The WIT answer to an invocation; 500 if the handler's answer cannot be one. */
function onInvoke(app: App, witRequest: ConstructorParameters<typeof InvokeRequest>[0]): ReturnType<InvokeResponse["toWit"]> {
  const request = new InvokeRequest(witRequest);
  const handler = app.methods.entries.get(request.method) ?? app.methods.entries.get("");
  if (!handler) return InvokeResponse.text(`no handler for method ${JSON.stringify(request.method)}`, 404).toWit();
  let answer: InvokeResponse | Data | void;
  try {
    answer = handler(request);
  } catch (error) {
    logFailure(`the handler of method ${JSON.stringify(request.method)}`, error);
    return InvokeResponse.text(summary(error), 500).toWit();
  }
  try {
    const response = answer instanceof InvokeResponse ? answer : new InvokeResponse({ data: answer ?? undefined });
    return response.toWit();
  } catch (error) {
    console.error(`the handler of method ${JSON.stringify(request.method)} answered ${summary(error)}`);
    return InvokeResponse.text(`invalid response: ${summary(error)}`, 500).toWit();
  }
}

/**
 * The `dapr:runtime/handler` export, one entry per WIT function (in
 * camelCase), each with its behaviour when the app registered nothing for
 * it. A new function of the interface is one more entry here.
 */
const HANDLER = {
  subscriptions: (app: App) =>
    [...app.topics.entries.values()].map(({ pubsub, topic, options, bulk }) => ({
      pubsub,
      topic,
      route: options.route,
      metadata: pairs(options.metadata),
      deadLetterTopic: options.deadLetterTopic,
      bulk,
    })),

  onTopicEvent: (app: App, witEvent: WitCloudEvent): EventStatus => {
    const event = new CloudEvent(witEvent);
    const subscription = app.topics.entries.get(topicKey(event.pubsub, event.topic));
    if (!subscription) {
      console.error(`no handler for topic ${topicKey(event.pubsub, event.topic)}`);
      return "drop";
    }
    if (subscription.bulk) return HANDLER.onBulkTopicEvent(app, [witEvent])[0];
    try {
      return eventStatus(subscription.handler(event), event.topic);
    } catch (error) {
      logFailure(`the handler of topic ${JSON.stringify(event.topic)}`, error);
      return "retry";
    }
  },

  onBulkTopicEvent: (app: App, witEvents: WitCloudEvent[]): EventStatus[] => {
    const events = witEvents.map((e) => new CloudEvent(e));
    const first = events[0];
    const subscription = first && app.topics.entries.get(topicKey(first.pubsub, first.topic));
    if (!subscription?.bulk) return witEvents.map((e) => HANDLER.onTopicEvent(app, e));
    try {
      const answers = subscription.handler(events);
      if (!Array.isArray(answers) || answers.length !== events.length) {
        throw new Error(`${Array.isArray(answers) ? answers.length : String(answers)} statuses answered for ${events.length} events`);
      }
      return answers.map((status) => eventStatus(status, first.topic));
    } catch (error) {
      logFailure(`the bulk handler of topic ${JSON.stringify(first.topic)}`, error);
      return events.map(() => "retry");
    }
  },

  onInvoke,

  inputBindings: (app: App) => [...app.bindings.entries.keys()],

  onBindingEvent: (app: App, witEvent: { name: string; data: Uint8Array; metadata: Array<[string, string]> }): Uint8Array => {
    const event = new BindingEvent(witEvent.name, bytesIn(witEvent.data), record(witEvent.metadata));
    const handler = app.bindings.entries.get(event.name);
    // A thrown string is the `err` of the WIT result.
    if (!handler) throw `no handler for input binding ${JSON.stringify(event.name)}`;
    try {
      return toBytes(handler(event) ?? undefined);
    } catch (error) {
      logFailure(`the handler of input binding ${JSON.stringify(event.name)}`, error);
      throw summary(error);
    }
  },

  onConfigurationUpdate: (app: App, store: string, subscriptionId: string, items: Parameters<typeof configurationItem>[0][]): void => {
    const handler = app.configuration.entries.get("");
    if (!handler) {
      console.error(`no handler for configuration updates of ${JSON.stringify(store)}`);
      return;
    }
    try {
      handler(store, subscriptionId, items.map(configurationItem));
    } catch (error) {
      logFailure("the configuration-update handler", error);
    }
  },

  onJobEvent: (app: App, name: string, data: Uint8Array): void => {
    const handler = app.jobs.entries.get(name) ?? app.jobs.entries.get("");
    // A thrown string is the `err` of the WIT result.
    if (!handler) throw `no handler for job ${JSON.stringify(name)}`;
    try {
      handler(new JobEvent(name, bytesIn(data)));
    } catch (error) {
      logFailure(`the handler of job ${JSON.stringify(name)}`, error);
      throw summary(error);
    }
  },
};

/** The functions of the `dapr:runtime/handler` export, as the bindings call them. */
export type HandlerExport = {
  [K in keyof typeof HANDLER]: (typeof HANDLER)[K] extends (app: App, ...args: infer A) => infer R ? (...args: A) => R : never;
};
