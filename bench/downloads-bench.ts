// Downloads benchmark: on a local `wrangler dev`, a room where N guests (100, 1000) upload a photo,
// thumb and tile each, then N clients use the gallery as the app does. Reports bytes and requests per
// client, R2 reads per room and how soon the mosaic is final. Run: `npx tsx bench/downloads-bench.ts`.
import { cpus, loadavg, totalmem } from "node:os";
import { PhotonImage } from "@cf-wasm/photon";
import type { PhotoPage, RoomStats } from "../shared/protocol.ts";
import { startServer } from "../scripts/local-server.ts";
import { Api, fixture } from "../test/e2e/kit/api.ts";
import { tagJpeg } from "../shared/jpeg-tag.ts";

const SIZES = (process.env.BENCH_SIZES ?? "100,1000").split(",").map(Number);
/** What one gallery client does, as the app does it: the first listing page with its thumbs, the mosaic, one full photo. */
const PAGE = 50;
const FULL_PHOTOS = 1;
const CLIENTS_AT_ONCE = 32;
const THUMBS_AT_ONCE = 6; // a browser's connections per host

type Tally = { requests: number; bytes: number };
type Result = {
  n: number;
  photoBytes: number;
  thumbBytes: number;
  mosaicBytes: number;
  perClient: Tally;
  reads: number;
  hits: number;
  finalMs: number;
  jpegMs: number;
  galleryMs: number;
  uploadMs: number;
  retries: number;
};

const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(bytes < 2 ** 20 ? 2 : 1)} MB`;
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");

/** A distinct 64 px tile for guest i (so the mosaic is as varied as real photos'). */
function tileJpeg(i: number): Uint8Array {
  const px = new Uint8Array(64 * 64 * 4);
  for (let p = 0; p < 64 * 64; p++) {
    const x = p % 64;
    const y = Math.floor(p / 64);
    px.set([(i * 53 + x * 2) & 255, (i * 97 + y * 2) & 255, (i * 151 + x + y) & 255, 255], p * 4);
  }
  const image = new PhotonImage(px, 64, 64);
  try {
    return image.get_bytes_jpeg(85);
  } finally {
    image.free();
  }
}

async function pool<T>(items: T[], width: number, fn: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i]!, i);
      }
    }),
  );
}

async function get(url: string, tally: Tally, init?: RequestInit): Promise<Response> {
  const r = await fetch(url, init);
  const body = new Uint8Array(await r.arrayBuffer());
  tally.requests++;
  tally.bytes += body.length;
  if (r.status >= 400) throw new Error(`${url}: ${r.status}`);
  return new Response(r.status === 302 ? null : body, { status: r.status, headers: r.headers });
}

async function run(api: Api, n: number): Promise<Result> {
  const { token } = await api.login("Bench");
  const owner = { Authorization: `Bearer ${token}` };
  const { roomId } = await api.createRoom(token, `bench ${n}`);
  const guests: Array<Awaited<ReturnType<Api["joinGuest"]>>> = [];
  await pool(
    Array.from({ length: n }, (_, i) => i),
    50,
    async (i) => void guests.push(await api.joinGuest(roomId, `bench-${n}-${i}`)),
  );
  try {
    const { shotId } = (await api.shoot(roomId, token)).body;
    const photo = fixture("photo.jpg");
    const thumb = fixture("thumb.jpg");
    let lastAnswer = 0;
    const t0 = performance.now();
    let retries = 0;
    await pool(guests, CLIENTS_AT_ONCE, async (g, i) => {
      const files = {
        photo: tagJpeg(photo, `photo ${i}`),
        thumb: tagJpeg(thumb, `thumb ${i}`),
        tile: tileJpeg(i),
        shotId,
      };
      // Retried like the app does (an upload is idempotent): wrangler dev's proxy sometimes drops a
      // POST under heavy load ("Your worker restarted mid-request").
      for (let attempt = 0; ; attempt++) {
        const r = await api
          .upload(roomId, g.uploadToken, files)
          .catch((e: unknown) => ({ status: 0, body: String(e) }));
        if (r.status === 201 || r.status === 200) break;
        if (attempt === 3) throw new Error(`upload ${i}: ${r.status} ${JSON.stringify(r.body)}`);
        retries++;
        console.log(`upload ${i} retried after ${r.status} ${JSON.stringify(r.body).slice(0, 120)}`);
      }
      lastAnswer = performance.now();
    });
    const uploadMs = lastAnswer - t0;

    // How soon after the last upload's answer the mosaic shows every photo.
    let finalMs = NaN;
    let jpegMs = NaN;
    let mosaicBytes = 0;
    for (;;) {
      const r = await fetch(`${api.base}/api/rooms/${roomId}/mosaic?shot=${shotId}`, { redirect: "manual" });
      if (Number(r.headers.get("Mosaic-Tiles")) === Math.min(n, 1024)) {
        finalMs = performance.now() - lastAnswer;
        mosaicBytes = (await (await fetch(api.base + r.headers.get("Location"))).arrayBuffer()).byteLength;
        jpegMs = performance.now() - lastAnswer;
        break;
      }
      if (performance.now() - lastAnswer > 30_000) throw new Error("the mosaic was not final within 30 s");
      await new Promise((res) => setTimeout(res, 10));
    }

    const stats = async (): Promise<RoomStats> =>
      (await api.json(`/api/rooms/${roomId}/stats`, { headers: owner })).body;
    await new Promise((res) => setTimeout(res, 500));
    const before = await stats();
    const tallies = Array.from({ length: n }, (): Tally => ({ requests: 0, bytes: 0 }));
    const g0 = performance.now();
    await pool(tallies, CLIENTS_AT_ONCE, async (tally, c) => {
      const list = await get(`${api.base}/api/rooms/${roomId}/photos?shot=${shotId}&limit=${PAGE}`, tally);
      const page = (await list.json()) as PhotoPage;
      await pool(page.photos, THUMBS_AT_ONCE, async (p) => void (await get(api.base + p.thumbUrl!, tally)));
      const redirect = await get(`${api.base}/api/rooms/${roomId}/mosaic?shot=${shotId}`, tally, {
        redirect: "manual",
      });
      await get(api.base + redirect.headers.get("Location")!, tally);
      for (let k = 0; k < FULL_PHOTOS; k++) await get(api.base + page.photos[(c + k) % page.photos.length]!.url, tally);
    });
    const galleryMs = performance.now() - g0;
    await new Promise((res) => setTimeout(res, 500));
    const after = await stats();
    const sum = tallies.reduce((s, t) => ({ requests: s.requests + t.requests, bytes: s.bytes + t.bytes }), {
      requests: 0,
      bytes: 0,
    });
    return {
      n,
      photoBytes: photo.length,
      thumbBytes: thumb.length,
      mosaicBytes,
      perClient: { requests: sum.requests / n, bytes: sum.bytes / n },
      reads: after.r2Reads - before.r2Reads,
      hits: after.cacheHits - before.cacheHits,
      finalMs,
      jpegMs,
      galleryMs,
      uploadMs,
      retries,
    };
  } finally {
    guests.forEach((g) => g.ws.close());
  }
}

async function main(): Promise<void> {
  console.log(
    `downloads bench: ${cpus().length} cores, ${mb(totalmem())} RAM, Node ${process.version}, load ${load()}`,
  );
  // BENCH_URL: a server already running (e.g. `npm start`, to watch its log); otherwise a fresh `wrangler dev`.
  const server = process.env.BENCH_URL ? null : await startServer("wrangler");
  const url = process.env.BENCH_URL ?? server!.url;
  const results: Result[] = [];
  try {
    for (const n of SIZES) {
      const r = await run(new Api(url), n);
      results.push(r);
      console.log(`N=${n} done (load ${load()})`);
    }
  } finally {
    await server?.stop();
  }
  const head = [
    "N",
    "gallery: requests/client",
    "gallery: bytes/client",
    "all full photos: requests/client",
    "all full photos: bytes/client",
    "bytes ratio",
    "R2 reads/room (gallery)",
    "cache hits",
    "R2 reads/room without cache",
    "R2 reads/room, all full photos, no cache",
    "mosaic final after last upload",
    "mosaic JPEG",
  ];
  console.log(`| ${head.join(" | ")} |\n|${head.map(() => "---").join("|")}|`);
  for (const r of results) {
    const naiveBytes = r.n * r.photoBytes;
    const fileRequests = r.perClient.requests - 2; // every request but the listing and the mosaic redirect
    console.log(
      `| ${[
        r.n,
        r.perClient.requests.toFixed(0),
        mb(r.perClient.bytes),
        r.n + Math.ceil(r.n / 200),
        mb(naiveBytes),
        `${(naiveBytes / r.perClient.bytes).toFixed(1)}x`,
        r.reads,
        r.hits,
        (fileRequests * r.n).toFixed(0),
        r.n * r.n,
        `${r.finalMs.toFixed(0)} ms`,
        `${mb(r.mosaicBytes)} (${r.jpegMs.toFixed(0)} ms)`,
      ].join(" | ")} |`,
    );
  }
  for (const r of results)
    console.log(
      `N=${r.n}: uploads ${(r.uploadMs / 1000).toFixed(1)} s (${r.retries} retried), gallery phase ${(r.galleryMs / 1000).toFixed(1)} s; photo ${mb(r.photoBytes)}, thumb ${mb(r.thumbBytes)}`,
    );
}

await main();
