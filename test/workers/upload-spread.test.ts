// The shot's upload spread inside workerd (UPLOAD_SPREAD_RATE is 10 uploads/s and SHOT_WINDOW_MS 2000 in
// this suite): none for a room of 10 guests, guests ÷ rate beyond, in every shoot frame, and a deadline
// that gives the last client to start the whole upload window.
import { env, runDurableObjectAlarm } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { auth, call, createRoom, join, jpeg, login, upload } from "./helpers.ts";

const WINDOW_MS = 2000;

async function roomOf(guests: number, prefix: string) {
  const token = await login();
  const roomId = await createRoom(token);
  const members = [];
  for (let i = 0; i < guests; i++) members.push(await join(roomId, `${prefix}-${i}`));
  const shot = await call(`/api/rooms/${roomId}/shoot`, { method: "POST", headers: auth(token) });
  expect(shot.status).toBe(202);
  const view = (await call(`/api/rooms/${roomId}`)).body;
  return { token, roomId, members, shot: shot.body, deadline: view.shot.deadline as number };
}

describe("the upload spread", () => {
  it("is 0 for a room of 10 guests: they upload at once, until the upload window after the instant", async () => {
    const { members, shot, deadline } = await roomOf(10, "spread-small");
    expect(shot.spreadMs).toBe(0);
    for (const m of members)
      expect(await m.next((f) => f.type === "shoot")).toEqual({
        type: "shoot",
        shotId: shot.shotId,
        at: shot.at,
        spreadMs: 0,
      });
    expect(deadline).toBe(shot.at + WINDOW_MS);
  });

  it("grows with the room, and a guest who rejoins is told the same spread", async () => {
    const eleven = await roomOf(11, "spread-11");
    expect(eleven.shot.spreadMs).toBe(1100);
    const big = await roomOf(25, "spread-25");
    expect(big.shot.spreadMs).toBe(2500);
    expect(await big.members[24]!.next((f) => f.type === "shoot")).toMatchObject({ spreadMs: 2500 });
    const again = await join(big.roomId, "spread-25-3");
    expect(await again.next((f) => f.type === "shoot")).toEqual({
      type: "shoot",
      shotId: big.shot.shotId,
      at: big.shot.at,
      spreadMs: 2500,
    });
  });

  it("moves the deadline by the spread: an upload started late in it is accepted, and the shot stays open", async () => {
    const { roomId, members, shot, deadline } = await roomOf(25, "spread-late");
    expect(deadline).toBe(shot.at + 2500 + WINDOW_MS);
    // Past where the deadline would be without the spread (at + window), inside the spread's allowance.
    await new Promise((r) => setTimeout(r, Math.max(0, shot.at + WINDOW_MS + 200 - Date.now())));
    const late = await upload(roomId, members[7]!.welcome.uploadToken, { photo: jpeg(16, 16) });
    expect(late.status).toBe(201);
    const stub = env.ROOMS.get(env.ROOMS.idFromName(roomId));
    await runDurableObjectAlarm(stub);
    expect((await call(`/api/rooms/${roomId}`)).body.shot).toMatchObject({ state: "pending", uploaded: 1 });
    // At the deadline the alarm completes it, and then an upload is refused.
    await new Promise((r) => setTimeout(r, Math.max(0, deadline + 50 - Date.now())));
    await runDurableObjectAlarm(stub);
    expect(await members[0]!.next((f) => f.type === "shot-done")).toMatchObject({ uploaded: 1, missing: 24 });
    const closed = await upload(roomId, members[8]!.welcome.uploadToken, { photo: jpeg(16, 16) });
    expect(closed).toMatchObject({ status: 409, body: { error: { code: "shot_closed" } } });
  });
});
