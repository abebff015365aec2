/**
 * Why a publish is refused.
 *
 * @module
 */
import { Data } from "effect"

/**
 * A publish that is refused before anything is stored: not an object, no valid `type`, properties
 * that cannot be serialised (BigInt, circular) or are over the size limit. HTTP answers 400 with
 * `{"error": err.toJSON()}`. When one field is at fault, `path` names it (`type`, `properties`, an
 * unknown key) and the body carries it as `issues`, the shape `ConfigInvalid` uses, so a form can
 * show the message at that field.
 *
 * @example
 * ```ts
 * import { EventInvalid } from "./errors.ts"
 * new EventInvalid({ path: "type", message: "type: expected a non-empty string, got 42" }).toJSON()
 * // { name: "EventInvalid", message: "type: expected…", issues: [{ path: "type", message: "type: expected…" }] }
 * ```
 */
export class EventInvalid extends Data.TaggedError("EventInvalid")<{
  readonly message: string
  readonly path?: string
}> {
  override get name(): string {
    return "EventInvalid"
  }

  override toJSON(): {
    name: "EventInvalid"
    message: string
    issues?: readonly { path: string; message: string }[]
  } {
    return this.path === undefined
      ? { name: "EventInvalid", message: this.message }
      : { name: "EventInvalid", message: this.message, issues: [{ path: this.path, message: this.message }] }
  }
}
