// Timing faults over real sockets: a client clock that jumps after syncing, and a link that slows
// down after syncing so the shoot arrives after `at`. Either the client fires on the server's
// instant, or it fires as soon as it can and says it was late: never silently mistimed.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { FireEvent } from "../../shared/room-client.ts";
import { Api } from "./kit/api.ts";
import { DelayProxy } from "../../scripts/delay-proxy.ts";
import { photoFor } from "./kit/http-kit.ts";
import { until } from "./kit/sockets.ts";

const realNow = () => performance.timeOrigin + performance.now();

for (const server of inject("servers")) {
  describe(`clock and link faults on ${server.kind}`, () => {
    const api = new Api(server.url);
    let proxy: DelayProxy;
    beforeAll(async () => {
      proxy = await DelayProxy.start(server.url);
    });
    afterAll(() => proxy.close());

    it("clients whose clocks jump forward or back after syncing still fire on the server's instant", async () => {
      const { token } = await api.login();
      const { roomId } = await api.createRoom(token);
      const jumps = [30_000, -30_000, 0];
      const skews = jumps.map(() => 0);
      const clients = jumps.map((_, i) =>
        api.client(roomId, { clientId: `jumpy-${i}`, now: () => realNow() + skews[i]! }),
      );
      try {
        await Promise.all(clients.map((c) => c.once("sync")));
        jumps.forEach((j, i) => (skews[i] = j));
        const fires = clients.map(
          (c, i) =>
            new Promise<[number, FireEvent]>((r) =>
              // The fire's own clock reading (firedAt − offset), on the real timeline: see full-flow.test.ts.
              c.on("fire", (f) => r([f.firedAt - f.estimate.offset - skews[i]!, f])),
            ),
        );
        const { at } = (await api.shoot(roomId, token)).body;
        for (const [i, [real, f]] of (await Promise.all(fires)).entries()) {
          expect(f.late, `client ${i}`).toBe(false);
          expect(Math.abs(f.estimate.offset + jumps[i]!)).toBeLessThanOrEqual(f.estimate.error + 1);
          expect(Math.abs(real - at), `client ${i}`).toBeLessThanOrEqual(f.estimate.error + f.fireError + 10);
        }
      } finally {
        for (const c of clients) c.close();
      }
    });

    it("a client whose link slows after syncing gets the shoot after `at`, fires once its clock is confirmed, and is reported late", async () => {
      const { token } = await api.login();
      const { roomId } = await api.createRoom(token);
      const slow = api.client(roomId, {
        clientId: "slow-link",
        url: new Api(proxy.url).wsUrl(roomId),
      });
      try {
        await slow.once("sync");
        proxy.downMs = 1900;
        const shot = (await api.shoot(roomId, token)).body;
        const shootSeenAt = slow.once("shoot").then(() => realNow());
        const f = await slow.once("fire");
        const firedReal = realNow();
        expect(await shootSeenAt).toBeGreaterThan(shot.at);
        expect(f).toMatchObject({ shotId: shot.shotId, late: true });
        // What it reports is the truth: it fired after `at`, at the instant it says.
        expect(f.fireError).toBeGreaterThan(0);
        expect(Math.abs(f.firedAt - firedReal)).toBeLessThanOrEqual(f.estimate.error + 10);
        proxy.downMs = 0;
        const auth = { headers: { Authorization: `Bearer ${token}` } };
        const report = await until(async () => {
          const r = (await api.json(`/api/rooms/${roomId}/shots/${shot.shotId}`, auth)).body;
          return r.members[0].fireError !== null && r;
        });
        expect(report.members[0]).toMatchObject({ late: true, uploaded: false });
        expect(report.members[0].fireError).toBeCloseTo(f.fireError, 3);
        const up = await api.upload(roomId, slow.uploadToken!, { photo: photoFor("slow"), shotId: shot.shotId });
        expect(up.status).toBe(201);
      } finally {
        proxy.downMs = 0;
        slow.close();
      }
    });
  });
}
