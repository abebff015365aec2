/**
 * The live event log. Virtualised: only the rows in view (plus a small margin) are in the DOM, so a log
 * of 100 000 events scrolls and updates as fast as one of 100. Each rendered row carries the
 * `data-event-id` and `data-event-type` test hooks (the app README's "Test hooks").
 */
import {
  createEffect,
  createMemo,
  createSignal,
  For,
  type JSX,
  on,
  onCleanup,
  onMount,
  Show,
  untrack,
} from "solid-js"
import { at, slice } from "../context/chunked-list.ts"
import {
  type EventLogState,
  indexOfSeq,
  knownTypes,
  type LogEntry,
  type LogView,
  updateView,
} from "../context/event-log.ts"
import { useServerSdk } from "../context/server-sdk.tsx"
import { boundedJson, formatClock, MAX_SHOWN_DEPTH, previewJson } from "../lib/format.ts"
import { createSessionSignal } from "../lib/session-signal.ts"

const ROW_HEIGHT = 32
const OVERSCAN = 8

export const EventLog = (): JSX.Element => {
  const sdk = useServerSdk()
  const [typeFilter, setTypeFilter] = createSessionSignal("tether.log.type", "")
  const [hideHeartbeats, setHideHeartbeats] = createSessionSignal("tether.log.hideHeartbeats", true)
  const [paused, setPaused] = createSignal(false)
  // The log as it was when paused: log states are immutable, so keeping this version is the whole snapshot,
  // and the filter still applies to it.
  const [frozen, setFrozen] = createSignal<EventLogState>()
  const [scrollTop, setScrollTop] = createSignal(0)
  const [viewportHeight, setViewportHeight] = createSignal(400)
  const [selected, setSelected] = createSignal<LogEntry>()
  let viewport!: HTMLDivElement
  // Follow new events while the user is at the bottom; stop following once they scroll up to read.
  let stickToBottom = true

  // Incremental: each frame only filters the events that arrived, whatever the log's size.
  const view = createMemo<LogView | undefined>((previous) =>
    updateView(previous, frozen() ?? sdk.log(), { type: typeFilter(), hideHeartbeats: hideHeartbeats() }),
  )
  const shown = (): LogView => view() as LogView
  const newWhilePaused = () => {
    const f = frozen()
    return f ? sdk.log().total - f.total : 0
  }
  const types = createMemo(() => knownTypes(sdk.log()))

  const togglePause = () => {
    if (paused()) {
      setFrozen(undefined)
      setPaused(false)
    } else {
      setFrozen(untrack(sdk.log))
      setPaused(true)
    }
  }

  const range = createMemo(() => {
    const count = shown().list.length
    const first = Math.max(0, Math.floor(scrollTop() / ROW_HEIGHT) - OVERSCAN)
    const last = Math.min(count, Math.ceil((scrollTop() + viewportHeight()) / ROW_HEIGHT) + OVERSCAN)
    return { first, last }
  })
  const visible = createMemo(() => {
    const { first, last } = range()
    return slice(shown().list, first, last).map((entry, i) => ({ entry, index: first + i }))
  })

  // Only a rendered row can be the active descendant: the selected one may be scrolled or filtered away.
  const activeDescendant = () => {
    const seq = selected()?.seq
    return seq !== undefined && visible().some((row) => row.entry.seq === seq) ? `event-${seq}` : undefined
  }

  const onScroll = () => {
    setScrollTop(viewport.scrollTop)
    stickToBottom = viewport.scrollTop + viewport.clientHeight >= viewport.scrollHeight - ROW_HEIGHT
  }

  createEffect(
    on(
      () => shown().list.length,
      () => {
        if (stickToBottom && viewport) {
          viewport.scrollTop = viewport.scrollHeight
          setScrollTop(viewport.scrollTop)
        }
      },
    ),
  )

  onMount(() => {
    setViewportHeight(viewport.clientHeight || 400)
    if (typeof ResizeObserver === "function") {
      const observer = new ResizeObserver(() => setViewportHeight(viewport.clientHeight || 400))
      observer.observe(viewport)
      onCleanup(() => observer.disconnect())
    }
  })

  const moveSelection = (delta: number) => {
    const view = shown()
    const count = view.list.length
    if (count === 0) return
    const chosen = selected()
    const current = chosen === undefined ? -1 : indexOfSeq(view, chosen.seq)
    const index = Math.min(count - 1, Math.max(0, current === -1 ? count - 1 : current + delta))
    setSelected(at(view.list, index))
    const top = index * ROW_HEIGHT
    if (top < viewport.scrollTop) viewport.scrollTop = top
    else if (top + ROW_HEIGHT > viewport.scrollTop + viewport.clientHeight)
      viewport.scrollTop = top + ROW_HEIGHT - viewport.clientHeight
  }

  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === "ArrowDown") moveSelection(1)
    else if (event.key === "ArrowUp") moveSelection(-1)
    else if (event.key === "Home") moveSelection(-Number.MAX_SAFE_INTEGER)
    else if (event.key === "End") moveSelection(Number.MAX_SAFE_INTEGER)
    else if (event.key === "Escape") setSelected(undefined)
    else return
    event.preventDefault()
  }

  return (
    <section class="panel log" aria-labelledby="log-title">
      <header class="panel-header">
        <h2 id="log-title">Events</h2>
        <p class="counts" data-field="log-counts">
          <span data-total={sdk.log().total}>{sdk.log().total} received</span>
          <span>{shown().list.length} shown</span>
          <Show when={sdk.log().evicted > 0}>
            <span>
              {sdk.log().evicted} oldest dropped (cap {sdk.log().capacity})
            </span>
          </Show>
          <span class={sdk.log().duplicates > 0 ? "warn" : ""} data-duplicates={sdk.log().duplicates}>
            {sdk.log().duplicates} duplicates
          </span>
        </p>
      </header>

      <div class="toolbar">
        <label class="field-inline">
          <span>Filter by type</span>
          <input
            type="search"
            list="event-types"
            placeholder="e.g. test."
            value={typeFilter()}
            onInput={(e) => setTypeFilter(e.currentTarget.value)}
          />
          <datalist id="event-types">
            <For each={types()}>{(type) => <option value={type} />}</For>
          </datalist>
        </label>
        <label class="check">
          <input
            type="checkbox"
            checked={hideHeartbeats()}
            onChange={(e) => setHideHeartbeats(e.currentTarget.checked)}
          />
          <span>Hide heartbeats</span>
        </label>
        <button type="button" class="button" aria-pressed={paused()} onClick={togglePause}>
          {paused() ? "Resume" : "Pause"}
        </button>
        {/* The live region is always there (one inserted with its text is often not announced), and only
            "Paused" is in it: a count that changes every frame would talk over everything. */}
        <span class="muted">
          <span role="status">{paused() ? "Paused" : ""}</span>
          <Show when={paused()}> · {newWhilePaused()} new</Show>
        </span>
      </div>

      <div
        ref={viewport}
        class="viewport"
        role="listbox"
        aria-label="Event log"
        tabIndex={0}
        aria-activedescendant={activeDescendant()}
        onScroll={onScroll}
        onKeyDown={onKeyDown}
        data-paused={paused() ? "true" : "false"}
      >
        <div class="spacer" style={{ height: `${shown().list.length * ROW_HEIGHT}px` }}>
          <For each={visible()}>
            {(row) => (
              // biome-ignore lint/a11y/useKeyWithClickEvents: the listbox handles the keys (arrows, Home, End)
              <div
                id={`event-${row.entry.seq}`}
                class="row"
                role="option"
                tabIndex={-1}
                aria-selected={selected()?.seq === row.entry.seq}
                style={{ transform: `translateY(${row.index * ROW_HEIGHT}px)`, height: `${ROW_HEIGHT}px` }}
                data-event-id={row.entry.event.id}
                data-event-type={row.entry.event.type}
                onClick={() => setSelected(row.entry)}
              >
                <time class="row-time" datetime={new Date(row.entry.receivedAt).toISOString()}>
                  {formatClock(row.entry.receivedAt)}
                </time>
                <span class="row-type">{row.entry.event.type}</span>
                <span class="row-id mono" title={row.entry.event.id}>
                  {row.entry.event.id === "" ? "–" : row.entry.event.id}
                </span>
                <span class="row-props mono">{previewJson(row.entry.event.properties)}</span>
              </div>
            )}
          </For>
        </div>
      </div>
      <Show when={shown().list.length === 0}>
        <p class="empty">{sdk.log().total === 0 ? "No events yet." : "No events match the filter."}</p>
      </Show>

      <Show when={selected()}>
        {(entry) => (
          <section class="detail" aria-label="Selected event">
            <header class="panel-header">
              <h3>
                {entry().event.type} <span class="mono muted">{entry().event.id || "(ephemeral)"}</span>
              </h3>
              <button type="button" class="button" onClick={() => setSelected(undefined)}>
                Close
              </button>
            </header>
            {/* Bounded: JSON.stringify overflows the stack on a value nested a few thousand levels deep. */}
            {(() => {
              const shown = boundedJson(entry().event)
              return (
                <>
                  <Show when={shown.elided}>
                    <p class="muted">
                      Nested deeper than {MAX_SHOWN_DEPTH} levels: the deepest parts are shown as {"{…}"} and{" "}
                      {"[…]"}.
                    </p>
                  </Show>
                  <pre class="mono">{shown.text}</pre>
                </>
              )
            })()}
          </section>
        )}
      </Show>
    </section>
  )
}
