// The organiser over real sockets: its screen drops before shooting, it shoots twice quickly, it has
// two tabs open. The room never depends on the owner's socket, and one shoot request is one shot.
import { describe, expect, inject, it } from "vitest";
import { Api } from "./kit/api.ts";
import { photoFor } from "./kit/http-kit.ts";
import { joinRaw, sleep, step, tracedClient, until } from "./kit/sockets.ts";

for (const server of inject("servers")) {
  describe(`the owner on ${server.kind}`, () => {
    const api = new Api(server.url);

    it("an owner whose screen drops before shooting finds the room intact, reconnects and shoots", async () => {
      const { token } = await api.login();
      const { roomId } = await api.createRoom(token);
      const screen = tracedClient(api, roomId, { clientId: "owner-screen", role: "viewer", reconnect: false });
      const guests = [0, 1].map((i) => tracedClient(api, roomId, { clientId: `guest-${i}` }));
      let again: ReturnType<typeof tracedClient> | undefined;
      try {
        await step("guests synced", Promise.all(guests.map((g) => g.client.once("sync"))));
        await step(
          "screen sees 2 members",
          screen.client.once("members", (m) => m.count === 2),
        );
        screen.current().terminate();
        await step(
          "screen dropped",
          screen.client.once("status", (s) => !s.connected),
        );
        await sleep(300);
        expect((await api.json(`/api/rooms/${roomId}`)).body).toMatchObject({ roomId, members: 2, state: "waiting" });

        again = tracedClient(api, roomId, { clientId: "owner-screen", role: "viewer" });
        const welcome = await step("screen welcomed again", again.client.once("welcome"));
        expect(welcome).toMatchObject({ uploadToken: "", room: { members: 2 } });
        const shot = await api.shoot(roomId, token);
        expect(shot.status).toBe(202);
        const seen = await step(
          "everyone gets the shoot",
          Promise.all([again, ...guests].map((c) => c.client.once("shoot"))),
        );
        for (const s of seen) expect(s.shotId).toBe(shot.body.shotId);
        expect((await api.json(`/api/rooms/${roomId}`)).body.shot).toMatchObject({ expected: 2 });
      } finally {
        for (const c of [screen, again, ...guests]) c?.client.close();
      }
    });

    it("an owner with two tabs who shoots from both, twice quickly, gets one shot, and neither tab is counted", async () => {
      const { token } = await api.login();
      const { roomId } = await api.createRoom(token);
      const tabs = await Promise.all([
        joinRaw(api, roomId, "owner-tab", "viewer"),
        joinRaw(api, roomId, "owner-tab", "viewer"),
      ]);
      const guest = await joinRaw(api, roomId, "only-guest");
      try {
        expect(tabs[1].welcome.memberId).toBe(tabs[0].welcome.memberId);
        await tabs[0].next((m) => m.type === "members" && m.count === 1);
        const shots = await Promise.all(Array.from({ length: 6 }, () => api.shoot(roomId, token)));
        const ids = new Set(shots.map((s) => s.body.shotId));
        expect(shots.every((s) => s.status === 202)).toBe(true);
        expect(ids.size).toBe(1);
        const [shotId] = ids;
        const done = guest.next((m) => m.type === "shot-done");
        const up = await api.upload(roomId, guest.welcome.uploadToken, { photo: photoFor("only-guest"), shotId });
        expect(up.status).toBe(201);
        expect(await done).toMatchObject({ shotId, uploaded: 1, missing: 0 });
        // Every socket saw exactly one shoot: the repeated requests announced nothing new.
        for (const s of [...tabs, guest]) expect(s.frames.filter((m) => m.type === "shoot")).toHaveLength(1);
        await until(async () => (await api.json(`/api/rooms/${roomId}`)).body.members === 1);
      } finally {
        for (const s of [...tabs, guest]) s.ws.close();
      }
    });
  });
}
