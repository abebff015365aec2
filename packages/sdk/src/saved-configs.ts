/**
 * The configs this client saved (`global.config.update` answers), for its own subscriptions: a save that
 * lengthens the heartbeat raises their heartbeat at once, as `config.updated` would, since the stream's
 * `config.updated` may come later, or not at all while the stream is down.
 *
 * @module
 */
import type { Config } from "./wire.ts"

/** Where a client announces its saved configs and its subscriptions listen. */
export interface SavedConfigs {
  /** Hands `config` to every listener (a listener's exception does not stop the others). */
  publish(config: Config): void
  /** Listens until the returned function is called. */
  listen(listener: (config: Config) => void): () => void
}

/**
 * @example
 * ```ts
 * const saved = createSavedConfigs()
 * const stop = saved.listen((config) => console.log(config.server.event_stream.heartbeat_ms))
 * saved.publish(await client.global.config.update({ server: { event_stream: { heartbeat_ms: 5000 } } }))
 * stop()
 * ```
 */
export function createSavedConfigs(): SavedConfigs {
  const listeners = new Set<(config: Config) => void>()
  return {
    publish(config) {
      for (const listener of [...listeners]) {
        try {
          listener(config)
        } catch (error) {
          console.error("@tether/sdk: a saved-config listener threw:", error)
        }
      }
    },
    listen(listener) {
      const own = (config: Config) => listener(config)
      listeners.add(own)
      return () => {
        listeners.delete(own)
      }
    },
  }
}
