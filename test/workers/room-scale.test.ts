// Member counts as the room keeps them for large rooms (joins update the count without reading every
// socket): a welcome counts the guests joined so far, closes and rejoins are reflected, and listings
// still name the room in photo URLs.
import { describe, expect, it } from "vitest";
import { auth, call, createRoom, join, jpeg, login, openSocket, uploadForm } from "./helpers.ts";

describe("member counts", () => {
  it("a welcome counts the guests joined before it, and a guest who leaves stops counting", async () => {
    const roomId = await createRoom(await login());
    const a = await join(roomId, "count-a");
    const b = await join(roomId, "count-b");
    await join(roomId, "count-screen", "viewer");
    const c = await join(roomId, "count-c");
    expect(c.welcome.room.members).toBe(3);
    b.ws.close(1000, "bye");
    await b.closed;
    await a.next((m) => m.type === "members" && m.count === 2);
    const d = await join(roomId, "count-d");
    expect(d.welcome.room.members).toBe(3);
  });

  it("counts a guest with two sockets once, and still counts it when one of them closes", async () => {
    const roomId = await createRoom(await login());
    const first = await join(roomId, "twice");
    const second = await join(roomId, "twice");
    expect(second.welcome.room.members).toBe(1);
    first.ws.close(1000, "bye");
    await first.closed;
    const other = await join(roomId, "someone-else");
    expect(other.welcome.room.members).toBe(2);
  });

  it("moves the count when a socket joins again as another client", async () => {
    const roomId = await createRoom(await login());
    const s = await openSocket(roomId);
    s.send({ type: "join", v: 1, clientId: "first-id", name: "A" });
    await s.next((m) => m.type === "welcome");
    s.send({ type: "join", v: 1, clientId: "second-id", name: "B" });
    await s.next((m) => m.type === "welcome" && m.room.members === 1);
    const next = await join(roomId, "third-id");
    expect(next.welcome.room.members).toBe(2);
  });

  it("names the room in every photo URL of a listing", async () => {
    const token = await login();
    const roomId = await createRoom(token);
    const a = await join(roomId, "url-a");
    await call(`/api/rooms/${roomId}/shoot`, { method: "POST", headers: auth(token) });
    const up = await call(`/api/rooms/${roomId}/photos`, {
      method: "POST",
      headers: auth(a.welcome.uploadToken),
      body: uploadForm({ photo: jpeg(32, 24) }),
    });
    expect(up.status).toBe(201);
    const list = await call(`/api/rooms/${roomId}/photos`);
    expect(list.body.photos[0].url.startsWith(`/api/rooms/${roomId}/files/`)).toBe(true);
    expect(list.body.photos[0].thumbUrl.startsWith(`/api/rooms/${roomId}/files/`)).toBe(true);
  });
});
