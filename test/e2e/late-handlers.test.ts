// The seed's lost-update race over real sockets: frames that arrive before the app has set up its
// handlers (welcome, shoot, missed, the fire itself) are replayed to the handlers it sets up later.
import { describe, expect, inject, it } from "vitest";
import { Api } from "./kit/api.ts";
import { photoFor } from "./kit/http-kit.ts";
import { joinRaw, tracedClient, until } from "./kit/sockets.ts";

for (const server of inject("servers")) {
  describe(`handlers set up late on ${server.kind}`, () => {
    const api = new Api(server.url);

    it("a client whose handlers come after welcome, shoot and its own fire still gets every one of them", async () => {
      const { token } = await api.login();
      const { roomId } = await api.createRoom(token);
      const witness = await joinRaw(api, roomId, "witness", "viewer");
      const clients = [0, 1, 2].map((i) => tracedClient(api, roomId, { clientId: `late-handlers-${i}` }));
      try {
        // No handler is registered yet; wait on the wire until the frames have certainly arrived.
        await until(() => clients.every((c) => c.client.connected && c.client.estimate), 10_000, "clients synced");
        const shot = (await api.shoot(roomId, token)).body;
        await witness.next((m) => m.type === "shoot");
        await until(() => Date.now() > shot.at + 100, 5000, "`at` to pass");

        for (const { client } of clients) {
          const seen: string[] = [];
          client.on("welcome", (w) => seen.push(`welcome:${w.memberId}`));
          client.on("shoot", (s) => seen.push(`shoot:${s.shotId}`));
          client.on("fire", (f) => seen.push(`fire:${f.shotId}:${f.late}`));
          // Replayed synchronously inside on(): nothing was lost in between.
          expect(seen).toEqual([`welcome:${client.memberId}`, `shoot:${shot.shotId}`, `fire:${shot.shotId}:false`]);
        }
        const done = witness.next((m) => m.type === "shot-done");
        for (const { client } of clients)
          expect((await api.upload(roomId, client.uploadToken!, { photo: photoFor(client.memberId!) })).status).toBe(
            201,
          );
        expect(await done).toMatchObject({ shotId: shot.shotId, uploaded: 3, missing: 0 });

        // A guest who joins after `at`: its `missed` arrives before it has any handler, and is kept too.
        const second = (await api.shoot(roomId, token)).body;
        await until(() => Date.now() > second.at + 100, 5000, "second `at` to pass");
        const late = tracedClient(api, roomId, { clientId: "late-joiner" });
        await until(() => late.client.connected, 5000, "late joiner welcomed");
        await witness.next((m) => m.type === "members" && m.count === 4);
        const missed: unknown[] = [];
        late.client.on("missed", (m) => missed.push(m));
        expect(missed).toEqual([{ type: "missed", shotId: second.shotId, at: second.at }]);
        late.client.close();
      } finally {
        witness.ws.close();
        for (const { client } of clients) client.close();
      }
    });
  });
}
