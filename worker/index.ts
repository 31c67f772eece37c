// The Cloudflare Worker: the Hono app over Durable Objects (one per room), R2 and caches.default.
import { createApp } from "./app.ts";
import { authSecret } from "./auth/secret.ts";
import type { RoomApi } from "./platform.ts";
import { r2BlobStore } from "./r2-blob-store.ts";

export { Room } from "./room/room-object.ts";

const app = createApp<Env>((env, ctx) => ({
  room: (roomId, hint) =>
    env.ROOMS.get(
      env.ROOMS.idFromName(roomId),
      hint ? { locationHint: hint as DurableObjectLocationHint } : undefined,
    ) as unknown as RoomApi,
  blobs: r2BlobStore(env.PHOTOS),
  cache: caches.default,
  authSecret: authSecret(env),
  organizerKey: env.ORGANIZER_KEY || null,
  waitUntil: (p) => ctx?.waitUntil(p),
}));

export default app;
