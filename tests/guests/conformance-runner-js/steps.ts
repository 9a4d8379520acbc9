/**
 * `execute`: one scenario step, `{"op": "<interface>.<function>", "args":
 * {...}}`, answered `{"ok": ...}` or `{"err": {"<case>": "<message>"}}`.
 * Each op calls the SDK function for its WIT function with every WIT
 * parameter decoded from `args`.
 * @module
 */

import {
  actors,
  bindings,
  configuration,
  conversation,
  crypto,
  DaprError,
  HTTP_VERBS,
  invoke,
  InvokeRequest,
  jobs,
  lock,
  metadata,
  pubsub,
  secrets,
  state,
  stringifyJson,
} from "@wasmtime-dapr/guest-js";
import { each, error, Fields, Invalid, pairs, parse, text } from "./codec.js";

/** Executes one step given as JSON and answers as JSON; never throws. */
export function execute(step: string): string {
  let answer: unknown;
  try {
    answer = { ok: run(step) ?? null };
  } catch (e) {
    if (e instanceof DaprError) answer = { err: error(e) };
    else if (e instanceof Invalid) answer = { err: { "invalid-argument": `runner: ${e.message}` } };
    // A bug of the runner or the SDK: report, never trap.
    else answer = { err: { internal: `runner: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}` } };
  }
  // Not JSON.stringify: it fails on long non-Latin-1 strings (see the SDK's json.ts).
  return stringifyJson(answer) as string;
}

/** Decodes the step and runs its op. */
export function run(step: string): unknown {
  const fields = new Fields(parse(step), "step");
  const op = fields.string("op");
  const args = fields.object("args");
  if (!op) throw new Invalid("the step has no `op`");
  const fn = Object.hasOwn(OPS, op) ? OPS[op] : undefined;
  if (!fn) throw new Invalid(`unknown op \`${op}\``);
  return fn(args);
}

// ---- state ----

function writeOptions(item: Fields): state.WriteOptions {
  const options = item.object("options");
  return {
    etag: item.optString("etag"),
    metadata: item.pairs("metadata"),
    concurrency: options.case("concurrency", state.CONCURRENCIES, "last-write"),
    consistency: options.case("consistency", state.CONSISTENCIES, "eventual"),
  };
}

function saveItem(item: Fields): state.SaveItem {
  return { ...writeOptions(item), key: item.string("key"), data: item.data("data") };
}

function deleteItem(item: Fields): state.DeleteItem {
  return { ...writeOptions(item), key: item.string("key") };
}

/** `{"upsert": save-item}` or `{"delete": delete-item}`. */
function operation(op: Fields): state.Operation {
  const [name, item] = op.variant();
  if (name === "upsert") return { upsert: saveItem(item) };
  if (name === "delete") return { delete: deleteItem(item) };
  throw new Invalid(`unknown operation \`${name}\`, expected upsert or delete`);
}

function stateValue(item: state.StateItem | undefined): unknown {
  if (item === undefined) return null;
  return { data: text(item.data), etag: item.etag ?? null, metadata: pairs(item.metadata) };
}

/** `{"drop": null}` or `{"constant": {"interval-ms", "max-retries"}}`; null: none. */
function failurePolicy(job: Fields): jobs.FailurePolicy | undefined {
  if (job.isNull("failure-policy")) return undefined;
  const [name, retry] = job.object("failure-policy").variant();
  if (name === "drop") return { kind: "drop" };
  if (name === "constant") {
    return { kind: "constant", intervalMs: retry.u64("interval-ms"), maxRetries: retry.optU32("max-retries") };
  }
  throw new Invalid(`unknown failure policy \`${name}\``);
}

function encodePolicy(policy: jobs.FailurePolicy | undefined): unknown {
  if (policy === undefined) return null;
  if (policy.kind === "drop") return { drop: null };
  return { constant: { "interval-ms": policy.intervalMs, "max-retries": policy.maxRetries ?? null } };
}

/** `actor`: `{actor-type, id}`. */
function actorRef(args: Fields): actors.ActorRef {
  const actor = args.object("actor");
  return actors.ref(actor.string("actor-type"), actor.string("id"));
}

/** `{"upsert": {key, value, ttl-seconds}}` or `{"delete": key}`. */
function actorStateOperation(op: unknown): actors.StateOperation {
  const deleted = new Fields(op, "operations[]").optString("delete");
  if (deleted !== undefined) return { delete: deleted };
  const [name, upsert] = new Fields(op, "operations[]").variant();
  if (name !== "upsert") throw new Invalid(`unknown actor state operation \`${name}\``);
  return { upsert: { key: upsert.string("key"), value: upsert.data("value"), ttlSeconds: upsert.optU32("ttl-seconds") } };
}

/** The fields reminders and timers share. */
function schedule(fields: Fields): actors.ReminderInit {
  return {
    name: fields.string("name"),
    dueTime: fields.string("due-time"),
    period: fields.optString("period"),
    ttl: fields.optString("ttl"),
    data: fields.data("data"),
  };
}

/** Every op of the step protocol, by name. */
const OPS: Record<string, (args: Fields) => unknown> = {
  "state.get": (args) =>
    stateValue(
      state.get(args.string("store"), args.string("key"), {
        consistency: args.case("consistency", state.CONSISTENCIES, "eventual"),
        metadata: args.pairs("metadata"),
      }),
    ),
  "state.get-bulk": (args) =>
    state.getBulk(args.string("store"), args.strings("keys"), { metadata: args.pairs("metadata") }).map((b) => ({
      key: b.key,
      value: b.error ? { err: error(b.error) } : { ok: stateValue(b.item) },
    })),
  "state.save": (args) => state.saveBulk(args.string("store"), each(args.array("items"), "items[]", saveItem)),
  "state.delete": (args) => state.deleteItem(args.string("store"), deleteItem(args.object("item"))),
  "state.transact": (args) =>
    state.transact(args.string("store"), each(args.array("operations"), "operations[]", operation), {
      metadata: args.pairs("metadata"),
    }),
  "state.query": (args) => {
    const response = state.query(args.string("store"), args.string("query"), { metadata: args.pairs("metadata") });
    return {
      results: response.results.map((r) => ({ key: r.key, data: text(r.data), etag: r.etag ?? null })),
      token: response.token ?? null,
      metadata: pairs(response.metadata),
    };
  },

  // ---- pubsub ----
  "pubsub.publish": (args) =>
    pubsub.publish(args.string("pubsub"), args.string("topic"), args.data("data"), {
      contentType: args.optString("content-type"),
      metadata: args.pairs("metadata"),
    }),
  "pubsub.bulk-publish": (args) => {
    const messages = each(args.array("messages"), "messages[]", (m) => ({
      entryId: m.string("entry-id"),
      data: m.data("data"),
      contentType: m.string("content-type"),
      metadata: m.pairs("metadata"),
    }));
    const failures = pubsub.bulkPublish(args.string("pubsub"), args.string("topic"), messages, {
      metadata: args.pairs("metadata"),
    });
    return failures.map((f) => ({ "entry-id": f.entryId, error: error(f.error) }));
  },

  // ---- invoke, bindings ----
  "invoke.invoke-method": (args) => {
    const request = args.object("request");
    const response = invoke.invokeMethod(
      args.string("app-id"),
      new InvokeRequest({
        method: request.string("method"),
        verb: request.case("verb", HTTP_VERBS, "post"),
        query: request.pairs("query"),
        headers: request.pairs("headers"),
        contentType: request.optString("content-type"),
        data: request.data("data"),
      }),
    );
    return {
      status: response.status,
      headers: pairs(response.headers),
      "content-type": response.contentType ?? null,
      data: text(response.data),
    };
  },
  "bindings.invoke": (args) => {
    const response = bindings.invoke(args.string("name"), args.string("operation"), args.data("data"), {
      metadata: args.pairs("metadata"),
    });
    return { data: text(response.data), metadata: pairs(response.metadata) };
  },

  // ---- secrets, configuration ----
  "secrets.get": (args) =>
    pairs(secrets.get(args.string("store"), args.string("key"), { metadata: args.pairs("metadata") })),
  "secrets.get-bulk": (args) =>
    Object.entries(secrets.getBulk(args.string("store"), { metadata: args.pairs("metadata") })).map(([key, secret]) => [
      key,
      pairs(secret),
    ]),
  "configuration.get": (args) =>
    configuration
      .get(args.string("store"), args.strings("keys"), { metadata: args.pairs("metadata") })
      .map((i) => ({ key: i.key, value: i.value, version: i.version, metadata: pairs(i.metadata) })),
  "configuration.subscribe": (args) =>
    configuration.subscribe(args.string("store"), args.strings("keys"), { metadata: args.pairs("metadata") }),
  "configuration.unsubscribe": (args) => configuration.unsubscribe(args.string("store"), args.string("id")),

  // ---- lock, metadata ----
  "lock.try-lock": (args) =>
    lock.tryLock(args.string("store"), args.string("resource-id"), args.string("owner"), args.u32("expiry-in-seconds")),
  "lock.unlock": (args) => lock.unlock(args.string("store"), args.string("resource-id"), args.string("owner")),
  "metadata.get": () => {
    const meta = metadata.get();
    return {
      "app-id": meta.appId,
      runtime: meta.runtime,
      components: meta.components.map((c) => ({ name: c.name, "component-type": c.componentType, version: c.version })),
    };
  },

  // ---- jobs ----
  "jobs.schedule": (args) => {
    const job = args.object("job");
    jobs.schedule(
      {
        name: job.string("name"),
        schedule: job.optString("schedule"),
        dueTime: job.optString("due-time"),
        repeats: job.optU32("repeats"),
        ttl: job.optString("ttl"),
        data: job.data("data"),
        failurePolicy: failurePolicy(job),
      },
      { overwrite: args.bool("overwrite") },
    );
  },
  "jobs.get": (args) => {
    const job = jobs.get(args.string("name"));
    if (job === undefined) return null;
    return {
      name: job.name,
      schedule: job.schedule ?? null,
      "due-time": job.dueTime ?? null,
      repeats: job.repeats ?? null,
      ttl: job.ttl ?? null,
      data: text(job.data),
      "failure-policy": encodePolicy(job.failurePolicy),
    };
  },
  "jobs.delete": (args) => jobs.delete(args.string("name")),

  // ---- actors ----
  "actors.invoke": (args) => text(actors.invoke(actorRef(args), args.string("method"), args.data("data"))),
  "actors.get-state": (args) => {
    const value = actors.getState(actorRef(args), args.string("key"));
    return value === undefined ? null : text(value);
  },
  "actors.transact-state": (args) =>
    actors.transactState(actorRef(args), args.array("operations").map(actorStateOperation)),
  "actors.register-reminder": (args) => actors.registerReminder(actorRef(args), schedule(args.object("reminder"))),
  "actors.get-reminder": (args) => {
    const reminder = actors.getReminder(actorRef(args), args.string("name"));
    if (reminder === undefined) return null;
    return {
      name: reminder.name,
      "due-time": reminder.dueTime,
      period: reminder.period ?? null,
      ttl: reminder.ttl ?? null,
      data: text(reminder.data),
    };
  },
  "actors.unregister-reminder": (args) => actors.unregisterReminder(actorRef(args), args.string("name")),
  "actors.register-timer": (args) => {
    const timer = args.object("timer");
    actors.registerTimer(actorRef(args), { ...schedule(timer), callback: timer.optString("callback") });
  },
  "actors.unregister-timer": (args) => actors.unregisterTimer(actorRef(args), args.string("name")),

  // ---- conversation ----
  "conversation.converse": (args) => {
    const request = args.object("request");
    const inputs = each(request.array("inputs"), "inputs[]", (input) => ({
      messages: each(input.array("messages"), "messages[]", conversationMessage),
      scrubPii: input.bool("scrub-pii"),
    }));
    const tools = each(request.array("tools"), "tools[]", (t) => ({
      name: t.string("name"),
      description: t.optString("description"),
      parameters: jsonText(t.optString("parameters"), "the tool's parameters"),
    }));
    const response = conversation.converse(args.string("component"), inputs, {
      tools,
      toolChoice: request.optString("tool-choice"),
      temperature: request.optF64("temperature"),
      contextId: request.optString("context-id"),
      responseFormat: jsonText(request.optString("response-format"), "the response format"),
      scrubPii: request.bool("scrub-pii"),
      metadata: request.pairs("metadata"),
    });
    const calls = (items: conversation.ToolCall[]) =>
      items.map((c) => ({ id: c.id ?? null, name: c.name, arguments: c.arguments }));
    return {
      "context-id": response.contextId ?? null,
      outputs: response.outputs.map((o) => ({
        choices: o.choices.map((c) => ({
          "finish-reason": c.finishReason,
          index: c.index,
          content: c.content,
          "tool-calls": calls(c.toolCalls),
        })),
        model: o.model ?? null,
        usage:
          o.usage === undefined
            ? null
            : {
                "completion-tokens": o.usage.completionTokens,
                "prompt-tokens": o.usage.promptTokens,
                "total-tokens": o.usage.totalTokens,
              },
      })),
    };
  },

  // ---- crypto ----
  "crypto.encrypt": (args) => hex(crypto.encrypt(cryptoComponent(args), args.data("plaintext"), encryptOptions(args))),
  "crypto.decrypt": (args) => text(crypto.decrypt(cryptoComponent(args), ciphertext(args), decryptOptions(args))),
  "crypto.encrypt-stream": (args) => {
    const stream = crypto.encryptStream(cryptoComponent(args), encryptOptions(args));
    const parts = args.strings("chunks").map((chunk) => stream.write(chunk));
    parts.push(stream.finish());
    return hex(concat(parts));
  },
  "crypto.decrypt-stream": (args) => {
    const input = ciphertext(args);
    const size = Math.max(args.u32("chunk-size"), 1);
    const stream = crypto.decryptStream(cryptoComponent(args), decryptOptions(args));
    const parts: Uint8Array[] = [];
    for (let at = 0; at < input.length; at += size) parts.push(stream.write(input.subarray(at, at + size)));
    parts.push(stream.finish());
    return text(concat(parts));
  },
};

/** The crypto ops' component (in `options`). */
function cryptoComponent(args: Fields): string {
  return args.object("options").string("component");
}

/** `options` of an encryption, as the SDK takes them. */
function encryptOptions(args: Fields): crypto.EncryptOptions {
  const o = args.object("options");
  const cipher = o.optString("data-encryption-cipher");
  return {
    keyName: o.string("key-name"),
    keyWrapAlgorithm: o.string("key-wrap-algorithm"),
    cipher: cipher === undefined ? undefined : o.case("data-encryption-cipher", crypto.CIPHERS, "aes-gcm"),
    decryptionKeyName: o.optString("decryption-key-name"),
    omitDecryptionKeyName: o.bool("omit-decryption-key-name"),
  };
}

/** `options` of a decryption, as the SDK takes them. */
function decryptOptions(args: Fields): crypto.DecryptOptions {
  return { keyName: args.object("options").optString("key-name") };
}

/** Bytes as lowercase hexadecimal text (ciphertexts). */
function hex(bytes: Uint8Array): string {
  let out = "";
  for (const byte of bytes) out += byte.toString(16).padStart(2, "0");
  return out;
}

/** The ciphertext given as hexadecimal text. */
function ciphertext(args: Fields): Uint8Array {
  const digits = args.string("ciphertext");
  if (digits.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(digits)) {
    throw new Invalid("`args.ciphertext` must be hexadecimal text");
  }
  const bytes = new Uint8Array(digits.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(digits.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}

/** Joins byte arrays. */
function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** One conversation message, a variant by role. */
function conversationMessage(fields: Fields): conversation.Message {
  const [role, m] = fields.variant();
  switch (role) {
    case "developer":
    case "system":
    case "user":
      return { role, content: m.strings("content"), name: m.optString("name") };
    case "assistant":
      return {
        role,
        content: m.strings("content"),
        name: m.optString("name"),
        toolCalls: each(m.array("tool-calls"), "tool-calls[]", (c) => ({
          id: c.optString("id"),
          name: c.string("name"),
          arguments: c.string("arguments"),
        })),
      };
    case "tool":
      return { role, content: m.strings("content"), name: m.string("name"), toolId: m.optString("tool-id") };
    default:
      throw new Invalid(`unknown message role \`${role}\``);
  }
}

/**
 * JSON text as the SDK takes it (parsed); text that is not JSON is an
 * invalid step, since a JavaScript value cannot be malformed JSON.
 */
function jsonText(text: string | undefined, what: string): Record<string, unknown> | undefined {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch (e) {
    throw new Invalid(`${what} is not JSON: ${(e as Error).message}`);
  }
}
