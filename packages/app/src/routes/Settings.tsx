/**
 * `/settings`: the effective config, with `heartbeat_ms` editable through `PATCH /global/config`.
 * The server validates; its message is shown at the field, so the rules live in one place (core's schema).
 */
import { HEARTBEAT_MS } from "@tether/core/wire"
import { createEffect, createSignal, For, type JSX, onMount, Show } from "solid-js"
import { measuredCadence } from "../context/connection-history.ts"
import { useServerSdk } from "../context/server-sdk.tsx"
import { describeApiError, issueAt } from "../lib/api-error.ts"
import { formatDuration } from "../lib/format.ts"

const HEARTBEAT_PATH = "server.event_stream.heartbeat_ms"

/** Flattens a config into `[dotted.path, value]` rows for the read-only table. */
export const flattenConfig = (value: unknown, prefix = ""): [string, unknown][] => {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return [[prefix, value]]
  const rows: [string, unknown][] = []
  for (const [key, child] of Object.entries(value)) {
    rows.push(...flattenConfig(child, prefix === "" ? key : `${prefix}.${key}`))
  }
  return rows
}

/** What the heartbeat field sends: a number when the text is one, the text itself otherwise (the server says why). */
export const heartbeatInput = (text: string): number | string => {
  const trimmed = text.trim()
  return trimmed !== "" && Number.isFinite(Number(trimmed)) ? Number(trimmed) : trimmed
}

export const Settings = (): JSX.Element => {
  const sdk = useServerSdk()
  const [value, setValue] = createSignal("")
  const [dirty, setDirty] = createSignal(false)
  const [fieldError, setFieldError] = createSignal<string>()
  const [formMessage, setFormMessage] = createSignal<{ ok: boolean; text: string }>()
  const [saving, setSaving] = createSignal(false)
  let input!: HTMLInputElement

  onMount(() => {
    if (sdk.config() === undefined) void sdk.refetch()
  })

  // Show the server's value until the user starts typing; a change made elsewhere then shows up here too.
  createEffect(() => {
    const current = sdk.config()?.server.event_stream.heartbeat_ms
    if (current !== undefined && !dirty()) setValue(String(current))
  })

  const save = async (event: SubmitEvent) => {
    event.preventDefault()
    // The disabled button does not stop Enter in the field: one save at a time.
    if (saving()) return
    setFormMessage(undefined)
    const sent = heartbeatInput(value())
    if (sent === "") {
      setFieldError(`Enter a whole number of milliseconds from ${HEARTBEAT_MS.min} to ${HEARTBEAT_MS.max}.`)
      input.focus()
      return
    }
    setSaving(true)
    try {
      // The answer becomes sdk.config() before the field stops being dirty, so the field shows the saved value.
      const config = await sdk.updateConfig({ server: { event_stream: { heartbeat_ms: sent } } })
      setFieldError(undefined)
      setDirty(false)
      const saved = config?.server?.event_stream?.heartbeat_ms
      setFormMessage({
        ok: true,
        text: `Saved. The server now sends a heartbeat every ${formatDuration(saved ?? Number(sent))}.`,
      })
    } catch (error) {
      const described = describeApiError(error)
      const atField = issueAt(described, HEARTBEAT_PATH)
      if (atField !== undefined) {
        // The issue's message leaves the key out ("expected an integer from 1000 to 60000, got 500"): name it.
        setFieldError(`${HEARTBEAT_PATH}: ${atField}`)
        setFormMessage({ ok: false, text: "Not saved: the server refused the value." })
        input.focus()
      } else {
        // Not about the value (offline, 401, a config file broken elsewhere): the field is not to blame.
        setFieldError(undefined)
        setFormMessage({ ok: false, text: `Not saved: ${described.message}` })
      }
    } finally {
      setSaving(false)
    }
  }

  const cadence = () => measuredCadence(sdk.history())
  /** The heartbeat the server reported, after `lead`, or that none came yet. */
  const heartbeatText = (lead: string) => {
    const every = sdk.server().heartbeatMs
    return every === undefined ? "no heartbeat yet" : `${lead} ${formatDuration(every)}`
  }

  return (
    <div class="settings">
      <section class="panel" aria-labelledby="stream-settings-title">
        <h2 id="stream-settings-title">Event stream</h2>
        <form onSubmit={save} novalidate data-form="heartbeat">
          <div class="field">
            <label for="heartbeat-ms">Heartbeat interval (ms)</label>
            <input
              ref={input}
              id="heartbeat-ms"
              name="heartbeat_ms"
              type="number"
              inputmode="numeric"
              min={HEARTBEAT_MS.min}
              max={HEARTBEAT_MS.max}
              step="1"
              value={value()}
              onInput={(e) => {
                setDirty(true)
                setValue(e.currentTarget.value)
              }}
              aria-invalid={fieldError() !== undefined}
              aria-describedby={fieldError() ? "heartbeat-ms-hint heartbeat-ms-error" : "heartbeat-ms-hint"}
            />
            <p id="heartbeat-ms-hint" class="hint">
              How often the server sends <code>server.heartbeat</code> on every open stream:{" "}
              {HEARTBEAT_MS.min}–{HEARTBEAT_MS.max}, default {HEARTBEAT_MS.default}. Applies to open streams
              at once.
            </p>
            <Show when={fieldError()}>
              <p id="heartbeat-ms-error" class="field-error" role="alert" data-field-error={HEARTBEAT_PATH}>
                {fieldError()}
              </p>
            </Show>
          </div>
          <div class="actions">
            <button type="submit" class="button primary" disabled={saving()}>
              {saving() ? "Saving…" : "Save"}
            </button>
            <output class={formMessage()?.ok === false ? "field-error" : "ok"} aria-live="polite">
              {formMessage()?.text}
            </output>
          </div>
        </form>
        <p class="muted" data-field="live-cadence">
          <Show
            when={sdk.status().state === "open"}
            fallback={
              // Down, the last value the server reported may no longer be true: say both.
              <>
                Stream {sdk.status().state}: {heartbeatText("last reported heartbeat every")}
              </>
            }
          >
            Live stream: {heartbeatText("heartbeat every")}
            <Show when={cadence() !== undefined}> (measured {formatDuration(cadence() as number)})</Show>
          </Show>
        </p>
      </section>

      <section class="panel" aria-labelledby="config-title">
        <header class="panel-header">
          <h2 id="config-title">Effective config</h2>
          <button type="button" class="button" onClick={() => void sdk.refetch()}>
            Refresh
          </button>
        </header>
        <Show when={sdk.config()} fallback={<p class="muted">{sdk.server().fetchError ?? "Loading…"}</p>}>
          {(config) => (
            <table class="config-table">
              <thead>
                <tr>
                  <th scope="col">Key</th>
                  <th scope="col">Value</th>
                </tr>
              </thead>
              <tbody>
                <For each={flattenConfig(config())}>
                  {([key, v]) => (
                    <tr>
                      <th scope="row" class="mono">
                        {key}
                      </th>
                      <td class="mono" data-config-key={key}>
                        {JSON.stringify(v)}
                      </td>
                    </tr>
                  )}
                </For>
              </tbody>
            </table>
          )}
        </Show>
      </section>
    </div>
  )
}
