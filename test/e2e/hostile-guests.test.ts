// Hostile guests over real sockets, on both servers: a `fired` report of 1e300 is refused and the owner's
// ZIP, report and mosaic stay whole; one socket cannot join as two clients; names and titles that reorder
// text are refused; and a room past MAX_ROOM_MEMBERS (a private server with a cap of 3) says room_full.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { LocalServer } from "../../scripts/local-server.ts";
import { Api } from "./kit/api.ts";
import { photoFor } from "./kit/http-kit.ts";
import { expectOwnerViewsWhole } from "./kit/owner-views.ts";
import { ownServer } from "./kit/own-server.ts";
import { joinRaw, openRaw, step } from "./kit/sockets.ts";

for (const server of inject("servers")) {
  describe(`hostile guests on ${server.kind}`, () => {
    const api = new Api(server.url);

    it("a fired report of 1e300 is refused, and the owner's ZIP, report and mosaic come whole", async () => {
      const { token } = await api.login();
      const { roomId } = await api.createRoom(token);
      const g = await joinRaw(api, roomId, "hostile-fired");
      try {
        const shot = (await api.shoot(roomId, token)).body;
        await step(
          "the shoot arrives",
          g.next((m) => m.type === "shoot"),
        );
        g.send({ type: "fired", shotId: shot.shotId, firedAt: 1e300, offset: 0, error: 1 });
        expect(await g.next((m) => m.type === "error")).toMatchObject({ code: "bad_message" });
        const up = await api.upload(roomId, g.welcome.uploadToken, { photo: photoFor("hostile-fired") });
        expect(up.status).toBe(201);
        await expectOwnerViewsWhole(api, roomId, shot.shotId, token);
      } finally {
        g.ws.close();
      }
    });

    it("a second join as another client on one socket is an error; names and titles refuse bidi overrides", async () => {
      const { token } = await api.login();
      const { roomId } = await api.createRoom(token);
      const g = await joinRaw(api, roomId, "one-socket");
      try {
        g.send({ type: "join", v: 1, clientId: "another-client", name: "B" });
        expect(await g.next((m) => m.type === "error")).toMatchObject({ code: "already_joined" });
        const s = openRaw(api.wsUrl(roomId));
        await s.opened;
        s.send({ type: "join", v: 1, clientId: "bidi", name: "evil\u202egpj.exe" });
        expect(await s.next((m) => m.type === "error")).toMatchObject({ code: "bad_name" });
        s.ws.close();
        const title = await api.json("/api/rooms", {
          method: "POST",
          headers: { Authorization: `Bearer ${token}` },
          body: JSON.stringify({ title: "Party\u2066" }),
        });
        expect(title).toMatchObject({ status: 400, body: { error: { code: "bad_title" } } });
        expect((await api.json(`/api/rooms/${roomId}`)).body.members).toBe(1);
      } finally {
        g.ws.close();
      }
    });

    describe.skipIf(server.kind === "external")("with MAX_ROOM_MEMBERS=3", () => {
      let own: LocalServer;
      let ownApi: Api;
      beforeAll(async () => {
        own = (await ownServer(server.kind, { MAX_ROOM_MEMBERS: "3" }))!;
        ownApi = new Api(own.url);
      });
      afterAll(() => own?.stop());

      it("a fourth client gets room_full and close 4003; the three members can still rejoin", async () => {
        const { token } = await ownApi.login();
        const { roomId } = await ownApi.createRoom(token);
        const members = [];
        for (let i = 0; i < 3; i++) members.push(await joinRaw(ownApi, roomId, `cap-${i}`));
        const fourth = openRaw(ownApi.wsUrl(roomId));
        await fourth.opened;
        fourth.send({ type: "join", v: 1, clientId: "cap-3", name: "late" });
        expect(await fourth.next((m) => m.type === "error")).toMatchObject({ code: "room_full" });
        expect((await fourth.closed).code).toBe(4003);
        members[0]!.ws.close();
        await members[1]!.next((m) => m.type === "members" && m.count === 2);
        // A member's closed socket frees no place: the cap counts members, not open sockets.
        const fifth = openRaw(ownApi.wsUrl(roomId));
        await fifth.opened;
        fifth.send({ type: "join", v: 1, clientId: "cap-4", name: "later" });
        expect(await fifth.next((m) => m.type === "error")).toMatchObject({ code: "room_full" });
        const again = await joinRaw(ownApi, roomId, "cap-0");
        expect(again.welcome.memberId).toBe(members[0]!.welcome.memberId);
        for (const m of [...members, again]) m.ws.close();
      });
    });
  });
}
