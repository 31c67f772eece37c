// The hostile image corpus (test/fixtures/hostile, scripts/make-hostile-images.ts) sent over real sockets
// as a photo, a thumb and a tile: each answers its 4xx, a thousand of them leave the server process no more
// than 20 MB bigger, and a real upload still gets 201. Timings are printed for docs/performance.md, not asserted.
import { readFileSync, readdirSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { LocalServer } from "../../scripts/local-server.ts";
import { Api, fixture } from "./api.ts";
import { photoFor } from "./http-kit.ts";
import { ownServer } from "./own-server.ts";
import { joinRaw } from "./sockets.ts";

const TRIES = 1000;
/** Warm-up bursts until one grows the server by less than SETTLED_MB (at most WARM_UP_BURSTS of them). */
const WARM_UP_BURST = 500;
const WARM_UP_BURSTS = 8;
const SETTLED_MB = 5;
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

/** Resident memory of every process in the server's process group (npx, wrangler, workerd; deno), in MB. */
function groupRssMb(pgid: number): number {
  let kb = 0;
  const parts: string[] = [];
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, "utf8");
      if (Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]) !== pgid) continue;
      const one = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${d}/status`, "utf8"))?.[1] ?? 0);
      kb += one;
      parts.push(`${stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"))}=${(one / 1024).toFixed(1)}`);
    } catch {
      // gone meanwhile
    }
  }
  console.log(`[image-bombs] RSS ${parts.join(" ")}`);
  return kb / 1024;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;

for (const { kind } of inject("servers")) {
  describe.skipIf(kind === "external")(`image bombs on ${kind}`, () => {
    let server: LocalServer;
    beforeAll(async () => {
      // A long upload window: the thousand refusals must all meet an open shot.
      server = (await ownServer(kind, { SHOT_WINDOW_MS: "600000" }))!;
    }, 120_000);
    afterAll(() => server?.stop());

    it(`every hostile image is refused as a photo, a thumb and a tile; ${TRIES} more grow the server by < ${MAX_GROWTH_MB} MB; then a real photo gets 201`, async () => {
      const api = new Api(server.url);
      const { token } = await api.login();
      const { roomId } = await api.createRoom(token);
      const guest = await joinRaw(api, roomId, "hostile-guest");
      const trapper = await joinRaw(api, roomId, "trapping-tile");
      const uploadToken = guest.welcome.uploadToken as string;
      const { shotId } = (await api.shoot(roomId, token)).body;
      const cases = hostileCases();

      const send = async (c: Case) => {
        const started = performance.now();
        const r = await api.upload(roomId, uploadToken, { ...c.files, shotId });
        const ms = performance.now() - started;
        expect({ what: c.what, status: r.status, code: (r.body as any)?.error?.code }).toEqual({
          what: c.what,
          status: c.status,
          code: c.code,
        });
        return ms;
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
      const times: number[] = [];
      const burst = async (n: number) => {
        let next = 0;
        const worker = async () => {
          while (next < n) times.push(await send(cases[next++ % cases.length]!));
        };
        await Promise.all(Array.from({ length: CONCURRENCY }, worker));
      };
      // The runtimes' heaps grow to their working size over the first thousands of requests of any kind
      // (refusing a text file at its magic bytes grows them alike), so growth is measured from there.
      const warmUp = [groupRssMb(server.child().pid!)];
      for (let i = 0; i < WARM_UP_BURSTS && (i < 2 || warmUp.at(-1)! - warmUp.at(-2)! >= SETTLED_MB); i++) {
        await burst(WARM_UP_BURST);
        warmUp.push(groupRssMb(server.child().pid!));
      }
      console.log(
        `[image-bombs ${kind}] warm-up RSS every ${WARM_UP_BURST}: ${warmUp.map((r) => r.toFixed(1)).join(" → ")} MB`,
      );
      const rssBefore = warmUp.at(-1)!;
      times.length = 0;
      await burst(TRIES);
      const rssAfter = groupRssMb(server.child().pid!);
      const stats = (t: number[]) => {
        t.sort((a, b) => a - b);
        return `median ${percentile(t, 0.5).toFixed(1)}, p95 ${percentile(t, 0.95).toFixed(1)}, max ${t.at(-1)!.toFixed(1)} ms`;
      };
      console.log(
        `[image-bombs ${kind}] one at a time: ${cases.length} hostile cases ${stats(alone)}; floor (text) ${stats(floor)}\n` +
          `[image-bombs ${kind}] ${TRIES} hostile uploads, ${CONCURRENCY} at a time: ${stats(times)}; ` +
          `server RSS ${rssBefore.toFixed(1)} → ${rssAfter.toFixed(1)} MB`,
      );
      expect(rssAfter - rssBefore).toBeLessThan(MAX_GROWTH_MB);

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
