import { expect, test } from "bun:test"
import { type CpuProfile, topFrames } from "./cpu-profile.ts"

const profile: CpuProfile = {
  nodes: [
    { id: 1, callFrame: { functionName: "(idle)", url: "", lineNumber: -1 } },
    { id: 2, callFrame: { functionName: "encode", url: "file:///x/src/stream/frame.ts", lineNumber: 9 } },
    { id: 3, callFrame: { functionName: "", url: "file:///x/src/stream/hub.ts", lineNumber: 41 } },
    { id: 4, callFrame: { functionName: "write", url: "", lineNumber: -1 } },
  ],
  samples: [1, 2, 2, 3, 4, 2, 1, 1],
  timeDeltas: [100, 10, 10, 10, 20, 10, 100, 100],
}

test("self time per function, idle excluded, largest first", () => {
  expect(topFrames(profile, 10)).toEqual([
    { frame: "encode stream/frame.ts:10", selfPercent: 50 },
    { frame: "write native", selfPercent: (100 * 20) / 60 },
    { frame: "(anonymous) stream/hub.ts:42", selfPercent: (100 * 10) / 60 },
  ])
})

test("count limits the list; an empty profile gives none", () => {
  expect(topFrames(profile, 1).length).toBe(1)
  expect(topFrames({ nodes: [], samples: [], timeDeltas: [] }, 5)).toEqual([])
})
