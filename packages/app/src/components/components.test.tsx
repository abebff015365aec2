/**
 * The panel and the log rendered into happy-dom inside the real provider and SDK client; only the
 * network (scripted fetch) and animation frames (stepped by hand) are doubles.
 */
import { afterEach, describe, expect, test } from "bun:test"
import { createTetherClient } from "@tether/sdk"
import type { JSX } from "solid-js"
import { render } from "solid-js/web"
import { CONFIG, manualFrames, scriptedServer, settle } from "../../test/helpers/scripted-server.ts"
import { ServerSdkProvider } from "../context/server-sdk.tsx"
import { Settings } from "../routes/Settings.tsx"
import { ConnectionPanel } from "./ConnectionPanel.tsx"
import { EventLog } from "./EventLog.tsx"
import { PublishForm, parseProperties } from "./PublishForm.tsx"

const cleanups: (() => void)[] = []
afterEach(() => {
  for (const fn of cleanups.splice(0)) fn()
  sessionStorage.clear()
})

const mount = async (ui: () => JSX.Element, now?: () => number) => {
  const server = scriptedServer()
  const frames = manualFrames()
  const root = document.createElement("div")
  document.body.append(root)
  const dispose = render(
    () => (
      <ServerSdkProvider
        client={createTetherClient({ baseUrl: "http://127.0.0.1:4096", fetch: server.fetch })}
        scheduler={frames.scheduler}
        {...(now ? { now } : {})}
      >
        {ui()}
      </ServerSdkProvider>
    ),
    root,
  )
  cleanups.push(() => {
    dispose()
    root.remove()
  })
  await settle(() => server.streams.length === 1)
  /** Sends frames, waits for the SDK to deliver them, applies the frame. */
  const deliver = async (send: () => void) => {
    send()
    await settle(() => frames.pending() > 0)
    await settle()
    frames.frame()
  }
  return { server, frames, root, deliver }
}

describe("ConnectionPanel", () => {
  test("shows connecting, then open with the server's heartbeat", async () => {
    const { server, root, deliver } = await mount(() => <ConnectionPanel />)
    const panel = () => root.querySelector("[data-connection-state]") as HTMLElement
    expect(panel().dataset.connectionState).toBe("connecting")
    await deliver(() => {
      server.connect(1000)
      server.send("server.heartbeat", { heartbeat_ms: 1000 }, "")
    })
    expect(panel().dataset.connectionState).toBe("open")
    expect(panel().dataset.heartbeatMs).toBe("1000")
    // A client without shareAcrossTabs (as here) has a stream of its own.
    expect(panel().dataset.streamRole).toBe("single")
    expect(root.querySelector("[data-field='stream-role']")?.textContent).toBe("this tab's own")
    expect(root.querySelector("[role='status']")?.textContent).toBe("Open")
    expect(root.querySelector("[data-field='heartbeat-ms']")?.textContent).toContain("1.0 s")
    expect(root.querySelector("[data-field='heartbeat-age']")?.textContent).toMatch(/ms ago|s ago/)
    expect(root.textContent).not.toContain("last known")
    // It shows where a new stream would resume (the SDK's resume point), not the newest event seen.
    const resume = root.querySelector("[data-field='last-event-id']")
    expect(resume?.previousElementSibling?.textContent).toBe("Resume point")
  })

  /** The panel on a provider whose clock runs `clock.offset` ms behind: frames land "that long ago". */
  const mountPanelWithClock = async () => {
    const clock = { offset: 0 }
    const { server, root, deliver } = await mount(
      () => <ConnectionPanel />,
      () => Date.now() - clock.offset,
    )
    const panel = () => root.querySelector("[data-connection-state]") as HTMLElement
    const age = () => root.querySelector("[data-field='heartbeat-age']")?.textContent ?? ""
    return { server, deliver, panel, age, clock }
  }

  test("an open stream whose heartbeat is overdue says so before the SDK's watchdog gives up on it", async () => {
    const { server, deliver, panel, age, clock } = await mountPanelWithClock()
    // The connect and the last heartbeat were received 1.8 s ago: one heartbeat is missing, yet the
    // stream is still "open" (the SDK gives up on it after 2.5 s).
    clock.offset = 1800
    await deliver(() => {
      server.connect(1000)
      server.send("server.heartbeat", { heartbeat_ms: 1000 }, "")
    })
    await settle(() => panel().dataset.heartbeatLate === "true", 1000)
    expect(panel().dataset.connectionState).toBe("open")
    expect(panel().dataset.heartbeatLate).toBe("true")
    expect(age()).toContain("overdue")
    // A heartbeat now: on time again.
    clock.offset = 0
    await deliver(() => server.send("server.heartbeat", { heartbeat_ms: 1000 }, ""))
    await settle(() => panel().dataset.heartbeatLate === "false", 1000)
    expect(panel().dataset.heartbeatLate).toBe("false")
    expect(age()).not.toContain("overdue")
  })

  test("a heartbeat raised by config.updated is not called overdue during the first, longer gap", async () => {
    const { server, deliver, panel, age, clock } = await mountPanelWithClock()
    // The last 1 s heartbeat and the raise to 10 s arrived 1.8 s ago. At the old interval that silence is
    // overdue (the test above); the server's next heartbeat comes 10 s after its last one.
    clock.offset = 1800
    await deliver(() => {
      server.connect(1000)
      server.send("server.heartbeat", { heartbeat_ms: 1000 }, "")
      server.send("config.updated", {
        config: {
          ...CONFIG,
          server: { ...CONFIG.server, event_stream: { ...CONFIG.server.event_stream, heartbeat_ms: 10_000 } },
        },
        changed: ["server.event_stream.heartbeat_ms"],
      })
    })
    // Judge only once the panel's own clock has ticked past the 1.8 s of silence.
    await settle(() => Number.parseFloat(age()) >= 1.8, 3000)
    expect(Number.parseFloat(age())).toBeGreaterThanOrEqual(1.8)
    expect(panel().dataset.connectionState).toBe("open")
    expect(panel().dataset.heartbeatLate).toBe("false")
    expect(age()).not.toContain("overdue")
    expect(panel().dataset.heartbeatMs).toBe("10000")
  })

  test("the timeline's legend names every state it draws a band for", async () => {
    const { root } = await mount(() => <ConnectionPanel />)
    const legend = [...root.querySelectorAll(".legend .key")].map((k) => k.textContent)
    for (const state of ["connecting", "open", "reconnecting", "closed"]) expect(legend).toContain(state)
  })

  test("a dropped stream shows reconnecting with a countdown and a reconnect button", async () => {
    const { server, root, deliver, frames } = await mount(() => <ConnectionPanel />)
    await deliver(() => server.connect(1000))
    server.end()
    await settle(() => frames.pending() > 0)
    frames.frame()
    const panel = root.querySelector("[data-connection-state]") as HTMLElement
    expect(panel.dataset.connectionState).toBe("reconnecting")
    const countdown = root.querySelector("[data-retry-in]") as HTMLElement
    expect(countdown).not.toBeNull()
    expect(Number(countdown.dataset.retryIn)).toBeGreaterThanOrEqual(0)
    expect(countdown.textContent).toMatch(/^in \d+ s$/)
    expect(root.querySelector("[data-field='reconnects']")?.textContent).toContain("1")
    // What the server said while it was connected may have changed since: the panel says it is the last known.
    expect(root.querySelector("[data-field='heartbeat-ms']")?.textContent).toContain("1.0 s (last known)")
    expect(root.querySelector("[data-field='server-version']")?.textContent).toContain("(last known)")
    const button = [...root.querySelectorAll("button")].find((b) => b.textContent === "Reconnect now")
    expect(button).toBeDefined()
    // "Reconnect now" opens a new stream at once, without waiting for the backoff.
    const before = server.streams.length
    button?.click()
    await settle(() => server.streams.length > before)
    expect(server.streams.length).toBe(before + 1)
  })
})

describe("EventLog", () => {
  test("renders only the rows in view, with the test hooks, however many events arrive", async () => {
    const { server, root, deliver } = await mount(() => <EventLog />)
    await deliver(() => {
      server.connect()
      for (let n = 0; n < 5000; n++) server.send("load.tick", { n })
    })
    expect(root.querySelector("[data-total]")?.getAttribute("data-total")).toBe("5001")
    const rows = root.querySelectorAll("[data-event-id]")
    expect(rows.length).toBeGreaterThan(5)
    expect(rows.length).toBeLessThan(60)
    const first = rows[0] as HTMLElement
    expect(first.dataset.eventType).toBe("server.connected")
    expect(first.dataset.eventId).toBe("")
    expect((rows[1] as HTMLElement).dataset.eventId).toBe("1")
    // The spacer keeps the full height, so the scrollbar tells the log's true size.
    expect((root.querySelector(".spacer") as HTMLElement).style.height).toBe(`${5001 * 32}px`)
  })

  test("filters by type and hides heartbeats by default", async () => {
    const { server, root, deliver } = await mount(() => <EventLog />)
    await deliver(() => {
      server.connect()
      server.send("server.heartbeat", { heartbeat_ms: 1000 }, "")
      server.send("build.started", {})
      server.send("test.ping", {})
      server.send("build.finished", {})
    })
    const types = () =>
      [...root.querySelectorAll("[data-event-type]")].map((r) => r.getAttribute("data-event-type"))
    expect(types()).toEqual(["server.connected", "build.started", "test.ping", "build.finished"])
    const input = root.querySelector("input[type='search']") as HTMLInputElement
    input.value = "BUILD."
    input.dispatchEvent(new Event("input", { bubbles: true }))
    expect(types()).toEqual(["build.started", "build.finished"])
    const hide = root.querySelector("input[type='checkbox']") as HTMLInputElement
    input.value = ""
    input.dispatchEvent(new Event("input", { bubbles: true }))
    hide.click()
    expect(types()).toContain("server.heartbeat")
  })

  test("pause freezes the rows and counts what arrives; resume shows it", async () => {
    const { server, root, deliver } = await mount(() => <EventLog />)
    await deliver(() => {
      server.connect()
      server.send("test.ping", { n: 1 })
    })
    const pause = [...root.querySelectorAll("button")].find(
      (b) => b.textContent === "Pause",
    ) as HTMLButtonElement
    pause.click()
    expect(pause.getAttribute("aria-pressed")).toBe("true")
    await deliver(() => {
      server.send("test.ping", { n: 2 })
      server.send("test.ping", { n: 3 })
    })
    const ids = () =>
      [...root.querySelectorAll("[data-event-type='test.ping']")].map((r) => r.getAttribute("data-event-id"))
    expect(ids()).toEqual(["1"])
    expect(root.textContent).toContain("Paused · 2 new")
    // The live region says "Paused" once; the count that changes with every frame is not announced.
    const live = [...root.querySelectorAll("[role='status']")].map((el) => el.textContent)
    expect(live).toEqual(["Paused"])
    pause.click()
    expect(ids()).toEqual(["1", "2", "3"])
  })

  test("while paused, the filter still applies to the frozen rows", async () => {
    const { server, root, deliver } = await mount(() => <EventLog />)
    await deliver(() => {
      server.connect()
      server.send("build.started", {})
      server.send("test.ping", {})
    })
    const pause = [...root.querySelectorAll("button")].find(
      (b) => b.textContent === "Pause",
    ) as HTMLButtonElement
    pause.click()
    await deliver(() => server.send("build.finished", {}))
    type(root.querySelector("input[type='search']"), "build.")
    const types = () =>
      [...root.querySelectorAll("[data-event-type]")].map((r) => r.getAttribute("data-event-type"))
    // The snapshot stays frozen (no build.finished), but what it shows follows the filter.
    expect(types()).toEqual(["build.started"])
    pause.click()
    expect(types()).toEqual(["build.started", "build.finished"])
  })

  test("a clicked row shows the whole event", async () => {
    const { server, root, deliver } = await mount(() => <EventLog />)
    await deliver(() => {
      server.connect()
      server.send("test.ping", { hello: "world" })
    })
    const row = root.querySelector("[data-event-id='1']") as HTMLElement
    row.click()
    expect(row.getAttribute("aria-selected")).toBe("true")
    expect(root.querySelector(".detail pre")?.textContent).toContain('"hello": "world"')
  })

  test("an event nested far deeper than the engine's stack shows, elided, and the log goes on", async () => {
    const { server, root, deliver } = await mount(() => <EventLog />)
    // Written as text: the scripted server's JSON.stringify would overflow on it too.
    const levels = 100_000
    const properties = `${'{"a":'.repeat(levels)}1${"}".repeat(levels)}`
    await deliver(() => {
      server.connect()
      server.streams
        .at(-1)
        ?.controller.enqueue(
          new TextEncoder().encode(
            `id: 1\ndata: {"id":"1","type":"test.deep","properties":${properties},"time":1}\n\n`,
          ),
        )
    })
    const row = root.querySelector("[data-event-id='1']") as HTMLElement
    expect(row.querySelector(".row-props")?.textContent).toStartWith('{"a":{"a":{"a":')
    row.click()
    const detail = root.querySelector(".detail pre")?.textContent ?? ""
    expect(detail).toStartWith('{\n  "id": "1",\n  "type": "test.deep",\n  "properties": {\n    "a": {')
    expect(detail).toContain("{…}")
    expect(root.querySelector(".detail")?.textContent).toContain("Nested deeper than 64 levels")
    await deliver(() => server.send("test.after", { ok: true }, "2"))
    expect(root.querySelector("[data-event-type='test.after']")).not.toBeNull()
  })
})

/** Types into an input the way a user does: value, then an input event. */
const type = (el: Element | null, value: string) => {
  const input = el as HTMLInputElement | HTMLTextAreaElement
  input.value = value
  input.dispatchEvent(new Event("input", { bubbles: true }))
}
const submit = (form: Element | null) =>
  (form as HTMLFormElement).dispatchEvent(new Event("submit", { bubbles: true, cancelable: true }))

describe("EventLog accessibility", () => {
  test("the listbox's active descendant is always a row in the DOM", async () => {
    const { server, root, deliver } = await mount(() => <EventLog />)
    await deliver(() => {
      server.connect()
      server.send("build.started", {})
      server.send("test.ping", {})
    })
    ;(root.querySelector("[data-event-id='1']") as HTMLElement).click()
    const listbox = root.querySelector("[role='listbox']") as HTMLElement
    const active = () => listbox.getAttribute("aria-activedescendant")
    expect(active()).not.toBeNull()
    expect(root.querySelector(`#${active()}`)).not.toBeNull()
    // The selected row is filtered out of view: nothing may point at it any more.
    type(root.querySelector("input[type='search']"), "test.")
    expect(root.querySelector("[data-event-id='1']")).toBeNull()
    const id = active()
    expect(id === null || root.querySelector(`#${id}`) !== null).toBe(true)
  })
})

describe("Settings", () => {
  test("shows the server's value, saves a valid one, shows the server's message at the field for an invalid one", async () => {
    const { server, root, deliver } = await mount(() => <Settings />)
    await deliver(() => server.connect(1000))
    const input = () => root.querySelector("#heartbeat-ms") as HTMLInputElement
    await settle(() => input().value === "1000")
    expect(input().value).toBe("1000")
    expect(root.querySelector("[data-config-key='server.event_stream.heartbeat_ms']")?.textContent).toBe(
      "1000",
    )

    type(input(), "500")
    submit(root.querySelector("form[data-form='heartbeat']"))
    await settle(() => root.querySelector("[data-field-error]") !== null)
    const error = root.querySelector("[data-field-error]") as HTMLElement
    expect(error.dataset.fieldError).toBe("server.event_stream.heartbeat_ms")
    expect(error.textContent).toBe(
      "server.event_stream.heartbeat_ms: expected an integer from 1000 to 60000, got 500",
    )
    expect(input().getAttribute("aria-invalid")).toBe("true")
    expect(input().getAttribute("aria-describedby")).toContain("heartbeat-ms-error")

    type(input(), "2500")
    submit(root.querySelector("form[data-form='heartbeat']"))
    await settle(() => root.querySelector("[data-field-error]") === null)
    expect(root.querySelector("[data-field-error]")).toBeNull()
    expect(input().getAttribute("aria-invalid")).toBe("false")
    await settle(() => (root.querySelector("output")?.textContent ?? "").startsWith("Saved"))
    expect(root.querySelector("output")?.textContent).toBe(
      "Saved. The server now sends a heartbeat every 2.5 s.",
    )
    expect(server.calls.filter((c) => c === "PATCH /global/config")).toHaveLength(2)
  })

  test("a saved value is shown at once, even when the stream is down and no config.updated comes", async () => {
    const { server, root, deliver } = await mount(() => <Settings />)
    await deliver(() => server.connect(1000))
    const input = () => root.querySelector("#heartbeat-ms") as HTMLInputElement
    await settle(() => input().value === "1000")
    // No config.updated will arrive on this stream: only the PATCH answer tells the new value.
    type(input(), "2500")
    submit(root.querySelector("form[data-form='heartbeat']"))
    await settle(() => (root.querySelector("output")?.textContent ?? "").startsWith("Saved"))
    await settle()
    expect(input().value).toBe("2500")
    expect(root.querySelector("[data-config-key='server.event_stream.heartbeat_ms']")?.textContent).toBe(
      "2500",
    )
  })

  test("a failed request is reported on the form, not blamed on the field", async () => {
    const { server, root, deliver } = await mount(() => <Settings />)
    await deliver(() => server.connect(1000))
    const input = () => root.querySelector("#heartbeat-ms") as HTMLInputElement
    await settle(() => input().value === "1000")
    server.setOffline(true)
    type(input(), "2000")
    submit(root.querySelector("form[data-form='heartbeat']"))
    const output = () => root.querySelector("output")?.textContent ?? ""
    await settle(() => output().startsWith("Not saved"))
    expect(output()).toStartWith("Not saved: ")
    expect(output()).toContain("Failed to fetch")
    expect(root.querySelector("[data-field-error]")).toBeNull()
    expect(input().getAttribute("aria-invalid")).toBe("false")
    expect(input().value).toBe("2000")
  })

  test("the live cadence line does not claim a live stream while it is down", async () => {
    const { server, root, deliver, frames } = await mount(() => <Settings />)
    await deliver(() => {
      server.connect(1000)
      server.send("server.heartbeat", { heartbeat_ms: 1000 }, "")
    })
    const line = () => root.querySelector("[data-field='live-cadence']")?.textContent ?? ""
    expect(line()).toBe("Live stream: heartbeat every 1.0 s")
    server.end()
    await settle(() => frames.pending() > 0)
    frames.frame()
    expect(line()).toStartWith("Stream reconnecting: ")
    expect(line()).toContain("last reported heartbeat every 1.0 s")
  })

  test("Enter pressed twice while saving sends one PATCH", async () => {
    const { server, root, deliver } = await mount(() => <Settings />)
    await deliver(() => server.connect(1000))
    type(root.querySelector("#heartbeat-ms"), "2000")
    submit(root.querySelector("form[data-form='heartbeat']"))
    submit(root.querySelector("form[data-form='heartbeat']"))
    await settle(() => (root.querySelector("output")?.textContent ?? "").startsWith("Saved"))
    await settle()
    expect(server.calls.filter((c) => c === "PATCH /global/config")).toHaveLength(1)
  })

  test("an empty field is refused here, without a request", async () => {
    const { server, root, deliver } = await mount(() => <Settings />)
    await deliver(() => server.connect(1000))
    type(root.querySelector("#heartbeat-ms"), "")
    submit(root.querySelector("form[data-form='heartbeat']"))
    expect(root.querySelector("[data-field-error]")?.textContent).toContain("from 1000 to 60000")
    expect(server.calls).not.toContain("PATCH /global/config")
  })
})

describe("PublishForm", () => {
  test("publishes the type and properties and shows the id", async () => {
    const { server, root } = await mount(() => <PublishForm />)
    type(root.querySelector("#publish-type"), "deploy.done")
    type(root.querySelector("#publish-properties"), '{"ok": true}')
    submit(root.querySelector("form"))
    await settle(() => server.published.length === 1)
    expect(server.published).toEqual([{ type: "deploy.done", properties: { ok: true } }])
    await settle(() => (root.querySelector("output")?.textContent ?? "") !== "")
    expect(root.querySelector("output")?.textContent).toBe("Published deploy.done as id p1")
  })

  test("Enter pressed twice while a publish is in flight sends it once", async () => {
    const { server, root } = await mount(() => <PublishForm />)
    submit(root.querySelector("form"))
    submit(root.querySelector("form"))
    await settle(() => (root.querySelector("output")?.textContent ?? "") !== "")
    await settle()
    expect(server.published).toHaveLength(1)
  })

  test("bad properties are shown at their field and nothing is sent", async () => {
    const { server, root } = await mount(() => <PublishForm />)
    type(root.querySelector("#publish-properties"), "[1, 2]")
    submit(root.querySelector("form"))
    expect(root.querySelector("#publish-properties-error")?.textContent).toContain("must be a JSON object")
    expect(root.querySelector("#publish-properties")?.getAttribute("aria-invalid")).toBe("true")
    expect(server.published).toEqual([])
  })

  test("the server's refusal is shown at the field it names", async () => {
    const { server, root } = await mount(() => <PublishForm />)
    type(root.querySelector("#publish-type"), "server.fake")
    submit(root.querySelector("form"))
    await settle(() => root.querySelector("#publish-type-error") !== null)
    expect(root.querySelector("#publish-type-error")?.textContent).toBe(
      'type: "server.fake" is reserved for the server\'s own events',
    )
    expect(root.querySelector("#publish-type")?.getAttribute("aria-invalid")).toBe("true")
    expect(root.querySelector("#publish-properties")?.getAttribute("aria-invalid")).toBe("false")
    expect(root.querySelector("output")?.textContent).toBe("Not published: the server refused it.")
    expect(server.published).toEqual([])
  })

  test("parseProperties explains what is wrong", () => {
    expect(parseProperties("")).toEqual({ ok: true, value: {} })
    expect(parseProperties('{"a":1}')).toEqual({ ok: true, value: { a: 1 } })
    const broken = parseProperties("{a:1}")
    expect(broken.ok).toBe(false)
    expect(broken.ok ? "" : broken.message).toStartWith("Not valid JSON:")
    expect(parseProperties("null")).toEqual({
      ok: false,
      message: 'Properties must be a JSON object like {"key": "value"}, got null',
    })
  })
})
