// Four suites: pure logic on Node, the room and routes inside workerd (vitest-pool-workers), the whole
// product end to end over real sockets against the server `npm start` runs, and the web app in Chromium.
import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: [
            "shared/**/*.test.ts",
            "worker/**/*.test.ts",
            "deno/**/*.test.ts",
            "loadtest/**/*.test.ts",
            "scripts/**/*.test.ts",
            "app/src/**/*.test.ts",
          ],
          environment: "node",
          // A few unit tests do real work (a 1024-tile JPEG page, a photo through the EXIF writer and photon):
          // on 2 shared cores they can pass vitest's 5 s default without being wrong.
          testTimeout: 30_000,
        },
      },
      {
        plugins: [
          cloudflareTest({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              // A short upload window so deadline tests run fast; an upload spread from 11 guests up, so a
              // room of a test's usual few guests has none and test/workers/upload-spread.test.ts can grow one.
              bindings: {
                SHOT_WINDOW_MS: "2000",
                UPLOAD_SPREAD_RATE: "10",
                // Shards of 10 members, so a test room of 25 spreads over 3 (test/workers/sharded-room.test.ts).
                SHARD_MEMBERS: "10",
                AUTH_SECRET: "workers-test-secret-of-at-least-32-bytes",
              },
              // Every request of this suite comes from no address at all, so all share one key: the per-IP
              // limits are lifted here and proven end to end against both servers (test/e2e/rate-limits.test.ts).
              ratelimits: Object.fromEntries(
                ["LOGIN_LIMITER", "ROOM_LIMITER", "UPLOAD_LIMITER"].map((n) => [
                  n,
                  { simple: { limit: 1e9, period: 60 } },
                ]),
              ),
            },
          }),
        ],
        // Worktrees share one node_modules through a symlink; resolving through its real path makes
        // vite hand workerd module ids it cannot load (photon's .wasm).
        resolve: { preserveSymlinks: true },
        // Real R2 writes, JPEG encodes and ZIP streams on 2 shared cores can pass vitest's 5 s default.
        test: { name: "workers", include: ["test/workers/**/*.test.ts"], testTimeout: 30_000 },
      },
      {
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          environment: "node",
          globalSetup: ["test/e2e/kit/global-setup.ts"],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: "browser",
          include: ["test/browser/**/*.test.ts"],
          environment: "node",
          // Builds the app, then starts the server as the e2e suite does; skips without a Chromium.
          globalSetup: ["test/browser/global-setup.ts"],
          testTimeout: 90_000,
          hookTimeout: 90_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
