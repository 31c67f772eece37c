// The server process crashes (SIGKILL to its whole process group: nothing flushed, no socket closed,
// requests cut mid-body) during the uploads of a shot, and starts again on the same state folder: every
// photo acknowledged before the crash is still listed with its bytes, the guests' RoomClients rejoin by
// themselves as the same members, and the pending shot completes. restart.test.ts does the same with a
// shutdown (SIGTERM).
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { LocalServer } from "../../scripts/local-server.ts";
import { Api } from "./kit/api.ts";
import { hangingUpload, photoFor, uploadRetry } from "./kit/http-kit.ts";
import { ownServer } from "./kit/own-server.ts";
import { rejoins, syncedRoom, uploadsAcross } from "./kit/restart-kit.ts";
import { until } from "./kit/sockets.ts";

for (const { kind } of inject("servers")) {
  describe.skipIf(kind === "external")(`server crashes on ${kind}`, () => {
    let server: LocalServer;
    let api: Api;
    beforeAll(async () => {
      server = (await ownServer(kind, { SHOT_WINDOW_MS: "60000" }))!;
      api = new Api(server.url);
    });
    afterAll(() => server?.stop());

    it("SIGKILL during the uploads: every photo acknowledged before the crash is listed with its bytes, guests rejoin by themselves as the same members, and the shot completes", async () => {
      const N = 20;
      // N guests upload around the crash; one more is mid-body when it strikes.
      const { token, roomId, clients, memberIds } = await syncedRoom(api, N + 1, "crash");
      const slow = clients[N]!;
      try {
        const shot = (await api.shoot(roomId, token)).body;
        await Promise.all(clients.map((c) => c.client.once("fire", (f) => f.shotId === shot.shotId)));
        const back = rejoins(clients);
        const slowPhoto = photoFor("crash-slow");
        const slowToken = slow.client.uploadToken!;
        const slowMember = slow.client.memberId!;
        const cut = await hangingUpload(server.url, roomId, slowToken, { photo: slowPhoto }, slowPhoto.length >> 1);
        // Killed the moment the first of the uploads in flight is acknowledged: the riskiest instant for a
        // photo whose 201 went out before it was safely stored.
        let killAt = 0;
        const { acked, attempts } = await uploadsAcross(
          api,
          roomId,
          shot.shotId,
          clients.slice(0, N),
          "crash",
          async (ack) => {
            await ack;
            killAt = Date.now();
            await server.restart(undefined, { signal: "SIGKILL" });
          },
        );
        const beforeCrash = [...acked.values()].filter((a) => a.answeredAt <= killAt);
        console.log(
          `[crash] ${beforeCrash.length} uploads acknowledged before the SIGKILL; ` +
            `attempts of the ${N / 2} in flight: ${JSON.stringify(attempts)}`,
        );
        expect(beforeCrash.length).toBeGreaterThan(N / 2);
        // The upload cut mid-body by the crash got no answer; its retry lands.
        expect(await cut.ended).toBe("");
        const retried = await uploadRetry(api, roomId, slowToken, { photo: slowPhoto, shotId: shot.shotId });
        expect(retried.status).toBe(201);
        acked.set(slowMember, { ...retried.body, status: 201, answeredAt: Date.now(), photo: slowPhoto });

        // Every guest saw its socket end without a close frame (a crash, not a shutdown's 1001) and
        // rejoined on a new socket by itself, as the same member.
        const r = await back;
        expect(r.map((x) => x.closeCode)).toEqual(clients.map(() => 1006));
        expect(clients.map((c) => c.client.memberId)).toEqual(memberIds);
        expect(clients.every((c) => c.client.connected)).toBe(true);

        // Nothing acknowledged is lost: listed once, under its member, with the bytes that were sent.
        const listed = await api.listAll(roomId, shot.shotId);
        expect(listed).toHaveLength(N + 1);
        const byMember = new Map(listed.map((p) => [p.memberId, p]));
        expect(acked.size).toBe(N + 1);
        for (const [memberId, a] of acked) {
          const p = byMember.get(memberId);
          expect(p?.photoId, memberId).toBe(a.photoId);
          expect(Buffer.from(await api.download(p!.url)).equals(Buffer.from(a.photo)), memberId).toBe(true);
        }

        // The shot, pending when the server died, completes with every member's photo.
        const view = await until(
          async () => {
            const s = (await api.json(`/api/rooms/${roomId}`)).body.shot;
            return s?.state === "done" && s;
          },
          10_000,
          "the shot to complete",
        );
        expect(view).toMatchObject({ shotId: shot.shotId, expected: N + 1, uploaded: N + 1 });
        const report = await api.json(`/api/rooms/${roomId}/shots/${shot.shotId}`, {
          headers: { Authorization: `Bearer ${token}` },
        });
        expect(report.body.members.filter((m: any) => !m.uploaded)).toEqual([]);
      } finally {
        for (const c of clients) c.client.close();
      }
    });
  });
}
