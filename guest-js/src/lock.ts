/**
 * Distributed locks with a lease (Dapr's distributed lock building block).
 * @module
 */

import * as wit from "./wit.js";
import { call } from "./wit.js";

/**
 * The outcome of {@link unlock}: `success` (released), `lock-does-not-exist`
 * (nobody holds it, or its lease expired), `lock-belongs-to-others` (left
 * alone).
 */
export type UnlockStatus = "success" | "lock-does-not-exist" | "lock-belongs-to-others";

/**
 * Takes the lock `resourceId` for `owner` for `expiryInSeconds`; `false` if
 * someone else holds it. Never waits.
 */
export function tryLock(store: string, resourceId: string, owner: string, expiryInSeconds: number): boolean {
  if (!Number.isInteger(expiryInSeconds) || expiryInSeconds < 0 || expiryInSeconds > 0xffffffff) {
    throw new TypeError(`expiryInSeconds must be an integer in 0..2^32-1, not ${expiryInSeconds}`);
  }
  return call(wit.lock.tryLock, store, resourceId, owner, expiryInSeconds);
}

/** Releases the lock `resourceId` if `owner` holds it. */
export function unlock(store: string, resourceId: string, owner: string): UnlockStatus {
  return call(wit.lock.unlock, store, resourceId, owner);
}
