/**
 * Whether this runtime can share one event stream among tabs: it needs Web Locks (to choose the tab that
 * holds the stream, released by the browser when that tab closes or crashes), `BroadcastChannel` (to relay
 * to the others) and, for a password, `crypto.subtle` (to name the group without the password). Browsers
 * give all three in secure contexts (https, localhost); Node and Bun lack Web Locks.
 *
 * @module
 */

/** The slice of the Web Locks API the group uses. */
export interface LockManagerLike {
  request(
    name: string,
    options: { signal?: AbortSignal; steal?: boolean },
    callback: (lock: unknown) => Promise<unknown>,
  ): Promise<unknown>
}

/** The Web Locks manager when sharing can work here, else `undefined` (the caller falls back to its own stream). */
export function sharingLocks(needsDigest: boolean): LockManagerLike | undefined {
  const scope = globalThis as {
    navigator?: { locks?: LockManagerLike }
    BroadcastChannel?: unknown
    crypto?: { subtle?: { digest?: unknown } }
  }
  const locks = scope.navigator?.locks
  if (typeof locks?.request !== "function") return undefined
  if (typeof scope.BroadcastChannel !== "function") return undefined
  if (needsDigest && typeof scope.crypto?.subtle?.digest !== "function") return undefined
  return locks
}
