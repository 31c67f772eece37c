// A room of several shards end to end, on both servers: 20 real RoomClients with skewed clocks in a room
// created expecting 200 on the suite's servers (SHARD_MEMBERS = 64: 4 shards, each its own Durable Object or
// Deno actor) go through sync → shoot → fire → upload → list → report → stats as a room of one object does.
import { describe, expect, inject, it } from "vitest";
import type { FireEvent, RoomClient } from "../../shared/room-client.ts";
import { tagJpeg } from "../../shared/jpeg-tag.ts";
import { shardOfClient } from "../../worker/room/shard-routing.ts";
import { Api, fixture } from "./kit/api.ts";

const N = 20;
/** SHARD_MEMBERS of the suite's servers (test/e2e/kit/global-setup.ts), and the shards of a room expecting 200. */
const K = 64;
const S = 4;
const EXPECTED = 200;
/** Client ids that fill no shard past K (a hash fills shards unevenly; this set is fixed, so is the test). */
function clientIds(): string[] {
  const out: string[] = [];
  const per = Array.from({ length: S }, () => 0);
  for (let i = 0; out.length < N; i++) {
    const id = `shard-guest-${i}`;
    const s = shardOfClient(id, S);
    if (per[s]! < N / S) {
      per[s] = per[s]! + 1;
      out.push(id);
    }
  }
  return out;
}

const realNow = () => performance.timeOrigin + performance.now();

for (const server of inject("servers")) {
  describe(`a room of ${S} shards on ${server.kind}`, () => {
    it("syncs, shoots, fires, uploads and lists 20 members over 4 shards as one room", async (ctx) => {
      // Another server's shard size is its own: only the suite's servers are known to make 4 shards of this room.
      if (server.kind === "external") return ctx.skip();
      const api = new Api(server.url);
      const { token } = await api.login("Crowd organiser");
      const created = await api.json<{ roomId: string }>("/api/rooms", {
        method: "POST",
        headers: { Authorization: `Bearer ${token}` },
        body: JSON.stringify({ title: "Crowd", expected: EXPECTED }),
      });
      expect(created.status).toBe(201);
      const { roomId } = created.body;
      expect(roomId.endsWith(`-${S}`)).toBe(true);

      const ids = clientIds();
      const skews = ids.map((_, i) => (i - N / 2) * 333_333.7);
      const clients: RoomClient[] = ids.map((clientId, i) =>
        api.client(roomId, { clientId, now: () => realNow() - skews[i]!, syncProbes: 8 }),
      );
      try {
        // One clock for the room: every member's estimate holds its own skew, whatever shard answered it.
        const estimates = await Promise.all(clients.map((c) => c.once("sync")));
        estimates.forEach((e, i) => expect(Math.abs(e.offset - skews[i]!)).toBeLessThanOrEqual(e.error + 1));
        // Totals cross shards: a member of the last shard hears all 20.
        const last = clients[ids.findIndex((id) => shardOfClient(id, S) === S - 1)]!;
        await last.once("members", (m) => m.count === N && m.ready === N);

        const fires = clients.map(
          (c, i) =>
            new Promise<{ f: FireEvent; real: number }>((resolve) =>
              c.on("fire", (f) => resolve({ f, real: f.firedAt - f.estimate.offset + skews[i]! })),
            ),
        );
        const shot = await api.shoot(roomId, token);
        expect(shot.status).toBe(202);
        const { shotId, at } = shot.body;
        for (const { f, real } of await Promise.all(fires)) {
          expect(f.shotId).toBe(shotId);
          // Within its bound, plus the scheduler's own lateness (as full-flow allows).
          expect(Math.abs(real - at)).toBeLessThanOrEqual(f.estimate.error + f.fireError + 2);
        }

        const sent = new Map<string, Uint8Array>();
        await Promise.all(
          clients.map(async (c, i) => {
            const photo = tagJpeg(fixture("photo.jpg"), `shard-photo-${i}`);
            const up = await api.upload(roomId, c.uploadToken!, { photo });
            expect(up.status).toBe(201);
            sent.set(up.body.photoId, photo);
          }),
        );
        await Promise.all(clients.map((c) => c.once("shot-done", (d) => d.shotId === shotId && d.uploaded === N)));

        const listed = await api.listAll(roomId, shotId);
        expect(listed.map((p) => p.photoId).sort()).toEqual([...sent.keys()].sort());
        for (const p of listed.slice(0, 5)) expect(await api.download(p.url)).toEqual(sent.get(p.photoId));

        const report = await api.json(`/api/rooms/${roomId}/shots/${shotId}`, {
          headers: { Authorization: `Bearer ${token}` },
        });
        expect(report.body).toMatchObject({ expected: N, uploaded: N, state: "done" });
        expect(report.body.members).toHaveLength(N);

        const stats = await api.json(`/api/rooms/${roomId}/stats`, { headers: { Authorization: `Bearer ${token}` } });
        expect(stats.body.shards).toHaveLength(S);
        for (const s of stats.body.shards) expect(s.sockets).toBeLessThanOrEqual(K);
      } finally {
        for (const c of clients) c.close();
      }
    });
  });
}
