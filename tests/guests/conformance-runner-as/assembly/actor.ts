// The runner's `actor` export: the test actor type `conformance-actor`
// (tests/conformance/README.md). Its methods show what the host promises:
// `echo` answers its data; `count` counts calls in memory (only the same
// instance, turn after turn, keeps counting); `set` (`key=value`) and `get`
// (`key`) use actor state; `turn` notes in actor state that a turn is
// running, waits 50 ms and counts, noting an overlap if another turn was
// running; `timer` (`name=period`) registers a timer on itself; `call`
// (`type/id/method/data`) calls another actor and answers its answer. Timers and
// reminders are recorded in `statestore` as `actor-timer:<id>:<name>` and
// `actor-reminder:<id>:<name>` = `<count>|<data>`; a reminder whose data is
// `cancel` cancels itself.

import {
  ActorRef,
  DaprActor,
  DaprActors,
  DaprClient,
  ReminderOutcome,
  Result,
  Timer,
  Unit,
  DaprError,
  describe,
  err,
  fromUtf8,
  ok,
  utf8,
} from "@wasmtime-dapr/guest-assemblyscript/assembly/dapr";
import { tally } from "./handler";

const actors = new DaprClient().actors;

/** Waits `ms` milliseconds (a turn holds its instance; there is nothing else to run). */
function sleep(ms: i64): void {
  const until = Date.now() + ms;
  while (Date.now() < until);
}

/** The hosted type. */
class ConformanceActor extends DaprActor {
  /** The calls of `count` in this instance. */
  private calls: u64 = 0;

  onInvoke(method: string, data: Uint8Array): Result<Uint8Array, string> {
    if (method == "echo") return ok<Uint8Array, string>(data);
    if (method == "count") {
      this.calls++;
      return ok<Uint8Array, string>(utf8(this.calls.toString()));
    }
    if (method == "set") {
      const text = fromUtf8(data);
      const at = text.indexOf("=");
      if (at < 0) return err<Uint8Array, string>("set takes key=value");
      return this.empty(actors.saveState(this.ref, text.slice(0, at), utf8(text.slice(at + 1))));
    }
    if (method == "get") {
      const value = actors.getState(this.ref, fromUtf8(data));
      if (value.isErr) return err<Uint8Array, string>(describe(value.error));
      const found = value.value;
      return ok<Uint8Array, string>(found === null ? new Uint8Array(0) : found);
    }
    if (method == "turn") return this.turn();
    if (method == "timer") {
      const text = fromUtf8(data);
      const at = text.indexOf("=");
      if (at < 0) return err<Uint8Array, string>("timer takes name=period");
      const timer = new Timer(text.slice(0, at), "0s", text.slice(at + 1), null, "tick", utf8("timer-data"));
      return this.empty(actors.registerTimer(this.ref, timer));
    }
    if (method == "call") return this.call(fromUtf8(data));
    return this.noMethod(method);
  }

  /** Calls the actor `target` names (`type/id/method/data`); its answer. */
  private call(target: string): Result<Uint8Array, string> {
    const parts = target.split("/");
    if (parts.length < 3) return err<Uint8Array, string>("call takes type/id/method/data");
    const data = parts.length > 3 ? parts.slice(3).join("/") : "";
    const answer = actors.invoke(new ActorRef(parts[0], parts[1]), parts[2], utf8(data));
    if (answer.isErr) return err<Uint8Array, string>(describe(answer.error));
    return ok<Uint8Array, string>(answer.value);
  }

  onTimer(name: string, callback: string | null, data: Uint8Array): Result<Unit, string> {
    const label = callback === null ? "" : callback;
    return tally("actor-timer:" + this.ref.id + ":" + name, label + ":" + fromUtf8(data));
  }

  onReminder(name: string, data: Uint8Array): Result<ReminderOutcome, string> {
    const text = fromUtf8(data);
    const counted = tally("actor-reminder:" + this.ref.id + ":" + name, text);
    if (counted.isErr) return err<ReminderOutcome, string>(counted.error);
    return ok<ReminderOutcome, string>(text == "cancel" ? ReminderOutcome.Cancel : ReminderOutcome.Keep);
  }

  /** `turn`: see the module comment. */
  private turn(): Result<Uint8Array, string> {
    const busy = actors.getState(this.ref, "busy");
    if (busy.isErr) return err<Uint8Array, string>(describe(busy.error));
    if (busy.value !== null) {
      const overlaps = this.add("overlaps");
      if (overlaps.isErr) return err<Uint8Array, string>(overlaps.error);
    }
    const marked = actors.saveState(this.ref, "busy", utf8("1"));
    if (marked.isErr) return err<Uint8Array, string>(describe(marked.error));
    sleep(50);
    const cleared = actors.deleteState(this.ref, "busy");
    if (cleared.isErr) return err<Uint8Array, string>(describe(cleared.error));
    const turns = this.add("turns");
    if (turns.isErr) return err<Uint8Array, string>(turns.error);
    return ok<Uint8Array, string>(utf8(turns.value.toString()));
  }

  /** Increments the count under `key` in actor state; the new count. */
  private add(key: string): Result<u64, string> {
    const current = actors.getState(this.ref, key);
    if (current.isErr) return err<u64, string>(describe(current.error));
    const value = current.value;
    const count: u64 = (value === null ? 0 : U64.parseInt(fromUtf8(value))) + 1;
    const saved = actors.saveState(this.ref, key, utf8(count.toString()));
    if (saved.isErr) return err<u64, string>(describe(saved.error));
    return ok<u64, string>(count);
  }

  /** An empty answer, or the call's error. */
  private empty(r: Result<Unit, DaprError>): Result<Uint8Array, string> {
    return r.isErr ? err<Uint8Array, string>(describe(r.error)) : ok<Uint8Array, string>(new Uint8Array(0));
  }
}

/** The `actor` export's implementation. */
export const hosted = new DaprActors().register("conformance-actor", (ref: ActorRef): DaprActor => new ConformanceActor(ref));
