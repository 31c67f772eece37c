// The group mosaic through the Worker: a redirect to the newest immutable version, growing with uploads, pulled by
// the builder once the uploads pause, without a removed photo, and catching up on a photo no upload poked it for.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { RoomApi } from "../../worker/platform.ts";
import { auth, call, createRoom, fetchRaw, jpeg, login, near, roomWithShot, solidJpeg, upload } from "./helpers.ts";
import { decodeJpeg } from "../jpeg-pixels.ts";

type Rgb = [number, number, number];
const RED: Rgb = [220, 30, 30];
const GREEN: Rgb = [30, 200, 40];
const BLUE: Rgb = [40, 60, 220];
const WHITE: Rgb = [255, 255, 255];

/** Follows GET /mosaic until it shows `tiles` tiles (the builder pulls them after the uploads' answers). */
async function mosaicWith(roomId: string, shotId: string, tiles: number) {
  for (let i = 0; i < 200; i++) {
    const r = await fetchRaw(`/api/rooms/${roomId}/mosaic?shot=${shotId}`, { redirect: "manual" });
    expect(r.status).toBe(302);
    if (Number(r.headers.get("Mosaic-Tiles")) === tiles) {
      const location = r.headers.get("Location")!;
      const file = await fetchRaw(location);
      expect(file.status).toBe(200);
      return { location, file, image: decodeJpeg(new Uint8Array(await file.arrayBuffer())) };
    }
    await new Promise((res) => setTimeout(res, 50));
  }
  throw new Error(`the mosaic never showed ${tiles} tiles`);
}

/** Records a photo straight into the room, as if the upload's poke of the mosaic builder was lost. */
async function recordWithoutHandOff(
  roomId: string,
  shotId: string,
  memberId: string,
  keys: { thumbKey: string | null; tileKey: string },
) {
  const room: RoomApi = env.ROOMS.get(env.ROOMS.idFromName(roomId));
  const key = `rooms/${roomId}/${"cd".repeat(32)}.jpg`;
  const rec = await room.recordPhoto({
    memberId,
    shotId,
    key,
    ...keys,
    type: "image/jpeg",
    bytes: 1,
    width: 1,
    height: 1,
  });
  return rec.ok;
}

/** The colours at the centres of the first `n` slots of a mosaic `cols` tiles wide. */
const slots = (image: ReturnType<typeof decodeJpeg>, n: number) =>
  Array.from({ length: n }, (_, i) =>
    image.rgb((i % (image.width / 64)) * 64 + 32, Math.floor(i / (image.width / 64)) * 64 + 32),
  );
const holds = (found: number[][], colours: number[][]) =>
  colours.every((c) => found.some((f) => near(f, c))) && found.every((f) => colours.some((c) => near(f, c)));

describe("the group mosaic", () => {
  it("grows with each upload, each version under its own immutable URL", async () => {
    const { roomId, shotId, members } = await roomWithShot(3, "grow");
    for (const [i, rgb] of [RED, BLUE].entries())
      await upload(roomId, members[i]!.welcome.uploadToken, { photo: jpeg(32, 32), tile: solidJpeg(rgb) });
    const two = await mosaicWith(roomId, shotId, 2);
    expect(two.location).toMatch(new RegExp(`^/api/rooms/${roomId}/mosaics/${shotId}-p0-\\d+\\.jpg$`));
    expect([two.image.width, two.image.height]).toEqual([128, 64]);
    expect(holds(slots(two.image, 2), [RED, BLUE])).toBe(true);
    expect(two.file.headers.get("Cache-Control")).toBe("public, max-age=31536000, immutable");
    const etag = two.file.headers.get("ETag")!;
    expect((await fetchRaw(two.location, { headers: { "If-None-Match": etag } })).status).toBe(304);

    await upload(roomId, members[2]!.welcome.uploadToken, { photo: jpeg(32, 32), tile: solidJpeg(GREEN) });
    const three = await mosaicWith(roomId, shotId, 3);
    expect(three.location).not.toBe(two.location);
    expect([three.image.width, three.image.height]).toEqual([128, 128]);
    expect(holds(slots(three.image, 3), [RED, BLUE, GREEN])).toBe(true);
    expect(near(slots(three.image, 4)[3]!, WHITE)).toBe(true);
    // The previous version is still served: a reader may just have been sent there.
    expect((await fetchRaw(two.location)).status).toBe(200);
  });

  it("leaves out a removed photo from the next version and deletes the versions that showed it", async () => {
    const { roomId, shotId, members, token } = await roomWithShot(3, "remove");
    const ups = [];
    for (const [i, rgb] of [RED, GREEN, BLUE].entries())
      ups.push(
        await upload(roomId, members[i]!.welcome.uploadToken, { photo: jpeg(32, 32, rgb), tile: solidJpeg(rgb) }),
      );
    const before = await mosaicWith(roomId, shotId, 3);
    const green = ups[1]!.body;
    expect(
      (await call(`/api/rooms/${roomId}/photos/${green.photoId}`, { method: "DELETE", headers: auth(token) })).status,
    ).toBe(204);

    const after = await mosaicWith(roomId, shotId, 2);
    expect(holds(slots(after.image, 2), [RED, BLUE])).toBe(true);
    const listed = await call(`/api/rooms/${roomId}/photos?shot=${shotId}`);
    expect(listed.body.photos.map((p: { photoId: string }) => p.photoId)).not.toContain(green.photoId);
    const key = (location: string) => `rooms/${roomId}/mosaics/${location.slice(location.lastIndexOf("/") + 1)}`;
    for (let i = 0; i < 100 && (await env.PHOTOS.head(key(before.location))); i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(await env.PHOTOS.head(key(before.location))).toBeNull();
    expect(await env.PHOTOS.head(key(after.location))).not.toBeNull();
  });

  it("pulls the uploads' tiles once they pause, before anyone reads the mosaic", async () => {
    const { roomId, shotId, members, token } = await roomWithShot(2, "pull");
    for (const [i, rgb] of [RED, BLUE].entries())
      await upload(roomId, members[i]!.welcome.uploadToken, { photo: jpeg(32, 32), thumb: solidJpeg(rgb) });
    // The builder's reads of the thumbs are counted in the room's stats: they come with no reader, poked by the uploads.
    const reads = async () =>
      (await call<{ r2Reads: number }>(`/api/rooms/${roomId}/stats`, { headers: auth(token) })).body.r2Reads;
    for (let i = 0; i < 100 && (await reads()) < 2; i++) await new Promise((r) => setTimeout(r, 100));
    expect(await reads()).toBe(2);
    const page = await call<{ tiles: number }>(`/api/rooms/${roomId}/mosaic?shot=${shotId}`, {
      headers: { Accept: "application/json" },
    });
    expect(page.body.tiles).toBe(2);
    expect(await reads()).toBe(2); // the read found every tile there: no thumb fetched again
    const m = await mosaicWith(roomId, shotId, 2);
    expect(holds(slots(m.image, 2), [RED, BLUE])).toBe(true);
  });

  it("catches up on a tile the room recorded but the builder never received", async () => {
    const { roomId, shotId, members, token } = await roomWithShot(1, "lost");
    const tileKey = `rooms/${roomId}/${"ab".repeat(32)}.rgba`;
    const rgba = new Uint8Array(64 * 64 * 4).map((_, i) => (i % 4 === 3 ? 255 : BLUE[i % 4]!));
    await env.PHOTOS.put(tileKey, rgba);
    const keys = { thumbKey: null, tileKey };
    expect(await recordWithoutHandOff(roomId, shotId, members[0]!.welcome.memberId, keys)).toBe(true);
    // No upload poked the builder: the reader's catch-up fetches the tile from R2.
    const m = await mosaicWith(roomId, shotId, 1);
    expect(near(slots(m.image, 1)[0]!, BLUE)).toBe(true);
    const stats = await call(`/api/rooms/${roomId}/stats`, { headers: auth(token) });
    expect(stats.body.r2Reads).toBeGreaterThanOrEqual(1);
  });

  it("cuts a lost tile from the photo's thumb when no tile was stored", async () => {
    const { roomId, shotId, members } = await roomWithShot(1, "lostthumb");
    const thumbKey = `rooms/${roomId}/${"ef".repeat(32)}.jpg`;
    await env.PHOTOS.put(thumbKey, solidJpeg(BLUE, 160, 120));
    const keys = { thumbKey, tileKey: thumbKey };
    expect(await recordWithoutHandOff(roomId, shotId, members[0]!.welcome.memberId, keys)).toBe(true);
    const m = await mosaicWith(roomId, shotId, 1);
    expect(near(slots(m.image, 1)[0]!, BLUE)).toBe(true);
  });

  it("answers a blank mosaic for a shot without photos, 404 for unknown shots, rooms and pages, 400 for a bad page", async () => {
    const { roomId, shotId } = await roomWithShot(0, "edges");
    const blank = await mosaicWith(roomId, shotId, 0);
    expect([blank.image.width, blank.image.height]).toEqual([64, 64]);
    // Without ?shot= the latest shot.
    const latest = await fetchRaw(`/api/rooms/${roomId}/mosaic`, { redirect: "manual" });
    expect(latest.headers.get("Location")).toBe(blank.location);
    expect(await call(`/api/rooms/${roomId}/mosaic?shot=nope`)).toMatchObject({
      status: 404,
      body: { error: { code: "shot_not_found" } },
    });
    expect(await call(`/api/rooms/${roomId}/mosaic?shot=${shotId}&page=1`)).toMatchObject({
      status: 404,
      body: { error: { code: "page_not_found" } },
    });
    expect(await call(`/api/rooms/${roomId}/mosaic?page=-1`)).toMatchObject({
      status: 400,
      body: { error: { code: "bad_page" } },
    });
    expect((await call(`/api/rooms/AAAAAAAAAAAAAAAAAAAAAA/mosaic?shot=${shotId}`)).status).toBe(404);
    const unshot = await createRoom(await login());
    expect(await call(`/api/rooms/${unshot}/mosaic`)).toMatchObject({
      status: 404,
      body: { error: { code: "shot_not_found" } },
    });
  });
});
