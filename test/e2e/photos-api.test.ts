// The photo routes beyond the upload, over HTTP against each server under test: the group mosaic,
// byte ranges and ETags on files, the owner's ZIP of a shot and the owner's stats.
import { describe, expect, inject, it } from "vitest";
import type { RoomClient } from "../../shared/room-client.ts";
import { sniffImage } from "../../worker/photos/image-check.ts";
import { Api, fixture } from "./kit/api.ts";
import { tagJpeg } from "../../shared/jpeg-tag.ts";

const GUESTS = 3;

/** Entry count from a ZIP's end-of-central-directory record (no comment, so it is the last 22 bytes). */
function zipEntries(zip: Uint8Array): number {
  const end = new DataView(zip.buffer, zip.byteOffset + zip.length - 22, 22);
  if (end.getUint32(0, true) !== 0x06054b50) throw new Error("no end-of-central-directory record");
  return end.getUint16(10, true);
}

for (const server of inject("servers")) {
  describe(`photo routes on ${server.kind}`, () => {
    it("serve the shot's mosaic, byte ranges and 304s of a photo, the owner's ZIP and the owner's stats", async () => {
      const api = new Api(server.url);
      const { token } = await api.login("Owner");
      const owner = { Authorization: `Bearer ${token}` };
      const { roomId } = await api.createRoom(token, "Photo routes");
      const clients: RoomClient[] = Array.from({ length: GUESTS }, (_, i) =>
        api.client(roomId, { clientId: `photos-${i}`, name: `Guest ${i}` }),
      );
      try {
        await Promise.all(clients.map((c) => c.once("welcome")));
        await clients[0]!.once("members", (m) => m.count === GUESTS);
        const fired = Promise.all(clients.map((c) => c.once("fire")));
        const { shotId } = (await api.shoot(roomId, token)).body;
        await fired;
        const photos = clients.map((_, i) => tagJpeg(fixture("photo.jpg"), `photo route ${i}`));
        for (const [i, c] of clients.entries()) {
          const r = await api.upload(roomId, c.uploadToken!, {
            photo: photos[i],
            thumb: fixture("thumb.jpg"),
            tile: fixture("tile.jpg"),
            shotId,
          });
          expect(r.status, JSON.stringify(r.body)).toBe(201);
        }

        const redirect = await fetch(`${server.url}/api/rooms/${roomId}/mosaic?shot=${shotId}`, { redirect: "manual" });
        expect(redirect.status).toBe(302);
        expect(redirect.headers.get("Mosaic-Tiles")).toBe(String(GUESTS));
        const mosaic = await api.download(redirect.headers.get("Location")!);
        // 3 tiles of 64 px in a near-square grid: 2 × 2 slots.
        expect(sniffImage(mosaic)).toEqual({ type: "image/jpeg", width: 128, height: 128 });

        const [first] = await api.listAll(roomId, shotId);
        const original = photos[clients.findIndex((c) => c.memberId === first!.memberId)]!;
        const part = await fetch(server.url + first!.url, { headers: { Range: "bytes=100-199" } });
        expect(part.status).toBe(206);
        expect(part.headers.get("Content-Range")).toBe(`bytes 100-199/${original.length}`);
        expect(Buffer.from(await part.arrayBuffer()).equals(Buffer.from(original.subarray(100, 200)))).toBe(true);
        const etag = part.headers.get("ETag")!;
        expect((await fetch(server.url + first!.url, { headers: { "If-None-Match": etag } })).status).toBe(304);
        const beyond = await fetch(server.url + first!.url, { headers: { Range: `bytes=${original.length}-` } });
        expect(beyond.status).toBe(416);
        await beyond.body?.cancel();

        const zip = await fetch(`${server.url}/api/rooms/${roomId}/photos.zip?shot=${shotId}`, { headers: owner });
        expect(zip.status).toBe(200);
        const zipBytes = new Uint8Array(await zip.arrayBuffer());
        expect(zipEntries(zipBytes)).toBe(GUESTS);
        const guestZip = await fetch(`${server.url}/api/rooms/${roomId}/photos.zip`, {
          headers: { Authorization: `Bearer ${(await api.login("Not the owner")).token}` },
        });
        expect(guestZip.status).toBe(403);

        const stats = await api.json(`/api/rooms/${roomId}/stats`, { headers: owner });
        expect(stats.status).toBe(200);
        expect(stats.body).toMatchObject({ photos: GUESTS, members: GUESTS });
      } finally {
        clients.forEach((c) => c.close());
      }
    });
  });
}
