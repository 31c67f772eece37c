// A WebSocket message of many MB, whole or in small fragments, is refused with 1009 from its declared length,
// before the server reads it: the sender gets the close frame having written a fraction of it, the server's
// memory does not grow by the message, and the room's other member is still served. On Deno, whose own
// upgradeWebSocket buffered a message of up to 64 MiB whole (ws-upgrade.ts).
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { LocalServer } from "../../scripts/local-server.ts";
import { Api } from "./kit/api.ts";
import { sendHugeMessage } from "./kit/huge-message.ts";
import { ownServer } from "./kit/own-server.ts";
import { groupRssMb } from "./kit/server-rss.ts";
import { joinRaw, sleep } from "./kit/sockets.ts";

const MB = 1024 * 1024;
/** Under Deno's own 64 MiB limit, so a server that buffers messages would have taken all of it. */
const MESSAGE_BYTES = 32 * MB;

for (const { kind } of inject("servers")) {
  describe.skipIf(kind !== "deno")(`messages of many MB on ${kind}`, () => {
    let server: LocalServer;
    beforeAll(async () => {
      // Its own server: the memory read is this server's alone.
      server = (await ownServer(kind, {}))!;
    }, 120_000);
    afterAll(() => server?.stop());

    it(`a ${MESSAGE_BYTES / MB} MB message, in one frame or in 4 KB fragments, is closed with 1009 before it is read; the server grows by a fraction of it, and the room's other member gets its pongs`, async () => {
      const api = new Api(server.url);
      const { token } = await api.login();
      const { roomId } = await api.createRoom(token);
      const neighbour = await joinRaw(api, roomId, "neighbour");
      let pingId = 0;
      const stillServed = async () => {
        const id = ++pingId;
        neighbour.send({ type: "ping", id, t0: id });
        return neighbour.next((m) => m.type === "pong" && m.id === id);
      };
      const pid = server.child().pid!;
      for (const frameBytes of [null, 4096]) {
        const before = groupRssMb(pid);
        let peak = before;
        let sampling = true;
        const sampler = (async () => {
          while (sampling) {
            peak = Math.max(peak, groupRssMb(pid));
            await sleep(10);
          }
        })();
        const sent = await sendHugeMessage(api.wsUrl(roomId), MESSAGE_BYTES, frameBytes);
        await sleep(200); // anything the server still reads after its close frame
        sampling = false;
        await sampler;
        const growth = peak - before;
        console.log(
          `[huge-messages ${kind}] ${frameBytes ? `${frameBytes}-byte fragments` : "one frame"}: close ${sent.code} ` +
            `after ${sent.ms.toFixed(0)} ms, ${(sent.written / MB).toFixed(2)} of ${MESSAGE_BYTES / MB} MB written; ` +
            `server RSS ${before.toFixed(1)} MB, peak +${growth.toFixed(1)} MB`,
        );
        expect(sent.code).toBe(1009);
        // What the connection's buffers hold besides what the server read: far from the whole message.
        expect(sent.written).toBeLessThan(MESSAGE_BYTES / 4);
        expect(growth).toBeLessThan(MESSAGE_BYTES / MB / 4);
        expect(await stillServed()).toBeTruthy();
      }
      expect(neighbour.frames.filter((m) => m.type === "error")).toHaveLength(0);
      neighbour.ws.close();
    });
  });
}
