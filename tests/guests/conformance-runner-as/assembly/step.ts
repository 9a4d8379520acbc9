// `execute`: one scenario step, `{"op": "<interface>.<function>", "args":
// {...}}`, answered `{"ok": ...}` or `{"err": {"<case>": "<message>"}}`.
// Never traps on bad input: a step that cannot be decoded is answered
// `{"err": {"invalid-argument": "runner: ..."}}`.

import * as stateApi from "@wasmtime-dapr/guest-assemblyscript/assembly/bindings/dapr/runtime/state";
import * as pubsubApi from "@wasmtime-dapr/guest-assemblyscript/assembly/bindings/dapr/runtime/pubsub";
import * as invokeApi from "@wasmtime-dapr/guest-assemblyscript/assembly/bindings/dapr/runtime/invoke";
import * as bindingsApi from "@wasmtime-dapr/guest-assemblyscript/assembly/bindings/dapr/runtime/bindings";
import * as secretsApi from "@wasmtime-dapr/guest-assemblyscript/assembly/bindings/dapr/runtime/secrets";
import * as configurationApi from "@wasmtime-dapr/guest-assemblyscript/assembly/bindings/dapr/runtime/configuration";
import * as lockApi from "@wasmtime-dapr/guest-assemblyscript/assembly/bindings/dapr/runtime/lock";
import * as metadataApi from "@wasmtime-dapr/guest-assemblyscript/assembly/bindings/dapr/runtime/metadata";
import * as jobsApi from "@wasmtime-dapr/guest-assemblyscript/assembly/bindings/dapr/runtime/jobs";
import * as conversationApi from "@wasmtime-dapr/guest-assemblyscript/assembly/bindings/dapr/runtime/conversation";
import * as actorsApi from "@wasmtime-dapr/guest-assemblyscript/assembly/bindings/dapr/runtime/actors";
import {
  CryptoClient,
  CryptoStream,
  DaprError,
  DecryptOptions,
  EncryptOptions,
  Result,
  Tuple2,
  Unit,
  err,
  ok,
} from "@wasmtime-dapr/guest-assemblyscript/assembly/dapr";
import { Json, obj1, parse, parseError } from "./json";
import { Fields, each, fail, failed, failure, resetFailure, data, hex, pairs, error, result, unlockStatus } from "./codec";

/** What a step produced: a value, a runtime error, or a decoding failure. */
class Outcome {
  constructor(
    public value: Json | null,
    public runtimeError: DaprError | null,
  ) {}
}

function okValue(value: Json): Outcome {
  return new Outcome(value, null);
}

function runtimeError(e: DaprError): Outcome {
  return new Outcome(null, e);
}

/** A decoding failure (its message is in `failure()`). */
function invalidStep(): Outcome {
  return new Outcome(null, null);
}

/** `null`, or the runtime error of a call without a value. */
function unit(r: Result<Unit, DaprError>): Outcome {
  return r.isOk ? okValue(Json.nil()) : runtimeError(r.error);
}

/** Executes one step given as JSON and answers as JSON. */
export function execute(step: string): string {
  resetFailure();
  const outcome = run(step);
  if (!failed() && outcome.value !== null) return obj1("ok", outcome.value!).toString();
  if (!failed() && outcome.runtimeError !== null) return obj1("err", error(outcome.runtimeError!)).toString();
  const message = failed() ? failure() : "no outcome";
  return obj1("err", obj1("invalid-argument", Json.ofStr("runner: " + message))).toString();
}

function run(text: string): Outcome {
  const parsed = parse(text);
  if (parsed === null) {
    fail("the step is not JSON: " + parseError());
    return invalidStep();
  }
  const step = Fields.of(parsed, "step");
  const op = step.str("op");
  const args = step.object("args");
  if (failed()) return invalidStep();
  if (op == "state.get") return stateGet(args);
  if (op == "state.get-bulk") return stateGetBulk(args);
  if (op == "state.save") return stateSave(args);
  if (op == "state.delete") return stateDelete(args);
  if (op == "state.transact") return stateTransact(args);
  if (op == "state.query") return stateQuery(args);
  if (op == "pubsub.publish") return pubsubPublish(args);
  if (op == "pubsub.bulk-publish") return pubsubBulkPublish(args);
  if (op == "invoke.invoke-method") return invokeMethod(args);
  if (op == "bindings.invoke") return bindingsInvoke(args);
  if (op == "secrets.get") return secretsGet(args);
  if (op == "secrets.get-bulk") return secretsGetBulk(args);
  if (op == "configuration.get") return configurationGet(args);
  if (op == "configuration.subscribe") return configurationSubscribe(args);
  if (op == "configuration.unsubscribe") return configurationUnsubscribe(args);
  if (op == "lock.try-lock") return lockTryLock(args);
  if (op == "lock.unlock") return lockUnlock(args);
  if (op == "metadata.get") return metadataGet();
  if (op == "jobs.schedule") return jobsSchedule(args);
  if (op == "jobs.get") return jobsGet(args);
  if (op == "jobs.delete") return jobsDelete(args);
  if (op == "conversation.converse") return conversationConverse(args);
  if (op == "actors.invoke") return actorsInvoke(args);
  if (op == "actors.get-state") return actorsGetState(args);
  if (op == "actors.transact-state") return actorsTransactState(args);
  if (op == "actors.register-reminder") return actorsRegisterReminder(args);
  if (op == "actors.get-reminder") return actorsGetReminder(args);
  if (op == "actors.unregister-reminder") return actorsUnregister(args, actorsApi.unregisterReminder);
  if (op == "actors.register-timer") return actorsRegisterTimer(args);
  if (op == "actors.unregister-timer") return actorsUnregister(args, actorsApi.unregisterTimer);
  if (op == "crypto.encrypt") return cryptoEncrypt(args);
  if (op == "crypto.decrypt") return cryptoDecrypt(args);
  if (op == "crypto.encrypt-stream") return cryptoEncryptStream(args);
  if (op == "crypto.decrypt-stream") return cryptoDecryptStream(args);
  if (op == "") fail("the step has no `op`");
  else fail("unknown op `" + op + "`");
  return invalidStep();
}

// ---- state ----

function stateGet(args: Fields): Outcome {
  const storeName = args.str("store");
  const key = args.str("key");
  const consistency = args.consistency("consistency");
  const metadata = args.pairs("metadata");
  if (failed()) return invalidStep();
  const r = stateApi.get(storeName, key, consistency, metadata);
  if (r.isErr) return runtimeError(r.error);
  return okValue(optionalStateValue(r.value));
}

function stateGetBulk(args: Fields): Outcome {
  const storeName = args.str("store");
  const keys = args.strings("keys");
  const metadata = args.pairs("metadata");
  if (failed()) return invalidStep();
  const r = stateApi.getBulk(storeName, keys, metadata);
  if (r.isErr) return runtimeError(r.error);
  const values = r.value;
  const out = Json.arr();
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    out.push(Json.obj().set("key", Json.ofStr(v.key)).set("value", result<stateApi.Value | null>(v.value, optionalStateValue)));
  }
  return okValue(out);
}

function stateSave(args: Fields): Outcome {
  const entries = each(args.array("items"), "items[]");
  const items = new Array<stateApi.SaveItem>();
  for (let i = 0; i < entries.length; i++) items.push(saveItem(entries[i]));
  const storeName = args.str("store");
  if (failed()) return invalidStep();
  return unit(stateApi.save(storeName, items));
}

function stateDelete(args: Fields): Outcome {
  const storeName = args.str("store");
  const item = deleteItem(args.object("item"));
  if (failed()) return invalidStep();
  return unit(stateApi.delete_(storeName, item));
}

function stateTransact(args: Fields): Outcome {
  const entries = each(args.array("operations"), "operations[]");
  const operations = new Array<stateApi.Operation>();
  for (let i = 0; i < entries.length; i++) operations.push(operation(entries[i]));
  const storeName = args.str("store");
  const metadata = args.pairs("metadata");
  if (failed()) return invalidStep();
  return unit(stateApi.transact(storeName, operations, metadata));
}

function stateQuery(args: Fields): Outcome {
  const storeName = args.str("store");
  const query = args.str("query");
  const metadata = args.pairs("metadata");
  if (failed()) return invalidStep();
  const r = stateApi.query(storeName, query, metadata);
  if (r.isErr) return runtimeError(r.error);
  const response = r.value;
  const results = Json.arr();
  for (let i = 0; i < response.results.length; i++) {
    const item = response.results[i];
    results.push(
      Json.obj().set("key", Json.ofStr(item.key)).set("data", data(item.data)).set("etag", Json.ofOptStr(item.etag)),
    );
  }
  return okValue(
    Json.obj().set("results", results).set("token", Json.ofOptStr(response.token)).set("metadata", pairs(response.metadata)),
  );
}

function stateValue(value: stateApi.Value): Json {
  return Json.obj().set("data", data(value.data)).set("etag", Json.ofOptStr(value.etag)).set("metadata", pairs(value.metadata));
}

function optionalStateValue(value: stateApi.Value | null): Json {
  return value === null ? Json.nil() : stateValue(value);
}

function saveItem(item: Fields): stateApi.SaveItem {
  return new stateApi.SaveItem(item.str("key"), item.data("data"), item.optString("etag"), item.options("options"), item.pairs("metadata"));
}

function deleteItem(item: Fields): stateApi.DeleteItem {
  return new stateApi.DeleteItem(item.str("key"), item.optString("etag"), item.options("options"), item.pairs("metadata"));
}

/** `{"upsert": save-item}` or `{"delete": delete-item}`. */
function operation(op: Fields): stateApi.Operation {
  const name = op.variantCase();
  const payload = op.payload();
  if (name == "delete") return stateApi.Operation.delete_(deleteItem(payload));
  if (name != "upsert" && !failed()) fail("unknown operation `" + name + "`, expected upsert or delete");
  return stateApi.Operation.upsert(saveItem(payload));
}

// ---- pubsub ----

function pubsubPublish(args: Fields): Outcome {
  const pubsub = args.str("pubsub");
  const topic = args.str("topic");
  const payload = args.data("data");
  const contentType = args.optString("content-type");
  const metadata = args.pairs("metadata");
  if (failed()) return invalidStep();
  return unit(pubsubApi.publish(pubsub, topic, payload, contentType, metadata));
}

function pubsubBulkPublish(args: Fields): Outcome {
  const entries = each(args.array("messages"), "messages[]");
  const messages = new Array<pubsubApi.BulkMessage>();
  for (let i = 0; i < entries.length; i++) {
    const m = entries[i];
    messages.push(new pubsubApi.BulkMessage(m.str("entry-id"), m.data("data"), m.str("content-type"), m.pairs("metadata")));
  }
  const pubsub = args.str("pubsub");
  const topic = args.str("topic");
  const metadata = args.pairs("metadata");
  if (failed()) return invalidStep();
  const r = pubsubApi.bulkPublish(pubsub, topic, messages, metadata);
  if (r.isErr) return runtimeError(r.error);
  const failures = r.value;
  const out = Json.arr();
  for (let i = 0; i < failures.length; i++) {
    out.push(Json.obj().set("entry-id", Json.ofStr(failures[i].entryId)).set("error", error(failures[i].error)));
  }
  return okValue(out);
}

// ---- invoke, bindings ----

function invokeMethod(args: Fields): Outcome {
  const r0 = args.object("request");
  const request = new invokeApi.Request(
    r0.str("method"),
    r0.verb("verb"),
    r0.pairs("query"),
    r0.pairs("headers"),
    r0.optString("content-type"),
    r0.data("data"),
  );
  const appId = args.str("app-id");
  if (failed()) return invalidStep();
  const r = invokeApi.invokeMethod(appId, request);
  if (r.isErr) return runtimeError(r.error);
  const response = r.value;
  return okValue(
    Json.obj()
      .set("status", Json.ofInt(<i64>response.status))
      .set("headers", pairs(response.headers))
      .set("content-type", Json.ofOptStr(response.contentType))
      .set("data", data(response.data)),
  );
}

function bindingsInvoke(args: Fields): Outcome {
  const name = args.str("name");
  const op = args.str("operation");
  const payload = args.data("data");
  const metadata = args.pairs("metadata");
  if (failed()) return invalidStep();
  const r = bindingsApi.invoke(name, op, payload, metadata);
  if (r.isErr) return runtimeError(r.error);
  return okValue(Json.obj().set("data", data(r.value.data)).set("metadata", pairs(r.value.metadata)));
}

// ---- secrets, configuration ----

function secretsGet(args: Fields): Outcome {
  const storeName = args.str("store");
  const key = args.str("key");
  const metadata = args.pairs("metadata");
  if (failed()) return invalidStep();
  const r = secretsApi.get(storeName, key, metadata);
  if (r.isErr) return runtimeError(r.error);
  return okValue(pairs(r.value));
}

function secretsGetBulk(args: Fields): Outcome {
  const storeName = args.str("store");
  const metadata = args.pairs("metadata");
  if (failed()) return invalidStep();
  const r = secretsApi.getBulk(storeName, metadata);
  if (r.isErr) return runtimeError(r.error);
  const all: Array<Tuple2<string, secretsApi.Secret>> = r.value;
  const out = Json.arr();
  for (let i = 0; i < all.length; i++) out.push(Json.arr([Json.ofStr(all[i].f0), pairs(all[i].f1)]));
  return okValue(out);
}

function configurationGet(args: Fields): Outcome {
  const storeName = args.str("store");
  const keys = args.strings("keys");
  const metadata = args.pairs("metadata");
  if (failed()) return invalidStep();
  const r = configurationApi.get(storeName, keys, metadata);
  if (r.isErr) return runtimeError(r.error);
  const items = r.value;
  const out = Json.arr();
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    out.push(
      Json.obj()
        .set("key", Json.ofStr(item.key))
        .set("value", Json.ofStr(item.value))
        .set("version", Json.ofStr(item.version))
        .set("metadata", pairs(item.metadata)),
    );
  }
  return okValue(out);
}

function configurationSubscribe(args: Fields): Outcome {
  const storeName = args.str("store");
  const keys = args.strings("keys");
  const metadata = args.pairs("metadata");
  if (failed()) return invalidStep();
  const r = configurationApi.subscribe(storeName, keys, metadata);
  if (r.isErr) return runtimeError(r.error);
  return okValue(Json.ofStr(r.value));
}

function configurationUnsubscribe(args: Fields): Outcome {
  const storeName = args.str("store");
  const id = args.str("id");
  if (failed()) return invalidStep();
  return unit(configurationApi.unsubscribe(storeName, id));
}

// ---- lock, metadata ----

function lockTryLock(args: Fields): Outcome {
  const storeName = args.str("store");
  const resourceId = args.str("resource-id");
  const owner = args.str("owner");
  const expiry = args.uint32("expiry-in-seconds");
  if (failed()) return invalidStep();
  const r = lockApi.tryLock(storeName, resourceId, owner, expiry);
  if (r.isErr) return runtimeError(r.error);
  return okValue(Json.ofBool(r.value));
}

function lockUnlock(args: Fields): Outcome {
  const storeName = args.str("store");
  const resourceId = args.str("resource-id");
  const owner = args.str("owner");
  if (failed()) return invalidStep();
  const r = lockApi.unlock(storeName, resourceId, owner);
  if (r.isErr) return runtimeError(r.error);
  return okValue(unlockStatus(r.value));
}

function metadataGet(): Outcome {
  const r = metadataApi.get();
  if (r.isErr) return runtimeError(r.error);
  const meta = r.value;
  const components = Json.arr();
  for (let i = 0; i < meta.components.length; i++) {
    const c = meta.components[i];
    components.push(
      Json.obj().set("name", Json.ofStr(c.name)).set("component-type", Json.ofStr(c.componentType)).set("version", Json.ofStr(c.version)),
    );
  }
  return okValue(
    Json.obj().set("app-id", Json.ofStr(meta.appId)).set("runtime", Json.ofStr(meta.runtime)).set("components", components),
  );
}

// ---- jobs ----

function jobsSchedule(args: Fields): Outcome {
  const job = args.object("job");
  const policyFields = job.object("failure-policy");
  let policy: jobsApi.FailurePolicy | null = null;
  if (!policyFields.isNull) {
    const which = policyFields.variantCase();
    if (which == "drop") policy = jobsApi.FailurePolicy.drop();
    else if (which == "constant") {
      const retry = policyFields.payload();
      policy = jobsApi.FailurePolicy.constant(new jobsApi.ConstantRetry(retry.uint64("interval-ms"), retry.optUint32("max-retries")));
    } else if (!failed()) fail("unknown failure policy `" + which + "`");
  }
  const value = new jobsApi.Job(
    job.str("name"),
    job.optString("schedule"),
    job.optString("due-time"),
    job.optUint32("repeats"),
    job.optString("ttl"),
    job.data("data"),
    policy,
  );
  const overwrite = args.bool("overwrite");
  if (failed()) return invalidStep();
  return unit(jobsApi.schedule(value, overwrite));
}

function jobsGet(args: Fields): Outcome {
  const name = args.str("name");
  if (failed()) return invalidStep();
  const r = jobsApi.get(name);
  if (r.isErr) return runtimeError(r.error);
  const job = r.value;
  if (job === null) return okValue(Json.nil());
  let policy = Json.nil();
  const p = job.failurePolicy;
  if (p !== null) {
    if (p.isDrop()) policy = obj1("drop", Json.nil());
    else {
      const retry = p.getConstant();
      const max = retry.maxRetries;
      policy = obj1(
        "constant",
        Json.obj()
          .set("interval-ms", Json.ofInt(<i64>retry.intervalMs))
          .set("max-retries", max === null ? Json.nil() : Json.ofInt(<i64>max.value)),
      );
    }
  }
  const repeats = job.repeats;
  return okValue(
    Json.obj()
      .set("name", Json.ofStr(job.name))
      .set("schedule", Json.ofOptStr(job.schedule))
      .set("due-time", Json.ofOptStr(job.dueTime))
      .set("repeats", repeats === null ? Json.nil() : Json.ofInt(<i64>repeats.value))
      .set("ttl", Json.ofOptStr(job.ttl))
      .set("data", data(job.data))
      .set("failure-policy", policy),
  );
}

function jobsDelete(args: Fields): Outcome {
  const name = args.str("name");
  if (failed()) return invalidStep();
  return unit(jobsApi.delete_(name));
}

// ---- actors ----

/** `actor`: `{actor-type, id}`. */
function actorRef(args: Fields): actorsApi.ActorRef {
  const actor = args.object("actor");
  return new actorsApi.ActorRef(actor.str("actor-type"), actor.str("id"));
}

function actorsInvoke(args: Fields): Outcome {
  const actor = actorRef(args);
  const method = args.str("method");
  const payload = args.data("data");
  if (failed()) return invalidStep();
  const r = actorsApi.invoke(actor, method, payload);
  return r.isErr ? runtimeError(r.error) : okValue(data(r.value));
}

function actorsGetState(args: Fields): Outcome {
  const actor = actorRef(args);
  const key = args.str("key");
  if (failed()) return invalidStep();
  const r = actorsApi.getState(actor, key);
  if (r.isErr) return runtimeError(r.error);
  const value = r.value;
  return okValue(value === null ? Json.nil() : data(value));
}

/** `{"upsert": {key, value, ttl-seconds}}` or `{"delete": key}`. */
function actorStateOperation(op: Fields): actorsApi.ActorStateOperation {
  const deleted = op.optString("delete");
  if (deleted !== null) return actorsApi.ActorStateOperation.delete_(deleted);
  const which = op.variantCase();
  const upsert = op.payload();
  if (which != "upsert" && !failed()) fail("unknown actor state operation `" + which + "`");
  return actorsApi.ActorStateOperation.upsert(
    new actorsApi.ActorStateUpsert(upsert.str("key"), upsert.data("value"), upsert.optUint32("ttl-seconds")),
  );
}

function actorsTransactState(args: Fields): Outcome {
  const actor = actorRef(args);
  const items = each(args.array("operations"), "operations[]");
  const operations = new Array<actorsApi.ActorStateOperation>();
  for (let i = 0; i < items.length; i++) operations.push(actorStateOperation(items[i]));
  if (failed()) return invalidStep();
  return unit(actorsApi.transactState(actor, operations));
}

function actorsRegisterReminder(args: Fields): Outcome {
  const actor = actorRef(args);
  const r = args.object("reminder");
  const reminder = new actorsApi.Reminder(r.str("name"), r.str("due-time"), r.optString("period"), r.optString("ttl"), r.data("data"));
  if (failed()) return invalidStep();
  return unit(actorsApi.registerReminder(actor, reminder));
}

function actorsGetReminder(args: Fields): Outcome {
  const actor = actorRef(args);
  const name = args.str("name");
  if (failed()) return invalidStep();
  const r = actorsApi.getReminder(actor, name);
  if (r.isErr) return runtimeError(r.error);
  const reminder = r.value;
  if (reminder === null) return okValue(Json.nil());
  return okValue(
    Json.obj()
      .set("name", Json.ofStr(reminder.name))
      .set("due-time", Json.ofStr(reminder.dueTime))
      .set("period", Json.ofOptStr(reminder.period))
      .set("ttl", Json.ofOptStr(reminder.ttl))
      .set("data", data(reminder.data)),
  );
}

/** An op taking `actor` and `name` and answering nothing: `unregister` (reminder or timer). */
function actorsUnregister(args: Fields, unregister: (actor: actorsApi.ActorRef, name: string) => Result<Unit, DaprError>): Outcome {
  const actor = actorRef(args);
  const name = args.str("name");
  if (failed()) return invalidStep();
  return unit(unregister(actor, name));
}

function actorsRegisterTimer(args: Fields): Outcome {
  const actor = actorRef(args);
  const t = args.object("timer");
  const timer = new actorsApi.Timer(
    t.str("name"),
    t.str("due-time"),
    t.optString("period"),
    t.optString("ttl"),
    t.optString("callback"),
    t.data("data"),
  );
  if (failed()) return invalidStep();
  return unit(actorsApi.registerTimer(actor, timer));
}


// ---- conversation ----

function textMessage(m: Fields): conversationApi.TextMessage {
  return new conversationApi.TextMessage(m.optString("name"), m.strings("content"));
}

function toolCall(c: Fields): conversationApi.ToolCall {
  return new conversationApi.ToolCall(c.optString("id"), c.str("name"), c.str("arguments"));
}

function message(fields: Fields): conversationApi.Message {
  const role = fields.variantCase();
  const m = fields.payload();
  if (role == "developer") return conversationApi.Message.developer(textMessage(m));
  if (role == "system") return conversationApi.Message.system(textMessage(m));
  if (role == "user") return conversationApi.Message.user(textMessage(m));
  if (role == "assistant") {
    const calls = each(m.array("tool-calls"), "tool-calls[]");
    const toolCalls = new Array<conversationApi.ToolCall>();
    for (let i = 0; i < calls.length; i++) toolCalls.push(toolCall(calls[i]));
    return conversationApi.Message.assistant(new conversationApi.AssistantMessage(m.optString("name"), m.strings("content"), toolCalls));
  }
  if (role == "tool") return conversationApi.Message.tool(new conversationApi.ToolMessage(m.optString("tool-id"), m.str("name"), m.strings("content")));
  if (!failed()) fail("unknown message role `" + role + "`");
  return conversationApi.Message.user(new conversationApi.TextMessage(null, []));
}

function toolCallsJson(calls: Array<conversationApi.ToolCall>): Json {
  const out = Json.arr();
  for (let i = 0; i < calls.length; i++) {
    const c = calls[i];
    out.push(Json.obj().set("id", Json.ofOptStr(c.id)).set("name", Json.ofStr(c.name)).set("arguments", Json.ofStr(c.arguments)));
  }
  return out;
}

function conversationConverse(args: Fields): Outcome {
  const request = args.object("request");
  const inputEntries = each(request.array("inputs"), "inputs[]");
  const inputs = new Array<conversationApi.Input>();
  for (let i = 0; i < inputEntries.length; i++) {
    const entries = each(inputEntries[i].array("messages"), "messages[]");
    const messages = new Array<conversationApi.Message>();
    for (let j = 0; j < entries.length; j++) messages.push(message(entries[j]));
    inputs.push(new conversationApi.Input(messages, inputEntries[i].bool("scrub-pii")));
  }
  const toolEntries = each(request.array("tools"), "tools[]");
  const tools = new Array<conversationApi.ToolFunction>();
  for (let i = 0; i < toolEntries.length; i++) {
    const t = toolEntries[i];
    tools.push(new conversationApi.ToolFunction(t.str("name"), t.optString("description"), t.optString("parameters")));
  }
  const value = new conversationApi.Request(
    inputs,
    request.optString("context-id"),
    request.optF64("temperature"),
    tools,
    request.optString("tool-choice"),
    request.optString("response-format"),
    request.bool("scrub-pii"),
    request.pairs("metadata"),
  );
  const component = args.str("component");
  if (failed()) return invalidStep();
  const r = conversationApi.converse(component, value);
  if (r.isErr) return runtimeError(r.error);
  const outputs = Json.arr();
  for (let i = 0; i < r.value.outputs.length; i++) {
    const o = r.value.outputs[i];
    const choices = Json.arr();
    for (let j = 0; j < o.choices.length; j++) {
      const c = o.choices[j];
      choices.push(
        Json.obj()
          .set("finish-reason", Json.ofStr(c.finishReason))
          .set("index", Json.ofInt(<i64>c.index))
          .set("content", Json.ofStr(c.content))
          .set("tool-calls", toolCallsJson(c.toolCalls)),
      );
    }
    const u = o.usage;
    const usage =
      u === null
        ? Json.nil()
        : Json.obj()
            .set("completion-tokens", Json.ofInt(<i64>u.completionTokens))
            .set("prompt-tokens", Json.ofInt(<i64>u.promptTokens))
            .set("total-tokens", Json.ofInt(<i64>u.totalTokens));
    outputs.push(Json.obj().set("choices", choices).set("model", Json.ofOptStr(o.model)).set("usage", usage));
  }
  return okValue(Json.obj().set("context-id", Json.ofOptStr(r.value.contextId)).set("outputs", outputs));
}

// ---- crypto (through the SDK's CryptoClient) ----

const cryptoClient = new CryptoClient();

/** The crypto ops' component (in `options`). */
function cryptoComponent(args: Fields): string {
  return args.object("options").str("component");
}

/** `options` of an encryption, as the SDK takes them. */
function encryptOptions(args: Fields): EncryptOptions {
  const o = args.object("options");
  return new EncryptOptions(
    o.str("key-name"),
    o.str("key-wrap-algorithm"),
    o.optCipher("data-encryption-cipher"),
    o.optString("decryption-key-name"),
    o.bool("omit-decryption-key-name"),
  );
}

/** `options` of a decryption, as the SDK takes them. */
function decryptOptions(args: Fields): DecryptOptions {
  return new DecryptOptions(args.object("options").optString("key-name"));
}

/** Joins byte arrays. */
function concat(parts: Array<Uint8Array>): Uint8Array {
  let length = 0;
  for (let i = 0; i < parts.length; i++) length += parts[i].length;
  const out = new Uint8Array(length);
  let at = 0;
  for (let i = 0; i < parts.length; i++) {
    out.set(parts[i], at);
    at += parts[i].length;
  }
  return out;
}

/** Writes `chunks` in order to the stream a call `started`, then finishes it; the outputs joined, or the first error. */
function runStream(started: Result<CryptoStream, DaprError>, chunks: Array<Uint8Array>): Result<Uint8Array, DaprError> {
  if (started.isErr) return err<Uint8Array, DaprError>(started.error);
  const stream = started.value;
  const parts = new Array<Uint8Array>();
  for (let i = 0; i < chunks.length; i++) {
    const r = stream.write(chunks[i]);
    if (r.isErr) return r;
    parts.push(r.value);
  }
  const r = stream.finish();
  if (r.isErr) return r;
  parts.push(r.value);
  return ok<Uint8Array, DaprError>(concat(parts));
}

/** What a crypto call returned: a ciphertext as hexadecimal text, a plaintext as text. */
function cryptoOutcome(r: Result<Uint8Array, DaprError>, ciphertext: bool): Outcome {
  if (r.isErr) return runtimeError(r.error);
  return okValue(ciphertext ? hex(r.value) : data(r.value));
}

function cryptoEncrypt(args: Fields): Outcome {
  const component = cryptoComponent(args);
  const options = encryptOptions(args);
  const plaintext = args.data("plaintext");
  if (failed()) return invalidStep();
  return cryptoOutcome(cryptoClient.encrypt(component, plaintext, options), true);
}

function cryptoDecrypt(args: Fields): Outcome {
  const component = cryptoComponent(args);
  const options = decryptOptions(args);
  const ciphertext = args.hex("ciphertext");
  if (failed()) return invalidStep();
  return cryptoOutcome(cryptoClient.decrypt(component, ciphertext, options), false);
}

function cryptoEncryptStream(args: Fields): Outcome {
  const component = cryptoComponent(args);
  const options = encryptOptions(args);
  const texts = args.strings("chunks");
  if (failed()) return invalidStep();
  const chunks = new Array<Uint8Array>();
  for (let i = 0; i < texts.length; i++) chunks.push(Uint8Array.wrap(String.UTF8.encode(texts[i])));
  return cryptoOutcome(runStream(cryptoClient.encryptStream(component, options), chunks), true);
}

function cryptoDecryptStream(args: Fields): Outcome {
  const component = cryptoComponent(args);
  const options = decryptOptions(args);
  const ciphertext = args.hex("ciphertext");
  const requested = args.uint32("chunk-size");
  if (failed()) return invalidStep();
  // At least 1, at most the whole ciphertext (so that `at + size` cannot overflow).
  const size = <i32>max<u32>(1, min<u32>(requested, <u32>ciphertext.length));
  const chunks = new Array<Uint8Array>();
  for (let at = 0; at < ciphertext.length; at += size) chunks.push(ciphertext.subarray(at, at + size));
  return cryptoOutcome(runStream(cryptoClient.decryptStream(component, options), chunks), false);
}
