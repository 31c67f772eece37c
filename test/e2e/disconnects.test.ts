// Guests whose connection is cut (before the shoot, between the shoot and its instant, mid-upload)
// and guests who join late, over real sockets: the same clientId resumes its membership, nothing is
// lost and nothing is stored twice.
import { describe, expect, inject, it } from "vitest";
import { Api } from "./kit/api.ts";
import { cutUpload, photoFor } from "./kit/http-kit.ts";
import { tracedClient, until } from "./kit/sockets.ts";

for (const server of inject("servers")) {
  describe(`disconnects and late joins on ${server.kind}`, () => {
    const api = new Api(server.url);
    const members = async (roomId: string) => (await api.json(`/api/rooms/${roomId}`)).body.members as number;

    it("a guest cut off before the shoot rejoins as the same member, fires, and its photo is stored once", async () => {
      const { token } = await api.login();
      const { roomId } = await api.createRoom(token);
      const a = tracedClient(api, roomId, { clientId: "cut-before-a" });
      const b = tracedClient(api, roomId, { clientId: "cut-before-b" });
      try {
        const first = await a.client.once("sync").then(() => a.client.memberId);
        await b.client.once("members", (m) => m.count === 2);
        a.current().terminate();
        await a.client.once("status", (s) => !s.connected);
        await a.client.once("status", (s) => s.connected);
        expect(a.sockets).toHaveLength(2);
        expect(a.client.memberId).toBe(first);
        await until(async () => (await members(roomId)) === 2, 5000, "both guests counted");

        const shot = await api.shoot(roomId, token);
        const { shotId } = shot.body;
        const fires = await Promise.all([a, b].map((c) => c.client.once("fire", (f) => f.shotId === shotId)));
        for (const f of fires) expect(f.late).toBe(false);
        const done = b.client.once("shot-done", (d) => d.shotId === shotId);
        const photo = photoFor("cut-before-a");
        const up1 = await api.upload(roomId, a.client.uploadToken!, { photo, shotId });
        const up2 = await api.upload(roomId, a.client.uploadToken!, { photo, shotId });
        expect(up1.status).toBe(201);
        expect(up2).toMatchObject({ status: 200, body: { photoId: up1.body.photoId } });
        expect((await api.upload(roomId, b.client.uploadToken!, { photo: photoFor("b"), shotId })).status).toBe(201);
        expect(await done).toMatchObject({ uploaded: 2, missing: 0 });
        const listed = await api.listAll(roomId, shotId);
        expect(listed.map((p) => p.memberId).sort()).toEqual([first, b.client.memberId].sort());
      } finally {
        a.client.close();
        b.client.close();
      }
    });

    it("a guest cut off between the shoot and its instant fires anyway and reports it after rejoining", async () => {
      const { token } = await api.login();
      const { roomId } = await api.createRoom(token);
      // Rejoins exactly 2 s after the cut (random 0 → half the base): after `at`, 1.5 s after the shoot.
      const a = tracedClient(api, roomId, {
        clientId: "cut-mid-a",
        reconnect: { baseMs: 4000, maxMs: 4000 },
        random: () => 0,
      });
      try {
        await a.client.once("sync");
        const off = a.client.on("shoot", () => {
          off();
          a.current().terminate();
        });
        const shot = await api.shoot(roomId, token);
        const fired = await a.client.once("fire");
        expect(fired).toMatchObject({ shotId: shot.body.shotId, late: false });
        expect(a.client.connected).toBe(false);
        await a.client.once("status", (s) => s.connected);
        const report = await until(async () => {
          const r = await api.json(`/api/rooms/${roomId}/shots/${shot.body.shotId}`, {
            headers: { Authorization: `Bearer ${token}` },
          });
          return r.body.members[0].fireError !== null && r.body;
        });
        expect(report.members[0]).toMatchObject({ memberId: a.client.memberId, late: false, uploaded: false });
        expect(Math.abs(report.members[0].fireError)).toBeLessThanOrEqual(fired.estimate.error + fired.fireError + 5);
        const up = await api.upload(roomId, a.client.uploadToken!, { photo: photoFor("cut-mid-a") });
        expect(up.status).toBe(201);
        expect((await api.listAll(roomId))[0]).toMatchObject({ memberId: a.client.memberId, firedAt: fired.firedAt });
      } finally {
        a.client.close();
      }
    });

    it("a guest cut off mid-upload retries after rejoining, and a retry whose first answer was lost stores one photo", async () => {
      const { token } = await api.login();
      const { roomId } = await api.createRoom(token);
      const a = tracedClient(api, roomId, { clientId: "cut-upload-a", reconnect: { baseMs: 100, maxMs: 100 } });
      try {
        await a.client.once("sync");
        const memberId = a.client.memberId;
        const shot = await api.shoot(roomId, token);
        const { shotId } = shot.body;
        await a.client.once("fire");
        const photo = photoFor("cut-upload-a");
        a.current().terminate();
        await cutUpload(server.url, roomId, a.client.uploadToken ?? "", { photo, shotId }, 2000);
        await a.client.once("status", (s) => s.connected);
        expect(a.client.memberId).toBe(memberId);
        expect(await api.listAll(roomId, shotId)).toHaveLength(0);

        await cutUpload(server.url, roomId, a.client.uploadToken!, { photo, shotId }, "after-answer-starts");
        const retry = await api.upload(roomId, a.client.uploadToken!, { photo, shotId });
        expect(retry.status).toBe(200);
        const listed = await api.listAll(roomId, shotId);
        expect(listed).toHaveLength(1);
        expect(listed[0]).toMatchObject({ photoId: retry.body.photoId, memberId });
        expect(Buffer.from(await api.download(listed[0]!.url)).equals(Buffer.from(photo))).toBe(true);
      } finally {
        a.client.close();
      }
    });

    it("a guest who joins after the shoot but before `at` is expected and fires too", async () => {
      const { token } = await api.login();
      const { roomId } = await api.createRoom(token);
      const a = tracedClient(api, roomId, { clientId: "early-a" });
      let c: ReturnType<typeof tracedClient> | undefined;
      try {
        await a.client.once("sync");
        const shot = await api.shoot(roomId, token);
        c = tracedClient(api, roomId, { clientId: "between-c" });
        const f = await c.client.once("fire");
        expect(f).toMatchObject({ shotId: shot.body.shotId, late: false });
        const view = (await api.json(`/api/rooms/${roomId}`)).body;
        expect(view.shot).toMatchObject({ shotId: shot.body.shotId, expected: 2 });
        const done = a.client.once("shot-done");
        for (const x of [a, c])
          expect(
            (await api.upload(roomId, x.client.uploadToken!, { photo: photoFor(x.client.memberId!) })).status,
          ).toBe(201);
        expect(await done).toMatchObject({ uploaded: 2, missing: 0 });
      } finally {
        a.client.close();
        c?.client.close();
      }
    });

    it("a guest who joins after `at` is told it missed the shot, cannot upload to it, and takes part in the next", async () => {
      const { token } = await api.login();
      const { roomId } = await api.createRoom(token);
      const a = tracedClient(api, roomId, { clientId: "ontime-a" });
      let d: ReturnType<typeof tracedClient> | undefined;
      try {
        await a.client.once("sync");
        const first = (await api.shoot(roomId, token)).body;
        await a.client.once("fire");
        await until(() => Date.now() > first.at + 20, 5000, "`at` to pass");
        d = tracedClient(api, roomId, { clientId: "late-d" });
        expect(await d.client.once("missed")).toEqual({ type: "missed", shotId: first.shotId, at: first.at });
        await d.client.once("sync");
        const refused = await api.upload(roomId, d.client.uploadToken!, {
          photo: photoFor("d1"),
          shotId: first.shotId,
        });
        expect(refused).toMatchObject({ status: 403, body: { error: { code: "not_in_shot" } } });
        const firstDone = d.client.once("shot-done");
        expect((await api.upload(roomId, a.client.uploadToken!, { photo: photoFor("a1") })).status).toBe(201);
        expect(await firstDone).toMatchObject({ shotId: first.shotId, uploaded: 1, missing: 0 });

        const second = (await api.shoot(roomId, token)).body;
        expect(second.shotId).not.toBe(first.shotId);
        const fires = await Promise.all([a, d].map((x) => x!.client.once("fire", (f) => f.shotId === second.shotId)));
        for (const f of fires) expect(f.late).toBe(false);
        const secondDone = a.client.once("shot-done", (s) => s.shotId === second.shotId);
        for (const x of [a, d]) {
          const r = await api.upload(roomId, x.client.uploadToken!, {
            photo: photoFor(`${x.client.memberId}-2`),
            shotId: second.shotId,
          });
          expect(r.status).toBe(201);
        }
        expect(await secondDone).toMatchObject({ uploaded: 2, missing: 0 });
      } finally {
        a.client.close();
        d?.client.close();
      }
    });
  });
}
