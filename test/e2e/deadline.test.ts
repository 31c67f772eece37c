// Shot deadlines on a private server with a 2.5 s upload window: a guest who never comes back is
// reported missing when the deadline passes, later uploads are refused clearly, and the deadline
// (the room's alarm) survives a server restart.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { LocalServer } from "../../scripts/local-server.ts";
import { Api } from "./kit/api.ts";
import { photoFor } from "./kit/http-kit.ts";
import { ownServer } from "./kit/own-server.ts";
import { joinRaw, tracedClient, until } from "./kit/sockets.ts";

const WINDOW_MS = 2500;

for (const { kind } of inject("servers")) {
  describe.skipIf(kind === "external")(`deadlines on ${kind}`, () => {
    let server: LocalServer;
    let api: Api;
    beforeAll(async () => {
      server = (await ownServer(kind, { SHOT_WINDOW_MS: String(WINDOW_MS) }))!;
      api = new Api(server.url);
    });
    afterAll(() => server?.stop());

    it("a guest who never comes back is reported missing at the deadline, and uploads after it are refused", async () => {
      const { token } = await api.login();
      const { roomId } = await api.createRoom(token);
      const a = tracedClient(api, roomId, { clientId: "stays" });
      const gone = tracedClient(api, roomId, { clientId: "never-back" });
      try {
        await Promise.all([a, gone].map((c) => c.client.once("sync")));
        // The first probes are answered before the join is through: synced is not yet welcomed.
        await until(() => a.client.memberId && gone.client.memberId, 10_000, "both welcomed");
        const goneToken = gone.client.uploadToken!;
        const goneId = gone.client.memberId;
        gone.client.on("shoot", () => {
          gone.current().terminate();
          gone.client.close();
        });
        const shot = (await api.shoot(roomId, token)).body;
        await a.client.once("fire");
        const photo = photoFor("stays");
        expect((await api.upload(roomId, a.client.uploadToken!, { photo })).status).toBe(201);
        const done = await a.client.once("shot-done");
        expect(Date.now()).toBeGreaterThanOrEqual(shot.at + WINDOW_MS);
        expect(done).toEqual({ type: "shot-done", shotId: shot.shotId, uploaded: 1, missing: 1 });

        const report = (
          await api.json(`/api/rooms/${roomId}/shots/${shot.shotId}`, { headers: { Authorization: `Bearer ${token}` } })
        ).body;
        const byId = new Map(report.members.map((m: any) => [m.memberId, m]));
        expect(byId.get(a.client.memberId)).toMatchObject({ uploaded: true, late: false });
        expect(byId.get(goneId)).toMatchObject({ uploaded: false, fireError: null });

        const late = await api.upload(roomId, goneToken, { photo: photoFor("too-late") });
        expect(late).toMatchObject({ status: 409, body: { error: { code: "shot_closed" } } });
        // A retry of a photo that landed before the deadline is still answered with that photo.
        expect((await api.upload(roomId, a.client.uploadToken!, { photo })).status).toBe(200);
        expect(await api.listAll(roomId, shot.shotId)).toHaveLength(1);
      } finally {
        a.client.close();
        gone.client.close();
      }
    });

    it("a deadline that passes while the server is down completes the shot when it is back", async () => {
      const { token } = await api.login();
      const { roomId } = await api.createRoom(token);
      const guest = await joinRaw(api, roomId, "restart-deadline");
      const shot = (await api.shoot(roomId, token)).body;
      await guest.next((m) => m.type === "shoot");
      await server.stop();
      await until(() => Date.now() > shot.at + WINDOW_MS + 200, 10_000, "the deadline to pass");
      await server.restart();
      const view = await until(
        async () => {
          const v = (await api.json(`/api/rooms/${roomId}`)).body;
          return v.shot.state === "done" && v;
        },
        10_000,
        "the overdue alarm to complete the shot",
      );
      expect(view.shot).toMatchObject({ shotId: shot.shotId, expected: 1, uploaded: 0 });
      const back = await joinRaw(api, roomId, "restart-deadline");
      expect(back.welcome.room.shot).toMatchObject({ state: "done" });
      const refused = await api.upload(roomId, back.welcome.uploadToken, { photo: photoFor("after-restart") });
      expect(refused).toMatchObject({ status: 409, body: { error: { code: "shot_closed" } } });
      back.ws.close();
    });
  });
}
