#!/usr/bin/env node
// Compiles an app that calls every binding through the client and
// implements the handler, then componentizes it for world `app`; then an
// HTTP app (every part of `./http`) for world `http-app`; then an app
// hosting an actor type (`DaprActors`, the actors client) for world
// `actor-app`: `npm run check`.
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const pkg = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const dir = mkdtempSync(join(tmpdir(), "as-check-"));
const APP = `
export * from "./bindings/exports";
import { DaprApp, DaprClient, KeyValue, MetadataBuilder, Request, Response, HttpVerb, describe, setHandler, utf8 } from "./dapr";
import { BulkMessage, DataCipher, DecryptOptions, EncryptOptions } from "./dapr";

class App extends DaprApp {
  onInvoke(request: Request): Response {
    const d = new DaprClient();
    const md = new MetadataBuilder().set("ttlInSeconds", "60").build();
    const s = d.state;
    s.save("s", new KeyValue("k", utf8("1"), null, md));
    s.saveBulk("s", [KeyValue.text("a", "1"), KeyValue.text("b", "2")]);
    s.getText("s", "k");
    s.getBulk("s", ["a", "b"]);
    s.delete("s", "k", "etag");
    s.transaction("s", [s.upsert(KeyValue.text("a", "3")), s.deleteOperation("b")]);
    const q = s.query("s", "{}");
    if (q.isErr) return new Response(500, [], null, utf8(describe(q.error)));
    d.pubsub.publishText("p", "t", "{}");
    d.pubsub.bulkPublish("p", "t", [new BulkMessage("1", utf8("x"), "text/plain", [])]);
    d.invoker.invoke("other", "m", HttpVerb.Get);
    d.binding.invoke("b", "create");
    d.secret.get("s", "k");
    d.secret.getBulk("s");
    d.configuration.get("c", []);
    d.configuration.subscribe("c", ["k"]);
    d.configuration.unsubscribe("c", "id");
    d.lock.tryLock("l", "r", "o", 10);
    d.lock.unlock("l", "r", "o");
    const sealed = d.crypto.encrypt("k", utf8("x"), new EncryptOptions("key", "A256KW").withCipher(DataCipher.Chacha20Poly1305));
    if (sealed.isOk) d.crypto.decrypt("k", sealed.value, new DecryptOptions("key"));
    const es = d.crypto.encryptStream("k", new EncryptOptions("key", "RSA-OAEP-256", null, "private", true));
    if (es.isOk) {
      es.value.write(utf8("x"));
      es.value.finish();
    }
    const ds = d.crypto.decryptStream("k");
    if (ds.isOk) ds.value.drop();
    d.metadata();
    return new Response(200, [], null, utf8(request.method));
  }
}
setHandler(new App());
`;
const HTTP_APP = `
export * from "./bindings/exports-http-app";
import { Request, Response, serveHttp, CHUNK } from "./http";
import { DaprClient, KeyValue } from "./dapr";

function handle(request: Request): Response {
  const d = new DaprClient();
  d.state.save("s", KeyValue.text(request.path, request.text()));
  const h = request.header("content-type");
  if (request.method == "POST") return Response.json(201, "{}").header("x-chunk", CHUNK.toString());
  if (h !== null) return Response.text(200, h + request.query);
  if (request.body.length > 0) return Response.bytes(200, request.body, "application/octet-stream");
  return request.path == "/" ? Response.empty(204) : Response.notFound();
}
serveHttp(handle);
`;

const ACTOR_APP = `
export * from "./bindings/exports-actor-app";
import { ActorRef, DaprActor, DaprActors, DaprClient, Reminder, Timer, Result, ReminderOutcome, fromUtf8, ok, setActor, utf8 } from "./dapr";

class Counter extends DaprActor {
  calls: i32 = 0;

  onInvoke(method: string, data: Uint8Array): Result<Uint8Array, string> {
    if (method != "count") return this.noMethod(method);
    this.calls++;
    const a = new DaprClient().actors;
    a.saveState(this.ref, "calls", utf8(this.calls.toString()), 60);
    a.getState(this.ref, "calls");
    a.deleteState(this.ref, "old");
    a.registerReminder(this.ref, new Reminder("r", "1h", "PT1M", null, data));
    a.getReminder(this.ref, "r");
    a.unregisterReminder(this.ref, "r");
    a.registerTimer(this.ref, new Timer("t", "0s", "1s", null, "tick", data));
    a.unregisterTimer(this.ref, "t");
    a.invoke(new ActorRef("counter", "other"), "count");
    return ok<Uint8Array, string>(utf8(this.calls.toString()));
  }

  onReminder(name: string, data: Uint8Array): Result<ReminderOutcome, string> {
    return ok<ReminderOutcome, string>(fromUtf8(data) == "stop" ? ReminderOutcome.Cancel : ReminderOutcome.Keep);
  }
}
setActor(new DaprActors().register("counter", (ref: ActorRef): DaprActor => new Counter(ref), 60000));
`;

/** Compiles `source` as an entry and componentizes it for `world`; exits on failure. */
function check(name, source, world) {
  const entry = join(pkg, "assembly", `${name}-entry.ts`);
  writeFileSync(entry, source);
  const asc = spawnSync(
    join(pkg, "node_modules", ".bin", "asc"),
    [`assembly/${name}-entry.ts`, "--config", "asconfig.json", "--exportStart", "_initialize", "-o", join(dir, `${name}.core.wasm`)],
    { stdio: "inherit", cwd: pkg },
  );
  rmSync(entry, { force: true });
  if (asc.status !== 0) process.exit(asc.status ?? 1);
  const c = spawnSync(
    "node",
    [join(pkg, "scripts", "componentize.mjs"), join(dir, `${name}.core.wasm`), "-o", join(dir, `${name}.wasm`), "--world", world],
    { stdio: "inherit" },
  );
  if (c.status !== 0) process.exit(c.status ?? 1);
}

check("check", APP, "app");
check("check-http", HTTP_APP, "http-app");
check("check-actor", ACTOR_APP, "actor-app");
