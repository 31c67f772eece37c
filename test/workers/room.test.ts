// The Room object inside workerd: the whole flow, persistence across a fresh instance, owner-only
// shoot, idempotent upload, unknown rooms and deadlines.
import { abortAllDurableObjects, env, runDurableObjectAlarm } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { WIDE_CLOCK_BOUND_MS } from "../../shared/protocol.ts";
import { auth, call, createRoom, join, jpeg, login, openSocket, uploadForm } from "./helpers.ts";

async function upload(roomId: string, uploadToken: string, files: Record<string, Uint8Array | string>) {
  return call(`/api/rooms/${roomId}/photos`, { method: "POST", headers: auth(uploadToken), body: uploadForm(files) });
}

describe("a room", () => {
  it("runs create → join → shoot → upload → list → download", async () => {
    const token = await login();
    const roomId = await createRoom(token);
    const a = await join(roomId, "client-a");
    const b = await join(roomId, "client-b");
    expect(a.welcome.uploadToken).toBeTruthy();
    await a.next((m) => m.type === "members" && m.count === 2);

    a.send({ type: "ping", id: 1, t0: 123 });
    const pong = await a.next((m) => m.type === "pong");
    expect(pong).toMatchObject({ id: 1, t0: 123 });
    expect(pong.ts).toBeTypeOf("number");

    const shot = await call(`/api/rooms/${roomId}/shoot`, { method: "POST", headers: auth(token) });
    expect(shot.status).toBe(202);
    const shoot = await b.next((m) => m.type === "shoot");
    expect(shoot).toEqual({ type: "shoot", shotId: shot.body.shotId, at: shot.body.at, spreadMs: 0 });

    const photo = jpeg(64, 48);
    const up = await upload(roomId, a.welcome.uploadToken, { photo, shotId: shoot.shotId });
    expect(up.status).toBe(201);
    expect(up.body.url).toMatch(/^\/api\/rooms\/.+\/files\/[0-9a-f]{64}-[0-9a-f]{16}\.jpg$/);
    expect(up.body.thumbUrl).toBeTruthy(); // small photos get a server-made thumb

    const list = await call(`/api/rooms/${roomId}/photos?shot=${shoot.shotId}`);
    expect(list.body.photos).toHaveLength(1);
    expect(list.body.photos[0]).toMatchObject({
      memberId: a.welcome.memberId,
      name: "client-a",
      bytes: photo.byteLength,
    });
    const { exports } = await import("cloudflare:workers");
    const file = await exports.default.fetch(new Request(`http://simulshot.test${up.body.url}`));
    expect(file.headers.get("Cache-Control")).toBe("public, max-age=31536000, immutable");
    expect(new Uint8Array(await file.arrayBuffer())).toEqual(photo);
    await a.next((m) => m.type === "photos" && m.count === 1);
  });

  it("counts guests with an open socket once each, never viewers, and drops them when they leave", async () => {
    const roomId = await createRoom(await login());
    const viewer = await join(roomId, "owner-tab", "viewer");
    expect(viewer.welcome.uploadToken).toBe("");
    const a = await join(roomId, "count-a");
    const aTab2 = await join(roomId, "count-a");
    const b = await join(roomId, "count-b");
    expect(aTab2.welcome.memberId).toBe(a.welcome.memberId);
    await viewer.next((m) => m.type === "members" && m.count === 2);
    b.ws.close(1000, "bye");
    await viewer.next((m) => m.type === "members" && m.count === 1);
    a.ws.close(1000, "bye");
    await new Promise((r) => setTimeout(r, 250));
    expect((await call(`/api/rooms/${roomId}`)).body.members).toBe(1); // a's second tab is still open
  });

  it("counts guests whose clock is synced as ready, per connection, and refuses ready before join", async () => {
    const roomId = await createRoom(await login());
    const viewer = await join(roomId, "ready-screen", "viewer");
    const a = await join(roomId, "ready-a");
    const b = await join(roomId, "ready-b");
    await viewer.next((m) => m.type === "members" && m.count === 2 && m.ready === 0);
    a.send({ type: "ready", error: 0.8 });
    a.send({ type: "ready", error: 0.5 }); // a second one on the same connection counts once
    viewer.send({ type: "ready", error: 1 }); // viewers are not counted
    await viewer.next((m) => m.type === "members" && m.count === 2 && m.ready === 1);
    expect((await call(`/api/rooms/${roomId}`)).body).toMatchObject({ members: 2, ready: 1 });
    b.send({ type: "ready", error: -1 });
    expect(await b.next((m) => m.type === "error")).toMatchObject({ code: "bad_message" });
    a.ws.close(1000, "bye");
    await viewer.next((m) => m.type === "members" && m.count === 1 && m.ready === 0);
    const stranger = await openSocket(roomId);
    stranger.send({ type: "ready", error: 1 });
    expect(await stranger.next((m) => m.type === "error")).toMatchObject({ code: "not_joined" });
  });

  it("counts ready guests whose clock bound is wide, follows a ready that crosses back, in coalesced counts", async () => {
    const roomId = await createRoom(await login());
    const viewer = await join(roomId, "wide-screen", "viewer");
    const a = await join(roomId, "wide-a");
    const b = await join(roomId, "wide-b");
    await viewer.next((m) => m.type === "members" && m.count === 2);
    a.send({ type: "ready", error: WIDE_CLOCK_BOUND_MS + 134 }); // a 300 ms round trip proves no better
    b.send({ type: "ready", error: 0.7 });
    const both = await viewer.next((m) => m.type === "members" && m.ready === 2);
    expect(both).toEqual({ type: "members", count: 2, ready: 2, wide: 1 }); // one frame for both readies
    expect((await call(`/api/rooms/${roomId}`)).body).toMatchObject({ members: 2, ready: 2, wide: 1 });
    // Each step waits for a count sent after it: the frames before it already hold wide 0 and wide 1.
    let before = viewer.frames.length;
    const after = (m: { type: string }) => viewer.frames.indexOf(m) >= before && m.type === "members";
    a.send({ type: "ready", error: 3.2 }); // its background probes found a quieter moment
    expect(await viewer.next(after)).toEqual({ type: "members", count: 2, ready: 2, wide: 0 });
    before = viewer.frames.length;
    b.send({ type: "ready", error: WIDE_CLOCK_BOUND_MS + 1 });
    expect(await viewer.next(after)).toEqual({ type: "members", count: 2, ready: 2, wide: 1 });
    b.ws.close(1000, "bye");
    expect(await viewer.next((m) => m.type === "members" && m.count === 1)).toEqual({
      type: "members",
      count: 1,
      ready: 1,
      wide: 0,
    });
  });

  it("keeps its members, shots and photos in a fresh object instance", async () => {
    const token = await login();
    const roomId = await createRoom(token);
    const a = await join(roomId, "persist-a");
    const shot = await call(`/api/rooms/${roomId}/shoot`, { method: "POST", headers: auth(token) });
    expect((await upload(roomId, a.welcome.uploadToken, { photo: jpeg(32, 32) })).status).toBe(201);
    await abortAllDurableObjects();
    const after = await call(`/api/rooms/${roomId}`);
    expect(after.body).toMatchObject({
      roomId,
      photos: 1,
      shot: { shotId: shot.body.shotId, expected: 1, uploaded: 1 },
    });
    // The same clientId resumes the same membership.
    const again = await join(roomId, "persist-a");
    expect(again.welcome.memberId).toBe(a.welcome.memberId);
  });

  it("lets only the owner shoot, and an owner who shoots twice gets one shot", async () => {
    const owner = await login();
    const other = await login("Mallory");
    const roomId = await createRoom(owner);
    const denied = await call(`/api/rooms/${roomId}/shoot`, { method: "POST", headers: auth(other) });
    expect(denied).toMatchObject({ status: 403, body: { error: { code: "not_owner" } } });
    const anon = await call(`/api/rooms/${roomId}/shoot`, { method: "POST" });
    expect(anon.status).toBe(401);
    const [s1, s2] = await Promise.all(
      [1, 2].map(() => call(`/api/rooms/${roomId}/shoot`, { method: "POST", headers: auth(owner) })),
    );
    expect(s1!.body.shotId).toBe(s2!.body.shotId);
  });

  it("stores a re-uploaded photo once, and a retry after it landed writes no bytes", async () => {
    const token = await login();
    const roomId = await createRoom(token);
    const a = await join(roomId, "dup-a");
    await call(`/api/rooms/${roomId}/shoot`, { method: "POST", headers: auth(token) });
    const photo = jpeg(40, 30);
    const first = await upload(roomId, a.welcome.uploadToken, { photo });
    const stored = async () => (await env.PHOTOS.list({ prefix: `rooms/${roomId}/` })).objects.length;
    const before = await stored();
    const second = await upload(roomId, a.welcome.uploadToken, { photo: jpeg(40, 30, [1, 2, 3]) });
    expect(await stored()).toBe(before);
    expect(first.status).toBe(201);
    expect(second.status).toBe(200);
    expect(second.body.photoId).toBe(first.body.photoId);
    expect((await call(`/api/rooms/${roomId}/photos`)).body.photos).toHaveLength(1);
  });

  it("stores a photo with its thumb and tile as two objects: the tile is cut from the thumb if needed", async () => {
    const token = await login();
    const roomId = await createRoom(token);
    const a = await join(roomId, "objects-a");
    await call(`/api/rooms/${roomId}/shoot`, { method: "POST", headers: auth(token) });
    const up = await upload(roomId, a.welcome.uploadToken, {
      photo: jpeg(400, 300),
      thumb: jpeg(200, 150),
      tile: jpeg(64, 64),
    });
    expect(up.status).toBe(201);
    const keys = (await env.PHOTOS.list({ prefix: `rooms/${roomId}/` })).objects.map((o) => o.key);
    expect(keys.map((k) => k.slice(k.lastIndexOf("/") + 1)).sort()).toEqual(
      [up.body.url, up.body.thumbUrl].map((u: string) => u.slice(u.lastIndexOf("/") + 1)).sort(),
    );
  });

  it("answers 404 for unknown rooms over HTTP and WebSocket", async () => {
    expect(await call("/api/rooms/AAAAAAAAAAAAAAAAAAAAAA")).toMatchObject({
      status: 404,
      body: { error: { code: "room_not_found" } },
    });
    expect((await call("/api/rooms/..%2F..%2Fetc")).status).toBe(404);
    // A well-formed unknown id is answered on the socket (browsers never see an upgrade's status).
    const unknown = await openSocket("BBBBBBBBBBBBBBBBBBBBBB");
    expect(await unknown.next((m) => m.type === "error")).toMatchObject({ code: "room_not_found" });
    expect((await unknown.closed).code).toBe(4004);
    await expect(openSocket("..%2F..%2Fetc")).rejects.toThrow(/404/);
  });

  it("completes a shot at its deadline without a member who never uploads", async () => {
    const token = await login();
    const roomId = await createRoom(token);
    const a = await join(roomId, "dl-a");
    const b = await join(roomId, "dl-b");
    await call(`/api/rooms/${roomId}/shoot`, { method: "POST", headers: auth(token) });
    expect((await upload(roomId, a.welcome.uploadToken, { photo: jpeg(16, 16) })).status).toBe(201);
    // SHOT_WINDOW_MS is 2000 in tests: wait past at + window, then run the alarm.
    const room = (await call(`/api/rooms/${roomId}`)).body;
    await new Promise((r) => setTimeout(r, Math.max(0, room.shot.deadline - Date.now() + 50)));
    await runDurableObjectAlarm(env.ROOMS.get(env.ROOMS.idFromName(roomId)));
    expect(await a.next((m) => m.type === "shot-done")).toMatchObject({ uploaded: 1, missing: 1 });
    const late = await upload(roomId, b.welcome.uploadToken, { photo: jpeg(16, 16) });
    expect(late).toMatchObject({ status: 409, body: { error: { code: "shot_closed" } } });
  });
});
