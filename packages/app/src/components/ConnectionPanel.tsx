/**
 * The stream's true state: what the SDK reports, never a guess from a health poll.
 * Its root carries the `data-connection-state` test hook (the app README's "Test hooks").
 */
import { createMemo, For, type JSX, Show } from "solid-js"
import { measuredCadence } from "../context/connection-history.ts"
import { useServerSdk } from "../context/server-sdk.tsx"
import { createNow } from "../lib/clock.ts"
import { formatClock, formatDuration, secondsUntil } from "../lib/format.ts"
import { PasswordPrompt, savedPassword } from "./PasswordPrompt.tsx"
import { TimelinePlot } from "./TimelinePlot.tsx"

/** A heartbeat is overdue after this many intervals: one missed, with slack for timers and the network. */
const LATE_HEARTBEATS = 1.5

/** What the SDK's `status().role` means for this tab (`single` also when sharing is off). */
const ROLE_LABEL = {
  holder: "held by this tab, shared with the app's other tabs",
  follower: "shared from another tab of the app",
  single: "this tab's own",
} as const

const STATE_LABEL = {
  connecting: "Connecting",
  open: "Open",
  reconnecting: "Reconnecting",
  closed: "Closed",
} as const

export const ConnectionPanel = (): JSX.Element => {
  const sdk = useServerSdk()
  const now = createNow(250)
  const status = sdk.status
  const state = () => status().state
  const role = () => status().role ?? "single"

  const retryIn = () => {
    const at = status().nextRetryAt
    return state() === "reconnecting" && at !== undefined ? secondsUntil(at, now()) : undefined
  }
  const heartbeatAge = () => {
    const at = sdk.lastHeartbeatAt()
    return at === undefined ? undefined : Math.max(0, now() - at)
  }
  // The SDK calls an open stream stale only after 2.5 heartbeats of silence; until then the state stays
  // "open", so say as soon as one heartbeat is missing. Counted from the later of the last heartbeat and
  // the last connect, so a fresh connection is not "late" for its first heartbeat.
  const heartbeatLate = () => {
    const every = sdk.server().heartbeatMs
    if (state() !== "open" || every === undefined) return false
    const since = Math.max(sdk.lastHeartbeatAt() ?? 0, sdk.history().connects.at(-1) ?? 0)
    return since > 0 && now() - since > every * LATE_HEARTBEATS
  }
  const cadence = createMemo(() => measuredCadence(sdk.history()))
  // While the stream is not open, what the server said about itself may have changed (a restart, a new config).
  const lastKnown = () => state() !== "open"
  const transitions = createMemo(() => sdk.history().transitions.slice(-30).reverse())
  const unauthorized = () => {
    const error = status().error as { status?: unknown } | undefined
    return state() === "closed" && error?.status === 401
  }
  const errorText = () => {
    const error = status().error
    if (error === undefined) return undefined
    return error instanceof Error ? error.message : String(error)
  }

  return (
    <section
      class="panel connection"
      aria-labelledby="connection-title"
      data-connection-state={state()}
      data-stream-role={role()}
      data-heartbeat-ms={sdk.server().heartbeatMs ?? ""}
      data-measured-cadence-ms={cadence() === undefined ? "" : Math.round(cadence() as number)}
      data-heartbeat-late={heartbeatLate() ? "true" : "false"}
    >
      <header class="panel-header">
        <h2 id="connection-title">Connection</h2>
        <Show when={state() === "closed" || state() === "reconnecting"}>
          <button type="button" class="button" onClick={() => sdk.reconnect()}>
            Reconnect now
          </button>
        </Show>
      </header>

      <div class="state-line">
        <span class={`state-dot state-${state()}`} aria-hidden="true" />
        <strong role="status" aria-live="polite" aria-atomic="true" class="state-label">
          {STATE_LABEL[state()]}
        </strong>
        <Show when={retryIn() !== undefined}>
          <span class="countdown" data-retry-in={retryIn()}>
            in {retryIn()} s
          </span>
        </Show>
        <Show when={state() === "reconnecting" && retryIn() === undefined}>
          <span class="countdown">trying now…</span>
        </Show>
      </div>
      <Show when={errorText()}>
        <p class="state-reason">{errorText()}</p>
      </Show>
      <Show when={unauthorized()}>
        <PasswordPrompt rejected={savedPassword() !== undefined} />
      </Show>

      <dl class="facts">
        <div>
          <dt>Stream</dt>
          <dd data-field="stream-role">{ROLE_LABEL[role()]}</dd>
        </div>
        <div>
          <dt>Attempt</dt>
          <dd data-field="attempt">{status().attempt}</dd>
        </div>
        <div>
          <dt>Last heartbeat</dt>
          <dd data-field="heartbeat-age">
            {heartbeatAge() === undefined ? "none yet" : `${formatDuration(heartbeatAge() as number)} ago`}
            <Show when={heartbeatLate()}>
              <span class="warn"> · overdue</span>
            </Show>
          </dd>
        </div>
        <div>
          <dt>Heartbeat every</dt>
          <dd data-field="heartbeat-ms">
            {sdk.server().heartbeatMs === undefined
              ? "unknown"
              : formatDuration(sdk.server().heartbeatMs as number)}
            <Show
              when={!lastKnown()}
              fallback={
                <Show when={sdk.server().heartbeatMs !== undefined}>
                  <span class="muted"> (last known)</span>
                </Show>
              }
            >
              <Show when={cadence() !== undefined}>
                <span class="muted"> (measured {formatDuration(cadence() as number)})</span>
              </Show>
            </Show>
          </dd>
        </div>
        <div>
          <dt>Resume point</dt>
          <dd data-field="last-event-id" class="mono">
            {status().lastEventId ?? "none"}
          </dd>
        </div>
        <div>
          <dt>Server</dt>
          <dd data-field="server-version">
            {sdk.server().health ? `v${sdk.server().health?.version}` : "unknown"}
            <Show when={sdk.server().instance}>
              <span class="muted mono"> · {sdk.server().instance}</span>
            </Show>
            <Show when={lastKnown() && (sdk.server().health || sdk.server().instance)}>
              <span class="muted"> (last known)</span>
            </Show>
          </dd>
        </div>
        <div>
          <dt>Reconnects</dt>
          <dd data-field="reconnects">
            {sdk.history().reconnects}
            <Show when={sdk.server().resyncs > 0}>
              <span class="warn"> · {sdk.server().resyncs} resync (events missed, state refetched)</span>
            </Show>
          </dd>
        </div>
      </dl>

      <Show when={sdk.server().fetchError}>
        <p class="warn">Could not refresh the server state: {sdk.server().fetchError}</p>
      </Show>

      <TimelinePlot history={sdk.history} now={now} />

      <details class="history">
        <summary>Reconnect history ({sdk.history().transitions.length})</summary>
        <ol class="history-list" reversed>
          <For each={transitions()}>
            {(t) => (
              <li data-transition={t.to}>
                <time datetime={new Date(t.at).toISOString()}>{formatClock(t.at)}</time>{" "}
                <span class="mono">
                  {t.from ?? "start"} → {t.to}
                </span>
                <Show when={t.to === "reconnecting"}> (attempt {t.attempt})</Show>
                <Show when={t.reason}>
                  <span class="muted">: {t.reason}</span>
                </Show>
              </li>
            )}
          </For>
        </ol>
      </details>
    </section>
  )
}
