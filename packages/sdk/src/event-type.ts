import type { BuiltinEvent, BuiltinEventType, TetherEvent } from "./wire.ts"

/**
 * Narrows an event to a built-in type with its typed properties. (`event.type === "…"` alone cannot narrow
 * `TetherEvent`, whose published-event member has `type: string`.)
 *
 * @example
 * ```ts
 * import { createTetherClient, isEventType } from "@tether/sdk"
 *
 * const client = createTetherClient({ baseUrl: "http://127.0.0.1:4096" })
 * client.global.event.subscribe({
 *   onEvent: (event) => {
 *     if (isEventType(event, "server.connected")) console.log(event.properties.heartbeat_ms)
 *   },
 * })
 * ```
 */
export function isEventType<Type extends BuiltinEventType>(
  event: TetherEvent,
  type: Type,
): event is Extract<BuiltinEvent, { type: Type }> {
  return event.type === type
}
