// Requests for room ids and shots that were never created leave no storage behind: neither the room's
// Durable Object nor a mosaic builder writes a table for them.
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { auth, call, createRoom, login, openSocket } from "./helpers.ts";

/** The tables in a Durable Object's SQLite storage (its own `_cf_` bookkeeping aside). */
const tablesOf = (stub: DurableObjectStub) =>
  runInDurableObject(stub, (_object, state: DurableObjectState) =>
    state.storage.sql
      .exec<{ name: string }>("SELECT name FROM sqlite_master")
      .toArray()
      .map((r) => r.name)
      .filter((n) => !n.startsWith("_cf_")),
  );
const roomStub = (roomId: string) => env.ROOMS.get(env.ROOMS.idFromName(roomId));
const mosaicStub = (roomId: string, shotId: string) => env.MOSAICS.get(env.MOSAICS.idFromName(`${roomId}/${shotId}`));
const randomRoomId = () =>
  btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(16))))
    .replace(/[+/=]/g, "A")
    .slice(0, 22);

describe("ids that were never created", () => {
  it("every route asked about a made-up room id answers 404 and the room object stores nothing", async () => {
    const token = await login();
    const roomId = randomRoomId();
    const answers = [
      await call(`/api/rooms/${roomId}`),
      await call(`/api/rooms/${roomId}/photos`),
      await call(`/api/rooms/${roomId}/mosaic`),
      await call(`/api/rooms/${roomId}/mosaic?shot=madeUpShot`),
      await call(`/api/rooms/${roomId}/shoot`, { method: "POST", headers: auth(token) }),
      await call(`/api/rooms/${roomId}/stats`, { headers: auth(token) }),
      await call(`/api/rooms/${roomId}/photos.zip`, { headers: auth(token) }),
    ];
    for (const a of answers) expect(a.status).toBe(404);
    const socket = await openSocket(roomId);
    expect((await socket.closed).code).toBe(4004);
    expect(await tablesOf(roomStub(roomId))).toEqual([]);
    expect(await tablesOf(mosaicStub(roomId, "madeUpShot"))).toEqual([]);
  });

  it("a made-up shot of a real room gets no mosaic builder storage, and the room keeps its own", async () => {
    const token = await login();
    const roomId = await createRoom(token);
    const r = await call(`/api/rooms/${roomId}/mosaic?shot=madeUpShot`);
    expect(r.status).toBe(404);
    expect(r.body.error.code).toBe("shot_not_found");
    expect(await tablesOf(mosaicStub(roomId, "madeUpShot"))).toEqual([]);
    expect(await tablesOf(roomStub(roomId))).toContain("meta");
  });
});
