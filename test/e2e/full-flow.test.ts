// The whole product over real sockets: 10 clients with skewed clocks go through create → join →
// clock sync → shoot → fire → upload → list → download, against each server under test.
import { describe, expect, inject, it } from "vitest";
import type { FireEvent, RoomClient } from "../../shared/room-client.ts";
import { Api, fixture } from "./kit/api.ts";
import { sleep } from "./kit/sockets.ts";
import { tagJpeg } from "../../shared/jpeg-tag.ts";

const realNow = () => performance.timeOrigin + performance.now();

for (const server of inject("servers")) {
  describe(`full flow on ${server.kind}`, () => {
    it("10 clients fire within their error bound of `at`, and every downloaded byte equals the uploaded byte", async () => {
      const api = new Api(server.url);
      const { token } = await api.login("Ann");
      const { roomId, joinUrl } = await api.createRoom(token, "E2E");
      expect(joinUrl).toContain(roomId);

      const N = 10;
      const skews = Array.from({ length: N }, (_, i) => (i - N / 2) * 777_777.3); // up to ±1 h
      const clients: RoomClient[] = skews.map((theta, i) =>
        api.client(roomId, {
          clientId: `e2e-client-${i}`,
          name: `Guest ${i}`,
          now: () => realNow() - theta,
          syncProbes: 24,
        }),
      );
      try {
        const estimates = await Promise.all(clients.map((c) => c.once("sync")));
        estimates.forEach((e, i) => expect(Math.abs(e.offset - skews[i]!)).toBeLessThanOrEqual(e.error + 1));
        await clients[0]!.once("members", (m) => m.count === N);

        const fires = clients.map(
          (c, i) =>
            new Promise<{ f: FireEvent; real: number; seen: number }>((resolve) =>
              // The real instant of the fire is its own clock's reading then (firedAt − offset) plus the skew;
              // `seen`, read here, only checks that reading: a preemption of this process in between (ms under
              // a loaded CI) must not count against the client's bound.
              c.on("fire", (f) => resolve({ f, real: f.firedAt - f.estimate.offset + skews[i]!, seen: realNow() })),
            ),
        );
        const shot = await api.shoot(roomId, token);
        expect(shot.status).toBe(202);
        const { shotId, at } = shot.body;
        expect(at - Date.now()).toBeGreaterThanOrEqual(1000);

        const fired = await Promise.all(fires);
        for (const { f, real, seen } of fired) {
          expect(seen - real).toBeGreaterThanOrEqual(-1e-6); // float rounding of the skew
          expect(seen - real).toBeLessThan(50);
          expect(f.shotId).toBe(shotId);
          expect(f.late).toBe(false);
          // The true instant it fired lies within its stated bound (plus the scheduler's own lateness).
          expect(Math.abs(real - at)).toBeLessThanOrEqual(f.estimate.error + f.fireError + 2);
        }

        const base = fixture("photo.jpg");
        const thumb = fixture("thumb.jpg");
        const tile = fixture("tile.jpg");
        const uploaded = new Map<string, Uint8Array>();
        const done = clients[0]!.once("shot-done");
        await Promise.all(
          clients.map(async (c, i) => {
            const photo = tagJpeg(base, `client ${i}`);
            const r = await api.upload(roomId, c.uploadToken!, { photo, thumb, tile, shotId });
            expect(r.status, JSON.stringify(r.body)).toBe(201);
            uploaded.set(c.memberId!, photo);
          }),
        );
        expect(await done).toMatchObject({ shotId, uploaded: N, missing: 0 });

        // Each client's `fired` report rides its socket 50 ms after the instant (REPORT_AFTER_MS), not the upload's
        // request: ten uploads and the shot's completion can land first, so the listing may be read until they have.
        let listed = await api.listAll(roomId, shotId);
        for (let i = 0; i < 50 && listed.some((p) => p.firedAt === undefined); i++) {
          await sleep(100);
          listed = await api.listAll(roomId, shotId);
        }
        expect(listed).toHaveLength(N);
        for (const p of listed) {
          const bytes = await api.download(p.url);
          expect(Buffer.from(bytes).equals(Buffer.from(uploaded.get(p.memberId)!))).toBe(true);
          expect(p.firedAt).toBeTypeOf("number");
          expect(p.thumbUrl).toBeTruthy();
        }
        const room = await api.json(`/api/rooms/${roomId}`);
        expect(room.body).toMatchObject({ roomId, photos: N, members: N, state: "waiting" });
      } finally {
        clients.forEach((c) => c.close());
      }
    });
  });
}
