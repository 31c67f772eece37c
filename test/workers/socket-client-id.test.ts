// The client a room socket is for, named in its URL (`?clientId=`) inside workerd: a matching join joins and
// rejoins, another is refused with client_id_mismatch and close 4005 (also after a wake-up: the id is kept in
// the socket's tag), a malformed one is refused at the upgrade, and a URL without one is still taken.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { Room } from "../../worker/adapter/cloudflare/room-object.ts";
import { createRoom, fetchRaw, login, openSocket } from "./helpers.ts";

const joinAs = (clientId: string) => ({ type: "join", v: 1, clientId, name: clientId });

describe("a socket's clientId in its URL", () => {
  it("joins when the join names the same client, and a reconnect keeps the membership", async () => {
    const roomId = await createRoom(await login());
    const first = await openSocket(roomId, "?clientId=url-same");
    first.send(joinAs("url-same"));
    const welcome = await first.next((m) => m.type === "welcome");
    first.ws.close(1000, "bye");
    await first.closed;
    const again = await openSocket(roomId, "?clientId=url-same");
    again.send(joinAs("url-same"));
    expect((await again.next((m) => m.type === "welcome")).memberId).toBe(welcome.memberId);
  });

  it("refuses a join as another client with client_id_mismatch and close 4005, and counts no member", async () => {
    const roomId = await createRoom(await login());
    const s = await openSocket(roomId, "?clientId=url-one");
    s.send(joinAs("url-other"));
    expect(await s.next((m) => m.type === "error")).toMatchObject({ code: "client_id_mismatch" });
    expect((await s.closed).code).toBe(4005);
    expect(s.frames.some((m) => m.type === "welcome")).toBe(false);
    expect((await fetchRaw(`/api/rooms/${roomId}`).then((r) => r.json())) as object).toMatchObject({ members: 0 });
  });

  it("still refuses the mismatch after the room woke up afresh: the id is kept with the socket", async () => {
    const roomId = await createRoom(await login());
    const s = await openSocket(roomId, "?clientId=url-kept");
    const stub = env.ROOMS.get(env.ROOMS.idFromName(roomId));
    await runInDurableObject(stub, async (_live, state) => {
      const [ws] = state.getWebSockets();
      await new Room(state, env).webSocketMessage(ws!, JSON.stringify(joinAs("url-intruder")));
    });
    expect(await s.next((m) => m.type === "error")).toMatchObject({ code: "client_id_mismatch" });
    expect((await s.closed).code).toBe(4005);
  });

  it("refuses a malformed clientId at the upgrade with 400 bad_client_id", async () => {
    const roomId = await createRoom(await login());
    for (const bad of ["", "has%20space", "x".repeat(65), "a/b"]) {
      const r = await fetchRaw(`/api/rooms/${roomId}/ws?clientId=${bad}`, { headers: { Upgrade: "websocket" } });
      expect(r.status).toBe(400);
      expect(((await r.json()) as { error: { code: string } }).error.code).toBe("bad_client_id");
    }
  });

  it("still takes a socket whose URL names no client (older clients; a sharded room will need it)", async () => {
    const roomId = await createRoom(await login());
    const s = await openSocket(roomId);
    s.send(joinAs("no-url-id"));
    expect((await s.next((m) => m.type === "welcome")).memberId).toBeTruthy();
  });
});
