// Downloads against the real server: 100 clients each list a shot of 30 photos and fetch every
// thumb, and each thumb is read from R2 once (caches.default works in `wrangler dev`); the mosaic
// holds every photo once the uploads are answered, and the owner's ZIP streams every photo.
import { describe, expect, inject, it } from "vitest";
import type { PhotoPage, RoomStats } from "../../shared/protocol.ts";
import { unzipStored } from "../unzip-stored.ts";
import { Api, fixture } from "./kit/api.ts";
import { tagJpeg } from "../../shared/jpeg-tag.ts";

const PHOTOS = 30;
const CLIENTS = 100;

for (const server of inject("servers")) {
  describe(`downloads on ${server.kind}`, () => {
    it("100 clients fetching every thumb read each from R2 once; the mosaic and the ZIP hold every photo", async () => {
      const api = new Api(server.url);
      const { token } = await api.login("Owner");
      const { roomId } = await api.createRoom(token, "Downloads");
      const guests = await Promise.all(Array.from({ length: PHOTOS }, (_, i) => api.joinGuest(roomId, `dl-${i}`)));
      try {
        const { shotId } = (await api.shoot(roomId, token)).body;
        const photos = await Promise.all(
          guests.map(async (g, i) => {
            const photo = tagJpeg(fixture("photo.jpg"), `photo ${i}`);
            const thumb = tagJpeg(fixture("thumb.jpg"), `thumb ${i}`);
            const r = await api.upload(roomId, g.uploadToken, { photo, thumb, tile: fixture("tile.jpg"), shotId });
            expect(r.status).toBe(201);
            return photo;
          }),
        );

        // The mosaic: every tile, soon after the last upload was answered.
        let tiles = 0;
        for (let i = 0; i < 50 && tiles < PHOTOS; i++) {
          const r = await fetch(`${server.url}/api/rooms/${roomId}/mosaic?shot=${shotId}`, { redirect: "manual" });
          expect(r.status).toBe(302);
          tiles = Number(r.headers.get("Mosaic-Tiles"));
          if (tiles < PHOTOS) await new Promise((res) => setTimeout(res, 100));
          else expect((await fetch(server.url + r.headers.get("Location"))).status).toBe(200);
        }
        expect(tiles).toBe(PHOTOS);
        // The mosaic builder read each thumb to cut its tile; its count reaches the room right after.
        await new Promise((res) => setTimeout(res, 500));

        const before: RoomStats = (
          await api.json(`/api/rooms/${roomId}/stats`, { headers: { Authorization: `Bearer ${token}` } })
        ).body;
        let fetched = 0;
        await Promise.all(
          Array.from({ length: CLIENTS }, async () => {
            const page = await api.json<PhotoPage>(`/api/rooms/${roomId}/photos?shot=${shotId}&limit=50`);
            expect(page.body.photos).toHaveLength(PHOTOS);
            for (const p of page.body.photos) {
              await api.download(p.thumbUrl!);
              fetched++;
            }
          }),
        );
        // Counts reach the room within a flush interval of the isolate that served them.
        await new Promise((res) => setTimeout(res, 500));
        const after: RoomStats = (
          await api.json(`/api/rooms/${roomId}/stats`, { headers: { Authorization: `Bearer ${token}` } })
        ).body;
        const reads = after.r2Reads - before.r2Reads;
        const hits = after.cacheHits - before.cacheHits;
        expect(fetched).toBe(PHOTOS * CLIENTS);
        expect(reads + hits).toBe(PHOTOS * CLIENTS);
        if (server.kind === "deno") {
          // The Deno server has no HTTP cache (its photos are on local disk): every read is a disk read.
          expect(hits).toBe(0);
        } else {
          expect(reads).toBeGreaterThan(0);
          expect(reads).toBeLessThanOrEqual(PHOTOS);
        }

        // The owner's ZIP through a minted link, as the app downloads it: no login token in the URL.
        const link = await api.json<{ url: string }>(`/api/rooms/${roomId}/shots/${shotId}/zip-link`, {
          method: "POST",
          headers: { Authorization: `Bearer ${token}` },
        });
        expect(link.status).toBe(201);
        expect(link.body.url).not.toContain(token);
        const zip = await fetch(server.url + link.body.url);
        expect(zip.status).toBe(200);
        const bytes = new Uint8Array(await zip.arrayBuffer());
        expect(bytes.length).toBe(Number(zip.headers.get("Content-Length")));
        const entries = unzipStored(bytes);
        expect(entries).toHaveLength(PHOTOS);
        const key = (b: Uint8Array) => Buffer.from(b).toString("base64");
        expect(new Set(entries.map((e) => key(e.data)))).toEqual(new Set(photos.map(key)));
      } finally {
        guests.forEach((g) => g.ws.close());
      }
    });
  });
}
