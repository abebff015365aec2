import { describe, expect, test } from "bun:test"
import { ConfigFileError, ConfigInvalid } from "./errors.ts"

describe("ConfigInvalid", () => {
  const issues = [
    { path: "server.port", message: "expected an integer from 0 to 65535, got 70000" },
    { path: "", message: "line 2, column 3: expected a value, found '}'" },
  ]

  test("message names the file and lists every issue, one per line", () => {
    const error = new ConfigInvalid("/etc/tether.jsonc", issues)
    expect(error.message).toBe(
      "Invalid config in /etc/tether.jsonc:\n" +
        "  server.port: expected an integer from 0 to 65535, got 70000\n" +
        "  line 2, column 3: expected a value, found '}'",
    )
    expect(error.name).toBe("ConfigInvalid")
    expect(error.file).toBe("/etc/tether.jsonc")
    expect(error).toBeInstanceOf(Error)
  })

  test("without a file it says so plainly", () => {
    expect(new ConfigInvalid(null, issues.slice(0, 1)).message).toBe(
      "Invalid config:\n  server.port: expected an integer from 0 to 65535, got 70000",
    )
  })

  test("toJSON is the HTTP error body", () => {
    const error = new ConfigInvalid(null, issues.slice(0, 1))
    expect(JSON.parse(JSON.stringify({ error }))).toEqual({
      error: { name: "ConfigInvalid", message: error.message, issues: issues.slice(0, 1) },
    })
  })
})

describe("ConfigFileError", () => {
  test("carries the file, the message and the cause", () => {
    const cause = new Error("ENOENT")
    const error = new ConfigFileError("/x/tether.jsonc", "Cannot read config file /x/tether.jsonc", { cause })
    expect(error.name).toBe("ConfigFileError")
    expect(error.file).toBe("/x/tether.jsonc")
    expect(error.cause).toBe(cause)
    expect(error.toJSON()).toEqual({
      name: "ConfigFileError",
      message: "Cannot read config file /x/tether.jsonc",
      file: "/x/tether.jsonc",
    })
  })
})
