// File downloads inside workerd: immutable files with ETag/304 and byte ranges, unknown files, and
// stats for the owner only.
import { describe, expect, it } from "vitest";
import { env } from "cloudflare:test";
import { auth, call, fetchRaw, jpeg, login, roomWithPhotos, roomWithShot, upload } from "./helpers.ts";

describe("file downloads", () => {
  it("answer 304 to the file's ETag and serve single byte ranges as 206, or 416 when unsatisfiable", async () => {
    const { photos } = await roomWithPhotos(1, "range");
    const { url, photo } = photos[0]!;
    const full = await fetchRaw(url);
    const etag = full.headers.get("ETag")!;
    expect(full.headers.get("Accept-Ranges")).toBe("bytes");
    expect(new Uint8Array(await full.arrayBuffer())).toEqual(photo);
    const notModified = await fetchRaw(url, { headers: { "If-None-Match": etag } });
    expect([notModified.status, notModified.headers.get("ETag")]).toEqual([304, etag]);

    const size = photo.byteLength;
    const cases: Array<[string, number, number]> = [
      ["bytes=0-99", 0, 99],
      ["bytes=100-", 100, size - 1],
      ["bytes=-50", size - 50, size - 1],
    ];
    for (const [header, start, end] of cases) {
      const r = await fetchRaw(url, { headers: { Range: header } });
      expect(r.status, header).toBe(206);
      expect(r.headers.get("Content-Range")).toBe(`bytes ${start}-${end}/${size}`);
      expect(new Uint8Array(await r.arrayBuffer())).toEqual(photo.subarray(start, end + 1));
    }
    const beyond = await fetchRaw(url, { headers: { Range: `bytes=${size}-` } });
    expect(beyond.status).toBe(416);
    expect(beyond.headers.get("Content-Range")).toBe(`bytes */${size}`);
    expect(await beyond.json()).toMatchObject({ error: { code: "range_not_satisfiable" } });
  });

  it("of a removed photo stop; another photo with the same bytes keeps its own copy", async () => {
    const { roomId, token, members } = await roomWithShot(3, "shared");
    const same = jpeg(40, 30, [9, 99, 199]);
    const ups = await Promise.all(
      [same, same, jpeg(40, 30, [1, 2, 3])].map((photo, i) =>
        upload(roomId, members[i]!.welcome.uploadToken, { photo }),
      ),
    );
    const [a, b, c] = ups.map((u) => u.body as { photoId: string; url: string });
    // Each upload stores its own bytes (worker/photos/blob-key.ts), named by their hash and its own suffix.
    expect(a!.url).not.toBe(b!.url);
    expect(a!.url.slice(0, -22)).toBe(b!.url.slice(0, -22));
    for (const p of [a!, c!])
      expect(
        (await call(`/api/rooms/${roomId}/photos/${p.photoId}`, { method: "DELETE", headers: auth(token) })).status,
      ).toBe(204);
    const key = (url: string) => `rooms/${roomId}/${url.slice(url.lastIndexOf("/") + 1)}`;
    for (const gone of [a!, c!]) {
      for (let i = 0; i < 100 && (await env.PHOTOS.head(key(gone.url))); i++)
        await new Promise((r) => setTimeout(r, 20));
      expect(await env.PHOTOS.head(key(gone.url))).toBeNull();
      expect((await fetchRaw(gone.url)).status).toBe(404);
    }
    const kept = await fetchRaw(b!.url);
    expect(new Uint8Array(await kept.arrayBuffer())).toEqual(same);
  });

  it("show stats to the owner only", async () => {
    const { roomId } = await roomWithShot(0, "stats");
    const other = await login("Mallory");
    expect((await call(`/api/rooms/${roomId}/stats`)).status).toBe(401);
    expect(await call(`/api/rooms/${roomId}/stats`, { headers: auth(other) })).toMatchObject({
      status: 403,
      body: { error: { code: "not_owner" } },
    });
  });

  it("answer 404 for a file name that is not content-addressed or not stored", async () => {
    const { roomId } = await roomWithShot(0, "nofile");
    expect((await call(`/api/rooms/${roomId}/files/..%2Fsecret.jpg`)).status).toBe(404);
    const absent = await call(`/api/rooms/${roomId}/files/${"0".repeat(64)}.jpg`);
    expect(absent).toMatchObject({ status: 404, body: { error: { code: "file_not_found" } } });
  });
});
