/**
 * `createTetherClient`: typed calls for every endpoint of Tether's HTTP API and the live event subscription.
 *
 * @module
 */
import { type HttpConfig, requestJson, resolveBaseUrl } from "./http.ts"
import { streamShared, subscribeShared } from "./share/shared-subscription.ts"
import {
  type StreamOptions,
  type SubscribeOptions,
  type Subscription,
  streamEvents,
  subscribeEvents,
} from "./subscribe.ts"
import type {
  Config,
  ConfigPatch,
  HealthResponse,
  PublishInput,
  PublishResponse,
  ReadyResponse,
  TetherEvent,
} from "./wire.ts"

/** Options of {@link createTetherClient}. */
export interface TetherClientOptions {
  /** The server, e.g. `http://127.0.0.1:4096` (a path prefix is kept; in a browser a relative URL resolves against the page). */
  baseUrl: string | URL
  /**
   * The server's `TETHER_SERVER_PASSWORD`, sent as `Authorization: Bearer …` on every call and on the event
   * stream (as HTTP Basic when it is not printable ASCII or has a space at either end, which a Bearer header
   * cannot carry; the server refuses such passwords, so that ends in a 401).
   */
  password?: string
  /**
   * The `fetch` to use. Default `globalThis.fetch`. It receives `init.headers` as a plain object (lower-case
   * names), so a wrapper may spread it: `{ ...init, headers: { ...init.headers, "X-Trace": id } }`.
   */
  fetch?: typeof fetch
  /** Extra headers for every request. */
  headers?: HeadersInit
  /**
   * Share one event stream among all tabs of this origin that subscribe to the same `baseUrl` with the same
   * `password` (a browser allows 6 HTTP/1.1 connections per origin: seven tabs with a stream each would
   * starve). One tab holds the stream and relays its events and status to the others; when it closes,
   * crashes or is frozen another takes over and resumes from the last id. Where the runtime cannot share
   * (Node, Bun, old browsers, no Web Locks), each subscription has its own stream, without error.
   * `status().role` says which: `holder`, `follower` or `single`. Default `false`.
   */
  shareAcrossTabs?: boolean
}

/** Per-call options. */
export interface CallOptions {
  signal?: AbortSignal
}

/** What {@link createTetherClient} returns. */
export interface TetherClient {
  /** The resolved base URL, without a trailing slash. */
  readonly baseUrl: string
  readonly global: {
    /** `GET /global/health`: liveness. */
    health(options?: CallOptions): Promise<HealthResponse>
    /**
     * `GET /global/health/ready`: readiness. A 503 (not ready) resolves with its body `{ready: false, checks}`
     * rather than throwing, since "not ready" is an answer, not a failure; other errors throw.
     */
    ready(options?: CallOptions): Promise<ReadyResponse>
    readonly config: {
      /** `GET /global/config`: the effective config. */
      get(options?: CallOptions): Promise<Config>
      /**
       * `PATCH /global/config`: deep-merges `patch` into the config file in use, validates, applies live.
       * Resolves with the effective config the server answers; an invalid patch throws `TetherApiError`
       * (`error.name === "ConfigInvalid"`, `issues` naming each key) and changes nothing.
       */
      update(patch: ConfigPatch, options?: CallOptions): Promise<Config>
    }
    readonly event: {
      /** `POST /global/event`: publishes an event to every subscriber; resolves with its durable id. */
      publish<Type extends string, Properties extends object = Record<string, unknown>>(
        input: PublishInput<Type, Properties>,
        options?: CallOptions,
      ): Promise<PublishResponse>
      /** Subscribes to `GET /global/event`, reconnecting and resuming by itself until closed. */
      subscribe(options: SubscribeOptions): Subscription
      /** The same subscription as an async iterator; `break` (or the signal) closes it. */
      stream(options?: StreamOptions): AsyncGenerator<TetherEvent, void, undefined>
    }
  }
}

/**
 * The server accepts printable ASCII passwords with no space at either end (its README says why); those
 * go as Bearer. Anything else cannot travel in a Bearer header (`fetch` throws on a character above
 * U+00FF, HTTP strips spaces at the ends), so it goes as Basic, base64 of UTF-8: the server's 401 then
 * tells the user, instead of a `TypeError` from `Headers` on every call.
 */
const authorization = (password: string): string =>
  /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/.test(password)
    ? `Bearer ${password}`
    : `Basic ${btoa(Array.from(new TextEncoder().encode(`:${password}`), (byte) => String.fromCharCode(byte)).join(""))}`

/**
 * Creates a client for one Tether server.
 *
 * @example
 * ```ts
 * import { createTetherClient } from "@tether/sdk"
 *
 * const client = createTetherClient({ baseUrl: "http://127.0.0.1:4096" })
 * console.log(await client.global.health()) // { healthy: true, version: "0.1.0" }
 *
 * const subscription = client.global.event.subscribe({
 *   onEvent: (event) => console.log(event.type, event.id, event.properties),
 *   onStatus: (status) => console.log(status.state),
 * })
 * await client.global.event.publish({ type: "build.finished", properties: { ok: true } })
 * subscription.close()
 * ```
 */
export function createTetherClient(options: TetherClientOptions): TetherClient {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(
      'createTetherClient: expected options, e.g. createTetherClient({ baseUrl: "http://127.0.0.1:4096" })',
    )
  }
  const baseUrl = resolveBaseUrl(options.baseUrl)
  const fetchImpl: typeof fetch | undefined = options.fetch ?? globalThis.fetch?.bind(globalThis)
  if (typeof fetchImpl !== "function") {
    throw new TypeError("createTetherClient: no global fetch in this runtime; pass options.fetch")
  }
  const { password } = options
  if (password !== undefined && (typeof password !== "string" || password === "")) {
    throw new TypeError("createTetherClient: password must be a non-empty string when given")
  }
  if (options.shareAcrossTabs !== undefined && typeof options.shareAcrossTabs !== "boolean") {
    throw new TypeError(
      `createTetherClient: shareAcrossTabs must be true or false, got ${JSON.stringify(options.shareAcrossTabs)}`,
    )
  }
  const http: HttpConfig = {
    baseUrl,
    fetch: fetchImpl,
    headers: () => {
      const headers = new Headers(options.headers)
      if (password !== undefined) headers.set("Authorization", authorization(password))
      return headers
    },
  }

  return {
    baseUrl,
    global: {
      health: (call = {}) => requestJson<HealthResponse>(http, "GET", "/global/health", call),
      ready: (call = {}) =>
        requestJson<ReadyResponse>(http, "GET", "/global/health/ready", {
          ...call,
          acceptError: (status, body) =>
            status === 503 && typeof (body as { ready?: unknown } | null)?.ready === "boolean",
        }),
      config: {
        get: (call = {}) => requestJson<Config>(http, "GET", "/global/config", call),
        update: (patch, call = {}) =>
          requestJson<Config>(http, "PATCH", "/global/config", { ...call, body: patch }),
      },
      event: {
        publish: async (input, call = {}) => {
          if (typeof input?.type !== "string" || input.type === "") {
            throw new TypeError("global.event.publish: input.type must be a non-empty string")
          }
          return await requestJson<PublishResponse>(http, "POST", "/global/event", { ...call, body: input })
        },
        subscribe: (subscribeOptions) =>
          options.shareAcrossTabs === true
            ? subscribeShared(http, subscribeOptions, password)
            : subscribeEvents(http, subscribeOptions),
        stream: (streamOptions) =>
          options.shareAcrossTabs === true
            ? streamShared(http, streamOptions ?? {}, password)
            : streamEvents(http, streamOptions),
      },
    },
  }
}
