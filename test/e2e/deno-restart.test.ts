// The Deno server keeps everything in SQLite and on disk under DATA_DIR: a restart (same folder, same
// port) loses no room, member, shot, photo or mosaic, and a pending shot still closes at its deadline.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startServer, type LocalServer } from "../../scripts/local-server.ts";
import type { RoomClient } from "../../shared/room-client.ts";
import { Api, fixture } from "./kit/api.ts";
import { tagJpeg } from "../../shared/jpeg-tag.ts";

const WINDOW_MS = 8000;

async function until<T>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.runIf(inject("servers").some((s) => s.kind === "deno"))("the Deno server across a restart", () => {
  let server: LocalServer;
  beforeAll(async () => {
    server = await startServer("deno", { env: { SHOT_WINDOW_MS: String(WINDOW_MS) } });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("loses no room, member, shot, photo or mosaic, and closes the pending shot at its deadline", async () => {
    const api = new Api(server.url);
    const { token } = await api.login("Ann");
    const { roomId } = await api.createRoom(token, "Before the restart");
    const clients: RoomClient[] = [0, 1, 2].map((i) =>
      api.client(roomId, { clientId: `restart-${i}`, name: `Guest ${i}`, reconnect: { baseMs: 100, maxMs: 500 } }),
    );
    const rewelcomed = clients.map(
      (c) =>
        new Promise<string>((resolve) => {
          let n = 0;
          c.on("welcome", (w) => ++n === 2 && resolve(w.memberId));
        }),
    );
    try {
      await Promise.all(clients.map((c) => c.once("sync")));
      await clients[0]!.once("members", (m) => m.count === 3);
      const fired = Promise.all(clients.map((c) => c.once("fire")));
      const shot = await api.shoot(roomId, token);
      expect(shot.status).toBe(202);
      const { shotId } = shot.body;
      await fired;
      const photos = [0, 1].map((i) => tagJpeg(fixture("photo.jpg"), `restart ${i}`));
      for (const i of [0, 1]) {
        const r = await api.upload(roomId, clients[i]!.uploadToken!, {
          photo: photos[i],
          thumb: fixture("thumb.jpg"),
          shotId,
        });
        expect(r.status, JSON.stringify(r.body)).toBe(201);
      }
      const report = () =>
        api.json(`/api/rooms/${roomId}/shots/${shotId}`, { headers: { Authorization: `Bearer ${token}` } });
      const reportBefore = await until("every fired report", async () => {
        const r = await report();
        return r.body.members.every((m: { fireError: number | null }) => m.fireError !== null) && r.body;
      });
      const mosaicUrl = async () => {
        const r = await fetch(`${server.url}/api/rooms/${roomId}/mosaic?shot=${shotId}`, { redirect: "manual" });
        expect(r.headers.get("Mosaic-Tiles")).toBe("2");
        return r.headers.get("Location")!;
      };
      const mosaicBefore = await mosaicUrl();
      const mosaicBytes = await api.download(mosaicBefore);
      const roomBefore = (await api.json(`/api/rooms/${roomId}`)).body;
      const listBefore = await api.listAll(roomId, shotId);
      const membersBefore = clients.map((c) => c.memberId);
      expect(roomBefore).toMatchObject({ title: "Before the restart", photos: 2, shot: { shotId, state: "pending" } });

      await server.restart();

      const roomAfter = (await api.json(`/api/rooms/${roomId}`)).body;
      // Who is connected (and synced) is not state: the sockets went with the process.
      expect({ ...roomAfter, members: 0, ready: 0 }).toEqual({ ...roomBefore, members: 0, ready: 0 });
      expect(await api.listAll(roomId, shotId)).toEqual(listBefore);
      for (const p of listBefore) {
        const i = membersBefore.indexOf(p.memberId);
        expect(Buffer.from(await api.download(p.url)).equals(Buffer.from(photos[i]!))).toBe(true);
      }
      expect((await report()).body).toEqual(reportBefore);
      expect(await mosaicUrl()).toBe(mosaicBefore);
      expect(Buffer.from(await api.download(mosaicBefore)).equals(Buffer.from(mosaicBytes))).toBe(true);
      // Each client reconnects by itself with its clientId and gets its membership back.
      expect(await Promise.all(rewelcomed)).toEqual(membersBefore);

      // The deadline's alarm was stored, not just a timer of the old process.
      const done = await until("the shot to close at its deadline", async () => {
        const r = await api.json(`/api/rooms/${roomId}`);
        return r.body.shot.state === "done" && r.body;
      });
      expect(done).toMatchObject({ state: "waiting", photos: 2, shot: { shotId, expected: 3, uploaded: 2 } });
      const late = await api.upload(roomId, clients[2]!.uploadToken!, { photo: fixture("photo.jpg"), shotId });
      expect(late.status).toBe(409);
    } finally {
      clients.forEach((c) => c.close());
    }
  });
});
