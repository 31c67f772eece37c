// The server process killed and restarted mid-room (its state folder kept), before the shoot,
// between the shoot and its instant, and during the uploads: guests reconnect with backoff plus
// jitter (measured), the room carries on, and no acknowledged photo is lost.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { LocalServer } from "../../scripts/local-server.ts";
import { Api } from "./kit/api.ts";
import { photoFor } from "./kit/http-kit.ts";
import { ownServer } from "./kit/own-server.ts";
import { rejoins, syncedRoom, uploadsAcross } from "./kit/restart-kit.ts";
import { joinRaw, until } from "./kit/sockets.ts";

/** The most events that fall within any window of `ms`. */
function densest(times: number[], ms: number): number {
  const t = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; j < t.length; j++) {
    while (t[j]! - t[i]! > ms) i++;
    best = Math.max(best, j - i + 1);
  }
  return best;
}

const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.round(q * (xs.length - 1))]!;

for (const { kind } of inject("servers")) {
  describe.skipIf(kind === "external")(`server restarts on ${kind}`, () => {
    let server: LocalServer;
    let api: Api;
    beforeAll(async () => {
      server = (await ownServer(kind, { SHOT_WINDOW_MS: "60000" }))!;
      api = new Api(server.url);
    });
    afterAll(() => server?.stop());

    const room = (n: number, prefix: string) => syncedRoom(api, n, prefix);

    const report = async (roomId: string, shotId: string, token: string) =>
      (await api.json(`/api/rooms/${roomId}/shots/${shotId}`, { headers: { Authorization: `Bearer ${token}` } })).body;

    it("before the shoot: 30 guests reconnect at jittered moments, keep their membership, and the shot completes", async () => {
      const N = 30;
      const { token, roomId, clients, memberIds } = await room(N, "before");
      try {
        const back = rejoins(clients);
        await server.restart();
        const upAt = Date.now();
        const r = await back;
        expect(clients.map((c) => c.client.memberId)).toEqual(memberIds);

        const firstRetries = r.map((x) => x.firstRetry);
        const opened = r.map((x) => x.rejoinOpenedAt - upAt);
        const rejoined = r.map((x) => x.rejoinedAt - upAt);
        const spread = {
          firstRetryMs: [Math.min(...firstRetries), Math.max(...firstRetries)],
          rejoinAttemptAfterUpMs: [Math.min(...opened), quantile(opened, 0.5), Math.max(...opened)],
          welcomedAfterUpMs: [Math.min(...rejoined), quantile(rejoined, 0.5), Math.max(...rejoined)],
          mostRejoinAttemptsIn20ms: densest(opened, 20),
          mostWelcomesIn20ms: densest(rejoined, 20),
        };
        console.log(`[restart] ${N} guests, reconnect spread: ${JSON.stringify(spread)}`);
        // Never all at the same instant: the first retries alone span a good part of the jitter range,
        // and no 20 ms window holds more than a third of the room's successful reconnect attempts.
        expect(spread.firstRetryMs[1]! - spread.firstRetryMs[0]!).toBeGreaterThanOrEqual(100);
        expect(spread.mostRejoinAttemptsIn20ms).toBeLessThanOrEqual(N / 3);

        await until(async () => (await api.json(`/api/rooms/${roomId}`)).body.members === N, 5000, "all counted");
        const shot = (await api.shoot(roomId, token)).body;
        const fires = await Promise.all(clients.map((c) => c.client.once("fire", (f) => f.shotId === shot.shotId)));
        expect(fires.filter((f) => f.late)).toHaveLength(0);
        const done = clients[0]!.client.once("shot-done");
        await Promise.all(
          clients.map(async (c, i) => {
            const up = await api.upload(roomId, c.client.uploadToken!, { photo: photoFor(`before-${i}`) });
            expect(up.status).toBe(201);
          }),
        );
        expect(await done).toMatchObject({ shotId: shot.shotId, uploaded: N, missing: 0 });
      } finally {
        for (const c of clients) c.client.close();
      }
    });

    it("between the shoot and its instant: guests fire while the server is down and report it once back", async () => {
      const N = 10;
      const { token, roomId, clients } = await room(N, "between");
      // A member that reports a 1 s round trip makes the room lead the shot by 3.5 s: time to go down first.
      const slow = await joinRaw(api, roomId, "between-slow-link", "viewer");
      slow.send({ type: "ping", id: 1, t0: 1, rtt: 1000 });
      await slow.next((m) => m.type === "pong");
      try {
        const back = rejoins(clients);
        const shot = (await api.shoot(roomId, token)).body;
        await Promise.all(clients.map((c) => c.client.once("shoot")));
        const fires = clients.map((c) => c.client.once("fire").then((f) => ({ f, connected: c.client.connected })));
        // Down until after the instant (a Deno server is back in well under a second).
        await server.restart(() => new Promise((r) => setTimeout(r, Math.max(0, shot.at - Date.now() + 100))));
        const fired = await Promise.all(fires);
        expect(fired.filter((x) => x.connected)).toHaveLength(0);
        expect(fired.filter((x) => x.f.late)).toHaveLength(0);
        await back;
        const rep = await until(
          async () => {
            const r = await report(roomId, shot.shotId, token);
            return r.members.every((m: any) => m.fireError !== null) && r;
          },
          10_000,
          "every fired report",
        );
        expect(rep.expected).toBe(N);
        expect(rep.members.filter((m: any) => m.late)).toHaveLength(0);
      } finally {
        for (const c of clients) c.client.close();
      }
    });

    it("during the uploads: every photo acknowledged before, across or after the restart is listed", async () => {
      const N = 20;
      const { token, roomId, clients } = await room(N, "during");
      try {
        const shot = (await api.shoot(roomId, token)).body;
        await Promise.all(clients.map((c) => c.client.once("fire")));
        // The second half is in flight when the server is stopped; each retries until answered.
        const { acked, attempts } = await uploadsAcross(api, roomId, shot.shotId, clients, "during", () =>
          server.restart(),
        );
        console.log(`[restart] upload attempts of the ${N / 2} in flight: ${JSON.stringify(attempts)}`);
        expect(Math.max(...attempts)).toBeGreaterThan(1);

        const listed = await api.listAll(roomId, shot.shotId);
        expect(listed).toHaveLength(N);
        const byMember = new Map(listed.map((p) => [p.memberId, p.photoId]));
        for (const [memberId, { photoId }] of acked) expect(byMember.get(memberId)).toBe(photoId);
        expect((await api.json(`/api/rooms/${roomId}`)).body.shot).toMatchObject({ state: "done", uploaded: N });
      } finally {
        for (const c of clients) c.client.close();
      }
    });
  });
}
