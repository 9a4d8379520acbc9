/**
 * The runner's `actor` export: the test actor type `conformance-actor`
 * (tests/conformance/README.md). Its methods show what the host promises:
 * `echo` answers its data; `count` counts calls in memory (only the same
 * instance, turn after turn, keeps counting); `set` (`key=value`) and `get`
 * (`key`) use actor state; `turn` notes in actor state that a turn is
 * running, waits 50 ms and counts, noting an overlap if another turn was
 * running; `timer` (`name=period`) registers a timer on itself; `call`
 * (`type/id/method/data`) calls another actor and answers its answer. Timers and
 * reminders are recorded in `statestore` as `actor-timer:<id>:<name>` and
 * `actor-reminder:<id>:<name>` = `<count>|<data>`; a reminder whose data is
 * `cancel` cancels itself.
 * @module
 */

import {
  Actor,
  type ActorCall,
  actors,
  hostActors,
  type ReminderEvent,
  type ReminderOutcome,
  type TimerEvent,
} from "@wasmtime-dapr/guest-js";
import { tally } from "./events.js";

/** `text` split at its first `=`; an error naming `usage` if it has none. */
function split(text: string, usage: string): [string, string] {
  const at = text.indexOf("=");
  if (at < 0) throw new Error(usage);
  return [text.slice(0, at), text.slice(at + 1)];
}

/** Waits `ms` milliseconds (a turn holds its instance; there is nothing else to run). */
function sleep(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until);
}

/** The hosted type. */
class ConformanceActor extends Actor {
  static readonly actorType = "conformance-actor";

  /** The calls of `count` in this instance. */
  #calls = 0;

  echo(call: ActorCall): Uint8Array {
    return call.data;
  }

  count(): string {
    this.#calls += 1;
    return String(this.#calls);
  }

  set(call: ActorCall): void {
    const [key, value] = split(call.text(), "set takes key=value");
    actors.saveState(this.ref, key, value);
  }

  get(call: ActorCall): Uint8Array {
    return actors.getState(this.ref, call.text()) ?? new Uint8Array();
  }

  turn(): string {
    if (actors.getState(this.ref, "busy") !== undefined) this.#add("overlaps");
    actors.saveState(this.ref, "busy", "1");
    sleep(50);
    actors.deleteState(this.ref, "busy");
    return String(this.#add("turns"));
  }

  call(call: ActorCall): Uint8Array {
    const [actorType, id, method, ...data] = call.text().split("/");
    if (method === undefined) throw new Error("call takes type/id/method/data");
    return actors.invoke(actors.ref(actorType, id), method, data.join("/"));
  }

  timer(call: ActorCall): void {
    const [name, period] = split(call.text(), "timer takes name=period");
    actors.registerTimer(this.ref, { name, dueTime: "0s", period, callback: "tick", data: "timer-data" });
  }

  override onTimer(timer: TimerEvent): void {
    tally(`actor-timer:${this.ref.id}:${timer.name}`, `${timer.callback ?? ""}:${timer.text()}`);
  }

  override onReminder(reminder: ReminderEvent): ReminderOutcome {
    const data = reminder.text();
    tally(`actor-reminder:${this.ref.id}:${reminder.name}`, data);
    return data === "cancel" ? "cancel" : "keep";
  }

  /** Increments the count under `key` in actor state; the new count. */
  #add(key: string): number {
    const count = (actors.getStateJson<number>(this.ref, key) ?? 0) + 1;
    actors.saveState(this.ref, key, String(count));
    return count;
  }
}

/** The `dapr:runtime/actor` export. */
export const actor = hostActors(ConformanceActor);
