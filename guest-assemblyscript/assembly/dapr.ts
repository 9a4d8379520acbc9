// An idiomatic client over the generated `dapr:runtime` bindings.
//
// AssemblyScript has no catchable exceptions, so every call returns the
// bindings' `Result<T, DaprError>`: check `isOk`, then read `value` or
// `error` (`describe(error)` gives a one-line message).
//
// The entry file of a component must re-export the wasm exports the host
// needs: a run-once command (`wasmtime-dapr run`) re-exports `cabi_realloc`:
//
//   export { cabi_realloc } from "@wasmtime-dapr/guest-assemblyscript/assembly/dapr";
//
// and an app served by `wasmtime-dapr serve` re-exports every handler shim:
//
//   export * from "@wasmtime-dapr/guest-assemblyscript/assembly/bindings/exports";

import * as stateApi from "./bindings/dapr/runtime/state";
import * as pubsubApi from "./bindings/dapr/runtime/pubsub";
import * as invokeApi from "./bindings/dapr/runtime/invoke";
import * as bindingsApi from "./bindings/dapr/runtime/bindings";
import * as secretsApi from "./bindings/dapr/runtime/secrets";
import * as configurationApi from "./bindings/dapr/runtime/configuration";
import * as lockApi from "./bindings/dapr/runtime/lock";
import * as metadataApi from "./bindings/dapr/runtime/metadata";
import * as jobsApi from "./bindings/dapr/runtime/jobs";
import * as conversationApi from "./bindings/dapr/runtime/conversation";
import * as cryptoApi from "./bindings/dapr/runtime/crypto";
import * as handlerApi from "./bindings/dapr/runtime/handler";
import * as actorsApi from "./bindings/dapr/runtime/actors";
import * as actorApi from "./bindings/dapr/runtime/actor";
import { DaprError, Metadata } from "./bindings/dapr/runtime/types";
import { Box, Result, Tuple2, Unit, ok, err } from "./bindings/rt";

export { cabi_realloc, Result, Tuple2, Unit, Box, ok, err } from "./bindings/rt";
export { DaprError, Metadata } from "./bindings/dapr/runtime/types";
export {
  Consistency,
  Concurrency,
  WriteOptions,
  Value,
  BulkValue,
  SaveItem,
  DeleteItem,
  Operation,
  QueryItem,
  QueryResponse,
} from "./bindings/dapr/runtime/state";
export { BulkMessage, BulkFailure } from "./bindings/dapr/runtime/pubsub";
export { HttpVerb, Request, Response } from "./bindings/dapr/runtime/invoke";
export { Item as ConfigurationItem } from "./bindings/dapr/runtime/configuration";
export { UnlockStatus } from "./bindings/dapr/runtime/lock";
export { AppMetadata, Component } from "./bindings/dapr/runtime/metadata";
export { Job, FailurePolicy, ConstantRetry } from "./bindings/dapr/runtime/jobs";
export {
  Message as ConversationMessage,
  TextMessage,
  AssistantMessage,
  ToolMessage,
  ToolFunction,
  ToolCall,
  Input as ConversationInput,
  Request as ConversationRequest,
  Response as ConversationResponse,
  Output as ConversationOutput,
  Choice as ConversationChoice,
  Usage as ConversationUsage,
} from "./bindings/dapr/runtime/conversation";
export { DataCipher } from "./bindings/dapr/runtime/crypto";
export { setHandler, Subscription, BulkSubscribe, CloudEvent, EventStatus, BindingEvent } from "./bindings/dapr/runtime/handler";
export { ActorRef, ActorStateOperation, ActorStateUpsert, Reminder, Timer } from "./bindings/dapr/runtime/actors";
export { setActor, ReminderOutcome } from "./bindings/dapr/runtime/actor";

/** The error as one line: its case, then its message (`not-found: ...`). */
export function describe(e: DaprError): string {
  let message = "";
  switch (e.tag) {
    case DaprError.NOT_FOUND_TAG: message = e.getNotFound(); break;
    case DaprError.DENIED_TAG: message = e.getDenied(); break;
    case DaprError.ETAG_MISMATCH_TAG: message = e.getEtagMismatch(); break;
    case DaprError.INVALID_ARGUMENT_TAG: message = e.getInvalidArgument(); break;
    case DaprError.UNAVAILABLE_TAG: message = e.getUnavailable(); break;
    case DaprError.UNSUPPORTED_TAG: message = e.getUnsupported(); break;
    case DaprError.INTERNAL_TAG: message = e.getInternal(); break;
  }
  return e.caseName() + ": " + message;
}

/** Builds Dapr metadata (ordered key/value pairs). */
export class MetadataBuilder {
  private pairs: Metadata = [];

  /** Adds `key` = `value`. */
  set(key: string, value: string): MetadataBuilder {
    this.pairs.push(new Tuple2<string, string>(key, value));
    return this;
  }

  /** The metadata built so far. */
  build(): Metadata {
    return this.pairs;
  }
}

/** Empty metadata. */
export function noMetadata(): Metadata {
  return [];
}

/** The UTF-8 bytes of `s`. */
export function utf8(s: string): Uint8Array {
  return Uint8Array.wrap(String.UTF8.encode(s));
}

/** `bytes` decoded as UTF-8. */
export function fromUtf8(bytes: Uint8Array): string {
  return String.UTF8.decodeUnsafe(bytes.dataStart, <usize>bytes.length);
}

/** One item of `saveState`/`saveBulkState`. */
export class KeyValue {
  constructor(
    /** The key. */
    public key: string,
    /** The value's bytes (Dapr clients conventionally store JSON). */
    public value: Uint8Array,
    /** Only save if the stored etag is this one. */
    public etag: string | null = null,
    /** Per-item metadata, such as `ttlInSeconds`. */
    public metadata: Metadata = [],
    /** Concurrency of the write. */
    public concurrency: stateApi.Concurrency = stateApi.Concurrency.LastWrite,
    /** Consistency of the write. */
    public consistency: stateApi.Consistency = stateApi.Consistency.Eventual,
  ) {}

  /** An item whose value is the UTF-8 text `text` (for example JSON). */
  static text(key: string, text: string): KeyValue {
    return new KeyValue(key, utf8(text));
  }

  /** The binding's save item. */
  toSaveItem(): stateApi.SaveItem {
    return new stateApi.SaveItem(
      this.key,
      this.value,
      this.etag,
      new stateApi.WriteOptions(this.concurrency, this.consistency),
      this.metadata,
    );
  }
}

/** State management. */
export class StateClient {
  /** Reads `key`; `null` inside an ok result if it does not exist. */
  get(store: string, key: string, metadata: Metadata = []): Result<stateApi.Value | null, DaprError> {
    return stateApi.get(store, key, stateApi.Consistency.Strong, metadata);
  }

  /** Reads `key` as UTF-8 text (such as JSON); `null` if missing. */
  getText(store: string, key: string): Result<string | null, DaprError> {
    const r = this.get(store, key);
    if (r.isErr) return err<string | null, DaprError>(r.error);
    const v = r.value;
    return ok<string | null, DaprError>(v === null ? null : fromUtf8(v.data));
  }

  /** Reads many keys; one entry per key, in order. */
  getBulk(store: string, keys: Array<string>, metadata: Metadata = []): Result<Array<stateApi.BulkValue>, DaprError> {
    return stateApi.getBulk(store, keys, metadata);
  }

  /** Saves one item. */
  save(store: string, item: KeyValue): Result<Unit, DaprError> {
    return stateApi.save(store, [item.toSaveItem()]);
  }

  /** Saves several items with one call (not atomically; see `transaction`). */
  saveBulk(store: string, items: Array<KeyValue>): Result<Unit, DaprError> {
    const list = new Array<stateApi.SaveItem>();
    for (let i = 0; i < items.length; i++) list.push(items[i].toSaveItem());
    return stateApi.save(store, list);
  }

  /** Deletes `key`; with `etag`, only if it matches. */
  delete(store: string, key: string, etag: string | null = null, metadata: Metadata = []): Result<Unit, DaprError> {
    const options = new stateApi.WriteOptions(stateApi.Concurrency.LastWrite, stateApi.Consistency.Eventual);
    return stateApi.delete_(store, new stateApi.DeleteItem(key, etag, options, metadata));
  }

  /** Applies upserts and deletes atomically. */
  transaction(store: string, operations: Array<stateApi.Operation>, metadata: Metadata = []): Result<Unit, DaprError> {
    return stateApi.transact(store, operations, metadata);
  }

  /** An upsert operation for `transaction`. */
  upsert(item: KeyValue): stateApi.Operation {
    return stateApi.Operation.upsert(item.toSaveItem());
  }

  /** A delete operation for `transaction`. */
  deleteOperation(key: string, etag: string | null = null): stateApi.Operation {
    const options = new stateApi.WriteOptions(stateApi.Concurrency.LastWrite, stateApi.Consistency.Eventual);
    return stateApi.Operation.delete_(new stateApi.DeleteItem(key, etag, options, []));
  }

  /** Runs a state query (Dapr's JSON query language). */
  query(store: string, query: string, metadata: Metadata = []): Result<stateApi.QueryResponse, DaprError> {
    return stateApi.query(store, query, metadata);
  }
}

/** Publish/subscribe. */
export class PubSubClient {
  /** Publishes `data` to `topic`. */
  publish(pubsub: string, topic: string, data: Uint8Array, contentType: string | null = null, metadata: Metadata = []): Result<Unit, DaprError> {
    return pubsubApi.publish(pubsub, topic, data, contentType, metadata);
  }

  /** Publishes UTF-8 text, by default as `application/json`. */
  publishText(pubsub: string, topic: string, text: string, contentType: string = "application/json"): Result<Unit, DaprError> {
    return pubsubApi.publish(pubsub, topic, utf8(text), contentType, []);
  }

  /** Publishes several messages; returns those that failed. */
  bulkPublish(pubsub: string, topic: string, messages: Array<pubsubApi.BulkMessage>, metadata: Metadata = []): Result<Array<pubsubApi.BulkFailure>, DaprError> {
    return pubsubApi.bulkPublish(pubsub, topic, messages, metadata);
  }
}

/** Service invocation. */
export class InvokeClient {
  /** Calls `method` of app `appId`. */
  invoke(appId: string, method: string, verb: invokeApi.HttpVerb = invokeApi.HttpVerb.Post, data: Uint8Array = new Uint8Array(0), contentType: string | null = null): Result<invokeApi.Response, DaprError> {
    return invokeApi.invokeMethod(appId, new invokeApi.Request(method, verb, [], [], contentType, data));
  }

  /** Sends a fully specified request. */
  request(appId: string, request: invokeApi.Request): Result<invokeApi.Response, DaprError> {
    return invokeApi.invokeMethod(appId, request);
  }
}

/** Output bindings. */
export class BindingClient {
  /** Invokes `operation` of output binding `name`. */
  invoke(name: string, operation: string, data: Uint8Array = new Uint8Array(0), metadata: Metadata = []): Result<bindingsApi.Response, DaprError> {
    return bindingsApi.invoke(name, operation, data, metadata);
  }
}

/** Secrets. */
export class SecretClient {
  /** Reads secret `key` (a map of name to value) from `store`. */
  get(store: string, key: string, metadata: Metadata = []): Result<secretsApi.Secret, DaprError> {
    return secretsApi.get(store, key, metadata);
  }

  /** Reads every secret of `store`. */
  getBulk(store: string, metadata: Metadata = []): Result<Array<Tuple2<string, secretsApi.Secret>>, DaprError> {
    return secretsApi.getBulk(store, metadata);
  }
}

/** Configuration. */
export class ConfigurationClient {
  /** Reads `keys` (all keys if empty). */
  get(store: string, keys: Array<string>, metadata: Metadata = []): Result<Array<configurationApi.Item>, DaprError> {
    return configurationApi.get(store, keys, metadata);
  }

  /** Subscribes to changes; updates arrive at the handler. Returns the id. */
  subscribe(store: string, keys: Array<string>, metadata: Metadata = []): Result<string, DaprError> {
    return configurationApi.subscribe(store, keys, metadata);
  }

  /** Ends a subscription. */
  unsubscribe(store: string, id: string): Result<Unit, DaprError> {
    return configurationApi.unsubscribe(store, id);
  }
}

/** Distributed locks. */
export class LockClient {
  /** Tries to take the lock; `true` if this owner now holds it. */
  tryLock(store: string, resourceId: string, owner: string, expiryInSeconds: u32): Result<bool, DaprError> {
    return lockApi.tryLock(store, resourceId, owner, expiryInSeconds);
  }

  /** Releases the lock. */
  unlock(store: string, resourceId: string, owner: string): Result<lockApi.UnlockStatus, DaprError> {
    return lockApi.unlock(store, resourceId, owner);
  }
}

/** Scheduled jobs, delivered back to the app's `onJobEvent`. */
export class JobsClient {
  /** Schedules `job`; a job of the same name is replaced only if `overwrite` (else `etag-mismatch`). */
  schedule(job: jobsApi.Job, overwrite: bool = false): Result<Unit, DaprError> {
    return jobsApi.schedule(job, overwrite);
  }

  /** The job `name` as scheduled, or `null` when there is none. */
  get(name: string): Result<jobsApi.Job | null, DaprError> {
    return jobsApi.get(name);
  }

  /** Deletes the job `name` (succeeding when there is none). */
  delete(name: string): Result<Unit, DaprError> {
    return jobsApi.delete_(name);
  }
}

/** Conversations with a language model through a conversation component. */
export class ConversationClient {
  /** Sends `request` to the conversation component `component`. */
  converse(component: string, request: conversationApi.Request): Result<conversationApi.Response, DaprError> {
    return conversationApi.converse(component, request);
  }

  /** Sends the user's `text` alone to `component` and returns the first answer's text. */
  ask(component: string, text: string): Result<string, DaprError> {
    const message = conversationApi.Message.user(new conversationApi.TextMessage(null, [text]));
    const request = new conversationApi.Request(
      [new conversationApi.Input([message], false)],
      null,
      null,
      [],
      null,
      null,
      false,
      [],
    );
    const r = conversationApi.converse(component, request);
    if (r.isErr) return err<string, DaprError>(r.error);
    const outputs = r.value.outputs;
    if (outputs.length == 0 || outputs[0].choices.length == 0) return ok<string, DaprError>("");
    return ok<string, DaprError>(outputs[0].choices[0].content);
  }
}

/**
 * Virtual actors, the client side: call an actor, read and write the state
 * of an actor this app hosts, and schedule its reminders and timers.
 */
export class ActorsClient {
  /**
   * Calls `method` of `actor` with `data` and returns its answer (the actor
   * is activated if needed); the actor's own failure is `internal` with its
   * message.
   */
  invoke(actor: actorsApi.ActorRef, method: string, data: Uint8Array = new Uint8Array(0)): Result<Uint8Array, DaprError> {
    return actorsApi.invoke(actor, method, data);
  }

  /** The value of `key` in `actor`'s state (a type this app hosts), or `null`. */
  getState(actor: actorsApi.ActorRef, key: string): Result<Uint8Array | null, DaprError> {
    return actorsApi.getState(actor, key);
  }

  /** Applies `operations` to `actor`'s state, all or none. */
  transactState(actor: actorsApi.ActorRef, operations: Array<actorsApi.ActorStateOperation>): Result<Unit, DaprError> {
    return actorsApi.transactState(actor, operations);
  }

  /** Stores `value` under `key` in `actor`'s state; `ttlSeconds` < 0: it never expires. */
  saveState(actor: actorsApi.ActorRef, key: string, value: Uint8Array, ttlSeconds: i64 = -1): Result<Unit, DaprError> {
    const ttl: Box<u32> | null = ttlSeconds < 0 ? null : new Box<u32>(<u32>ttlSeconds);
    const upsert = actorsApi.ActorStateOperation.upsert(new actorsApi.ActorStateUpsert(key, value, ttl));
    return actorsApi.transactState(actor, [upsert]);
  }

  /** Deletes `key` from `actor`'s state (a missing key succeeds). */
  deleteState(actor: actorsApi.ActorRef, key: string): Result<Unit, DaprError> {
    return actorsApi.transactState(actor, [actorsApi.ActorStateOperation.delete_(key)]);
  }

  /** Registers `reminder` for `actor`, replacing one of the same name. */
  registerReminder(actor: actorsApi.ActorRef, reminder: actorsApi.Reminder): Result<Unit, DaprError> {
    return actorsApi.registerReminder(actor, reminder);
  }

  /** The reminder `name` of `actor` as registered, or `null`. */
  getReminder(actor: actorsApi.ActorRef, name: string): Result<actorsApi.Reminder | null, DaprError> {
    return actorsApi.getReminder(actor, name);
  }

  /** Unregisters the reminder `name` of `actor` (a missing one succeeds). */
  unregisterReminder(actor: actorsApi.ActorRef, name: string): Result<Unit, DaprError> {
    return actorsApi.unregisterReminder(actor, name);
  }

  /** Starts `timer` for `actor`, for as long as its activation lasts. */
  registerTimer(actor: actorsApi.ActorRef, timer: actorsApi.Timer): Result<Unit, DaprError> {
    return actorsApi.registerTimer(actor, timer);
  }

  /** Stops the timer `name` of `actor` (a missing one succeeds). */
  unregisterTimer(actor: actorsApi.ActorRef, name: string): Result<Unit, DaprError> {
    return actorsApi.unregisterTimer(actor, name);
  }
}

/** How `CryptoClient.encrypt` and `encryptStream` encrypt. */
export class EncryptOptions {
  constructor(
    /** The key that wraps the data key (for `crypto.dapr.localstorage`, a file in its folder). */
    public keyName: string,
    /** The key wrap algorithm: `A256KW` or `RSA-OAEP-256` (aliases `AES` and `RSA`), any case. */
    public keyWrapAlgorithm: string,
    /** The data cipher; `null`: AES-GCM, Dapr's default. */
    public cipher: Box<cryptoApi.DataCipher> | null = null,
    /** The key the ciphertext names as the one that decrypts; `null`: `keyName`. */
    public decryptionKeyName: string | null = null,
    /** Name no key in the ciphertext: whoever decrypts must name it. */
    public omitDecryptionKeyName: bool = false,
  ) {}

  /** Seals the data with `cipher` instead of the default AES-GCM. */
  withCipher(cipher: cryptoApi.DataCipher): EncryptOptions {
    this.cipher = new Box<cryptoApi.DataCipher>(cipher);
    return this;
  }

  /** The binding's options, for a key of `component`. */
  toWit(component: string): cryptoApi.EncryptOptions {
    return new cryptoApi.EncryptOptions(
      component,
      this.keyName,
      this.keyWrapAlgorithm,
      this.cipher,
      this.omitDecryptionKeyName,
      this.decryptionKeyName,
    );
  }
}

/** How `CryptoClient.decrypt` and `decryptStream` decrypt. */
export class DecryptOptions {
  constructor(
    /** The key to decrypt with; `null`: the key the ciphertext names. */
    public keyName: string | null = null,
  ) {}

  /** The binding's options, for a key of `component`. */
  toWit(component: string): cryptoApi.DecryptOptions {
    return new cryptoApi.DecryptOptions(component, this.keyName);
  }
}

/**
 * A message encrypted or decrypted a chunk at a time (from
 * `CryptoClient.encryptStream` or `decryptStream`): `write` every chunk in
 * order, keeping what each returns, then `finish`; the outputs joined in
 * order are the whole ciphertext (or plaintext). Decrypted data is returned
 * only once its segment is authenticated. The `crypto-stream` resource is
 * dropped by `finish` and after any error; `drop` abandons the stream early.
 */
export class CryptoStream {
  /** Wraps the binding's `crypto-stream`, which this object takes over. */
  constructor(private stream: cryptoApi.CryptoStream) {}

  /** Feeds the next chunk (of any size); returns the output ready so far (possibly empty). */
  write(chunk: Uint8Array): Result<Uint8Array, DaprError> {
    if (this.stream.handle == 0) return this.closed();
    const r = this.stream.write(chunk);
    if (r.isErr) this.stream.drop();
    return r;
  }

  /** Ends the input; returns the rest of the output. */
  finish(): Result<Uint8Array, DaprError> {
    if (this.stream.handle == 0) return this.closed();
    const r = this.stream.finish();
    this.stream.drop();
    return r;
  }

  /** Abandons the stream (a no-op once finished, failed or dropped). */
  drop(): void {
    this.stream.drop();
  }

  private closed(): Result<Uint8Array, DaprError> {
    return err<Uint8Array, DaprError>(DaprError.invalidArgument("the crypto stream is finished, failed or dropped"));
  }
}

/** A binding call's stream, wrapped. */
function stream(r: Result<cryptoApi.CryptoStream, DaprError>): Result<CryptoStream, DaprError> {
  if (r.isErr) return err<CryptoStream, DaprError>(r.error);
  return ok<CryptoStream, DaprError>(new CryptoStream(r.value));
}

/**
 * Encryption and decryption with keys a cryptography component holds
 * (Dapr's Cryptography API). The ciphertext is Dapr's `dapr.io/enc/v1`
 * format, so any Dapr sidecar with the same key decrypts it, and the other
 * way round; the keys never reach the component.
 */
export class CryptoClient {
  /** Encrypts `plaintext`, small enough to hold in memory, in one call with a key of `component`. */
  encrypt(component: string, plaintext: Uint8Array, options: EncryptOptions): Result<Uint8Array, DaprError> {
    return cryptoApi.encrypt(options.toWit(component), plaintext);
  }

  /** Decrypts `ciphertext` (from `encrypt`, a `CryptoStream` or any Dapr sidecar) in one call with a key of `component`. */
  decrypt(component: string, ciphertext: Uint8Array, options: DecryptOptions = new DecryptOptions()): Result<Uint8Array, DaprError> {
    return cryptoApi.decrypt(options.toWit(component), ciphertext);
  }

  /** Starts encrypting a message of any size; the options are `encrypt`'s. */
  encryptStream(component: string, options: EncryptOptions): Result<CryptoStream, DaprError> {
    return stream(cryptoApi.encryptStream(options.toWit(component)));
  }

  /** Starts decrypting a message of any size; the options are `decrypt`'s. */
  decryptStream(component: string, options: DecryptOptions = new DecryptOptions()): Result<CryptoStream, DaprError> {
    return stream(cryptoApi.decryptStream(options.toWit(component)));
  }
}

/** Every building block, the way Dapr's SDKs group them. */
export class DaprClient {
  /** State management. */
  readonly state: StateClient = new StateClient();
  /** Publish/subscribe. */
  readonly pubsub: PubSubClient = new PubSubClient();
  /** Service invocation. */
  readonly invoker: InvokeClient = new InvokeClient();
  /** Output bindings. */
  readonly binding: BindingClient = new BindingClient();
  /** Secrets. */
  readonly secret: SecretClient = new SecretClient();
  /** Configuration. */
  readonly configuration: ConfigurationClient = new ConfigurationClient();
  /** Distributed locks. */
  readonly lock: LockClient = new LockClient();
  /** Scheduled jobs. */
  readonly jobs: JobsClient = new JobsClient();
  /** Conversations with language models. */
  readonly conversation: ConversationClient = new ConversationClient();
  /** Virtual actors. */
  readonly actors: ActorsClient = new ActorsClient();
  /** Encryption and decryption with a cryptography component's keys. */
  readonly crypto: CryptoClient = new CryptoClient();

  /** The app's id, runtime and components. */
  metadata(): Result<metadataApi.AppMetadata, DaprError> {
    return metadataApi.get();
  }
}

/**
 * A Dapr app served by `wasmtime-dapr serve`: extend it, override what the
 * app handles, and register it with `setHandler(new MyApp())` at start-up
 * (the entry file must also `export * from ".../bindings/exports"`). The
 * defaults subscribe to nothing, answer invocations with 404, drop events,
 * reject binding events and fail job triggers.
 */
export class DaprApp extends handlerApi.Handler {
  /** The topics to subscribe to. */
  subscriptions(): Array<handlerApi.Subscription> {
    return [];
  }

  /** Handles one pub/sub event. */
  onTopicEvent(event: handlerApi.CloudEvent): handlerApi.EventStatus {
    return handlerApi.EventStatus.Drop;
  }

  /**
   * Handles a batch of events of a bulk subscription (one with `bulk` set):
   * one status per event, in order. By default each event goes to
   * `onTopicEvent` in turn.
   */
  onBulkTopicEvent(events: Array<handlerApi.CloudEvent>): Array<handlerApi.EventStatus> {
    const statuses = new Array<handlerApi.EventStatus>();
    for (let i = 0; i < events.length; i++) statuses.push(this.onTopicEvent(events[i]));
    return statuses;
  }

  /** Handles one service invocation. */
  onInvoke(request: invokeApi.Request): invokeApi.Response {
    return new invokeApi.Response(404, [], "text/plain", utf8("no method " + request.method));
  }

  /** The input bindings to receive events from. */
  inputBindings(): Array<string> {
    return [];
  }

  /** Handles one input binding event. */
  onBindingEvent(event: handlerApi.BindingEvent): Result<Uint8Array, string> {
    return err<Uint8Array, string>("no handler for binding " + event.name);
  }

  /** Receives configuration updates of a subscription. */
  onConfigurationUpdate(store: string, subscriptionId: string, items: Array<configurationApi.Item>): void {}

  /** Handles one trigger of a job this app scheduled: `ok` completes it, `err` fails it. */
  onJobEvent(name: string, data: Uint8Array): Result<Unit, string> {
    return err<Unit, string>("no handler for job " + name);
  }
}

/**
 * One actor type's behaviour: extend it, implement `onInvoke`, and register
 * a function making it with `DaprActors.register`. The object lives as long
 * as the actor's activation (the host keeps one instance of the component
 * per active actor), so its fields carry over from one call to the next.
 * The other hooks have defaults: no-op activation, deactivation and timers;
 * reminders are kept. An `err` is the actor's failure, handed to the caller.
 */
export abstract class DaprActor {
  /** The actor this object is. */
  readonly ref: actorsApi.ActorRef;

  constructor(ref: actorsApi.ActorRef) {
    this.ref = ref;
  }

  /** Runs once when the actor is activated, before any call; `err` refuses the activation. */
  onActivate(): Result<Unit, string> {
    return ok<Unit, string>(new Unit());
  }

  /** Handles `method` called with `data`. */
  abstract onInvoke(method: string, data: Uint8Array): Result<Uint8Array, string>;

  /** Handles timer `name` firing (with its callback and data); does nothing by default. */
  onTimer(name: string, callback: string | null, data: Uint8Array): Result<Unit, string> {
    return ok<Unit, string>(new Unit());
  }

  /** Handles reminder `name` firing; keeps it by default (`Cancel` unregisters it). */
  onReminder(name: string, data: Uint8Array): Result<actorApi.ReminderOutcome, string> {
    return ok<actorApi.ReminderOutcome, string>(actorApi.ReminderOutcome.Keep);
  }

  /** Runs before the actor is deactivated. */
  onDeactivate(): Result<Unit, string> {
    return ok<Unit, string>(new Unit());
  }

  /** The failure of a call of a method this type does not have: `<type> has no method `<method>``. */
  noMethod(method: string): Result<Uint8Array, string> {
    return err<Uint8Array, string>(this.ref.actorType + " has no method `" + method + "`");
  }
}

/** Makes the actor `ref` of one type, at its activation. */
export type ActorFactory = (ref: actorsApi.ActorRef) => DaprActor;

/** One registered actor type. */
class ActorKind {
  constructor(
    public name: string,
    public make: ActorFactory,
    public idleTimeoutMs: i64,
  ) {}
}

/**
 * The `dapr:runtime/actor` export over registered actor types: register
 * each type, then pass it to `setActor` at start-up (the entry file must
 * also `export * from ".../bindings/exports-actor-app"`):
 *
 *   setActor(new DaprActors().register("cart", (ref) => new Cart(ref)));
 */
export class DaprActors extends actorApi.Actor {
  private kinds: Array<ActorKind> = [];
  private live: DaprActor | null = null;

  /**
   * Hosts the actor type `name`, whose actors `make` makes;
   * `idleTimeoutMs` < 0: the host's idle timeout (60 minutes by default).
   */
  register(name: string, make: ActorFactory, idleTimeoutMs: i64 = -1): DaprActors {
    if (this.kind(name) !== null) abort("actor type " + name + " is registered twice");
    this.kinds.push(new ActorKind(name, make, idleTimeoutMs));
    return this;
  }

  private kind(name: string): ActorKind | null {
    for (let i = 0; i < this.kinds.length; i++) if (this.kinds[i].name == name) return this.kinds[i];
    return null;
  }

  /** The live actor `ref`, activated if this instance has none. */
  private actor(ref: actorsApi.ActorRef): Result<DaprActor, string> {
    const live = this.live;
    if (live !== null && live.ref.actorType == ref.actorType && live.ref.id == ref.id) return ok<DaprActor, string>(live);
    this.live = null;
    const kind = this.kind(ref.actorType);
    if (kind === null) return err<DaprActor, string>("this component does not host actor type `" + ref.actorType + "`");
    const actor = kind.make(ref);
    const activated = actor.onActivate();
    if (activated.isErr) return err<DaprActor, string>(activated.error);
    this.live = actor;
    return ok<DaprActor, string>(actor);
  }

  actorTypes(): Array<actorApi.ActorType> {
    const types = new Array<actorApi.ActorType>();
    for (let i = 0; i < this.kinds.length; i++) {
      const k = this.kinds[i];
      const timeout: Box<u64> | null = k.idleTimeoutMs < 0 ? null : new Box<u64>(<u64>k.idleTimeoutMs);
      types.push(new actorApi.ActorType(k.name, timeout));
    }
    return types;
  }

  onActivate(ref: actorsApi.ActorRef): Result<Unit, string> {
    this.live = null;
    const actor = this.actor(ref);
    return actor.isErr ? err<Unit, string>(actor.error) : ok<Unit, string>(new Unit());
  }

  onInvoke(ref: actorsApi.ActorRef, method: string, data: Uint8Array): Result<Uint8Array, string> {
    const actor = this.actor(ref);
    return actor.isErr ? err<Uint8Array, string>(actor.error) : actor.value.onInvoke(method, data);
  }

  onTimer(ref: actorsApi.ActorRef, name: string, callback: string | null, data: Uint8Array): Result<Unit, string> {
    const actor = this.actor(ref);
    return actor.isErr ? err<Unit, string>(actor.error) : actor.value.onTimer(name, callback, data);
  }

  onReminder(ref: actorsApi.ActorRef, name: string, data: Uint8Array): Result<actorApi.ReminderOutcome, string> {
    const actor = this.actor(ref);
    return actor.isErr ? err<actorApi.ReminderOutcome, string>(actor.error) : actor.value.onReminder(name, data);
  }

  onDeactivate(ref: actorsApi.ActorRef): Result<Unit, string> {
    const actor = this.actor(ref);
    this.live = null;
    return actor.isErr ? err<Unit, string>(actor.error) : actor.value.onDeactivate();
  }
}
