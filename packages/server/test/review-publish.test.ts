/**
 * The in-process publish API takes JavaScript values, not JSON text: values whose JSON is not an
 * object (a `Date`, anything with a `toJSON`) must be refused at publish like a BigInt, or their
 * envelope would carry `properties` that are not an object, which the wire format forbids.
 */
import { afterEach, expect, test } from "bun:test"
import { startServer, type TetherServer } from "../src/index.ts"
import { oldestRetained } from "./helpers/sse.ts"

const servers: TetherServer[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.stop()))
})

test("properties whose JSON is not an object are refused with EventInvalid, nothing stored", async () => {
  const server = await startServer({ port: 0, hostname: "127.0.0.1", eventLog: "memory", appDir: null })
  servers.push(server)
  const odd: [string, unknown][] = [
    ["a Date", new Date(0)],
    ["toJSON → number", { toJSON: () => 5 }],
    ["toJSON → undefined", { toJSON: () => undefined }],
    ["toJSON → array", { toJSON: () => [1] }],
  ]
  for (const [name, properties] of odd) {
    const refusal = await server
      .publish({ type: "test.odd", properties: properties as Record<string, unknown> })
      .then(
        () => "accepted",
        (error: Error) => `${error.name}: ${error.message}`,
      )
    expect({ name, refusal }).toEqual({ name, refusal: expect.stringMatching(/^EventInvalid: properties: /) })
  }
  // Plain objects still pass, as the log's first event: nothing was stored before.
  const ok = await server.publish({ type: "test.ok", properties: { at: new Date(0) } })
  expect(await oldestRetained(server.url)).toBe(ok.id)
})
