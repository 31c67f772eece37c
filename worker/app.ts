// The HTTP API as one Hono app, independent of the runtime: each runtime's entry point supplies
// the Platform (rooms, blob store, cache, secrets) per request.
import { ErrorCode } from "../shared/protocol.ts";
import { Hono } from "hono";
import type { AppEnv } from "./app-env.ts";
import { authRoutes } from "./auth/routes.ts";
import { HttpError, onError } from "./http-error.ts";
import { mosaicRoutes } from "./mosaic/routes.ts";
import { photoRoutes } from "./photos/routes.ts";
import type { Platform } from "./platform.ts";
import { roomRoutes } from "./room/routes.ts";

export function createApp<E extends object>(
  platformFor: (env: E, executionCtx: { waitUntil(p: Promise<unknown>): void } | undefined) => Platform,
) {
  const app = new Hono<AppEnv & { Bindings: E }>();
  app.use("/api/*", async (c, next) => {
    let ctx: { waitUntil(p: Promise<unknown>): void } | undefined;
    try {
      ctx = c.executionCtx;
    } catch {
      ctx = undefined; // no ExecutionContext outside Workers
    }
    c.set("platform", platformFor(c.env, ctx));
    await next();
  });
  const api = new Hono<AppEnv>();
  api.route("/", authRoutes);
  api.route("/rooms", roomRoutes);
  api.route("/rooms", photoRoutes);
  api.route("/rooms", mosaicRoutes);
  app.route("/api", api as never);
  app.notFound(() => {
    throw new HttpError(404, ErrorCode.NotFound, "no such route");
  });
  app.onError(onError);
  return app;
}
