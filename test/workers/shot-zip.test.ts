// The owner's ZIP of a shot: every photo byte for byte, the length announced up front, the login token
// as a header or a minutes-long ZIP link for one shot of one room, and refusals for everyone else.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { signToken, type ZipClaims } from "../../worker/auth/token.ts";
import { ZIP_LINK_TTL_MS } from "../../worker/photos/zip-link.ts";
import { auth, call, createRoom, fetchRaw, login, roomWithPhotos } from "./helpers.ts";

const claimsOf = (token: string) =>
  JSON.parse(atob(token.split(".")[0]!.replace(/-/g, "+").replace(/_/g, "/"))) as Record<string, unknown>;

async function zipLink(roomId: string, shotId: string, token: string) {
  return call<{ url: string; expiresAt: number }>(`/api/rooms/${roomId}/shots/${shotId}/zip-link`, {
    method: "POST",
    headers: auth(token),
  });
}
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

  it("a minted ZIP link downloads the shot without the login token, for a few minutes", async () => {
    const { roomId, token, shotId } = await roomWithPhotos(1, "ziplink");
    const before = Date.now();
    const link = await zipLink(roomId, shotId, token);
    expect(link.status).toBe(201);
    const { url, expiresAt } = link.body;
    expect(url).toMatch(new RegExp(`^/api/rooms/${roomId}/photos\\.zip\\?shot=${shotId}&token=[\\w.-]+$`));
    expect(url).not.toContain(token);
    expect(expiresAt).toBeGreaterThanOrEqual(before + ZIP_LINK_TTL_MS);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + ZIP_LINK_TTL_MS);
    expect(ZIP_LINK_TTL_MS).toBeLessThanOrEqual(10 * 60_000);
    expect(claimsOf(new URL(url, "http://x").searchParams.get("token")!)).toMatchObject({
      k: "zip",
      room: roomId,
      shot: shotId,
      exp: expiresAt,
    });
    const r = await fetchRaw(url);
    expect(r.status).toBe(200);
    expect(unzipStored(new Uint8Array(await r.arrayBuffer()))).toHaveLength(1);
  });

  it("refuses the login token in the URL, a ZIP token as a login, and ZIP tokens of another room, shot or time", async () => {
    const { roomId, token, shotId } = await roomWithPhotos(1, "zipscope");
    const zipPath = (q: string) => `/api/rooms/${roomId}/photos.zip?${q}`;
    // The old link: a 7-day, all-rooms login token in the query string.
    expect(await call(zipPath(`shot=${shotId}&access_token=${encodeURIComponent(token)}`))).toMatchObject({
      status: 401,
      body: { error: { code: "bad_token" } },
    });
    expect(await call(zipPath(`shot=${shotId}&token=${encodeURIComponent(token)}`))).toMatchObject({
      status: 401,
      body: { error: { code: "bad_token" } },
    });
    // A ZIP token is no login: it creates no room and cannot mint more links.
    const zipToken = new URL((await zipLink(roomId, shotId, token)).body.url, "http://x").searchParams.get("token")!;
    expect((await call("/api/rooms", { method: "POST", headers: auth(zipToken), body: "{}" })).status).toBe(401);
    expect((await zipLink(roomId, shotId, zipToken)).status).toBe(401);
    // The same owner's other room: the link is for the room it was minted for only.
    const other = await createRoom(token);
    expect(await call(`/api/rooms/${other}/photos.zip?token=${zipToken}`)).toMatchObject({
      status: 403,
      body: { error: { code: "wrong_room" } },
    });
    // Signed claims for another shot of this room: refused when a shot is named, and never widened to it.
    const sign = (c: Partial<ZipClaims>) =>
      signToken(
        { k: "zip", room: roomId, shot: shotId, sub: claimsOf(token).sub as string, exp: Date.now() + 60_000, ...c },
        env.AUTH_SECRET!,
      );
    const otherShot = await sign({ shot: "another-shot" });
    expect(await call(zipPath(`shot=${shotId}&token=${otherShot}`))).toMatchObject({
      status: 403,
      body: { error: { code: "wrong_shot" } },
    });
    expect(await call(zipPath(`token=${otherShot}`))).toMatchObject({
      status: 404,
      body: { error: { code: "shot_not_found" } },
    });
    // Expired a second ago; the same claims unexpired download (so the expiry is what failed).
    expect(await call(zipPath(`shot=${shotId}&token=${await sign({ exp: Date.now() - 1000 })}`))).toMatchObject({
      status: 401,
      body: { error: { code: "bad_token" } },
    });
    const fresh = await fetchRaw(zipPath(`shot=${shotId}&token=${await sign({})}`));
    expect(fresh.status).toBe(200);
    await fresh.body?.cancel();
  });

  it("only the owner mints a ZIP link, and only for a shot of the room", async () => {
    const { roomId, shotId, token } = await roomWithPhotos(1, "zipmint");
    expect(await zipLink(roomId, shotId, await login("Mallory"))).toMatchObject({
      status: 403,
      body: { error: { code: "not_owner" } },
    });
    expect(await zipLink(roomId, "nope", token)).toMatchObject({
      status: 404,
      body: { error: { code: "shot_not_found" } },
    });
  });

  it("refuses anyone but the owner, a bad token and an unknown shot", async () => {
    const { roomId, token } = await roomWithPhotos(1, "zipdeny");
    expect(await call(`/api/rooms/${roomId}/photos.zip`)).toMatchObject({
      status: 401,
      body: { error: { code: "unauthorized" } },
    });
    expect((await call(`/api/rooms/${roomId}/photos.zip?token=nope`)).body).toMatchObject({
      error: { code: "bad_token" },
    });
    // The login check of every owner route: a header that is no bearer token is refused as on /stats.
    for (const path of ["photos.zip", "stats"]) {
      expect(
        await call(`/api/rooms/${roomId}/${path}`, { headers: { Authorization: "Basic b3duZXI=" } }),
      ).toMatchObject({
        status: 401,
        body: { error: { code: "unauthorized" } },
      });
      expect(await call(`/api/rooms/${roomId}/${path}`, { headers: auth("nope") })).toMatchObject({
        status: 401,
        body: { error: { code: "bad_token" } },
      });
    }
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
