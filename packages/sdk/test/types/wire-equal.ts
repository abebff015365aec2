/**
 * Compile-time proof that the SDK's wire types equal `@tether/core`'s. Checked by `tsc` (the package
 * typecheck, and `test/wire-types.test.ts`, which also shows a mismatch is caught).
 */
import type * as Core from "@tether/core"
import type * as Sdk from "../../src/wire.ts"

/** Exact type equality (also catches optional/readonly differences that mutual assignability misses). */
export type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false
const equal = <A, B>(): Equals<A, B> => true as Equals<A, B>

export const wireTypesEqualCore: Record<string, true> = {
  EventEnvelope: equal<Sdk.EventEnvelope, Core.EventEnvelope>(),
  EventEnvelopeOfType: equal<Sdk.EventEnvelope<"x", { a: number }>, Core.EventEnvelope<"x", { a: number }>>(),
  PublishInput: equal<Sdk.PublishInput, Core.PublishInput>(),
  ServerConnectedProperties: equal<Sdk.ServerConnectedProperties, Core.ServerConnectedProperties>(),
  ServerHeartbeatProperties: equal<Sdk.ServerHeartbeatProperties, Core.ServerHeartbeatProperties>(),
  ServerResyncProperties: equal<Sdk.ServerResyncProperties, Core.ServerResyncProperties>(),
  ConfigUpdatedProperties: equal<Sdk.ConfigUpdatedProperties, Core.ConfigUpdatedProperties>(),
  BuiltinEventMap: equal<Sdk.BuiltinEventMap, Core.BuiltinEventMap>(),
  BuiltinEventType: equal<Sdk.BuiltinEventType, Core.BuiltinEventType>(),
  BuiltinEvent: equal<Sdk.BuiltinEvent, Core.BuiltinEvent>(),
  TetherEvent: equal<Sdk.TetherEvent, Core.TetherEvent>(),
  EventType: equal<typeof Sdk.EventType, typeof Core.EventType>(),
  EPHEMERAL_ID: equal<typeof Sdk.EPHEMERAL_ID, typeof Core.EPHEMERAL_ID>(),
  Config: equal<Sdk.Config, Core.Config>(),
  ConfigInput: equal<Sdk.ConfigInput, Core.ConfigInput>(),
  ConfigPatch: equal<Sdk.ConfigPatch, Core.ConfigPatch>(),
  ConfigIssue: equal<Sdk.ConfigIssue, Core.ConfigIssue>(),
}
