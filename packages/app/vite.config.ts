import { defaultClientConditions, defineConfig } from "vite"
import solid from "vite-plugin-solid"

/** Where `bun run dev` expects `tether serve` (the config's default port). */
const SERVER = process.env.TETHER_DEV_SERVER ?? "http://127.0.0.1:4096"

export default defineConfig({
  plugins: [solid()],
  resolve: {
    // Workspace packages resolve to their TypeScript source, as everywhere else in the repo.
    conditions: ["@tether/source", ...defaultClientConditions],
  },
  server: {
    port: 5173,
    strictPort: true,
    proxy: {
      "/global": {
        target: SERVER,
        changeOrigin: true,
        // http-proxy pipes the event stream through as it arrives (no buffering, no compression, no
        // timeout on a long response); the server marks it `no-transform` and `X-Accel-Buffering: no`.
      },
    },
  },
  preview: { port: 4173, strictPort: true },
  // No source maps: they would point at src/, which the published package does not ship.
  build: { outDir: "dist", emptyOutDir: true, target: "es2022", sourcemap: false },
})
