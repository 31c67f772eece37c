// The Cloudflare Worker: the Hono app over Durable Objects (one per room, one mosaic builder per
// shot), R2 and caches.default.
import { createApp } from "../../app.ts";
import { authSecret } from "../../auth/secret.ts";
import { parseAllowedOrigins } from "../../room/origin-check.ts";
import { maxRoomMembers, shardMembers } from "../../room/room-config.ts";
import { bindingLimits, cfClientIp } from "./binding-limits.ts";
import { answerEarly } from "./early-answer.ts";
import { roomStub } from "./durable-stubs.ts";
import { mosaicClient } from "./mosaic-object.ts";
import { r2BlobStore } from "./r2-blob-store.ts";

export { Room } from "./room-object.ts";
export { Mosaic } from "./mosaic-object.ts";

const app = createApp<Env>((env, ctx) => ({
  room: (roomId, hint) => roomStub(env, roomId, hint),
  shardMembers: shardMembers(env),
  maxRoomMembers: maxRoomMembers(env),
  mosaic: (roomId, shotId, shard = 0) => mosaicClient(env, { roomId, shotId, shard }),
  blobs: r2BlobStore(env.PHOTOS),
  cache: caches.default,
  authSecret: authSecret(env),
  organizerKey: env.ORGANIZER_KEY || null,
  allowedOrigins: parseAllowedOrigins(env.ALLOWED_ORIGINS),
  limits: bindingLimits(env),
  clientIp: cfClientIp,
  waitUntil: (p) => ctx?.waitUntil(p),
  answerEarly,
}));

export default app;
