// Bad WebSocket input gets an error frame or a close code, and the room keeps serving everyone else.
import { describe, expect, it } from "vitest";
import { createRoom, join, login, openSocket } from "./helpers.ts";

describe("bad frames", () => {
  it("answer malformed JSON, unknown types, bad fields and frames before join with error frames", async () => {
    const roomId = await createRoom(await login());
    const s = await openSocket(roomId);
    s.send("{not json");
    expect(await s.next((m) => m.type === "error")).toMatchObject({ code: "bad_json" });
    s.send({ type: "teleport" });
    expect(await s.next((m) => m.code === "unknown_type")).toBeTruthy();
    s.send({ type: "join", v: 1, clientId: "../../x", name: "x" });
    expect(await s.next((m) => m.code === "bad_message")).toBeTruthy();
    s.send({ type: "fired", shotId: "s", firedAt: 1, offset: 0, error: 1 });
    expect(await s.next((m) => m.code === "not_joined")).toBeTruthy();
    s.send({ type: "ping", id: "x", t0: 1 });
    expect(await s.next((m) => m.code === "bad_message" && /ping/.test(m.message))).toBeTruthy();
  });

  it("close a socket that speaks another protocol version with 4000", async () => {
    const roomId = await createRoom(await login());
    const s = await openSocket(roomId);
    s.send({ type: "join", v: 99, clientId: "c", name: "c" });
    expect(await s.next((m) => m.type === "error")).toMatchObject({ code: "version_mismatch" });
    expect((await s.closed).code).toBe(4000);
  });

  it("close a socket that sends an oversize frame with 1009, while others keep working", async () => {
    const roomId = await createRoom(await login());
    const good = await join(roomId, "good");
    const bad = await openSocket(roomId);
    bad.send("x".repeat(5000));
    expect((await bad.closed).code).toBe(1009);
    good.send({ type: "ping", id: 7, t0: 1 });
    expect(await good.next((m) => m.type === "pong" && m.id === 7)).toBeTruthy();
  });

  it("rate-limit a flooding socket per connection, then close it, without touching its neighbours", async () => {
    const roomId = await createRoom(await login());
    const neighbour = await join(roomId, "neighbour");
    const flood = await join(roomId, "flood");
    for (let i = 0; i < 300; i++) flood.send({ type: "ping", id: i, t0: i });
    expect(await flood.next((m) => m.code === "rate_limited")).toBeTruthy();
    expect((await flood.closed).code).toBe(4001);
    const pongs = flood.frames.filter((m) => m.type === "pong").length;
    expect(pongs).toBeLessThan(300);
    neighbour.send({ type: "ping", id: 1, t0: 1 });
    expect(await neighbour.next((m) => m.type === "pong")).toBeTruthy();
  });

  it("answer odd JSON shapes with error frames and keep the socket open", async () => {
    const roomId = await createRoom(await login());
    const s = await openSocket(roomId);
    const odd: Array<[string, string]> = [
      ["null", "bad_json"],
      ["[1,2]", "bad_json"],
      ['"ping"', "bad_json"],
      ["", "bad_json"],
      ['{"__proto__":{"type":"ping"}}', "unknown_type"],
      ['{"type":["ping"]}', "unknown_type"],
      ['{"type":"ping","id":1e400,"t0":1}', "bad_message"],
      ['{"type":"ping","id":1,"t0":1,"rtt":-5}', "bad_message"],
      ['{"type":"fired","shotId":"../x","firedAt":1,"offset":0,"error":1}', "bad_message"],
      ['{"type":"join","v":1,"clientId":"a","name":"' + "n".repeat(41) + '"}', "bad_message"],
      ['{"type":"join","v":1,"clientId":"a","name":"x","role":"owner"}', "bad_message"],
    ];
    for (const [frame, code] of odd) {
      const before = s.frames.length;
      s.send(frame);
      const answer = await s.next((m) => s.frames.indexOf(m) >= before && m.type === "error");
      expect({ frame, code: answer.code }).toEqual({ frame, code });
    }
    s.send({ type: "ping", id: 5, t0: 5 });
    expect(await s.next((m) => m.type === "pong" && m.id === 5)).toBeTruthy();
  });

  it("refuse a fired report for a shot the member was not in, and a socket's join as a second client", async () => {
    const token = await login();
    const roomId = await createRoom(token);
    const a = await join(roomId, "twice-a");
    a.send({ type: "join", v: 1, clientId: "twice-b", name: "b" });
    expect(await a.next((m) => m.type === "error")).toMatchObject({ code: "already_joined" });
    const { exports } = await import("cloudflare:workers");
    const shot = await (
      await exports.default.fetch(
        new Request(`http://simulshot.test/api/rooms/${roomId}/shoot`, {
          method: "POST",
          headers: { Authorization: `Bearer ${token}` },
        }),
      )
    ).json<{ shotId: string; at: number }>();
    const room = await (
      await exports.default.fetch(new Request(`http://simulshot.test/api/rooms/${roomId}`))
    ).json<any>();
    expect(room).toMatchObject({ members: 1, shot: { expected: 1 } });
    await new Promise((r) => setTimeout(r, Math.max(0, shot.at - Date.now() + 20)));
    const late = await join(roomId, "not-in-shot");
    expect(await late.next((m) => m.type === "missed")).toMatchObject({ shotId: shot.shotId });
    late.send({ type: "fired", shotId: shot.shotId, firedAt: shot.at, offset: 0, error: 1 });
    expect(await late.next((m) => m.type === "error")).toMatchObject({ code: "no_such_shot" });
  });
});
