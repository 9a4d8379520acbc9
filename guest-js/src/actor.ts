/**
 * Hosting actors: a subclass of {@link Actor} per actor type, its methods
 * the actor's methods, exported with {@link hostActors} as the
 * `dapr:runtime/actor` export:
 *
 * ```ts
 * import { Actor, type ActorCall, actors, hostActors } from "@wasmtime-dapr/guest-js";
 *
 * class Cart extends Actor {
 *   static readonly actorType = "cart";
 *   items: string[] = [];
 *
 *   add(call: ActorCall) {
 *     this.items.push(call.text());
 *     actors.saveStateJson(this.ref, "items", this.items);
 *   }
 *
 *   list() {
 *     return this.items.join(",");
 *   }
 * }
 *
 * export const actor = hostActors(Cart); // built with --world actor-app
 * ```
 *
 * The host runs each active actor in an instance of its own, kept between
 * its turns: the one object of its class lives as long as the activation,
 * so its fields carry over from one call to the next. Keep what must
 * outlive a deactivation in actor state ({@link actors.saveState}).
 * @module
 */

import type { ActorRef } from "./actors.js";
import { bindExport } from "./app.js";
import { type Data, Payload, toBytes } from "./wit.js";

/** What becomes of a reminder after {@link Actor.onReminder}: `keep` it firing, or `cancel` it. */
export type ReminderOutcome = "keep" | "cancel";
/** Every {@link ReminderOutcome}. */
export const REMINDER_OUTCOMES: readonly ReminderOutcome[] = ["keep", "cancel"];

/** A call of one of the actor's methods. */
export class ActorCall extends Payload {
  /**
   * @param method the method called
   * @param data the caller's payload
   */
  constructor(
    readonly method: string,
    readonly data: Uint8Array,
  ) {
    super();
  }
}

/** A timer of the actor firing. */
export class TimerEvent extends Payload {
  /**
   * @param name the timer's name
   * @param callback the timer's callback name, if it has one
   * @param data the timer's payload
   */
  constructor(
    readonly name: string,
    readonly callback: string | undefined,
    readonly data: Uint8Array,
  ) {
    super();
  }
}

/** A reminder of the actor firing. */
export class ReminderEvent extends Payload {
  /**
   * @param name the reminder's name
   * @param data the reminder's payload
   */
  constructor(
    readonly name: string,
    readonly data: Uint8Array,
  ) {
    super();
  }
}

/**
 * One actor type: subclass it, set `static readonly actorType`, and define
 * the actor's methods as methods of the class, each taking an
 * {@link ActorCall} and returning its answer (bytes or text) or nothing.
 * A method throwing fails the call: the caller gets an `InternalError`
 * with the thrown message. The `on*` hooks have defaults: no-op
 * activation, deactivation and timers; reminders are kept.
 */
export abstract class Actor {
  /** The type's name, as callers write it in {@link ActorRef.actorType}; every subclass sets it. */
  static readonly actorType?: string;
  /** Deactivate an actor idle this many milliseconds; unset: the host's setting (60 minutes by default). */
  static readonly idleTimeoutMs?: number;

  /** @param ref the actor this object is */
  constructor(readonly ref: ActorRef) {}

  /** Runs once when the actor is activated, before any call; throwing refuses the activation. */
  onActivate(): void {}

  /**
   * Handles a call: by default the method of this class named like
   * `call.method`; a name that is no method of the subclass fails with
   * ``<type> has no method `<method>` ``.
   */
  onInvoke(call: ActorCall): Data | void {
    const method = actorMethod(this, call.method);
    if (!method) throw new Error(`${this.ref.actorType} has no method \`${call.method}\``);
    return method.call(this, call);
  }

  /** Handles a timer firing; does nothing by default. */
  onTimer(timer: TimerEvent): void {
    void timer;
  }

  /** Handles a reminder firing; returns nothing or `"keep"` to keep it, `"cancel"` to unregister it. */
  onReminder(reminder: ReminderEvent): ReminderOutcome | void {
    void reminder;
    return "keep";
  }

  /** Runs before the actor is deactivated. */
  onDeactivate(): void {}
}

/** An actor method: takes the call, answers bytes, text or nothing. */
type ActorMethod = (call: ActorCall) => Data | void;

/** The class of an actor type: a subclass of {@link Actor} naming its type. */
export interface ActorClass {
  /** Makes the actor `ref` at its activation. */
  new (ref: ActorRef): Actor;
  /** See {@link Actor.actorType}. */
  readonly actorType: string;
  /** See {@link Actor.idleTimeoutMs}. */
  readonly idleTimeoutMs?: number;
}

/** The method `name` defined by `actor`'s class below {@link Actor} (not a hook, not inherited from it). */
function actorMethod(actor: Actor, name: string): ActorMethod | undefined {
  for (let proto = Object.getPrototypeOf(actor); proto && proto !== Actor.prototype; proto = Object.getPrototypeOf(proto)) {
    if (name === "constructor" || !Object.hasOwn(proto, name)) continue;
    const value = Object.getOwnPropertyDescriptor(proto, name)?.value;
    return typeof value === "function" && !Object.hasOwn(Actor.prototype, name) ? (value as ActorMethod) : undefined;
  }
  return undefined;
}

/** The message a thrown value hands the caller: a string as it is, an error's message. */
function failure(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The hosted types and this instance's one live actor. */
class Hosting {
  /** The live actor, between its turns. */
  live: Actor | undefined;

  constructor(readonly types: ReadonlyMap<string, ActorClass>) {}

  /** Runs `turn` on the live actor `ref`, activating it if this instance has none; a throw is the WIT `err`. */
  turn<R>(ref: ActorRef, turn: (actor: Actor) => R): R {
    try {
      const live = this.live;
      const actor = live && live.ref.actorType === ref.actorType && live.ref.id === ref.id ? live : this.activate(ref);
      return turn(actor);
    } catch (error) {
      // A thrown string is the `err` of the WIT result.
      throw failure(error);
    }
  }

  /** Makes and activates the actor `ref`. */
  activate(ref: ActorRef): Actor {
    const type = this.types.get(ref.actorType);
    if (!type) throw new Error(`this component does not host actor type \`${ref.actorType}\``);
    this.live = undefined;
    const actor = new type({ actorType: ref.actorType, id: ref.id });
    actor.onActivate();
    this.live = actor;
    return actor;
  }
}

/**
 * The `dapr:runtime/actor` export, one entry per WIT function (in
 * camelCase). A new function of the interface is one more entry here.
 */
const ACTOR = {
  actorTypes: (host: Hosting) =>
    [...host.types.values()].map((type) => ({
      name: type.actorType,
      idleTimeoutMs: type.idleTimeoutMs === undefined ? undefined : BigInt(type.idleTimeoutMs),
    })),

  onActivate: (host: Hosting, ref: ActorRef): void => {
    try {
      host.activate(ref);
    } catch (error) {
      throw failure(error);
    }
  },

  onInvoke: (host: Hosting, ref: ActorRef, method: string, data: Uint8Array): Uint8Array =>
    host.turn(ref, (actor) => toBytes(actor.onInvoke(new ActorCall(method, toBytes(data))) ?? undefined)),

  onTimer: (host: Hosting, ref: ActorRef, name: string, callback: string | undefined, data: Uint8Array): void =>
    host.turn(ref, (actor) => actor.onTimer(new TimerEvent(name, callback ?? undefined, toBytes(data)))),

  onReminder: (host: Hosting, ref: ActorRef, name: string, data: Uint8Array): ReminderOutcome =>
    host.turn(ref, (actor) => {
      const outcome = actor.onReminder(new ReminderEvent(name, toBytes(data))) ?? "keep";
      if (!REMINDER_OUTCOMES.includes(outcome)) throw new TypeError(`onReminder returned ${String(outcome)}, not a ReminderOutcome`);
      return outcome;
    }),

  onDeactivate: (host: Hosting, ref: ActorRef): void => {
    try {
      host.turn(ref, (actor) => actor.onDeactivate());
    } finally {
      host.live = undefined;
    }
  },
};

/** The functions of the `dapr:runtime/actor` export, as the bindings call them. */
export type ActorExport = {
  [K in keyof typeof ACTOR]: (typeof ACTOR)[K] extends (host: Hosting, ...args: infer A) => infer R ? (...args: A) => R : never;
};

/**
 * The object implementing the `dapr:runtime/actor` export for the actor
 * types `types`: export it as `actor` from the entry module (`export const
 * actor = hostActors(Cart);`), built with `--world actor-app` (or
 * `app-actors` together with an {@link App}'s `handler`).
 */
export function hostActors(...types: ActorClass[]): ActorExport {
  const byName = new Map<string, ActorClass>();
  for (const type of types) {
    if (typeof type !== "function" || !(type.prototype instanceof Actor)) {
      throw new TypeError(`an actor type must be a subclass of Actor, not ${String(type)}`);
    }
    if (typeof type.actorType !== "string" || !type.actorType) throw new TypeError(`${type.name} must set static actorType`);
    if (byName.has(type.actorType)) throw new Error(`actor type ${JSON.stringify(type.actorType)} is hosted twice`);
    byName.set(type.actorType, type);
  }
  return bindExport<Hosting, ActorExport>(ACTOR, new Hosting(byName));
}
