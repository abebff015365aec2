/**
 * The report's description of each server measured, so a reader can judge whether an anchor is
 * written the way its users write it.
 *
 * @module
 */

/** Markdown: one bullet per server, naming its source. */
export const serversSection = (): string =>
  [
    "## The servers",
    "",
    "All speak Tether's wire format (`GET /global/event` streams `retry:` + `server.connected`, then events as " +
      "`id:` + one `data:` line of the envelope JSON, and a `server.heartbeat` every second; `POST /global/event` " +
      "publishes), so one load generator drives them all the same way.",
    "",
    "- **floor** ([`bench/src/servers/floor.ts`](../bench/src/servers/floor.ts)): plain `Bun.serve`, each event " +
      "encoded to bytes once and the same `Uint8Array` enqueued to every stream's controller; one shared heartbeat timer. " +
      "No framework, no backpressure handling: the least work a Bun server can do.",
    "- **Hono** ([`hono.ts`](../bench/src/servers/hono.ts)): `streamSSE` as its docs show, one async loop per " +
      "connection awaiting a per-connection queue and calling `stream.writeSSE` per message, a per-connection heartbeat timer.",
    "- **better-sse** ([`better-sse-node.ts`](../bench/src/servers/better-sse-node.ts), bundled and run on Node): " +
      "a `Session` per request registered on one `Channel`, `channel.broadcast` per publish (it serialises per session), " +
      "one shared heartbeat broadcast.",
    "- **Effect stream** ([`effect-stream.ts`](../bench/src/servers/effect-stream.ts)): Effect 4 `PubSub` → " +
      "per-connection `Stream.fromPubSub` merged with that connection's `Stream.tick` heartbeat → `Sse.encode()` → " +
      "`Stream.toReadableStreamWith` into `Bun.serve`.",
    "- **Tether** (`packages/server`): `tether serve --port 0 --config <1 s heartbeat, 64 MiB max_buffered_bytes, " +
      "100 000 retained> --data-dir <tmp>`, with the SQLite log (default) or `--event-log memory`, run from source " +
      "(`--conditions=@tether/source`). The **scraped** row is the SQLite one with a Prometheus scraper " +
      "polling `GET /global/metrics` every second all run long (15× a usual scrape interval): the cost of its metrics.",
    "- **Tether ×2 on Redis** ([`redis-pair.ts`](../bench/src/servers/redis-pair.ts)): a `redis-server` 7 (no " +
      "persistence) and two `tether serve --event-log redis` on it, all three on CPU 0 (the same budget as one " +
      "server; CPU is their sum); subscribers alternate between the two instances and publishes go through each in " +
      "turn, so half of all deliveries cross instances and every one goes through the Redis stream.",
    "",
  ].join("\n")
