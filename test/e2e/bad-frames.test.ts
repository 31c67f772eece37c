// Bad WebSocket input over real sockets, beyond test/workers/bad-frames.test.ts: frames too large in
// UTF-8 bytes, binary and megabyte frames, a flood from one of many sockets sharing an IP, clients on
// another protocol version or pointed at an unknown room. Each gets a clear close code; the room
// keeps serving everyone else.
import WebSocket from "ws";
import { describe, expect, inject, it } from "vitest";
import type { SocketLike } from "../../shared/room-client.ts";
import { Api } from "./kit/api.ts";
import { joinRaw, openRaw, sleep, tracedClient } from "./kit/sockets.ts";

for (const server of inject("servers")) {
  describe(`bad frames over real sockets on ${server.kind}`, () => {
    const api = new Api(server.url);

    async function roomWithNeighbour() {
      const { token } = await api.login();
      const { roomId } = await api.createRoom(token);
      const neighbour = await joinRaw(api, roomId, "neighbour");
      let id = 0;
      const stillServed = async () => {
        const n = ++id;
        neighbour.send({ type: "ping", id: n, t0: n });
        return neighbour.next((m) => m.type === "pong" && m.id === n);
      };
      return { token, roomId, neighbour, stillServed };
    }

    it("malformed JSON, unknown types, bad fields, fired before join and for no shot each get their error code, and the socket keeps working", async () => {
      const { token, roomId, neighbour, stillServed } = await roomWithNeighbour();
      const s = openRaw(api.wsUrl(roomId));
      await s.opened;
      let pingId = 1000;
      /** Sends `frame`, then a ping on the same socket: the answers in between are exactly one error. */
      const answerTo = async (frame: unknown) => {
        const before = s.frames.length;
        const id = ++pingId;
        s.send(frame);
        s.send({ type: "ping", id, t0: id });
        await s.next((m) => m.type === "pong" && m.id === id);
        const answers = s.frames.slice(before).filter((m) => m.type === "error" || m.type === "pong");
        expect(answers.at(-1)).toMatchObject({ type: "pong", id });
        return answers.slice(0, -1).map((m) => m.code);
      };
      const fired = { type: "fired", shotId: "AAAAAAAAAAAAAAAAAAAAAA", firedAt: 1, offset: 0, error: 1 };
      const beforeJoin: Array<[string, unknown, string]> = [
        ["broken JSON", "{not json", "bad_json"],
        ["null", "null", "bad_json"],
        ["an array", "[1,2]", "bad_json"],
        ["a JSON string", '"ping"', "bad_json"],
        ["an empty frame", "", "bad_json"],
        ["an unknown type", { type: "teleport" }, "unknown_type"],
        ["no type", { id: 1, t0: 1 }, "unknown_type"],
        ["a type inherited through __proto__", '{"__proto__":{"type":"ping"}}', "unknown_type"],
        ["an array as type", '{"type":["ping"]}', "unknown_type"],
        ["a join with a path as clientId", { type: "join", v: 1, clientId: "../../x", name: "x" }, "bad_message"],
        ["a join with a 41-character name", { type: "join", v: 1, clientId: "a", name: "n".repeat(41) }, "bad_message"],
        ["a join as owner", { type: "join", v: 1, clientId: "a", name: "x", role: "owner" }, "bad_message"],
        ["a ping with a text id", { type: "ping", id: "x", t0: 1 }, "bad_message"],
        ["a ping with an infinite id", '{"type":"ping","id":1e400,"t0":1}', "bad_message"],
        ["a ping with a negative rtt", { type: "ping", id: 1, t0: 1, rtt: -5 }, "bad_message"],
        ["a fired with a path as shotId", { ...fired, shotId: "../x" }, "bad_message"],
        ["a fired with a negative error", { ...fired, error: -1 }, "bad_message"],
        ["a well-formed fired before join", fired, "not_joined"],
      ];
      for (const [what, frame, code] of beforeJoin) {
        expect({ what, codes: await answerTo(frame) }).toEqual({ what, codes: [code] });
        expect(await stillServed(), what).toBeTruthy();
      }
      // None of them made the socket a member, and none closed it: it still joins.
      expect((await api.json(`/api/rooms/${roomId}`)).body.members).toBe(1);
      s.send({ type: "join", v: 1, clientId: "bad-framer", name: "bad-framer" });
      const welcome = await s.next((m) => m.type === "welcome");
      expect(welcome.uploadToken).toBeTruthy();

      // Joined: a fired report for a shot that does not exist, and for one the member missed.
      expect(await answerTo(fired)).toEqual(["no_such_shot"]);
      expect(await answerTo({ type: "join", v: 1, clientId: "../../x", name: "x" })).toEqual(["bad_message"]);
      const shot = (await api.shoot(roomId, token)).body;
      await sleep(Math.max(0, shot.at - Date.now() + 50));
      const late = await joinRaw(api, roomId, "joined-after-at");
      expect(await late.next((m) => m.type === "missed")).toMatchObject({ shotId: shot.shotId });
      late.send({ ...fired, shotId: shot.shotId, firedAt: shot.at });
      expect(await late.next((m) => m.type === "error")).toMatchObject({ code: "no_such_shot" });
      late.send({ type: "ping", id: 1, t0: 1 });
      expect(await late.next((m) => m.type === "pong" && m.id === 1)).toBeTruthy();
      // The member who was in the shot reports it fine: no error, and the report shows it.
      expect(await answerTo({ ...fired, shotId: shot.shotId, firedAt: shot.at })).toEqual([]);
      const report = await api.json(`/api/rooms/${roomId}/shots/${shot.shotId}`, {
        headers: { Authorization: `Bearer ${token}` },
      });
      const me = report.body.members.find((m: any) => m.memberId === welcome.memberId);
      expect(me).toMatchObject({ fireError: 0 });
      expect(await stillServed()).toBeTruthy();
      expect(s.ws.readyState).toBe(WebSocket.OPEN);
      expect(neighbour.frames.filter((m) => m.type === "error")).toHaveLength(0);
      for (const x of [s, late, neighbour]) x.ws.close();
    });

    it("frames over 4096 UTF-8 bytes (even in fewer characters), binary and 2 MB frames close their socket with 1009", async () => {
      const { roomId, neighbour, stillServed } = await roomWithNeighbour();
      const frames: Array<string | Uint8Array> = [
        JSON.stringify({ type: "ping", id: 1, t0: 1, pad: "€".repeat(1400) }), // 1.4 k characters, 4.2 kB
        new Uint8Array([0x7b, 0x7d]),
        "x".repeat(2 * 1024 * 1024),
      ];
      for (const frame of frames) {
        const s = openRaw(api.wsUrl(roomId));
        await s.opened;
        s.send(frame);
        expect((await s.closed).code).toBe(1009);
        expect(s.frames.filter((m) => m.type === "pong")).toHaveLength(0);
        expect(await stillServed()).toBeTruthy();
      }
      // Just under the limit in bytes is still a frame.
      const ok = openRaw(api.wsUrl(roomId));
      await ok.opened;
      ok.send(JSON.stringify({ type: "ping", id: 9, t0: 9, pad: "€".repeat(1300) }));
      expect(await ok.next((m) => m.type === "pong" && m.id === 9)).toBeTruthy();
      ok.ws.close();
      neighbour.ws.close();
    });

    it("one socket flooding from the same IP as twenty busy neighbours is closed with 4001; every neighbour gets every pong", async () => {
      const { roomId, neighbour, stillServed } = await roomWithNeighbour();
      const others = await Promise.all(Array.from({ length: 20 }, (_, i) => joinRaw(api, roomId, `same-ip-${i}`)));
      const flood = await joinRaw(api, roomId, "flooder");
      for (let i = 0; i < 400; i++) flood.send({ type: "ping", id: i, t0: i });
      // Each neighbour sends a whole clock-sync round at full speed: within the burst, never limited.
      for (const s of others) for (let i = 0; i < 32; i++) s.send({ type: "ping", id: i, t0: i });
      // The error frame queued before the close, then the close code, though the flooder is still writing.
      expect((await flood.closed).code).toBe(4001);
      expect(flood.frames.some((m) => m.code === "rate_limited")).toBe(true);
      expect(flood.frames.filter((m) => m.type === "pong").length).toBeLessThan(400);
      for (const s of others) {
        await s.next((m) => m.type === "pong" && m.id === 31);
        expect(s.frames.filter((m) => m.type === "pong")).toHaveLength(32);
        expect(s.frames.filter((m) => m.type === "error")).toHaveLength(0);
      }
      expect(await stillServed()).toBeTruthy();
      for (const s of [...others, neighbour]) s.ws.close();
    });

    it("a client on another protocol version is closed with 4000 and does not reconnect", async () => {
      const { roomId, neighbour, stillServed } = await roomWithNeighbour();
      const sockets: WebSocket[] = [];
      const future = api.client(roomId, {
        clientId: "from-the-future",
        reconnect: { baseMs: 20, maxMs: 20 },
        connect: (u) => {
          const ws = new WebSocket(u);
          sockets.push(ws);
          const send = ws.send.bind(ws);
          (ws as { send: (d: string) => void }).send = (d: string) => send(d.replace('"v":1', '"v":2'));
          return ws as unknown as SocketLike;
        },
      });
      const errors: string[] = [];
      future.on("error", (e) => errors.push(e.code));
      expect(await future.once("status", (s) => s.closeCode !== undefined)).toMatchObject({ closeCode: 4000 });
      await sleep(300);
      expect(sockets).toHaveLength(1);
      expect(errors).toEqual(["version_mismatch"]);
      expect(await stillServed()).toBeTruthy();
      future.close();
      neighbour.ws.close();
    });

    it("a client pointed at an unknown room is told so with 4004 and stops; a malformed room id is refused with 404", async () => {
      const lost = tracedClient(api, "AAAAAAAAAAAAAAAAAAAAAA", {
        clientId: "lost",
        reconnect: { baseMs: 20, maxMs: 20 },
      });
      const errors: string[] = [];
      lost.client.on("error", (e) => errors.push(e.code));
      expect(await lost.client.once("status", (s) => s.closeCode !== undefined)).toMatchObject({ closeCode: 4004 });
      await sleep(300);
      expect(lost.sockets).toHaveLength(1);
      expect(errors).toEqual(["room_not_found"]);
      lost.client.close();

      const malformed = openRaw(`${api.wsUrl("x").replace(/x\/ws$/, "")}..%2F..%2Fetc/ws`);
      expect(await malformed.refused).toBe(404);
    });
  });
}
