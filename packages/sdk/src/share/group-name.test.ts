import { describe, expect, test } from "bun:test"
import { SHARE_PROTOCOL, shareGroupName } from "./group-name.ts"

describe("shareGroupName", () => {
  test("one group per base URL and password, and the password never in the name", async () => {
    const names = await Promise.all([
      shareGroupName("http://127.0.0.1:4096", undefined),
      shareGroupName("http://127.0.0.1:4097", undefined),
      shareGroupName("http://127.0.0.1:4096", "s3cret-one"),
      shareGroupName("http://127.0.0.1:4096", "s3cret-two"),
    ])
    expect(new Set(names).size).toBe(4)
    for (const name of names) expect(name.startsWith(`${SHARE_PROTOCOL} http://127.0.0.1:409`)).toBe(true)
    expect(names.join(" ")).not.toContain("s3cret")
    // The same inputs name the same group in every tab.
    expect(await shareGroupName("http://127.0.0.1:4096", "s3cret-one")).toBe(names[2] as string)
  })
})
