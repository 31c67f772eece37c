// The hostile image corpus (test/fixtures/hostile, scripts/make-hostile-images.ts) sent over real sockets
// as a photo, a thumb and a tile: each answers its 4xx, a thousand of them grow the server's processes by less
// than 20 MB beyond what as many harmless uploads grow them, and a real upload still gets 201. Timings are
// printed for docs/performance.md, not asserted.
import { readFileSync, readdirSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { LocalServer } from "../../scripts/local-server.ts";
import { Api, fixture } from "./kit/api.ts";
import { photoFor } from "./kit/http-kit.ts";
import { ownServer } from "./kit/own-server.ts";
import { groupRssMb } from "./kit/server-rss.ts";
import { joinRaw } from "./kit/sockets.ts";

const TRIES = 1000;
const WARM_UP = 500;
const SLICE = 250;
const CONCURRENCY = 4;
const MAX_GROWTH_MB = 20;

/** As a photo: the status and code each refused file answers (image-check.test.ts reads the same files). */
const AS_PHOTO: Record<string, [number, string]> = {
  "webp-canvas-1x1-vp8l-16384.webp": [400, "malformed_image"],
  "webp-canvas-1x1-vp8l-4096.webp": [400, "malformed_image"],
  "webp-canvas-1x1-vp8-16383.webp": [400, "malformed_image"],
  "webp-canvas-16384-vp8l-16384.webp": [413, "image_too_large"],
  "webp-vp8l-16384.webp": [413, "image_too_large"],
  "webp-vp8-16383.webp": [413, "image_too_large"],
  "webp-animated.webp": [400, "malformed_image"],
  "webp-truncated.webp": [400, "truncated_image"],
  "png-ihdr-100000x100000.png": [413, "image_too_large"],
  "png-ihdr-8000x8000.png": [413, "image_too_large"],
  "png-bad-crc.png": [400, "malformed_image"],
  "png-truncated.png": [400, "truncated_image"],
  "png-html-polyglot.png": [400, "malformed_image"],
  "jpeg-65535x65535.jpg": [413, "image_too_large"],
  "jpeg-second-sof.jpg": [400, "malformed_image"],
  "jpeg-arithmetic.jpg": [400, "malformed_image"],
  "jpeg-dnl-height-0.jpg": [400, "malformed_image"],
  "jpeg-100-scans.jpg": [400, "malformed_image"],
  "jpeg-truncated.jpg": [400, "truncated_image"],
  "jpeg-zip-polyglot.jpg": [400, "malformed_image"],
};

type Case = { what: string; files: Parameters<Api["upload"]>[2]; status: number; code: string };

function hostileCases(): Case[] {
  const dir = new URL("../fixtures/hostile/", import.meta.url);
  const names = readdirSync(dir).filter((n) => AS_PHOTO[n]);
  expect(names.length).toBe(Object.keys(AS_PHOTO).length);
  const small = fixture("tile.jpg"); // a real 64x64 JPEG: the photo a hostile thumb or tile rides along with
  return names.flatMap((name) => {
    const bytes = new Uint8Array(readFileSync(new URL(name, dir)));
    const [status, code] = AS_PHOTO[name]!;
    return [
      { what: `${name} as the photo`, files: { photo: bytes }, status, code },
      { what: `${name} as the thumb`, files: { photo: small, thumb: bytes }, status: 400, code: "bad_thumb" },
      { what: `${name} as the tile`, files: { photo: small, tile: bytes }, status: 400, code: "bad_tile" },
    ];
  });
}

/** The same request with the hostile file replaced by text of its size: refused at its magic bytes. */
function harmlessTwin(c: Case): Pick<Case, "files" | "code" | "status"> {
  const text = (b: Uint8Array | undefined) => (b ? new Uint8Array(b.length).fill(0x41) : undefined);
  if (c.files.thumb) return { files: { ...c.files, thumb: text(c.files.thumb) }, status: 400, code: "bad_thumb" };
  if (c.files.tile) return { files: { ...c.files, tile: text(c.files.tile) }, status: 400, code: "bad_tile" };
  return { files: { photo: text(c.files.photo) }, status: 415, code: "not_an_image" };
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;

for (const { kind } of inject("servers")) {
  describe.skipIf(kind === "external")(`image bombs on ${kind}`, () => {
    let server: LocalServer;
    beforeAll(async () => {
      // A long upload window (Deno; under wrangler dev, wrangler.toml's wins): the refusals must meet an open shot.
      server = (await ownServer(kind, { SHOT_WINDOW_MS: "600000" }))!;
    }, 120_000);
    afterAll(() => server?.stop());

    it(`every hostile image is refused as a photo, a thumb and a tile; ${TRIES} more grow the server by < ${MAX_GROWTH_MB} MB beyond as many harmless uploads; then a real photo gets 201`, async () => {
      const api = new Api(server.url);
      const { token } = await api.login();
      const { roomId } = await api.createRoom(token);
      const guest = await joinRaw(api, roomId, "hostile-guest");
      const trapper = await joinRaw(api, roomId, "trapping-tile");
      const uploadToken = guest.welcome.uploadToken as string;
      let shotId: string = (await api.shoot(roomId, token)).body.shotId;
      const cases = hostileCases();
      // The thousands of refusals are spread over rooms of their own: upload attempts are limited per address
      // and room (3000 a minute), and this test sends more than that from one address within a minute.
      const spread = await Promise.all(
        Array.from({ length: 4 }, async (_, i) => {
          const room = (await api.createRoom(token)).roomId;
          const g = await joinRaw(api, room, `hostile-guest-${i}`);
          return { room, token: g.welcome.uploadToken as string, shot: (await api.shoot(room, token)).body.shotId };
        }),
      );
      let sends = 0;

      const send = async (c: Case) => {
        const target = spread[sends++ % spread.length]!;
        for (;;) {
          const started = performance.now();
          const r = await api.upload(target.room, target.token, { ...c.files, shotId: target.shot });
          const ms = performance.now() - started;
          const code = (r.body as any)?.error?.code;
          // wrangler.toml's [vars] window (60 s) wins over SHOT_WINDOW_MS under wrangler dev: a closed shot
          // is followed by the next one (the guests are still in the room).
          if (r.status === 409 && code === "shot_closed") {
            target.shot = (await api.shoot(target.room, token)).body.shotId;
            continue;
          }
          expect({ what: c.what, status: r.status, code }).toEqual({ what: c.what, status: c.status, code: c.code });
          return ms;
        }
      };
      // Each case once as a warm-up (code paths compiled, caches filled), then once more one at a time, timed,
      // beside the floor: the same route refusing a text file, the cheapest refusal there is.
      for (const c of cases) await send(c);
      const floorCase: Case = {
        what: "text as the photo",
        files: { photo: new TextEncoder().encode("not a picture") },
        status: 415,
        code: "not_an_image",
      };
      const alone: number[] = [];
      const floor: number[] = [];
      for (const c of cases) {
        alone.push(await send(c));
        floor.push(await send(floorCase));
      }
      // The same request shapes refused at their magic bytes: the growth any upload traffic causes.
      const harmless = cases.map((c) => ({ ...c, ...harmlessTwin(c) }));
      const times: number[] = [];
      const burst = async (n: number, of: Case[]) => {
        let next = 0;
        const worker = async () => {
          while (next < n) {
            const ms = await send(of[next++ % of.length]!);
            if (of === cases) times.push(ms);
          }
        };
        await Promise.all(Array.from({ length: CONCURRENCY }, worker));
      };
      // workerd's and Deno's heaps grow toward their working size over the first thousands of uploads of any
      // kind, so the hostile uploads' growth is told apart from that by interleaving them, 250 at a time, with
      // as many harmless ones of the same shape, after a warm-up of both.
      await burst(WARM_UP, cases);
      await burst(WARM_UP, harmless);
      let hostileGrowth = 0;
      let harmlessGrowth = 0;
      const rssBefore = groupRssMb(server.child().pid!);
      let rss = rssBefore;
      for (let sent = 0; sent < TRIES; sent += SLICE) {
        await burst(SLICE, harmless);
        const afterHarmless = groupRssMb(server.child().pid!);
        harmlessGrowth += afterHarmless - rss;
        await burst(SLICE, cases);
        rss = groupRssMb(server.child().pid!);
        hostileGrowth += rss - afterHarmless;
      }
      const rssAfter = rss;
      const stats = (t: number[]) => {
        t.sort((a, b) => a - b);
        return `median ${percentile(t, 0.5).toFixed(1)}, p95 ${percentile(t, 0.95).toFixed(1)}, max ${t.at(-1)!.toFixed(1)} ms`;
      };
      console.log(
        `[image-bombs ${kind}] one at a time: ${cases.length} hostile cases ${stats(alone)}; floor (text) ${stats(floor)}\n` +
          `[image-bombs ${kind}] ${TRIES} hostile uploads, ${CONCURRENCY} at a time: ${stats(times)}; ` +
          `server RSS ${rssBefore.toFixed(1)} → ${rssAfter.toFixed(1)} MB: ${hostileGrowth.toFixed(1)} MB while ` +
          `sending the hostile ones, ${harmlessGrowth.toFixed(1)} MB while sending as many harmless ones`,
      );
      expect(hostileGrowth).toBeLessThan(MAX_GROWTH_MB + Math.max(0, harmlessGrowth));

      // The room's shot again (the first one may have closed while the refusals ran in the other rooms).
      shotId = (await api.shoot(roomId, token)).body.shotId;
      const good = await api.upload(roomId, uploadToken, { photo: photoFor("after the bombs"), shotId });
      expect(good.status).toBe(201);
      // A well-formed JPEG tile photon traps on is decoded in the isolated decoder, which is dropped: the upload
      // is not refused for it (refusals never decode), and the server goes on decoding.
      const trapping = await api.upload(roomId, trapper.welcome.uploadToken as string, {
        photo: photoFor("with a trapping tile"),
        tile: new Uint8Array(readFileSync(new URL("../fixtures/hostile/jpeg-bad-huffman.jpg", import.meta.url))),
        shotId,
      });
      expect(trapping.status).toBe(201);
      const listed = await api.listAll(roomId, shotId);
      expect(listed).toHaveLength(2);
      expect(listed.every((p) => p.thumbUrl)).toBe(true); // both server-made, by a decoder that trapped in between
      guest.ws.close();
      trapper.ws.close();
    }, 600_000);
  });
}
