/**
 * Why a publish is refused.
 *
 * @module
 */
import { Data } from "effect"

/**
 * A publish that is refused before anything is stored: not an object, no valid `type`, properties
 * that cannot be serialised (BigInt, circular) or are over the size limit. HTTP answers 400 with
 * `{"error": err.toJSON()}`.
 *
 * @example
 * ```ts
 * import { EventInvalid } from "./errors.ts"
 * new EventInvalid({ message: "type: expected a non-empty string, got 42" }).toJSON()
 * // { name: "EventInvalid", message: "type: expected a non-empty string, got 42" }
 * ```
 */
export class EventInvalid extends Data.TaggedError("EventInvalid")<{ readonly message: string }> {
  override get name(): string {
    return "EventInvalid"
  }

  override toJSON(): { name: "EventInvalid"; message: string } {
    return { name: "EventInvalid", message: this.message }
  }
}
