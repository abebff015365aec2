import { afterEach, describe, expect, test } from "bun:test"
import { listenForWake } from "./wake.ts"

// Bun has no window/document: the browser objects are stood in for by plain EventTargets,
// which is all the module touches.
const scope = globalThis as { window?: unknown; document?: unknown }

afterEach(() => {
  delete scope.window
  delete scope.document
})

describe("listenForWake", () => {
  test("does nothing (and does not throw) outside a browser", () => {
    const stop = listenForWake(() => {
      throw new Error("never")
    })
    stop()
  })

  test("online and visibilitychange to visible wake; hidden does not; stop removes the listeners", () => {
    const win = new EventTarget()
    const doc = Object.assign(new EventTarget(), { visibilityState: "hidden" })
    scope.window = win
    scope.document = doc
    let wakes = 0
    const stop = listenForWake(() => wakes++)
    win.dispatchEvent(new Event("online"))
    expect(wakes).toBe(1)
    doc.dispatchEvent(new Event("visibilitychange"))
    expect(wakes).toBe(1)
    doc.visibilityState = "visible"
    doc.dispatchEvent(new Event("visibilitychange"))
    expect(wakes).toBe(2)
    stop()
    win.dispatchEvent(new Event("online"))
    doc.dispatchEvent(new Event("visibilitychange"))
    expect(wakes).toBe(2)
  })
})
