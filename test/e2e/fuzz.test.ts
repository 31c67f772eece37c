// A seeded fuzz run against a live room over real sockets: thousands of random and mutated frames,
// then hundreds of random and mutated requests (uploads included) during a shot. Nothing may crash
// (no 5xx, no unparseable answer, only the documented close codes); afterwards that shot and a
// normal one complete, every upload the server acknowledged is listed, and the owner's ZIP, shot report
// and mosaic of the fuzzed shot come whole (guests' hostile `fired` reports included). FUZZ_SEED=n replays.
import { describe, expect, inject, it } from "vitest";
import { asServerMessage, type PhotoView } from "../../shared/protocol.ts";
import type { RoomClient } from "../../shared/room-client.ts";
import { Api, fixture } from "./kit/api.ts";
import { Fuzz, type FuzzRequest } from "./kit/fuzz-kit.ts";
import { photoFor } from "./kit/http-kit.ts";
import { expectOwnerViewsWhole } from "./kit/owner-views.ts";
import { joinRaw, openRaw, step, until, type RawSocket } from "./kit/sockets.ts";

const SEED = Number(process.env.FUZZ_SEED ?? 20261126);
const FRAMES = 3000;
const REQUESTS = 600;
const CLOSE_CODES = new Set([1000, 1005, 1006, 1009, 4000, 4001]);

/** Frames the server answers by closing: binary, over 4096 UTF-8 bytes, or a join on another version. */
function closesSocket(frame: string | Uint8Array): boolean {
  if (typeof frame !== "string" || Buffer.byteLength(frame) > 4096) return true;
  try {
    const m = JSON.parse(frame);
    return typeof m === "object" && m !== null && !Array.isArray(m) && m.type === "join" && m.v !== 1;
  } catch {
    return false;
  }
}

const describeRequest = (r: FuzzRequest) =>
  `${r.method} ${r.path} ${JSON.stringify(r.headers).slice(0, 120)} body ${r.body?.length ?? 0} B`;

for (const server of inject("servers")) {
  describe(`fuzz on ${server.kind}`, () => {
    it(`${FRAMES} frames and ${REQUESTS} requests (seed ${SEED}) crash nothing; both shots complete with every acknowledged upload listed, and the owner's ZIP, report and mosaic come whole`, async () => {
      const fz = new Fuzz(SEED);
      const api = new Api(server.url);
      const { token } = await api.login("Fuzz owner");
      const { roomId } = await api.createRoom(token, "Fuzz");
      const good: RoomClient[] = [0, 1, 2, 3].map((i) => api.client(roomId, { clientId: `fuzz-good-${i}` }));
      const guests: Array<RawSocket & { welcome: any }> = [];
      const members = async () => (await api.json(`/api/rooms/${roomId}`)).body.members as number;
      try {
        await step("good clients synced", Promise.all(good.map((c) => c.once("sync"))));

        // 1. Frames, 50 per socket (inside the rate limiter's burst), on fresh sockets in batches.
        const closes = new Map<number, number>();
        const badAnswers: string[] = [];
        const finish = async (s: RawSocket) => {
          const { code } = await s.closed;
          closes.set(code, (closes.get(code) ?? 0) + 1);
          for (const m of s.frames) if (!asServerMessage(m)) badAnswers.push(JSON.stringify(m));
        };
        const fresh = async () => {
          const s = openRaw(api.wsUrl(roomId));
          await step("a fuzz socket opens", s.opened);
          return s;
        };
        for (let sent = 0; sent < FRAMES;) {
          const sockets = await Promise.all(Array.from({ length: 6 }, fresh));
          for (let i = 0; i < 300; i++, sent++) {
            const k = fz.int(sockets.length);
            const frame = fz.frame("s");
            sockets[k]!.send(frame);
            // A frame the server closes the socket for: wait for the close, go on with a new socket.
            if (closesSocket(frame)) {
              await finish(sockets[k]!);
              sockets[k] = await fresh();
            }
          }
          for (const s of sockets) {
            if (s.ws.readyState !== s.ws.OPEN) continue;
            s.send({ type: "ping", id: 424242, t0: 1 });
            await step(
              "a fuzzed socket still answers",
              Promise.race([s.next((m) => m.type === "pong" && m.id === 424242, 10_000), s.closed]),
            );
          }
          for (const s of sockets) {
            if (fz.chance(0.5)) s.ws.terminate();
            else s.ws.close();
            await finish(s);
          }
        }
        console.log(`[fuzz ${server.kind}] seed ${SEED}: close codes ${JSON.stringify([...closes])}`);
        expect(badAnswers).toEqual([]);
        for (const code of closes.keys()) expect(CLOSE_CODES, `close code ${code}`).toContain(code);
        await until(async () => (await members()) === good.length, 10_000, "fuzzed sockets gone");

        // 2. Requests during a shot, with the fuzz guests' real upload tokens among the mutated ones.
        for (let i = 0; i < 4; i++) guests.push(await joinRaw(api, roomId, `fuzz-guest-${i}`));
        const shot = (await api.shoot(roomId, token)).body;
        // Members expected in the shot report on it with hostile numbers, among other fuzzed frames.
        for (const g of guests) {
          for (let i = 0; i < 40; i++) {
            const frame = fz.chance(0.6) ? fz.firedReport(shot.shotId, shot.at) : fz.frame(shot.shotId);
            if (!closesSocket(frame)) g.send(frame);
          }
          g.send({ type: "ping", id: 515151, t0: 1 });
          await step(
            "a reporting guest still answers",
            g.next((m) => m.type === "pong" && m.id === 515151, 10_000),
          );
        }
        const acked = new Map<string, string>();
        const crashes: string[] = [];
        const shapeless: string[] = [];
        const ctx = {
          roomId,
          shotId: shot.shotId,
          ownerToken: token,
          uploadTokens: guests.map((g) => g.welcome.uploadToken as string),
          images: ["photo.jpg", "small.png", "small.webp", "thumb.jpg", "tile.jpg", "big-header.jpg"].map(fixture),
        };
        const requests = Array.from({ length: REQUESTS }, () => fz.request(ctx));
        let next = 0;
        const worker = async () => {
          while (next < requests.length) {
            const req = requests[next++]!;
            let res: Response;
            try {
              res = await fetch(server.url + req.path, { method: req.method, headers: req.headers, body: req.body });
            } catch (e) {
              // fetch refuses some inputs itself (bad header bytes, a body on GET): not the server's doing
              if (e instanceof TypeError && !String(e.cause ?? "").includes("ECONN")) continue;
              crashes.push(`${describeRequest(req)}: ${e}`);
              continue;
            }
            const text = await res.text();
            if (res.status >= 500) crashes.push(`${res.status} ${describeRequest(req)}: ${text.slice(0, 200)}`);
            if (res.status >= 400 && req.method !== "HEAD") {
              let body: any = null;
              try {
                body = JSON.parse(text);
              } catch {
                // checked below
              }
              if (typeof body?.error?.code !== "string" || typeof body?.error?.message !== "string")
                shapeless.push(`${res.status} ${describeRequest(req)}: ${text.slice(0, 80)}`);
            }
            if (req.method === "POST" && req.path.startsWith(`/api/rooms/${roomId}/photos`) && res.status < 300) {
              const photo = JSON.parse(text) as PhotoView;
              acked.set(photo.photoId, req.path);
            }
          }
        };
        await Promise.all(Array.from({ length: 8 }, worker));
        console.log(`[fuzz ${server.kind}] seed ${SEED}: ${acked.size} fuzzed uploads acknowledged`);
        expect(crashes).toEqual([]);
        expect(shapeless).toEqual([]);

        // 3. Everyone uploads a real photo; the fuzzed shot completes and lists every acknowledged one.
        const firstDone = good[0]!.once("shot-done", (d) => d.shotId === shot.shotId);
        for (const [i, t] of [...ctx.uploadTokens, ...good.map((c) => c.uploadToken!)].entries()) {
          const r = await api.upload(roomId, t, { photo: photoFor(`fuzz-${i}`), shotId: shot.shotId });
          expect([200, 201], JSON.stringify(r.body)).toContain(r.status);
          acked.set(r.body.photoId, "valid");
        }
        expect(await step("fuzzed shot done", firstDone)).toMatchObject({ uploaded: 8, missing: 0 });
        const listed = new Set((await api.listAll(roomId, shot.shotId)).map((p) => p.photoId));
        expect(listed.size).toBe(8);
        for (const photoId of acked.keys()) expect(listed, photoId).toContain(photoId);
        await expectOwnerViewsWhole(api, roomId, shot.shotId, token);

        // 4. A normal shot afterwards.
        for (const g of guests) g.ws.close();
        await until(async () => (await members()) === good.length, 10_000, "fuzz guests gone");
        const second = (await api.shoot(roomId, token)).body;
        const fires = await step(
          "good clients fire",
          Promise.all(good.map((c) => c.once("fire", (f) => f.shotId === second.shotId))),
        );
        for (const f of fires) expect(f.late).toBe(false);
        const secondDone = good[0]!.once("shot-done", (d) => d.shotId === second.shotId);
        for (const [i, c] of good.entries()) {
          const r = await api.upload(roomId, c.uploadToken!, { photo: photoFor(`after-fuzz-${i}`) });
          expect(r.status).toBe(201);
        }
        expect(await step("normal shot done", secondDone)).toMatchObject({ uploaded: good.length, missing: 0 });
        expect(await api.listAll(roomId, second.shotId)).toHaveLength(good.length);
        await expectOwnerViewsWhole(api, roomId, second.shotId, token);
      } finally {
        for (const c of good) c.close();
        for (const g of guests) g.ws.close();
      }
    });
  });
}
