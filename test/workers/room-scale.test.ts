// The room's paths that a thousand clients hit at once: member counts kept as guests join (not read from
// every socket per join), closes and rejoins reflected; listings paged by an index in upload order; fired
// reports recorded for expected members only.
import { describe, expect, it } from "vitest";
import { auth, call, createRoom, join, jpeg, login, uploadForm } from "./helpers.ts";

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

  it("counts a guest with two sockets once, until both have closed", async () => {
    const roomId = await createRoom(await login());
    const first = await join(roomId, "twice");
    const second = await join(roomId, "twice");
    expect(second.welcome.room.members).toBe(1);
    first.ws.close(1000, "bye");
    await first.closed;
    const other = await join(roomId, "someone-else");
    expect(other.welcome.room.members).toBe(2);
    second.ws.close(1000, "bye");
    await second.closed;
    await other.next((m) => m.type === "members" && m.count === 1);
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

  it("pages a shot's listing in upload order with every photo once, leaving other shots out, or one member's", async () => {
    const token = await login();
    const roomId = await createRoom(token);
    const guests = [];
    for (let i = 0; i < 5; i++) guests.push(await join(roomId, `page-${i}`));
    const shot = (await call(`/api/rooms/${roomId}/shoot`, { method: "POST", headers: auth(token) })).body.shotId;
    const order: string[] = [];
    for (const [i, g] of guests.entries()) {
      const up = await call(`/api/rooms/${roomId}/photos`, {
        method: "POST",
        headers: auth(g.welcome.uploadToken),
        body: uploadForm({ photo: jpeg(16 + i, 16) }),
      });
      expect(up.status).toBe(201);
      order.push(up.body.photoId);
    }
    const seen: string[] = [];
    const sizes: number[] = [];
    let cursor = "";
    do {
      const page = await call(`/api/rooms/${roomId}/photos?shot=${shot}&limit=2${cursor && `&cursor=${cursor}`}`);
      sizes.push(page.body.photos.length);
      seen.push(...page.body.photos.map((p: { photoId: string }) => p.photoId));
      cursor = page.body.next ?? "";
    } while (cursor);
    expect(seen).toEqual(order);
    expect(sizes).toEqual([2, 2, 1]);
    const other = await call(`/api/rooms/${roomId}/photos?shot=not-a-shot&limit=2`);
    expect(other.body.photos).toEqual([]);
    // One member's photo of the shot, found without reading the others (what a client checks for its own).
    const mine = await call(`/api/rooms/${roomId}/photos?shot=${shot}&member=${guests[3]!.welcome.memberId}`);
    expect(mine.body.photos.map((p: { photoId: string }) => p.photoId)).toEqual([order[3]]);
    expect(await call(`/api/rooms/${roomId}/photos?member=a/b`)).toMatchObject({
      status: 400,
      body: { error: { code: "bad_member" } },
    });
  });

  it("records a fired report for a member of the shot and refuses one for a shot it is not in", async () => {
    const token = await login();
    const roomId = await createRoom(token);
    const a = await join(roomId, "fired-a");
    const shot = (await call(`/api/rooms/${roomId}/shoot`, { method: "POST", headers: auth(token) })).body;
    a.send({ type: "fired", shotId: shot.shotId, firedAt: shot.at + 0.5, offset: 12, error: 0.25 });
    a.send({ type: "fired", shotId: "someone-elses-shot", firedAt: shot.at, offset: 0, error: 1 });
    expect(await a.next((m) => m.type === "error")).toMatchObject({ code: "no_such_shot" });
    const report = await call(`/api/rooms/${roomId}/shots/${shot.shotId}`, { headers: auth(token) });
    expect(report.body.members).toEqual([
      expect.objectContaining({ memberId: a.welcome.memberId, fireError: 0.5, error: 0.25, late: false }),
    ]);
  });
});
