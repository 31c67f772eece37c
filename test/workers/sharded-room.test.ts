// One room over three objects (SHARD_MEMBERS = 10 in this suite, 25 members expected: 3 shards), through the
// Worker as clients see it: every path crosses shards (mosaic pages per shard and the overview too), and a
// room of 25 behaves as one of 25 on one object.
import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { estimateOffset, type Probe } from "../../shared/clock-sync.ts";
import type { Room } from "../../worker/adapter/cloudflare/room-object.ts";
import { shardName, shardOfClient } from "../../worker/room/shard-routing.ts";
import { unzipStored } from "../unzip-stored.ts";
import { auth, call, fetchRaw, jpeg, openSocket, upload, type TestSocket } from "./helpers.ts";

const K = 10;
const N = 25;
const ids = Array.from({ length: N }, (_, i) => `g-${i}`);

type Member = TestSocket & { clientId: string; welcome: any };

async function joinAt(roomId: string, clientId: string): Promise<Member> {
  const s = await openSocket(roomId, `?clientId=${clientId}`);
  s.send({ type: "join", v: 1, clientId, name: clientId });
  const welcome = await s.next((m) => m.type === "welcome" || m.type === "error");
  return { ...s, clientId, welcome };
}

async function ownerRoom(expected = N) {
  const { body } = await call<{ token: string; userId: string }>("/api/login", {
    method: "POST",
    body: JSON.stringify({ name: "Owner" }),
  });
  const r = await call<{ roomId: string }>("/api/rooms", {
    method: "POST",
    headers: auth(body.token),
    body: JSON.stringify({ title: "Crowd", expected }),
  });
  expect(r.status).toBe(201);
  return { token: body.token, roomId: r.body.roomId };
}

const object = (roomId: string, index: number) =>
  env.ROOMS.get(env.ROOMS.idFromName(shardName(roomId, index))) as DurableObjectStub<Room>;

async function until<T>(what: string, f: () => Promise<T | null | undefined | false>, ms = 8000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("a room of three shards", () => {
  it("is sized from `expected`, named for its shards, and routes each client to one shard, also on rejoin", async () => {
    const { roomId } = await ownerRoom();
    expect(roomId).toMatch(/^[A-Za-z0-9_-]{22}-3$/);
    const bad = await call("/api/rooms", {
      method: "POST",
      headers: auth((await ownerRoom()).token),
      body: '{"expected":-1}',
    });
    expect(bad).toMatchObject({ status: 400, body: { error: { code: "bad_expected" } } });
    const members = await Promise.all(ids.map((id) => joinAt(roomId, id)));
    for (const m of members) {
      expect(m.welcome.type).toBe("welcome");
      const shard = shardOfClient(m.clientId, 3);
      expect(m.welcome.memberId.endsWith(`-${shard}`) || (shard === 0 && !/-\d+$/.test(m.welcome.memberId))).toBe(true);
    }
    // Totals cross shards: a member of every shard hears all 25.
    for (const shard of [0, 1, 2]) {
      const m = members.find((x) => shardOfClient(x.clientId, 3) === shard)!;
      await m.next((f) => f.type === "members" && f.count === N);
    }
    expect((await call(`/api/rooms/${roomId}`)).body).toMatchObject({ members: N, title: "Crowd" });
    // A reconnect lands on the same shard and is the same member.
    const first = members[3]!;
    first.ws.close(1000, "bye");
    const again = await joinAt(roomId, first.clientId);
    expect(again.welcome.memberId).toBe(first.welcome.memberId);
    // A socket without its client id cannot be routed.
    const r = await fetchRaw(`/api/rooms/${roomId}/ws`, { headers: { Upgrade: "websocket" } });
    expect(r.status).toBe(400);
    expect(await r.json()).toMatchObject({ error: { code: "bad_client_id" } });
  });

  it("answers a made-up id naming 99,999 shards from its coordinator alone, and stores nothing", async () => {
    const fake = `${"f".repeat(22)}-99999`;
    expect((await call(`/api/rooms/${fake}`)).status).toBe(404);
    expect((await call(`/api/rooms/${fake}/photos`)).body).toMatchObject({ error: { code: "room_not_found" } });
    expect((await call(`/api/rooms/${fake}/mosaic`)).status).toBe(404);
    const s = await joinAt(fake, "nobody");
    expect(s.welcome).toMatchObject({ type: "error", code: "room_not_found" });
    expect((await s.closed).code).toBe(4004);
    const shard = shardOfClient("nobody", 99_999);
    const tables = await runInDurableObject(object(fake, shard), (_room, state) =>
      state.storage.sql.exec("SELECT name FROM sqlite_master WHERE type = 'table'").toArray(),
    );
    expect(tables.filter((t) => !String(t.name).startsWith("_cf"))).toEqual([]);
  });

  it("takes at most K members a shard, and says so", async () => {
    const { roomId } = await ownerRoom();
    const zero: string[] = [];
    for (let i = 0; zero.length < K + 1; i++) if (shardOfClient(`z-${i}`, 3) === 0) zero.push(`z-${i}`);
    const joined = [];
    for (const id of zero.slice(0, K)) joined.push(await joinAt(roomId, id));
    expect(joined.every((m) => m.welcome.type === "welcome")).toBe(true);
    const extra = await joinAt(roomId, zero[K]!);
    expect(extra.welcome).toMatchObject({ type: "error", code: "room_full" });
    expect((await extra.closed).code).toBe(4003);
    // The other shards still take members.
    const other = ids.find((id) => shardOfClient(id, 3) !== 0)!;
    expect((await joinAt(roomId, other)).welcome.type).toBe("welcome");
  });

  it("shoots to every shard, records fires and uploads, lists, reports, zips, counts and deletes across them", async () => {
    const { token, roomId } = await ownerRoom();
    const members = await Promise.all(ids.map((id) => joinAt(roomId, id)));
    await members[0]!.next((f) => f.type === "members" && f.count === N);
    const shot = await call<{ shotId: string; at: number; spreadMs: number }>(`/api/rooms/${roomId}/shoot`, {
      method: "POST",
      headers: auth(token),
    });
    expect(shot.status).toBe(202);
    const { shotId, at } = shot.body;
    for (const m of members) expect(await m.next((f) => f.type === "shoot")).toMatchObject({ shotId, at });
    for (const m of members) m.send({ type: "fired", shotId, firedAt: at + 1, offset: 0, error: 2 });
    const photos = await Promise.all(
      members.map(async (m, i) => {
        const up = await upload(roomId, m.welcome.uploadToken, { photo: jpeg(48, 32, [i * 9, 100, 200]) });
        expect(up.status).toBe(201);
        return up.body as { photoId: string };
      }),
    );
    // The coordinator completes the shot once every shard's photos are in, and every shard tells its sockets.
    for (const m of members)
      expect(await m.next((f) => f.type === "shot-done", 8000)).toMatchObject({ shotId, uploaded: N, missing: 0 });

    // The listing pages across shards with one cursor: every photo once.
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await call(`/api/rooms/${roomId}/photos?shot=${shotId}&limit=7${cursor ? `&cursor=${cursor}` : ""}`);
      expect(page.status).toBe(200);
      seen.push(...page.body.photos.map((p: { photoId: string }) => p.photoId));
      cursor = page.body.next;
    } while (cursor);
    expect(new Set(seen).size).toBe(N);
    expect(new Set(seen)).toEqual(new Set(photos.map((p) => p.photoId)));
    expect((await call(`/api/rooms/${roomId}/photos?cursor=zz`)).status).toBe(400);

    // ?member= goes to the member's own shard.
    const m7 = members[7]!;
    const mine = await call(`/api/rooms/${roomId}/photos?member=${m7.welcome.memberId}`);
    expect(mine.body.photos.map((p: { photoId: string }) => p.photoId)).toEqual([photos[7]!.photoId]);

    const report = await call(`/api/rooms/${roomId}/shots/${shotId}`, { headers: auth(token) });
    expect(report.body).toMatchObject({ shotId, expected: N, uploaded: N, state: "done" });
    expect(report.body.members).toHaveLength(N);
    expect(
      report.body.members.every((r: { fireError: number; uploaded: boolean }) => r.fireError === 1 && r.uploaded),
    ).toBe(true);

    const stats = await call(`/api/rooms/${roomId}/stats`, { headers: auth(token) });
    expect(stats.body).toMatchObject({ members: N, photos: N });
    expect(stats.body.shards).toHaveLength(3);
    for (const s of stats.body.shards) expect(s.sockets).toBeLessThanOrEqual(K);
    expect(stats.body.shards.reduce((n: number, s: { sockets: number }) => n + s.sockets, 0)).toBe(N);

    const zip = await fetchRaw(`/api/rooms/${roomId}/photos.zip?shot=${shotId}`, { headers: auth(token) });
    expect(zip.status).toBe(200);
    expect(unzipStored(new Uint8Array(await zip.arrayBuffer()))).toHaveLength(N);

    // The mosaic: pages built per shard, of that shard's members' photos, and an overview of one cell a page.
    const json = { headers: { Accept: "application/json" } };
    const onShard = (i: number) => members.filter((m) => shardOfClient(m.clientId, 3) === i).length;
    const pages = await Promise.all(
      [0, 1, 2].map((shard) =>
        until(`shard ${shard}'s mosaic page`, async () => {
          const r = await fetchRaw(`/api/rooms/${roomId}/mosaic?shot=${shotId}&shard=${shard}`, json);
          const v = r.status === 200 ? ((await r.json()) as { tiles: number; shard: number; url: string }) : null;
          return v && v.tiles === onShard(shard) ? v : null;
        }),
      ),
    );
    expect(pages.map((p) => p.shard)).toEqual([0, 1, 2]);
    expect(pages[2]!.url).toMatch(new RegExp(`/mosaics/${shotId}-s2-p0-\\d+\\.jpg$`));
    const page2 = await fetchRaw(pages[2]!.url);
    expect([page2.status, page2.headers.get("Content-Type")]).toEqual([200, "image/jpeg"]);
    await page2.arrayBuffer();
    expect((await fetchRaw(`/api/rooms/${roomId}/mosaic?shot=${shotId}&shard=3`, json)).status).toBe(404);
    const overview = await call(`/api/rooms/${roomId}/mosaic/overview?shot=${shotId}`, json);
    expect(overview.body).toMatchObject({
      shotId,
      cols: 2,
      rows: 2,
      photos: N,
      cells: [0, 1, 2].map((shard) => ({ shard, page: 0, tiles: onShard(shard) })),
    });
    const overviewImage = await fetchRaw(overview.body.url);
    expect(overviewImage.status).toBe(200);
    expect((await overviewImage.arrayBuffer()).byteLength).toBeGreaterThan(500);

    // The owner deletes a photo made on another shard than the coordinator.
    const far = photos.find((p) => p.photoId.endsWith("-2"))!;
    expect(
      (await call(`/api/rooms/${roomId}/photos/${far.photoId}`, { method: "DELETE", headers: auth(token) })).status,
    ).toBe(204);
    const after = await call(`/api/rooms/${roomId}/photos?shot=${shotId}&limit=100`);
    expect(after.body.photos).toHaveLength(N - 1);
    // Gone from its own shard's mosaic page at once (the remove went to that shard's builder).
    const page2After = await call(`/api/rooms/${roomId}/mosaic?shot=${shotId}&shard=2`, json);
    expect(page2After.body.tiles).toBe(onShard(2) - 1);
  });

  it("closes a shot at its deadline with the missing counted on every shard", async () => {
    const { token, roomId } = await ownerRoom();
    const members = await Promise.all(ids.slice(0, 12).map((id) => joinAt(roomId, id)));
    await members[0]!.next((f) => f.type === "members" && f.count === 12);
    const shot = await call<{ shotId: string }>(`/api/rooms/${roomId}/shoot`, { method: "POST", headers: auth(token) });
    const { shotId } = shot.body;
    await Promise.all(
      members.slice(1).map(async (m, i) => {
        expect((await upload(roomId, m.welcome.uploadToken, { photo: jpeg(40, 30, [i * 20, 9, 9]) })).status).toBe(201);
      }),
    );
    for (const m of members)
      expect(await m.next((f) => f.type === "shot-done", 15000)).toMatchObject({ shotId, uploaded: 11, missing: 1 });
    const late = await upload(roomId, members[0]!.welcome.uploadToken, { photo: jpeg(40, 30) });
    expect(late).toMatchObject({ status: 409, body: { error: { code: "shot_closed" } } });
  });

  it("keeps every acknowledged photo when a shard restarts mid-shot", async () => {
    const { token, roomId } = await ownerRoom();
    const members = await Promise.all(ids.map((id) => joinAt(roomId, id)));
    await members[0]!.next((f) => f.type === "members" && f.count === N);
    const { shotId } = (
      await call<{ shotId: string }>(`/api/rooms/${roomId}/shoot`, { method: "POST", headers: auth(token) })
    ).body;
    const onShard1 = members.filter((m) => shardOfClient(m.clientId, 3) === 1);
    const first = onShard1.slice(0, 4);
    for (const m of first)
      expect((await upload(roomId, m.welcome.uploadToken, { photo: jpeg(40, 30, [9, 9, 9]) })).status).toBe(201);
    // Shard 1 is reset (memory and sockets go, storage stays, as in a crash or a deploy); its members
    // reconnect, and the rest of the room upload on.
    await runInDurableObject(object(roomId, 1), (_room, state) => {
      try {
        state.abort("restart mid-shot");
      } catch {
        // abort() throws to end this invocation: the object is reset
      }
    }).catch(() => {});
    for (const m of onShard1) await m.closed;
    const back = await Promise.all(onShard1.map((m) => joinAt(roomId, m.clientId)));
    for (const m of back) expect(m.welcome.type).toBe("welcome");
    const rest = members.filter((m) => !first.includes(m));
    await Promise.all(
      rest.map(async (m) => {
        const token = (back.find((b) => b.clientId === m.clientId) ?? m).welcome.uploadToken;
        expect((await upload(roomId, token, { photo: jpeg(40, 30, [1, 2, 3]) })).status).toBe(201);
      }),
    );
    const all = await call(`/api/rooms/${roomId}/photos?shot=${shotId}&limit=100`);
    expect(all.body.photos).toHaveLength(N);
    await until("the shot's completion", async () => {
      const v = await call(`/api/rooms/${roomId}`);
      return v.body.shot?.state === "done" && v.body.shot.uploaded === N;
    });
  });

  it("syncs every member to the coordinator's clock, though shards' clocks are skewed", async () => {
    const skews = [0, 400, -250];
    const roomId = `skewedroom${Math.random().toString(36).slice(2, 14).padEnd(12, "x")}-3`;
    for (const [i, skew] of skews.entries())
      await runInDurableObject(object(roomId, i), (room) => {
        room.clockSkewMs = skew;
      });
    await object(roomId, 0).create({ roomId, ownerId: "owner", title: "" });
    for (const shard of [0, 1, 2]) {
      const id = ids.find((x) => shardOfClient(x, 3) === shard)!;
      const m = await joinAt(roomId, id);
      const probes: Probe[] = [];
      for (let i = 0; i < 8; i++) {
        const t0 = Date.now();
        m.send({ type: "ping", id: i, t0 });
        const pong = await m.next((f) => f.type === "pong" && f.id === i);
        probes.push({ t0, ts: pong.ts, t3: Date.now(), te: pong.te });
      }
      const e = estimateOffset(probes)!;
      // The coordinator's clock is this test's (skew 0): the member's estimate holds 0 within its bound
      // (and the shard's pull of 400 or −250 ms would be far outside it).
      expect(Math.abs(e.offset)).toBeLessThanOrEqual(e.error);
    }
  });
});
