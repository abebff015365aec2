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
      // The server's EventInvalid names the field at fault in `issues`: `type`, or `properties`
      // (the form sends nothing else). A refusal without one is shown under the button.
      const typeIssue = described.issues.find((i) => i.path === "type")
      const otherIssues = described.issues.filter((i) => i.path !== "type")
      if (typeIssue) setTypeError(typeIssue.message)
      if (otherIssues.length > 0) setPropertiesError(otherIssues.map((i) => i.message).join("; "))
      const atField = described.issues.length > 0
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
