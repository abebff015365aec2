import { expect, test } from "bun:test"
import { imperativeOf } from "./imperative.ts"

test.each([
  ["Clarified", "clarify"],
  ["clarifies", "clarify"],
  ["Added", "add"],
  ["removed", "remove"],
  ["dropped", "drop"],
  ["stopping", "stop"],
  ["fixes", "fix"],
  ["fixed", "fix"],
  ["switches", "switch"],
  ["using", "use"],
  ["Made", "make"],
  ["rewritten", "rewrite"],
])("%p is the imperative %p", (word, verb) => {
  expect(imperativeOf(word)).toBe(verb)
})

test.each(["add", "clarify", "embed", "speed", "bus", "SSE", "", "feed"])(
  "%p is not an inflected form of a known verb",
  (word) => {
    expect(imperativeOf(word)).toBeUndefined()
  },
)
