/**
 * The pipeline's 500 for a handler that throws, as an allowed cross-origin page sees it: with CORS
 * headers, or the browser hides the answer and the app reports a network error instead of the
 * server's message.
 */
import { expect, test } from "bun:test"
import { defaultConfig } from "@tether/core"
import { accessMiddleware, createAccess } from "../src/http/access.ts"
import type { RequestContext } from "../src/http/context.ts"
import { composePipeline } from "../src/http/pipeline.ts"

test("a throwing handler's 500 carries the CORS headers of an allowed origin", async () => {
  const config = {
    ...defaultConfig(),
    server: { ...defaultConfig().server, cors: ["http://localhost:5173"] },
  }
  const access = createAccess({
    config: () => config,
    bound: () => ({ hostname: "127.0.0.1", port: 4096 }),
    password: "",
  })
  const handle = composePipeline([accessMiddleware(access)], () => {
    throw new Error("boom")
  })
  const request = new Request("http://127.0.0.1:4096/global/config", {
    headers: { Host: "127.0.0.1:4096", Origin: "http://localhost:5173" },
  })
  const original = console.error
  console.error = () => {}
  const response = await handle(request, { url: new URL(request.url) } as RequestContext).finally(() => {
    console.error = original
  })
  expect(response.status).toBe(500)
  expect(await response.json()).toEqual({ error: { name: "InternalError", message: "boom" } })
  expect(response.headers.get("access-control-allow-origin")).toBe("http://localhost:5173")
})
