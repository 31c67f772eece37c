// 100 clients each list a shot and fetch every thumb inside workerd, where caches.default works:
// each thumb is read from R2 once and every other fetch is a cache hit. Its own file, with few
// photos: vitest-pool-workers slows down with every request a file makes (workers-sdk#15446); the
// same proof runs at a larger scale against `wrangler dev` in test/e2e/downloads.test.ts.
import { expect, it } from "vitest";
import type { PhotoPage, RoomStats } from "../../shared/protocol.ts";
import { auth, call, fetchRaw, roomWithPhotos } from "./helpers.ts";

const stats = async (roomId: string, token: string) =>
  (await call<RoomStats>(`/api/rooms/${roomId}/stats`, { headers: auth(token) })).body;

it("reads each thumb from R2 once when 100 clients each list the shot and fetch every thumb", async () => {
  const PHOTOS = 3;
  const CLIENTS = 100;
  const { roomId, token, shotId, photos } = await roomWithPhotos(PHOTOS, "herd");
  // The mosaic builder reads each thumb once to cut its tile (counted too): a read of the mosaic has it done now.
  expect((await fetchRaw(`/api/rooms/${roomId}/mosaic?shot=${shotId}`, { redirect: "manual" })).status).toBe(302);
  const before = await stats(roomId, token);
  expect(before).toMatchObject({ r2Reads: PHOTOS, cacheHits: 0 });

  const thumbs = new Map<string, Uint8Array>();
  // 25 clients at a time, each wave starting together so they race for the same uncached thumbs.
  for (let wave = 0; wave < CLIENTS; wave += 25) {
    await Promise.all(
      Array.from({ length: 25 }, async () => {
        const list = await call<PhotoPage>(`/api/rooms/${roomId}/photos?shot=${shotId}`);
        expect(list.body.photos).toHaveLength(PHOTOS);
        for (const p of list.body.photos) {
          const r = await fetchRaw(p.thumbUrl!);
          expect(r.status).toBe(200);
          const bytes = new Uint8Array(await r.arrayBuffer());
          const seen = thumbs.get(p.thumbUrl!);
          if (seen) expect(bytes).toEqual(seen);
          else thumbs.set(p.thumbUrl!, bytes);
        }
      }),
    );
  }
  expect(thumbs.size).toBe(photos.length);
  const after = await stats(roomId, token);
  const reads = after.r2Reads - before.r2Reads;
  expect(reads).toBeGreaterThan(0);
  expect(reads).toBeLessThanOrEqual(PHOTOS);
  // Every fetch was counted: a read from R2 or a cache hit.
  expect(reads + after.cacheHits).toBe(PHOTOS * CLIENTS);
  expect(after).toMatchObject({ photos: PHOTOS, members: PHOTOS });
}, 120_000);
