// A shot's counts are kept in the room's memory beside its rows (shot-book.ts, photo-index.ts): a removal and an
// upload move them, an eviction drops them and they are counted again, and a shot completes on the true numbers.
import { abortAllDurableObjects } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { auth, call, jpeg, roomWithShot, upload } from "./helpers.ts";

describe("a shot's counts", () => {
  it("follow a removal and an eviction, and the shot completes when every expected member has a photo", async () => {
    const { token, roomId, members, shotId } = await roomWithShot(3, "counts");
    const [a, b, c] = members.map((m) => m.welcome.uploadToken as string) as [string, string, string];
    const report = async () =>
      (
        await call<{ state: string; expected: number; uploaded: number }>(`/api/rooms/${roomId}/shots/${shotId}`, {
          headers: auth(token),
        })
      ).body;
    const [first] = await Promise.all([
      upload(roomId, a, { photo: jpeg(16, 16, [200, 0, 0]) }),
      upload(roomId, b, { photo: jpeg(16, 16, [0, 200, 0]) }),
    ]);
    expect(await report()).toMatchObject({ state: "pending", expected: 3, uploaded: 2 });
    const removed = await call(`/api/rooms/${roomId}/photos/${(first.body as { photoId: string }).photoId}`, {
      method: "DELETE",
      headers: auth(token),
    });
    expect(removed.status).toBe(204);
    expect(await report()).toMatchObject({ state: "pending", expected: 3, uploaded: 1 });
    // Memory goes: the counts are read again from SQLite.
    await abortAllDurableObjects();
    expect(await report()).toMatchObject({ state: "pending", expected: 3, uploaded: 1 });
    expect((await upload(roomId, a, { photo: jpeg(16, 16, [0, 0, 200]) })).status).toBe(201);
    expect(await report()).toMatchObject({ state: "pending", uploaded: 2 });
    expect((await upload(roomId, c, { photo: jpeg(16, 16, [200, 200, 0]) })).status).toBe(201);
    expect(await report()).toMatchObject({ state: "done", expected: 3, uploaded: 3 });
  });
});
