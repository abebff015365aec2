/**
 * The connection's last minute at a glance: coloured bands for each state, a tick per heartbeat,
 * a dot per (re)connect. Looking at it answers "is the stream alive, and since when?" faster than text.
 */
import { type Accessor, createMemo, For, type JSX } from "solid-js"
import { type ConnectionHistory, type ConnectionState, stateSpans } from "../context/connection-history.ts"

export interface TimelinePlotProps {
  readonly history: Accessor<ConnectionHistory>
  readonly now: Accessor<number>
  /** Width of the window, in ms. Default 60 s. */
  readonly windowMs?: number
}

const WIDTH = 600
const HEIGHT = 64
const BAND_TOP = 14
const BAND_HEIGHT = 40

const STATE_CLASS: Record<ConnectionState, string> = {
  connecting: "band-connecting",
  open: "band-open",
  reconnecting: "band-reconnecting",
  closed: "band-closed",
}

export const TimelinePlot = (props: TimelinePlotProps): JSX.Element => {
  const windowMs = () => props.windowMs ?? 60_000
  const start = () => props.now() - windowMs()
  const x = (t: number) => ((t - start()) / windowMs()) * WIDTH

  const spans = createMemo(() => stateSpans(props.history(), start(), props.now()))
  const beats = createMemo(() => props.history().heartbeats.filter((t) => t >= start()))
  const connects = createMemo(() => props.history().connects.filter((t) => t >= start()))
  const reconnectSpans = createMemo(() => spans().filter((s) => s.state === "reconnecting").length)

  const label = () =>
    `Last ${Math.round(windowMs() / 1000)} seconds: ${beats().length} heartbeats, ` +
    `${connects().length} connects, ${reconnectSpans()} reconnecting periods`

  return (
    <figure class="timeline">
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        role="img"
        aria-label={label()}
        data-heartbeats={beats().length}
      >
        <rect class="band-empty" x="0" y={BAND_TOP} width={WIDTH} height={BAND_HEIGHT} />
        <For each={spans()}>
          {(span) => (
            <rect
              class={STATE_CLASS[span.state]}
              x={x(span.from)}
              y={BAND_TOP}
              width={Math.max(1, x(span.to) - x(span.from))}
              height={BAND_HEIGHT}
            >
              <title>{span.state}</title>
            </rect>
          )}
        </For>
        <For each={beats()}>
          {(t) => <line class="beat" x1={x(t)} x2={x(t)} y1={BAND_TOP + 6} y2={BAND_TOP + BAND_HEIGHT - 6} />}
        </For>
        <For each={connects()}>
          {(t) => <circle class="connect" cx={x(t)} cy={BAND_TOP + BAND_HEIGHT / 2} r="4" />}
        </For>
        <line class="axis" x1="0" x2={WIDTH} y1={HEIGHT - 6} y2={HEIGHT - 6} />
      </svg>
      <div class="axis-labels" aria-hidden="true">
        <span>−{Math.round(windowMs() / 1000)} s</span>
        <span>now</span>
      </div>
      <figcaption class="legend">
        <span class="key key-connecting">connecting</span>
        <span class="key key-open">open</span>
        <span class="key key-reconnecting">reconnecting</span>
        <span class="key key-closed">closed</span>
        <span class="key key-beat">heartbeat</span>
        <span class="key key-connect">connect</span>
      </figcaption>
    </figure>
  )
}
