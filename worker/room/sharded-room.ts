// One room as the routes see it, whatever its shards: a socket goes to its client's shard, a member's or a
// photo's request to the shard that made its id, what is one per room to the coordinator, and listings,
// reports and tiles walk the shards. A room of one object is that object, with nothing in between.
import { CLIENT_ID_PARAM, ErrorCode } from "../../shared/protocol.ts";
import { fail } from "../http-error.ts";
import type { PhotoQuery, RoomApi, TileRecord } from "../platform.ts";
import { inBatches, shardCount, shardOfClient, shardOfRoomId } from "./shard-routing.ts";
import { socketClientId } from "./room-entry.ts";

/** A listing's cursor in a sharded room: the shard it has reached and that shard's own cursor. */
const CURSOR = /^([0-9]{1,5}):([0-9]*)$/;

export function shardedRoom(roomId: string, object: (index: number) => RoomApi): RoomApi {
  const shards = shardCount(roomId);
  if (shards <= 1) return object(0);
  const coordinator = object(0);
  /** The shard that made a member's or photo's id; an id none made goes to the coordinator, which has no
   *  such row and answers as for any unknown id. */
  const maker = (id: string) => object(shardOfRoomId(roomId, id));

  return {
    create: (input) => coordinator.create(input),
    info: () => coordinator.info(),
    shoot: (userId) => coordinator.shoot(userId),
    findShot: (shotId) => coordinator.findShot(shotId),
    ownerShot: (userId, shotId) => coordinator.ownerShot(userId, shotId),
    countAccess: (counts) => coordinator.countAccess(counts),
    stats: (userId) => coordinator.stats(userId),
    checkUpload: (memberId, shotId) => maker(memberId).checkUpload(memberId, shotId),
    recordPhoto: (input) => maker(input.memberId).recordPhoto(input),
    removePhoto: (userId, photoId) => maker(photoId).removePhoto(userId, photoId),

    async fetch(request) {
      const clientId = socketClientId(request.url);
      if (!clientId)
        return Response.json(
          {
            error: {
              code: ErrorCode.BadClientId,
              message: `a room of several shards routes each socket by its ?${CLIENT_ID_PARAM}=, the join's clientId`,
            },
          },
          { status: 400 },
        );
      return object(shardOfClient(clientId, shards)).fetch(request);
    },

    async shotReport(userId, shotId) {
      const head = await coordinator.shotReport(userId, shotId);
      if (!head.ok) return head;
      const parts = await inBatches(shards - 1, (i) => object(i + 1).shotReport(userId, shotId));
      const members = [...head.report.members];
      for (const p of parts) if (p.ok) members.push(...p.report.members);
      return { ok: true, report: { ...head.report, members } };
    },

    async tiles(shotId) {
      // The coordinator first: a made-up id naming thousands of shards costs one call, not thousands.
      const head = await coordinator.tiles(shotId);
      if (!head.ok) return head;
      const parts = await inBatches(shards - 1, (i) => object(i + 1).tiles(shotId));
      const tiles: TileRecord[] = [...head.tiles];
      for (const p of parts) {
        if (!p.ok) return p;
        tiles.push(...p.tiles);
      }
      return { ok: true, tiles };
    },

    async listPhotos(q: PhotoQuery) {
      if (q.memberId !== undefined) return maker(q.memberId).listPhotos(q);
      let shard = 0;
      let inner: string | undefined;
      if (q.cursor !== undefined) {
        const m = CURSOR.exec(q.cursor);
        if (!m || Number(m[1]) >= shards) return fail(400, ErrorCode.BadCursor, "cursor is not one this server gave");
        shard = Number(m[1]);
        inner = m[2] || undefined;
      }
      const photos = [];
      while (shard < shards) {
        const page = await object(shard).listPhotos({ ...q, cursor: inner, limit: q.limit - photos.length });
        if (!page.ok) return page;
        photos.push(...page.photos);
        if (page.next !== undefined) return { ok: true, photos, next: `${shard}:${page.next}` };
        shard++;
        inner = undefined;
        if (photos.length >= q.limit) return { ok: true, photos, ...(shard < shards ? { next: `${shard}:` } : {}) };
      }
      return { ok: true, photos };
    },
  } satisfies RoomApi;
}
