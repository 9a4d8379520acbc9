/**
 * Scheduled jobs (Dapr's Jobs API): work the runtime hands back to this app
 * at a point in time or on a schedule, received with {@link App.job}.
 *
 * ```ts
 * jobs.schedule({ name: "report", schedule: "@every 1h", data: "weekly" });
 * ```
 * @module
 */

import * as wit from "./wit.js";
import { call, type Data, Payload, toBytes } from "./wit.js";

/**
 * What happens when a trigger fails: `drop` (no retry: on to the next
 * trigger) or `constant` (retry the same trigger every `intervalMs`, at
 * most `maxRetries` times, without limit if unset).
 */
export type FailurePolicy = { kind: "drop" } | { kind: "constant"; intervalMs: number; maxRetries?: number };

/** A job to schedule; at least one of `schedule` and `dueTime` is set. */
export interface JobInit {
  /** The job's name, unique within the app. */
  name: string;
  /** When it repeats: a six-field cron expression, `@every 1m30s`, `@daily`, ... */
  schedule?: string;
  /** When it first triggers: an RFC 3339 time, a Go duration (`90s`) or an ISO 8601 duration. */
  dueTime?: string;
  /** Triggers at most this many times (only with a schedule). */
  repeats?: number;
  /** When the job expires, as `dueTime` reads it (only with a schedule). */
  ttl?: string;
  /** The payload handed to the job's handler: bytes, or text as UTF-8. */
  data?: Data;
  /** On failure; unset is Dapr's default: retry every second, at most three times. */
  failurePolicy?: FailurePolicy;
}

/** A job as scheduled, read back by {@link get}. */
export class Job extends Payload {
  /** The job's name. */
  readonly name: string;
  /** Its schedule, if it repeats. */
  readonly schedule: string | undefined;
  /** Its first trigger time, if set. */
  readonly dueTime: string | undefined;
  /** How many times it triggers at most, if limited. */
  readonly repeats: number | undefined;
  /** When it expires, if set. */
  readonly ttl: string | undefined;
  /** Its payload. */
  readonly data: Uint8Array;
  /** Its failure policy, if the runtime reports one. */
  readonly failurePolicy: FailurePolicy | undefined;

  /** @internal A job from its WIT record. */
  constructor(job: WitJob) {
    super();
    this.name = job.name;
    this.schedule = job.schedule ?? undefined;
    this.dueTime = job.dueTime ?? undefined;
    this.repeats = job.repeats ?? undefined;
    this.ttl = job.ttl ?? undefined;
    this.data = toBytes(job.data);
    const policy = job.failurePolicy;
    this.failurePolicy =
      policy === undefined || policy === null
        ? undefined
        : policy.tag === "drop"
          ? { kind: "drop" }
          : { kind: "constant", intervalMs: Number(policy.val.intervalMs), maxRetries: policy.val.maxRetries ?? undefined };
  }
}

/** The WIT `job` record as the bindings represent it (u64 as bigint). */
interface WitJob {
  name: string;
  schedule?: string;
  dueTime?: string;
  repeats?: number;
  ttl?: string;
  data: Uint8Array;
  failurePolicy?: { tag: "drop" } | { tag: "constant"; val: { intervalMs: bigint; maxRetries?: number } };
}

function u32(value: number | undefined, what: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new TypeError(`${what} must be an integer in 0..2^32-1, not ${value}`);
  }
  return value;
}

function witPolicy(policy: FailurePolicy | undefined): WitJob["failurePolicy"] {
  if (policy === undefined || policy === null) return undefined;
  if (policy.kind === "drop") return { tag: "drop" };
  if (policy.kind === "constant") {
    if (!Number.isSafeInteger(policy.intervalMs) || policy.intervalMs < 0) {
      throw new TypeError(`intervalMs must be a non-negative integer, not ${policy.intervalMs}`);
    }
    return { tag: "constant", val: { intervalMs: BigInt(policy.intervalMs), maxRetries: u32(policy.maxRetries, "maxRetries") } };
  }
  throw new TypeError(`a failure policy is {kind: "drop"} or {kind: "constant", ...}, not ${wit.describe(policy)}`);
}

/**
 * Schedules `job`. A job of the same name is replaced when `overwrite` is
 * true; otherwise {@link EtagMismatchError} (the name is taken).
 */
export function schedule(job: JobInit, options: { overwrite?: boolean } = {}): void {
  const witJob: WitJob = {
    name: job.name,
    schedule: job.schedule ?? undefined,
    dueTime: job.dueTime ?? undefined,
    repeats: u32(job.repeats, "repeats"),
    ttl: job.ttl ?? undefined,
    data: toBytes(job.data),
    failurePolicy: witPolicy(job.failurePolicy),
  };
  call(wit.jobs.schedule, witJob, options.overwrite ?? false);
}

/** The job `name` as scheduled; `undefined` if there is no such job. */
export function get(name: string): Job | undefined {
  const job = call(wit.jobs.get, name) as WitJob | undefined;
  return job === undefined || job === null ? undefined : new Job(job);
}

/** Deletes the job `name` (deleting a missing job succeeds). */
function deleteJob(name: string): void {
  call(wit.jobs.delete, name);
}
export { deleteJob as delete };
