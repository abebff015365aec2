/**
 * Publishes a test event through `POST /global/event`, the way an integration would. The event then
 * comes back through the stream like any other: a quick end-to-end check from the browser.
 */
import { createSignal, type JSX, Show } from "solid-js"
import { useServerSdk } from "../context/server-sdk.tsx"
import { describeApiError } from "../lib/api-error.ts"

/** Parses the properties field: a JSON object, or a message that says what is wrong. */
export const parseProperties = (
  text: string,
): { ok: true; value: Record<string, unknown> } | { ok: false; message: string } => {
  if (text.trim() === "") return { ok: true, value: {} }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    return { ok: false, message: `Not valid JSON: ${error instanceof Error ? error.message : String(error)}` }
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return {
      ok: false,
      message: `Properties must be a JSON object like {"key": "value"}, got ${JSON.stringify(value)}`,
    }
  }
  return { ok: true, value: value as Record<string, unknown> }
}

/**
 * Which field a server refusal is about. The server's `EventInvalid` has no issue list; its message starts
 * with the field (`type: …`, `properties: …`, `properties are 2000000 bytes…`).
 */
export const refusedField = (name: string, message: string): "type" | "properties" | undefined => {
  if (name !== "EventInvalid") return undefined
  if (/^type\b/.test(message)) return "type"
  if (/^properties\b/.test(message)) return "properties"
  return undefined
}

export const PublishForm = (): JSX.Element => {
  const sdk = useServerSdk()
  const [type, setType] = createSignal("test.ping")
  const [properties, setProperties] = createSignal('{"hello": "world"}')
  const [typeError, setTypeError] = createSignal<string>()
  const [propertiesError, setPropertiesError] = createSignal<string>()
  const [result, setResult] = createSignal<{ ok: boolean; text: string }>()
  const [busy, setBusy] = createSignal(false)

  const submit = async (event: SubmitEvent) => {
    event.preventDefault()
    // The disabled button does not stop Enter in a field: one publish at a time.
    if (busy()) return
    setResult(undefined)
    const eventType = type().trim()
    setTypeError(eventType === "" ? "Enter an event type, e.g. test.ping" : undefined)
    const parsed = parseProperties(properties())
    setPropertiesError(parsed.ok ? undefined : parsed.message)
    if (eventType === "" || !parsed.ok) return
    setBusy(true)
    try {
      const answer = await sdk.client.global.event.publish({ type: eventType, properties: parsed.value })
      setResult({ ok: true, text: `Published ${eventType} as id ${answer.id}` })
    } catch (error) {
      const described = describeApiError(error)
      const issue = described.issues.find((i) => i.path === "type")
      const field = refusedField(described.name, described.message)
      if (issue) setTypeError(issue.message)
      else if (described.issues.length > 0)
        setPropertiesError(described.issues.map((i) => i.message).join("; "))
      else if (field === "type") setTypeError(described.message)
      else if (field === "properties") setPropertiesError(described.message)
      const atField = issue !== undefined || described.issues.length > 0 || field !== undefined
      setResult({ ok: false, text: atField ? "Not published: the server refused it." : described.message })
    } finally {
      setBusy(false)
    }
  }

  return (
    <section class="panel publish" aria-labelledby="publish-title">
      <h2 id="publish-title">Publish a test event</h2>
      <form onSubmit={submit} novalidate>
        <div class="field">
          <label for="publish-type">Type</label>
          <input
            id="publish-type"
            name="type"
            value={type()}
            onInput={(e) => setType(e.currentTarget.value)}
            aria-invalid={typeError() !== undefined}
            aria-describedby={typeError() ? "publish-type-error" : undefined}
            autocomplete="off"
            spellcheck={false}
          />
          <Show when={typeError()}>
            <p id="publish-type-error" class="field-error">
              {typeError()}
            </p>
          </Show>
        </div>
        <div class="field">
          <label for="publish-properties">Properties (JSON object)</label>
          <textarea
            id="publish-properties"
            name="properties"
            rows="3"
            value={properties()}
            onInput={(e) => setProperties(e.currentTarget.value)}
            aria-invalid={propertiesError() !== undefined}
            aria-describedby={propertiesError() ? "publish-properties-error" : undefined}
            spellcheck={false}
          />
          <Show when={propertiesError()}>
            <p id="publish-properties-error" class="field-error">
              {propertiesError()}
            </p>
          </Show>
        </div>
        <div class="actions">
          <button type="submit" class="button primary" disabled={busy()}>
            {busy() ? "Publishing…" : "Publish"}
          </button>
          <output class={result()?.ok === false ? "field-error" : "muted"} aria-live="polite">
            {result()?.text}
          </output>
        </div>
      </form>
    </section>
  )
}
