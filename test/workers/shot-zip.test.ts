// The owner's ZIP of a shot: every photo byte for byte, the length announced up front, the login
// token as a header or a query parameter, and refusals for everyone else.
import { describe, expect, it } from "vitest";
import { auth, call, fetchRaw, login, roomWithPhotos } from "./helpers.ts";
import { unzipStored } from "../unzip-stored.ts";

describe("the shot ZIP", () => {
  it("holds every photo of the shot byte for byte, streamed with its length announced", async () => {
    const { roomId, token, shotId, photos } = await roomWithPhotos(3, "zip");
    const r = await fetchRaw(`/api/rooms/${roomId}/photos.zip?shot=${shotId}`, { headers: auth(token) });
    expect(r.status).toBe(200);
    expect(r.headers.get("Content-Type")).toBe("application/zip");
    expect(r.headers.get("Content-Disposition")).toBe(`attachment; filename="simulshot-${shotId}.zip"`);
    const zip = new Uint8Array(await r.arrayBuffer());
    expect(zip.length).toBe(Number(r.headers.get("Content-Length")));
    const entries = unzipStored(zip);
    // Numbered in upload order, then the member's name (uploads ran in parallel, so any order).
    expect(entries.map((e) => e.name.slice(0, 5))).toEqual(["0001-", "0002-", "0003-"]);
    expect(entries.map((e) => e.name.slice(5)).sort()).toEqual(["zip-0.jpg", "zip-1.jpg", "zip-2.jpg"]);
    const byBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((v, i) => v === b[i]);
    for (const p of photos) expect(entries.some((e) => byBytes(e.data, p.photo))).toBe(true);
  });

  it("accepts the login token as ?access_token= so a plain link downloads it, and defaults to the latest shot", async () => {
    const { roomId, token } = await roomWithPhotos(1, "ziplink");
    const r = await fetchRaw(`/api/rooms/${roomId}/photos.zip?access_token=${encodeURIComponent(token)}`);
    expect(r.status).toBe(200);
    expect(unzipStored(new Uint8Array(await r.arrayBuffer()))).toHaveLength(1);
  });

  it("refuses anyone but the owner, a bad token and an unknown shot", async () => {
    const { roomId, token } = await roomWithPhotos(1, "zipdeny");
    expect(await call(`/api/rooms/${roomId}/photos.zip`)).toMatchObject({
      status: 401,
      body: { error: { code: "unauthorized" } },
    });
    expect((await call(`/api/rooms/${roomId}/photos.zip?access_token=nope`)).body).toMatchObject({
      error: { code: "bad_token" },
    });
    const other = await login("Mallory");
    expect(await call(`/api/rooms/${roomId}/photos.zip`, { headers: auth(other) })).toMatchObject({
      status: 403,
      body: { error: { code: "not_owner" } },
    });
    expect(await call(`/api/rooms/${roomId}/photos.zip?shot=nope`, { headers: auth(token) })).toMatchObject({
      status: 404,
      body: { error: { code: "shot_not_found" } },
    });
  });
});
