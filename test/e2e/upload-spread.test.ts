// The shot's upload spread over real sockets, on a private server of each kind with UPLOAD_SPREAD_RATE=1
// and a 1.5 s upload window: a shot of 3 guests carries `spreadMs` 3000 in its shoot frame, each client
// picks its moment in it, and an upload started late in the spread, past `at` + window, is still accepted.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { LocalServer } from "../../scripts/local-server.ts";
import { Api } from "./kit/api.ts";
import { photoFor } from "./kit/http-kit.ts";
import { ownServer } from "./kit/own-server.ts";
import { sleep, step } from "./kit/sockets.ts";

const WINDOW_MS = 1500;

for (const { kind } of inject("servers")) {
  describe.skipIf(kind === "external")(`the upload spread on ${kind}`, () => {
    let server: LocalServer;
    let api: Api;
    beforeAll(async () => {
      server = (await ownServer(kind, { UPLOAD_SPREAD_RATE: "1", SHOT_WINDOW_MS: String(WINDOW_MS) }))!;
      api = new Api(server.url);
    });
    afterAll(() => server?.stop());

    it("a shoot carries the spread, and an upload made late in it is accepted after at + window", async () => {
      const { token } = await api.login();
      const { roomId } = await api.createRoom(token);
      // The last client draws the end of the spread: its moment is at + 2.7 s, past at + 1.5 s.
      const draws = [0.1, 0.5, 0.9];
      const clients = draws.map((d, i) => api.client(roomId, { clientId: `spread-${i}`, random: () => d }));
      try {
        await step("every guest synced", Promise.all(clients.map((c) => c.once("ready"))));
        const shot = await api.shoot(roomId, token);
        expect(shot).toMatchObject({ status: 202, body: { spreadMs: 3000 } });
        const shoots = await step("the shoot", Promise.all(clients.map((c) => c.once("shoot"))));
        for (const s of shoots) expect(s).toMatchObject({ shotId: shot.body.shotId, spreadMs: 3000 });
        const view = (await api.json(`/api/rooms/${roomId}`)).body;
        expect(view.shot.deadline).toBe(shot.body.at + 3000 + WINDOW_MS);

        const last = clients[2]!;
        const fire = await step("the fire", last.once("fire"));
        expect(fire.uploadAt).toBe(fire.at + 2700);
        await sleep(last.uploadDelay(fire));
        expect(Date.now()).toBeGreaterThan(shot.body.at + WINDOW_MS);
        const up = await api.upload(roomId, last.uploadToken!, { photo: photoFor("spread-late") });
        expect(up.status).toBe(201);
      } finally {
        for (const c of clients) c.close();
      }
    });
  });
}
