import { afterEach, expect, test } from "bun:test"
import { createRoot } from "solid-js"
import { createSessionSignal } from "./session-signal.ts"

afterEach(() => sessionStorage.clear())

test("starts from the default, then from what was saved in this tab", () => {
  createRoot((dispose) => {
    const [value, setValue] = createSessionSignal("t.filter", "")
    expect(value()).toBe("")
    setValue("e2e.")
    expect(value()).toBe("e2e.")
    dispose()
  })
  createRoot((dispose) => {
    const [value] = createSessionSignal("t.filter", "")
    expect(value()).toBe("e2e.")
    dispose()
  })
})

test("a corrupt saved value falls back to the default", () => {
  sessionStorage.setItem("t.flag", "{not json")
  createRoot((dispose) => {
    const [value] = createSessionSignal("t.flag", true)
    expect(value()).toBe(true)
    dispose()
  })
})
