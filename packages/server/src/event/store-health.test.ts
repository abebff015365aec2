import { Database } from "bun:sqlite"
import { afterAll, describe, expect, test } from "bun:test"
import {
  closeSync,
  mkdtempSync,
  openSync,
  renameSync,
  rmSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { damageOf, freeBytes, isDamage, watchFiles } from "./store-health.ts"

const dir = mkdtempSync(join(tmpdir(), "tether-store-health-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe("watchFiles", () => {
  test("tells deleted from replaced, and a file that was never there is not watched", () => {
    const a = join(dir, "a")
    const b = join(dir, "b")
    writeFileSync(a, "a")
    writeFileSync(b, "b")
    const files = watchFiles([a, b, join(dir, "never")])
    expect(files.moved()).toBeUndefined()
    writeFileSync(a, "rewritten in place keeps the inode")
    expect(files.moved()).toBeUndefined()
    writeFileSync(join(dir, "b.new"), "b")
    renameSync(join(dir, "b.new"), b)
    expect(files.moved()).toBe(`${b} was replaced by another file while the server ran`)
    unlinkSync(a)
    expect(files.moved()).toBe(`${a} was deleted while the server ran`)
  })
})

describe("damageOf / isDamage", () => {
  test("a sound file has no damage; overwritten pages are named in one line", () => {
    const file = join(dir, "log.sqlite")
    const db = new Database(file, { create: true })
    db.run("CREATE TABLE t (v TEXT)")
    const insert = db.query("INSERT INTO t (v) VALUES (?1)")
    db.transaction(() => {
      for (let i = 0; i < 2000; i++) insert.run("x".repeat(500))
    })()
    expect(damageOf(db)).toBeUndefined()
    db.close()
    const bytes = Bun.file(file).size
    const garbage = new Uint8Array(4 * 4096).fill(0xa5)
    const handle = openSync(file, "r+")
    writeSync(handle, garbage, 0, garbage.length, Math.floor(bytes / 2 / 4096) * 4096)
    closeSync(handle)
    const damaged = new Database(file)
    const damage = damageOf(damaged)
    expect(damage).toMatch(/^\*\*\* in database main \*\*\* .*page \d+/)
    expect(damage).not.toContain("\n")
    let error: unknown
    try {
      damaged.query("SELECT count(length(v)) FROM t").get()
    } catch (caught) {
      error = caught
    }
    expect(isDamage(error)).toBe(true)
    expect(isDamage(Object.assign(new Error("database or disk is full"), { code: "SQLITE_FULL" }))).toBe(
      false,
    )
    damaged.close()
  })
})

test("freeBytes reads the disk the file is on", () => {
  expect(freeBytes(join(dir, "any-file"))).toBeGreaterThan(0)
})
