import { expect, test } from "bun:test"
import { sparkline } from "./sparkline.ts"

test("zero is blank, the maximum is a full block, the rest in proportion", () => {
  expect(sparkline([0, 1, 4, 8])).toBe(" ▁▄█")
  expect(sparkline([0, 0])).toBe("  ")
  expect(sparkline([])).toBe("")
  expect(sparkline([3, 3])).toBe("██")
})
