// A guest's place on the ring (the bullet-time sweep's order): set by a `place` frame, kept with the member
// across reconnects, returned with its photos in the listing; bad places are refused with an error frame.
import { describe, expect, it } from "vitest";
import { auth, call, createRoom, join, jpeg, login, openSocket, upload } from "./helpers.ts";

type Guest = Awaited<ReturnType<typeof join>>;

/** Frames on one socket are handled in order: a pong proves the frames sent before its ping were applied. */
async function applied(g: Guest, id: number): Promise<void> {
  g.send({ type: "ping", id, t0: 1 });
  await g.next((m) => m.type === "pong" && m.id === id);
}

describe("a guest's place on the ring", () => {
  it("is kept with the member across a reconnect and returned with its photo in the listing", async () => {
    const token = await login();
    const roomId = await createRoom(token);
    const a = await join(roomId, "place-a");
    const b = await join(roomId, "place-b");
    a.send({ type: "place", place: 270 });
    b.send({ type: "place", place: 12.5 });
    await applied(a, 1);
    await applied(b, 1);
    // The same client again, on a new socket: the place stays with the member.
    a.ws.close();
    await a.closed;
    const again = await join(roomId, "place-a");
    await again.next((m) => m.type === "members" && m.count === 2);
    const shot = await call<{ shotId: string }>(`/api/rooms/${roomId}/shoot`, { method: "POST", headers: auth(token) });
    for (const [i, g] of [again, b].entries())
      expect((await upload(roomId, g.welcome.uploadToken, { photo: jpeg(32, 24, [i * 90, 10, 10]) })).status).toBe(201);
    const list = await call(`/api/rooms/${roomId}/photos?shot=${shot.body.shotId}`);
    const places = Object.fromEntries(list.body.photos.map((p: { name: string; place?: number }) => [p.name, p.place]));
    expect(places).toEqual({ "place-a": 270, "place-b": 12.5 });
  });

  it("can be cleared, and a member who never set one has none", async () => {
    const token = await login();
    const roomId = await createRoom(token);
    const a = await join(roomId, "clear-a");
    const b = await join(roomId, "clear-b");
    // Each place is proven applied (its pong) before the next is sent: once, CI read 90 after both were sent.
    a.send({ type: "place", place: 90 });
    await applied(a, 1);
    a.send({ type: "place", place: null });
    await applied(a, 2);
    await b.next((m) => m.type === "members" && m.count === 2);
    await call(`/api/rooms/${roomId}/shoot`, { method: "POST", headers: auth(token) });
    for (const g of [a, b])
      expect((await upload(roomId, g.welcome.uploadToken, { photo: jpeg(16, 16) })).status).toBe(201);
    const list = await call(`/api/rooms/${roomId}/photos`);
    for (const p of list.body.photos) expect(p).not.toHaveProperty("place");
  });

  it("refuses a place out of range, not a number, or before join, and the socket keeps working", async () => {
    const roomId = await createRoom(await login());
    const early = await openSocket(roomId);
    early.send({ type: "place", place: 10 });
    expect(await early.next((m) => m.type === "error")).toMatchObject({ code: "not_joined" });
    const g = await join(roomId, "bad-place");
    for (const place of [-1, 100_001, "north", 1e300, true]) {
      // Each refusal is its own answer: an error received before this send does not count.
      const before = g.frames.length;
      g.send({ type: "place", place });
      const answer = await g.next((m) => g.frames.indexOf(m) >= before && m.type === "error");
      expect(answer, JSON.stringify(place)).toMatchObject({ code: "bad_message" });
    }
    g.send({ type: "ping", id: 1, t0: 1 });
    expect(await g.next((m) => m.type === "pong")).toBeTruthy();
  });
});
