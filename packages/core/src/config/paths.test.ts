import { describe, expect, test } from "bun:test"
import { homedir } from "node:os"
import { join } from "node:path"
import { defaultConfigDir, defaultDataDir } from "./paths.ts"

describe("XDG paths", () => {
  test("use the XDG variables when absolute", () => {
    expect(defaultConfigDir({ XDG_CONFIG_HOME: "/cfg", HOME: "/h" })).toBe("/cfg/tether")
    expect(defaultDataDir({ XDG_DATA_HOME: "/data", HOME: "/h" })).toBe("/data/tether")
  })

  test("fall back to ~/.config and ~/.local/share when unset, empty or relative", () => {
    for (const value of [undefined, "", "rel/dir"]) {
      expect(defaultConfigDir({ XDG_CONFIG_HOME: value, HOME: "/h" })).toBe("/h/.config/tether")
      expect(defaultDataDir({ XDG_DATA_HOME: value, HOME: "/h" })).toBe("/h/.local/share/tether")
    }
  })

  test("without HOME, the OS home directory", () => {
    expect(defaultDataDir({})).toBe(join(homedir(), ".local", "share", "tether"))
  })
})
