import { describe, expect, test } from "bun:test"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { APP_PAGES, isAppPath } from "./app-pages.ts"

describe("app pages", () => {
  test("APP_PAGES lists exactly the app router's routes (besides its catch-all)", () => {
    const source = readFileSync(join(import.meta.dir, "../../../app/src/app.tsx"), "utf8")
    const routes = [...source.matchAll(/<Route\s+path="([^"]+)"/g)].map((match) => match[1])
    expect(routes.filter((path) => path !== "*").sort()).toEqual([...APP_PAGES].sort())
  })

  test("pages, their sub-paths and file paths are the app's; anything else is not", () => {
    for (const path of [
      "/",
      "/settings",
      "/settings/stream",
      "/index.html",
      "/assets/a-1.js",
      "/favicon.ico",
    ]) {
      expect(isAppPath(path)).toBe(true)
    }
    for (const path of ["/metrics", "/api/x", "/settingsx", "/healthz", "/global"]) {
      expect(isAppPath(path)).toBe(false)
    }
  })
})
