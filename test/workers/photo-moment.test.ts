// Each photo's moment (issue 16): the upload's frameAt and bound are checked, recorded with the photo, and
// returned by the listing (frameOffset = frameAt − at, bound) and the owner's shot report.
import { describe, expect, it } from "vitest";
import { ErrorCode, type PhotoPage, type ShotReport } from "../../shared/protocol.ts";
import { auth, call, createRoom, join, jpeg, login, upload } from "./helpers.ts";

describe("a photo's moment", () => {
  it("is recorded from the upload and returned in the listing and the report", async () => {
    const token = await login();
    const roomId = await createRoom(token);
    const a = await join(roomId, "moment-a");
    const b = await join(roomId, "moment-b");
    await a.next((m) => m.type === "members" && m.count === 2);
    const shot = await call<{ shotId: string; at: number }>(`/api/rooms/${roomId}/shoot`, {
      method: "POST",
      headers: auth(token),
    });
    const { shotId, at } = shot.body;

    const withMoment = await upload(roomId, a.welcome.uploadToken, {
      photo: jpeg(32, 24),
      shotId,
      frameAt: String(at + 3.25),
      bound: "0.75",
    });
    expect(withMoment.status).toBe(201);
    // An older client sends neither field: still accepted, nothing made up.
    expect((await upload(roomId, b.welcome.uploadToken, { photo: jpeg(32, 24, [1, 2, 3]), shotId })).status).toBe(201);

    const list = await call<PhotoPage>(`/api/rooms/${roomId}/photos?shot=${shotId}`);
    const byMember = new Map(list.body.photos.map((p) => [p.memberId, p]));
    expect(byMember.get(a.welcome.memberId)).toMatchObject({ frameOffset: 3.25, bound: 0.75 });
    expect(byMember.get(b.welcome.memberId)).not.toHaveProperty("frameOffset");
    expect(byMember.get(b.welcome.memberId)).not.toHaveProperty("bound");

    const report = await call<ShotReport>(`/api/rooms/${roomId}/shots/${shotId}`, { headers: auth(token) });
    expect(report.status).toBe(200);
    const rows = new Map(report.body.members.map((m) => [m.memberId, m]));
    expect(rows.get(a.welcome.memberId)).toMatchObject({ uploaded: true, frameOffset: 3.25, frameBound: 0.75 });
    expect(rows.get(b.welcome.memberId)).toMatchObject({ uploaded: true, frameOffset: null, frameBound: null });
  }, 20_000);

  it("refuses a frame time or a bound that is not a plausible number, storing nothing", async () => {
    const token = await login();
    const roomId = await createRoom(token);
    const a = await join(roomId, "moment-bad");
    const shot = await call<{ shotId: string; at: number }>(`/api/rooms/${roomId}/shoot`, {
      method: "POST",
      headers: auth(token),
    });
    const { shotId, at } = shot.body;
    const cases: Array<[Record<string, string>, string]> = [
      [{ frameAt: "soon" }, ErrorCode.BadFrameAt],
      [{ frameAt: "Infinity" }, ErrorCode.BadFrameAt],
      [{ frameAt: " " }, ErrorCode.BadFrameAt],
      [{ frameAt: String(at + 60_001) }, ErrorCode.BadFrameAt],
      [{ frameAt: String(at - 60_001) }, ErrorCode.BadFrameAt],
      [{ frameAt: String(at), bound: "-0.1" }, ErrorCode.BadBound],
      [{ frameAt: String(at), bound: "60001" }, ErrorCode.BadBound],
      [{ bound: "NaN" }, ErrorCode.BadBound],
    ];
    for (const [fields, code] of cases) {
      const r = await upload(roomId, a.welcome.uploadToken, { photo: jpeg(16, 16), shotId, ...fields });
      expect({ fields, status: r.status, code: r.body.error?.code }).toEqual({ fields, status: 400, code });
      expect(r.body.error.message).toMatch(/frameAt|bound/);
    }
    const list = await call<PhotoPage>(`/api/rooms/${roomId}/photos?shot=${shotId}`);
    expect(list.body.photos).toHaveLength(0);
    const stats = await call(`/api/rooms/${roomId}/stats`, { headers: auth(token) });
    expect(stats.body.photos).toBe(0);
    // The edges are inside the window.
    const edge = await upload(roomId, a.welcome.uploadToken, {
      photo: jpeg(16, 16),
      shotId,
      frameAt: String(at - 60_000),
      bound: "0",
    });
    expect(edge.status).toBe(201);
  }, 20_000);
});
