// The client a room socket is for, named in its URL (`?clientId=`), on both servers: a join as another
// client is refused with client_id_mismatch and close 4005, a matching one joins and its RoomClient
// reconnects into the same membership, a malformed one is refused at the upgrade with 400 bad_client_id.
import { describe, expect, inject, it } from "vitest";
import { socketUrl } from "../../shared/protocol.ts";
import { Api } from "./kit/api.ts";
import WebSocket from "ws";
import { openRaw, step, tracedClient } from "./kit/sockets.ts";

/** The HTTP answer to an upgrade the server refuses: its status and JSON body. */
function refused(url: string): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.on("error", () => {
      // a refused upgrade also emits error after unexpected-response
    });
    ws.on("open", () => reject(new Error("the upgrade was accepted")));
    ws.once("unexpected-response", (_req, res) => {
      let text = "";
      res.on("data", (d: Buffer) => {
        text += String(d);
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
    });
  });
}

for (const server of inject("servers")) {
  describe(`a socket's clientId in its URL on ${server.kind}`, () => {
    const api = new Api(server.url);

    it("a join as another client than the URL names gets client_id_mismatch and close 4005", async () => {
      const { token } = await api.login();
      const { roomId } = await api.createRoom(token);
      const s = openRaw(socketUrl(api.wsUrl(roomId), "url-alice"));
      await s.opened;
      s.send({ type: "join", v: 1, clientId: "url-mallory", name: "Mallory" });
      expect(await s.next((m) => m.type === "error")).toMatchObject({ code: "client_id_mismatch" });
      expect((await s.closed).code).toBe(4005);
      expect(s.frames.some((m) => m.type === "welcome")).toBe(false);
      expect((await api.json(`/api/rooms/${roomId}`)).body.members).toBe(0);
    });

    it("a matching join is welcomed, and the RoomClient reconnects into the same membership", async () => {
      const { token } = await api.login();
      const { roomId } = await api.createRoom(token);
      const t = tracedClient(api, roomId, { clientId: "url-bob" });
      try {
        const welcome = await step("the welcome", t.client.once("welcome"));
        t.current().terminate();
        await step(
          "the rejoin",
          t.client.once("welcome", (w) => w !== welcome),
        );
        expect(t.sockets).toHaveLength(2);
        for (const ws of t.sockets) expect(new URL(ws.url).searchParams.get("clientId")).toBe("url-bob");
        expect(t.client.memberId).toBe(welcome.memberId);
      } finally {
        t.client.close();
      }
    });

    it("a malformed clientId is refused at the upgrade with 400 bad_client_id", async () => {
      const { token } = await api.login();
      const { roomId } = await api.createRoom(token);
      for (const bad of ["", "x".repeat(65), "a%20b"]) {
        const refusal = await step(
          `the refusal of ${JSON.stringify(bad)}`,
          refused(`${api.wsUrl(roomId)}?clientId=${bad}`),
        );
        expect(refusal).toMatchObject({ status: 400, body: { error: { code: "bad_client_id" } } });
      }
    });
  });
}
