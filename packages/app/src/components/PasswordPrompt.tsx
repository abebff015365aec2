/**
 * Shown when the server refuses the stream with 401: it has `TETHER_SERVER_PASSWORD` and this page
 * (e.g. the Vite dev server, which the browser's own Basic prompt does not cover) has no password yet.
 * The password is kept in this tab's sessionStorage only, then the page reloads with it.
 */
import { createSignal, type JSX } from "solid-js"

export const PASSWORD_KEY = "tether.password"

/** The password saved for this tab, if any. */
export const savedPassword = (): string | undefined => {
  try {
    return globalThis.sessionStorage?.getItem(PASSWORD_KEY) || undefined
  } catch {
    return undefined
  }
}

export const PasswordPrompt = (props: { readonly rejected: boolean }): JSX.Element => {
  const [value, setValue] = createSignal("")
  const submit = (event: SubmitEvent) => {
    event.preventDefault()
    if (value() === "") return
    sessionStorage.setItem(PASSWORD_KEY, value())
    location.reload()
  }
  return (
    <form class="password" onSubmit={submit}>
      <label for="server-password">
        {props.rejected ? "The saved password was refused. Server password" : "The server needs its password"}
      </label>
      <div class="actions">
        <input
          id="server-password"
          type="password"
          autocomplete="current-password"
          value={value()}
          onInput={(e) => setValue(e.currentTarget.value)}
          required
        />
        <button type="submit" class="button primary">
          Connect
        </button>
      </div>
    </form>
  )
}
