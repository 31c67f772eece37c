// A room that hibernates or is evicted between join and shoot. workerd cannot be told to hibernate an
// object, so a fresh Room built over the same state stands in for the wake-up: the constructor runs
// again with empty memory while the sockets and their attachments stay. abortAllDurableObjects() is
// eviction: memory and sockets both go, and the clients rejoin.
import { abortAllDurableObjects, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { Room } from "../../worker/adapter/cloudflare/room-object.ts";
import { auth, call, join, type TestSocket } from "./helpers.ts";

async function owner() {
  const { body } = await call<{ token: string; userId: string }>("/api/login", {
    method: "POST",
    body: JSON.stringify({ name: "Owner" }),
  });
  const room = await call<{ roomId: string }>("/api/rooms", { method: "POST", headers: auth(body.token), body: "{}" });
  return { ...body, roomId: room.body.roomId, stub: env.ROOMS.get(env.ROOMS.idFromName(room.body.roomId)) };
}

/** Runs `fn` on a Room woken afresh over the live object's state and sockets. */
function afterWakeUp<T>(stub: DurableObjectStub<Room>, fn: (room: Room, sockets: WebSocket[]) => T | Promise<T>) {
  return runInDurableObject(stub, (_live, state) => fn(new Room(state, env), state.getWebSockets()));
}

describe("a room that hibernates between join and shoot", () => {
  it("still counts its guests, answers their frames and reaches their sockets when it wakes", async () => {
    const { userId, roomId, stub } = await owner();
    const a = await join(roomId, "hib-a");
    const b = await join(roomId, "hib-b");
    const screen = await join(roomId, "hib-screen", "viewer");
    b.send({ type: "ready", error: 150 }); // wide: a network too slow to prove better
    await screen.next((m) => m.type === "members" && m.ready === 1 && m.wide === 1);
    const shot = await afterWakeUp(stub, async (room, sockets) => {
      const mine = sockets.find(
        (ws) => (ws.deserializeAttachment() as { memberId: string }).memberId === a.welcome.memberId,
      )!;
      // a's ready is the first thing the woken room hears; b's, wide, from before, the attachment kept.
      await room.webSocketMessage(mine, JSON.stringify({ type: "ready", error: 1 }));
      expect(room.info()).toMatchObject({ members: 2, ready: 2, wide: 1, photos: 0 });
      await room.webSocketMessage(mine, JSON.stringify({ type: "ping", id: 41, t0: 1 }));
      return room.shoot(userId);
    });
    expect(await a.next((m) => m.type === "pong" && m.id === 41)).toBeTruthy();
    expect(await screen.next((m) => m.type === "members" && m.ready === 2 && m.wide === 1)).toBeTruthy();
    expect(shot).toMatchObject({ ok: true, created: true });
    if (!shot?.ok) return;
    for (const s of [a, b] as TestSocket[])
      expect(await s.next((m) => m.type === "shoot")).toEqual({
        type: "shoot",
        shotId: shot.shotId,
        at: shot.at,
        spreadMs: 0,
      });
    expect((await call(`/api/rooms/${roomId}`)).body.shot).toMatchObject({ shotId: shot.shotId, expected: 2 });
  });

  it("still leads the shot far enough for its slowest member's round trip", async () => {
    const { userId, roomId, stub } = await owner();
    const slow = await join(roomId, "hib-slow");
    slow.send({ type: "ping", id: 1, t0: 1, rtt: 1200 });
    await slow.next((m) => m.type === "pong");
    const shot = await afterWakeUp(stub, (room) => room.shoot(userId));
    if (!shot?.ok) throw new Error(JSON.stringify(shot));
    expect(shot.at - Date.now()).toBeGreaterThanOrEqual(3 * 1200 + 500 - 50);
  });

  it("is rejoined by the same members after an eviction that dropped every socket, and shoots", async () => {
    const { token, roomId } = await owner();
    const before = await Promise.all(["ev-a", "ev-b"].map((id) => join(roomId, id)));
    await abortAllDurableObjects();
    for (const s of before) expect((await s.closed).code).toBe(1006);
    const after = await Promise.all(["ev-a", "ev-b"].map((id) => join(roomId, id)));
    expect(after.map((s) => s.welcome.memberId)).toEqual(before.map((s) => s.welcome.memberId));
    const shot = await call(`/api/rooms/${roomId}/shoot`, { method: "POST", headers: auth(token) });
    expect(shot.status).toBe(202);
    for (const s of after) expect(await s.next((m) => m.type === "shoot")).toMatchObject({ shotId: shot.body.shotId });
    expect((await call(`/api/rooms/${roomId}`)).body.shot).toMatchObject({ expected: 2 });
  });
});
