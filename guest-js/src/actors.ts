/**
 * Virtual actors (Dapr's Actors API), the client side: call an actor, read
 * and write the state of an actor this app hosts, and schedule its
 * reminders and timers. Hosting actor types is {@link Actor} and
 * {@link hostActors}.
 *
 * ```ts
 * const cart = actors.ref("cart", user);
 * actors.invoke(cart, "add", "apple");
 * actors.registerReminder(cart, { name: "expire", dueTime: "30m" });
 * ```
 * @module
 */

import * as wit from "./wit.js";
import { call, type Data, jsonBytes, Payload, text, toBytes } from "./wit.js";

/** One actor: its type and its id within the type. */
export interface ActorRef {
  /** The actor type, as the hosting app declares it. */
  actorType: string;
  /** The actor id; any non-empty string. */
  id: string;
}

/** The actor `id` of type `actorType`. */
export function ref(actorType: string, id: string): ActorRef {
  return { actorType, id };
}

/** One operation of {@link transactState}: store a value, or delete a key. */
export type StateOperation =
  | { upsert: { key: string; value?: Data; ttlSeconds?: number } }
  | { delete: string };

/** What reminders and timers share: when they fire, and their payload. */
interface Schedule {
  /** The name, unique within the actor. */
  name: string;
  /**
   * When it first fires: an RFC 3339 time, a Go duration (`90s`) or an
   * ISO 8601 duration (`PT1M30S`) from now; `""` fires it now.
   */
  dueTime: string;
  /** How often it fires after that (`10s`, `PT10S`, `R5/PT10S` for five times in all); unset: once. */
  period?: string;
  /** When it stops firing, as `dueTime` reads it; unset: never. */
  ttl?: string;
  /** The payload handed to the actor: bytes, or text as UTF-8; default empty. */
  data?: Data;
}

/** A reminder to register: persistent, it activates the actor when due. */
export type ReminderInit = Schedule;

/** A timer to register: it lasts as long as the actor's activation. */
export interface TimerInit extends Schedule {
  /** A name handed to the actor's `onTimer`, to tell its timers' work apart. */
  callback?: string;
}

/** A reminder as registered, read back by {@link getReminder}. */
export class Reminder extends Payload {
  /** The reminder's name. */
  readonly name: string;
  /** When it first fires, as registered. */
  readonly dueTime: string;
  /** How often it fires after that, if it repeats. */
  readonly period: string | undefined;
  /** When it stops firing, if set. */
  readonly ttl: string | undefined;
  /** Its payload. */
  readonly data: Uint8Array;

  /** @internal A reminder from its WIT record. */
  constructor(reminder: { name: string; dueTime: string; period?: string; ttl?: string; data: Uint8Array }) {
    super();
    this.name = reminder.name;
    this.dueTime = reminder.dueTime;
    this.period = reminder.period ?? undefined;
    this.ttl = reminder.ttl ?? undefined;
    this.data = toBytes(reminder.data);
  }
}

/** The WIT record of `actor` (only the two fields the bindings read). */
function witRef(actor: ActorRef): ActorRef {
  return { actorType: actor.actorType, id: actor.id };
}

/** The fields reminders and timers share, as WIT takes them. */
function witSchedule(schedule: Schedule) {
  return {
    name: schedule.name,
    dueTime: schedule.dueTime,
    period: schedule.period ?? undefined,
    ttl: schedule.ttl ?? undefined,
    data: toBytes(schedule.data),
  };
}

/**
 * Calls `method` of `actor` with `data` and returns its answer (the actor
 * is activated if needed). The actor's own failure is an
 * {@link InternalError} carrying its message; an actor type no app hosts,
 * a {@link NotFoundError}.
 */
export function invoke(actor: ActorRef, method: string, data?: Data): Uint8Array {
  return toBytes(call(wit.actors.invoke, witRef(actor), method, toBytes(data)));
}

/** Calls `method` of `actor` with `request` as JSON and parses its answer as JSON. */
export function invokeJson<T = unknown>(actor: ActorRef, method: string, request?: unknown): T {
  return JSON.parse(text(invoke(actor, method, request === undefined ? undefined : jsonBytes(request)))) as T;
}

/** The value of `key` in `actor`'s state (a type this app hosts); `undefined` if it has none. */
export function getState(actor: ActorRef, key: string): Uint8Array | undefined {
  const value = call(wit.actors.getState, witRef(actor), key);
  return value === undefined || value === null ? undefined : toBytes(value);
}

/** The value of `key` in `actor`'s state parsed as JSON; `defaultValue` if it has none. */
export function getStateJson<T = unknown>(actor: ActorRef, key: string, defaultValue?: T): T | undefined {
  const value = getState(actor, key);
  return value === undefined ? defaultValue : (JSON.parse(text(value)) as T);
}

/** Applies `operations` to `actor`'s state, all or none. */
export function transactState(actor: ActorRef, operations: Iterable<StateOperation>): void {
  const witOperations = [...operations].map((operation) =>
    "upsert" in operation
      ? {
          tag: "upsert" as const,
          val: {
            key: operation.upsert.key,
            value: toBytes(operation.upsert.value),
            ttlSeconds: operation.upsert.ttlSeconds ?? undefined,
          },
        }
      : { tag: "delete" as const, val: operation.delete },
  );
  call(wit.actors.transactState, witRef(actor), witOperations);
}

/** Stores `value` (bytes, or text as UTF-8) under `key` in `actor`'s state. */
export function saveState(actor: ActorRef, key: string, value: Data, options: { ttlSeconds?: number } = {}): void {
  transactState(actor, [{ upsert: { key, value, ttlSeconds: options.ttlSeconds } }]);
}

/** Stores `value` serialized as JSON under `key` in `actor`'s state. */
export function saveStateJson(actor: ActorRef, key: string, value: unknown, options: { ttlSeconds?: number } = {}): void {
  saveState(actor, key, jsonBytes(value), options);
}

/** Deletes `key` from `actor`'s state (deleting a missing key succeeds). */
export function deleteState(actor: ActorRef, key: string): void {
  transactState(actor, [{ delete: key }]);
}

/**
 * Registers `reminder` for `actor`, replacing one of the same name; a
 * malformed time, period or TTL is an {@link InvalidArgumentError}.
 */
export function registerReminder(actor: ActorRef, reminder: ReminderInit): void {
  call(wit.actors.registerReminder, witRef(actor), witSchedule(reminder));
}

/** The reminder `name` of `actor` as registered; `undefined` if there is none. */
export function getReminder(actor: ActorRef, name: string): Reminder | undefined {
  const reminder = call(wit.actors.getReminder, witRef(actor), name);
  return reminder === undefined || reminder === null ? undefined : new Reminder(reminder);
}

/** Unregisters the reminder `name` of `actor` (succeeding if missing). */
export function unregisterReminder(actor: ActorRef, name: string): void {
  call(wit.actors.unregisterReminder, witRef(actor), name);
}

/** Starts `timer` for `actor` (activating it if needed), for as long as its activation lasts. */
export function registerTimer(actor: ActorRef, timer: TimerInit): void {
  call(wit.actors.registerTimer, witRef(actor), { ...witSchedule(timer), callback: timer.callback ?? undefined });
}

/** Stops the timer `name` of `actor` (succeeding if missing). */
export function unregisterTimer(actor: ActorRef, name: string): void {
  call(wit.actors.unregisterTimer, witRef(actor), name);
}
