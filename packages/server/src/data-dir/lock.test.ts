import { afterAll, describe, expect, test } from "bun:test"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { acquireDataDirLock, DataDirError, DataDirInUse } from "./lock.ts"

const dir = mkdtempSync(join(tmpdir(), "tether-lock-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe("data dir lock", () => {
  test("a second holder in the same process is refused with the dir, the pid and the way to scale out", () => {
    const dataDir = join(dir, "a")
    const lock = acquireDataDirLock(dataDir)
    let refusal: unknown
    try {
      acquireDataDirLock(dataDir)
    } catch (error) {
      refusal = error
    }
    expect(refusal).toBeInstanceOf(DataDirInUse)
    const { message, pid } = refusal as DataDirInUse
    expect(pid).toBe(process.pid)
    expect(message).toContain(dataDir)
    expect(message).toContain(`pid ${process.pid}`)
    expect(message).toContain("--event-log redis")
    lock.release()
    acquireDataDirLock(dataDir).release()
  })

  test("a file where the data dir should be is an error naming it, not a lock conflict", () => {
    const file = join(dir, "file")
    writeFileSync(file, "")
    expect(() => acquireDataDirLock(join(file, "data"))).toThrow(DataDirError)
    expect(() => acquireDataDirLock(join(file, "data"))).toThrow(join(file, "data"))
  })
})
