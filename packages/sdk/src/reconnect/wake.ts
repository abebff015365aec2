/**
 * Browser signals that a waiting reconnect should happen now: the network came back (`online`) or the
 * page became visible again (`visibilitychange`), typically after a laptop slept.
 *
 * @module
 */

interface WakeTarget {
  addEventListener(type: string, listener: () => void): void
  removeEventListener(type: string, listener: () => void): void
}

/**
 * Calls `onWake` on `online` and on `visibilitychange` to visible. Does nothing outside a browser
 * (Bun, Node, workers without `document`). Returns the function that removes the listeners.
 */
export function listenForWake(onWake: () => void): () => void {
  const scope = globalThis as {
    window?: WakeTarget
    document?: WakeTarget & { visibilityState?: string }
  }
  const win = scope.window
  const doc = scope.document
  const cleanups: (() => void)[] = []
  if (win && typeof win.addEventListener === "function") {
    const online = () => onWake()
    win.addEventListener("online", online)
    cleanups.push(() => win.removeEventListener("online", online))
  }
  if (doc && typeof doc.addEventListener === "function") {
    const visibility = () => {
      if (doc.visibilityState === "visible") onWake()
    }
    doc.addEventListener("visibilitychange", visibility)
    cleanups.push(() => doc.removeEventListener("visibilitychange", visibility))
  }
  return () => {
    for (const cleanup of cleanups.splice(0)) cleanup()
  }
}
