// The Deno server's Platform: rooms as in-process actors, photos on disk, no HTTP cache (the photos
// are already on local disk: a cache would only copy them to another folder).
import { authSecret } from "../worker/auth/secret.ts";
import type { BlobStore, Platform } from "../worker/platform.ts";
import { parseAllowedOrigins } from "../worker/room/origin-check.ts";
import { maxRoomMembers, shardMembers } from "../worker/room/room-config.ts";
import type { RateLimiter } from "../worker/rate-limits.ts";
import type { RoomEnv } from "../worker/room/room-config.ts";
import type { MosaicRegistry } from "./mosaic-registry.ts";
import type { RoomRegistry } from "./room-registry.ts";
import type { SqliteFile } from "./sqlite.ts";

export type ServerEnv = RoomEnv & { ORGANIZER_KEY?: string; ALLOWED_ORIGINS?: string };

/** Work that runs after a response; tracked so a shutdown can wait for it. */
export class Background {
  private readonly pending = new Set<Promise<unknown>>();

  add(p: Promise<unknown>): void {
    const tracked = p
      .catch((e: unknown) => console.error("[waitUntil]", e))
      .finally(() => this.pending.delete(tracked));
    this.pending.add(tracked);
  }

  async settle(): Promise<void> {
    while (this.pending.size) await Promise.all(this.pending);
  }
}

export function denoPlatform(opts: {
  env: ServerEnv;
  rooms: RoomRegistry;
  mosaics: MosaicRegistry;
  blobs: BlobStore;
  serverDb: SqliteFile;
  background: Background;
  limits: RateLimiter;
  clientIp(request: Request): string;
}): Platform {
  const { env, rooms, background } = opts;
  return {
    room: (roomId) => rooms.room(roomId),
    shardMembers: shardMembers(env),
    maxRoomMembers: maxRoomMembers(env),
    mosaic: (roomId, shotId, shard = 0) => opts.mosaics.mosaic(roomId, shotId, shard),
    blobs: opts.blobs,
    cache: null,
    authSecret: authSecret(env),
    organizerKey: env.ORGANIZER_KEY || null,
    allowedOrigins: parseAllowedOrigins(env.ALLOWED_ORIGINS),
    limits: opts.limits,
    clientIp: opts.clientIp,
    waitUntil: (p) => background.add(p),
    // The server (node-serve.ts) reads and drops a cancelled body itself, keeping the connection; read by the
    // handler after the answer, it closes the connection instead.
    answerEarly: async (answer, rest) => {
      rest.cancel();
      return answer;
    },
  };
}
