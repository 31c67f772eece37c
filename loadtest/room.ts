// The k6 load test of one room: CLIENTS phones join, sync their clocks, fire on the owner's shoot, upload,
// list and download, driven by the real shared RoomClient. `k6 run loadtest/room.ts` or `npm run loadtest`.
import exec from "k6/execution";
import http, { type RequestBody, type Params } from "k6/http";
import { Counter, Trend } from "k6/metrics";
import type { Options } from "k6/options";
import { clearTimeout, setTimeout } from "k6/timers";
import { WebSocket } from "k6/websockets";
import { UPLOAD_RETRY, isRetryable, retryDelay } from "../shared/retry-policy.ts";
import type { PhotoPage, PhotoView } from "../shared/protocol.ts";
import { RoomClient, defaultNow, type FireEvent, type SocketLike } from "../shared/room-client.ts";

const num = (k: string, d: number) => (__ENV[k] ? Number(__ENV[k]) : d);
const CLIENTS = num("CLIENTS", 10);
const BASE = (__ENV.BASE_URL || "http://127.0.0.1:8787").replace(/\/$/, "");
/** Fraction of clients that leave at a random stage and never return; of clients that drop and reconnect. */
const DROP = num("DROP", 0);
const RECONNECT = num("RECONNECT", 0);
/** Added round-trip latency per client, ms (half each way, on every frame and before every request). */
const DELAY_MS = num("DELAY_MS", 0);
/** all: PER_CLIENT photos and their thumbs per client (its own first, checked byte for byte); thumbs; none. */
const DOWNLOAD = __ENV.DOWNLOAD || "all";
const PER_CLIENT = num("PER_CLIENT", 3);
const SKEW = __ENV.SKEW === "1";
const JOIN_TIMEOUT_MS = num("JOIN_TIMEOUT_MS", 60_000);
const QUIET_MS = num("QUIET_MS", 3_000);
const SETTLE_MS = num("SETTLE_MS", 5_000);
const GUARD_MS = num("GUARD_MS", 180_000);
/** Re-sync the clock this often while waiting (8 probes, ms; 0 = never): probes sent in the join storm
 *  see long round trips, later quiet ones tighten the estimate. */
const RESYNC_MS = num("RESYNC_MS", 0);
// Uploads start this long after the instant: on the generator's shared loop, building a 200 KB request in
// the shot's millisecond would delay every client still to fire (each phone has a CPU of its own).
const AFTER_FIRE_MS = 100;
if (!["all", "thumbs", "none"].includes(DOWNLOAD)) throw new Error(`DOWNLOAD must be all, thumbs or none`);

const PHOTO = new Uint8Array(open("../test/fixtures/photo.jpg", "b"));
const THUMB = new Uint8Array(open("../test/fixtures/thumb.jpg", "b"));
const TILE = open("../test/fixtures/tile.jpg", "b");

/** connect: new socket → open; join: open → welcome and first clock sync; shoot_delivery: when each client
 *  got `shoot`, ms after setup (k6 has no channel between VUs, so the summary subtracts the owner's request,
 *  t_shoot_start); fire_error: the fired instant by the client's own clock estimate − `at`; sync_bound: the
 *  stated error of the estimate the client fired with (its join-time round, tightened by the 2-probe check
 *  it makes on `shoot`); true_*: against the machine's real clock (SKEW=1, one machine); upload,
 *  download: per client. */
const TRENDS = [
  "connect",
  "join",
  "shoot_delivery",
  "fire_error",
  "sync_bound",
  "true_sync_error",
  "true_fire_error",
  "upload",
  "download",
] as const;
const COUNTERS = [
  "joined",
  "fired",
  "uploaded",
  "downloaded",
  "download_bytes",
  "late",
  "lost",
  "corrupt",
  "missed",
  "dropped",
  "reconnected",
  "errors",
] as const;
const trend = Object.fromEntries(TRENDS.map((n) => [n, new Trend(n, true)])) as Record<(typeof TRENDS)[number], Trend>;
const count = Object.fromEntries(COUNTERS.map((n) => [n, new Counter(n)])) as Record<
  (typeof COUNTERS)[number],
  Counter
>;
/** Phase edges, ms after setup: a phase lasts from its first start to its last end across all clients. */
const PHASES = ["connect", "join", "shoot", "upload", "download"] as const;
type Phase = (typeof PHASES)[number];
const edge = Object.fromEntries(
  PHASES.map((p) => [p, { start: new Trend(`t_${p}_start`), end: new Trend(`t_${p}_end`) }]),
) as Record<Phase, { start: Trend; end: Trend }>;

const sure = Math.floor(CLIENTS * (1 - DROP) - 4 * Math.sqrt(CLIENTS * DROP * (1 - DROP)));
export const options: Options = {
  scenarios: {
    room: { executor: "per-vu-iterations", vus: CLIENTS, iterations: 1, maxDuration: `${GUARD_MS / 1000 + 60}s` },
  },
  setupTimeout: "60s",
  summaryTrendStats: ["avg", "min", "med", "max", "p(90)", "p(95)", "p(99)", "count"],
  thresholds: {
    connect: ["p(95)<1500"],
    join: ["p(95)<1500"],
    fire_error: ["p(99)<3"],
    sync_bound: ["p(99)<10"],
    ...(SKEW ? { true_sync_error: ["p(99)<2"] } : {}),
    upload: ["p(95)<3000"],
    download: ["p(95)<30000"],
    joined: [`count>=${sure}`],
    fired: [`count>=${sure}`],
    uploaded: [`count>=${sure}`],
    late: ["count==0"],
    lost: ["count==0"],
    corrupt: ["count==0"],
  },
};

type SetupData = { roomId: string; ownerToken: string; origin: number; run: string };
const STAGES = ["open", "welcome", "sync", "fire", "upload"] as const;
type Stage = (typeof STAGES)[number];

export function setup(): SetupData {
  const run = Math.random().toString(36).slice(2, 8);
  if (__ENV.ROOM_ID) return { roomId: __ENV.ROOM_ID, ownerToken: __ENV.OWNER_TOKEN ?? "", origin: Date.now(), run };
  const json = { "Content-Type": "application/json" };
  const login = http.post(`${BASE}/api/login`, JSON.stringify({ name: "k6 organiser" }), { headers: json });
  if (login.status !== 200) throw new Error(`login: ${login.status} ${String(login.body)}`);
  const { token } = login.json() as { token: string };
  const auth = { ...json, Authorization: `Bearer ${token}` };
  const room = http.post(`${BASE}/api/rooms`, JSON.stringify({ title: `k6 ${CLIENTS}` }), { headers: auth });
  if (room.status !== 201) throw new Error(`create room: ${room.status} ${String(room.body)}`);
  return { roomId: (room.json() as { roomId: string }).roomId, ownerToken: token, origin: defaultNow()(), run };
}

export default function (data: SetupData): void {
  const id = exec.vu.idInTest;
  const owner = id === 1 && data.ownerToken !== "";
  const real = defaultNow();
  const skew = SKEW ? (Math.random() * 2 - 1) * 3_600_000 : 0;
  const mark = (p: Phase, from: number, to: number) => (
    edge[p].start.add(from - data.origin),
    edge[p].end.add(to - data.origin)
  );
  const roll = owner ? 1 : Math.random();
  let fate = roll < DROP ? "drop" : roll < DROP + RECONNECT ? "reconnect" : null;
  const fateAt = STAGES[Math.floor(Math.random() * STAGES.length)];
  const handles: number[] = [];
  const later = (ms: number, fn: () => void) => (handles.push(setTimeout(fn, ms)), handles[handles.length - 1]!);
  const start = real();
  let opened = 0;
  let ready = 0;
  let over = false;
  let shotId = "";
  let shotDone = false;
  let waiting = false;
  let fire: { e: FireEvent; real: number } | null = null;
  let mine: { photo: Uint8Array; thumb: Uint8Array; photoId: string } | null = null;

  const client = new RoomClient({
    url: `${BASE.replace(/^http/, "ws")}/api/rooms/${data.roomId}/ws`,
    connect: (url) => {
      const ws = new WebSocket(url);
      ws.addEventListener("open", () => void (opened || onOpen()));
      return DELAY_MS > 0 ? delayed(ws, DELAY_MS / 2) : ws;
    },
    clientId: `${data.run}-${id}`,
    name: `VU ${id}`,
    now: () => real() - skew,
    timers: { setTimeout: (fn, ms) => setTimeout(fn, ms), clearTimeout: (h) => clearTimeout(h as number) },
    reconnect: { baseMs: 250, maxMs: 2000 },
    resyncMs: RESYNC_MS,
  });
  later(GUARD_MS, () => failed(`gave up after ${GUARD_MS} ms`));

  /** Acts out this client's fate at its stage: true when it left for good. */
  function stage(s: Stage): boolean {
    if (over || fate === null || fateAt !== s) return over;
    if (fate === "drop") return (count.dropped.add(1), finish(), true);
    fate = null;
    count.reconnected.add(1);
    client.drop();
    return false;
  }
  function onOpen() {
    opened = real();
    trend.connect.add(opened - start);
    mark("connect", start, opened);
    stage("open");
  }
  let welcomed = false;
  let memberId = "";
  client.on("welcome", (w) => {
    memberId = w.memberId; // the same membership on every connection of this clientId
    if (welcomed) return;
    welcomed = true;
    count.joined.add(1);
    stage("welcome");
  });
  client.on("sync", () => {
    if (ready) return;
    ready = real();
    trend.join.add(ready - opened);
    mark("join", opened, ready);
    stage("sync");
  });
  client.on("shoot", (s) => void (shotId || ((shotId = s.shotId), trend.shoot_delivery.add(real() - data.origin))));
  // Runs in the very millisecond of the shot, with every other client on this loop: only note it.
  client.on("fire", (e) => void (fire || ((fire = { e, real: real() }), later(AFTER_FIRE_MS, afterFire))));
  client.on("missed", () => void (count.missed.add(1), finish()));
  client.on("shot-done", () => void ((shotDone = true), waiting && list()));
  if (owner) {
    let quiet = 0;
    later(JOIN_TIMEOUT_MS, shoot);
    // As an organiser watching the ready count: shoot when everyone is in and synced, or once the count
    // has been still for QUIET_MS while connected (a screen that lost the room waits until it is back).
    const settle = () => {
      clearTimeout(quiet);
      quiet = later(QUIET_MS, () => (client.connected ? shoot() : undefined));
    };
    client.on("members", ({ ready }) => {
      if (ready >= CLIENTS) return shoot();
      if (DROP + RECONNECT > 0) settle();
    });
    client.on("status", (s) => void (s.connected && DROP + RECONNECT > 0 && settle()));
  }

  let shot = false;
  function shoot() {
    if (shot || over) return;
    shot = true;
    const t0 = real();
    edge.shoot.start.add(t0 - data.origin);
    // Retried like an upload (a server restarting right then): shooting again returns the pending shot.
    retrying(() =>
      request("POST", `/api/rooms/${data.roomId}/shoot`, null, {
        headers: { Authorization: `Bearer ${data.ownerToken}` },
      }),
    )
      .then((r) => void (r.status === 202 || failed(`shoot: ${why(r)}`)))
      .catch(failed);
  }

  function afterFire() {
    const { e, real: at } = fire!;
    count.fired.add(1);
    trend.fire_error.add(e.fireError);
    trend.sync_bound.add(e.estimate.error);
    if (SKEW) trend.true_sync_error.add(Math.abs(e.estimate.offset - skew));
    if (e.late) count.late.add(1);
    if (SKEW) trend.true_fire_error.add(Math.abs(at - e.at));
    if (!stage("fire")) upload(e.shotId);
  }

  function upload(shot: string) {
    const photo = tag(PHOTO, `${data.run} VU ${id}`);
    const thumb = tag(THUMB, `${data.run} VU ${id}`);
    const form: RequestBody = {
      photo: http.file(photo.buffer as ArrayBuffer, "photo.jpg", "image/jpeg"),
      thumb: http.file(thumb.buffer as ArrayBuffer, "thumb.jpg", "image/jpeg"),
      tile: http.file(TILE, "tile.jpg", "image/jpeg"),
      shotId: shot,
    };
    const t0 = real();
    retrying(() =>
      request("POST", `/api/rooms/${data.roomId}/photos`, form, {
        headers: { Authorization: `Bearer ${client.uploadToken}` },
      }),
    )
      .then((r) => {
        if (r.status !== 201 && r.status !== 200) return failed(`upload: ${why(r)}`);
        const t1 = real();
        mine = { photo, thumb, photoId: (r.json() as { photoId: string }).photoId };
        trend.upload.add(t1 - t0);
        count.uploaded.add(1);
        mark("upload", t0, t1);
        // A client that leaves right after its upload was acknowledged still has its photo looked for
        // (by the harness: the phone is gone), so every acknowledged photo is checked.
        if (fate === "drop" && fateAt === "upload") {
          count.dropped.add(1);
          fate = null;
          client.close();
        } else if (stage("upload")) return;
        waiting = true;
        if (shotDone) list();
        else later(SETTLE_MS, list);
      })
      .catch(failed);
  }

  let listed = false;
  function list() {
    if (listed || over) return;
    listed = true;
    const t0 = real();
    const shotPhotos = `/api/rooms/${data.roomId}/photos?shot=${shotId}`;
    const get = (q: string) =>
      retrying(() => request("GET", shotPhotos + q)).then((r) =>
        r.status === 200 ? (r.json() as PhotoPage).photos : Promise.reject(new Error(`list: ${why(r)}`)),
      );
    // Its own photo in the room's listing, by member (one row: a missing one is lost), then the first
    // page, which the app's gallery shows: every client reading the whole listing would cost the room N² rows.
    get(`&member=${memberId}`)
      .then((own) => {
        const photo = own.find((x) => x.photoId === mine?.photoId) ?? null;
        if (!photo) count.lost.add(1);
        if (DOWNLOAD === "none") return download(photo, [], t0);
        return get(`&limit=${PER_CLIENT}`).then((page) =>
          download(photo, page.filter((x) => x.photoId !== photo?.photoId).slice(0, PER_CLIENT - (photo ? 1 : 0)), t0),
        );
      })
      .catch(failed);
  }

  function download(own: PhotoView | null, others: PhotoView[], t0: number): Promise<void> {
    const files: Array<{ url: string; check?: Uint8Array }> = [];
    for (const p of own ? [own, ...others] : others) {
      const check = p === own ? mine! : undefined;
      if (DOWNLOAD === "all") files.push({ url: p.url, check: check?.photo });
      if (p.thumbUrl) files.push({ url: p.thumbUrl, check: check?.thumb });
    }
    const next = (i: number): Promise<void> => {
      if (i === files.length) {
        const t1 = real();
        trend.download.add(t1 - t0);
        mark("download", t0, t1);
        return Promise.resolve(finish());
      }
      const f = files[i]!;
      return retrying(() => request("GET", f.url, null, { responseType: f.check ? "binary" : "none" })).then((r) => {
        if (r.status !== 200) {
          // Its own acknowledged photo (or thumb) listed but not there to download is lost too.
          if (f.check && r.status === 404) count.lost.add(1);
          return failed(`download ${f.url}: ${why(r)}`);
        }
        count.downloaded.add(1);
        count.download_bytes.add(Number(r.headers["Content-Length"] ?? 0));
        if (f.check && !same(r.body as ArrayBuffer, f.check)) count.corrupt.add(1);
        return next(i + 1);
      });
    };
    return next(0);
  }

  function failed(reason: unknown) {
    if (over) return;
    count.errors.add(1);
    console.warn(`VU ${id}: ${reason instanceof Error ? reason.message : String(reason)}`);
    finish();
  }

  function finish() {
    over = true;
    for (const h of handles) clearTimeout(h);
    client.close();
  }
}

/** Re-sends a request while its failure may pass (no answer, 5xx: a server restarting), with the web
 *  app's backoff and jitter; only for requests a repeat cannot harm (uploads are idempotent). */
function retrying<R extends { status: number }>(go: () => Promise<R>, attempt = 1): Promise<R> {
  return go().then((r) =>
    isRetryable(r.status) && attempt < UPLOAD_RETRY.attempts
      ? new Promise<void>((ok) => void setTimeout(ok, retryDelay(attempt, Math.random))).then(() =>
          retrying(go, attempt + 1),
        )
      : r,
  );
}

function request(method: string, path: string, body: RequestBody | null = null, params: Params = {}) {
  const go = () => http.asyncRequest(method, path.startsWith("http") ? path : BASE + path, body, params);
  return DELAY_MS > 0 ? new Promise<void>((r) => void setTimeout(r, DELAY_MS)).then(go) : go();
}

const why = (r: { status: number; error: string; body: unknown }) =>
  r.status === 0 ? `no response (${r.error})` : `${r.status} ${typeof r.body === "string" ? r.body.slice(0, 200) : ""}`;

/** A socket whose frames each way wait `ms` first: added latency without a proxy. */
function delayed(ws: WebSocket, ms: number): SocketLike {
  return {
    get readyState() {
      return ws.readyState;
    },
    send: (d) => void setTimeout(() => ws.readyState === 1 && ws.send(d), ms),
    close: (code, reason) => ws.close(code, reason),
    addEventListener: (type, fn) =>
      ws.addEventListener(type, type === "message" ? (e) => void setTimeout(() => fn(e), ms) : fn),
  };
}

/** A copy of a JPEG with a comment segment after SOI: each client's photo is distinct, still valid. */
function tag(jpeg: Uint8Array, text: string): Uint8Array {
  const out = new Uint8Array(jpeg.length + 4 + text.length);
  out.set(jpeg.subarray(0, 2));
  out.set([0xff, 0xfe, (text.length + 2) >> 8, (text.length + 2) & 0xff], 2);
  for (let i = 0; i < text.length; i++) out[6 + i] = text.charCodeAt(i) & 0x7f;
  out.set(jpeg.subarray(2), 6 + text.length);
  return out;
}

function same(a: ArrayBuffer, b: Uint8Array): boolean {
  const x = new Uint8Array(a);
  if (x.length !== b.length) return false;
  // A plain loop: every() calls a closure per byte, seconds of CPU for 6000 downloads of 240 KB.
  for (let i = 0; i < x.length; i++) if (x[i] !== b[i]) return false;
  return true;
}

type SummaryData = {
  metrics: Record<string, { values: Record<string, number>; thresholds?: Record<string, { ok: boolean }> }>;
};

export function handleSummary(s: SummaryData) {
  const v = (name: string, stat: string) => s.metrics[name]?.values[stat] ?? null;
  const n = (name: string) => v(name, "count") ?? 0;
  const diff = (a: number | null, b: number | null) => (a === null || b === null ? null : a - b);
  const span = (p: Phase) => (n(`t_${p}_start`) ? diff(v(`t_${p}_end`, "max"), v(`t_${p}_start`, "min")) : null);
  const request = v("t_shoot_start", "min");
  const delivery = (stat: string) =>
    n("shoot_delivery") && request !== null ? v("shoot_delivery", stat)! - request : null;
  const phases = {
    connect_ms: span("connect"),
    join_ms: span("join"),
    connect_join_ms: n("t_join_end") ? diff(v("t_join_end", "max"), v("t_connect_start", "min")) : null,
    shoot_delivery_ms: delivery("max"),
    upload_ms: span("upload"),
    download_ms: span("download"),
  };
  const sync = {
    fire_error_p50_ms: v("fire_error", "med"),
    fire_error_p99_ms: v("fire_error", "p(99)"),
    fire_spread_ms: n("fire_error") ? v("fire_error", "max")! - v("fire_error", "min")! : null,
    bound_p99_ms: v("sync_bound", "p(99)"),
    true_error_p99_ms: SKEW ? v("true_sync_error", "p(99)") : null,
    true_fire_error_p99_ms: SKEW ? v("true_fire_error", "p(99)") : null,
  };
  const thresholds: Record<string, boolean> = {};
  for (const [name, metric] of Object.entries(s.metrics))
    for (const [expr, r] of Object.entries(metric.thresholds ?? {})) thresholds[`${name}: ${expr}`] = r.ok;
  const counts = COUNTERS.filter((c) => c !== "download_bytes");
  const summary = {
    clients: CLIENTS,
    connected: n("connect"),
    ...Object.fromEntries(counts.map((c) => [c, n(c)])),
    phases,
    sync,
    shoot: { delivery_p50_ms: delivery("med"), delivery_p99_ms: delivery("p(99)") },
    timeline: Object.fromEntries(
      PHASES.map((p) => [p, [v(`t_${p}_start`, "min"), v(p === "shoot" ? "shoot_delivery" : `t_${p}_end`, "max")]]),
    ),
    knobs: { BASE_URL: BASE, DROP, RECONNECT, DELAY_MS, DOWNLOAD, PER_CLIENT, SKEW },
    thresholds,
  };
  const sec = (x: number | null) => (x === null ? "–" : (x / 1000).toFixed(3));
  const ms = (x: number | null) => (x === null ? "–" : x.toFixed(1));
  const mb = (v("download_bytes", "count") ?? 0) / 1e6;
  const lines = [
    `${summary.connected} clients connected, took: ${sec(phases.connect_ms)}s`,
    `${n("joined")} joined room and waiting for shoot, took: ${sec(phases.join_ms)}s`,
    `shoot delivered to ${n("shoot_delivery")}, last after ${ms(phases.shoot_delivery_ms)}ms`,
    `fire error p50 ${ms(sync.fire_error_p50_ms)}ms p99 ${ms(sync.fire_error_p99_ms)}ms, spread ${ms(sync.fire_spread_ms)}ms`,
    `${n("uploaded")} photos uploaded, took: ${sec(phases.upload_ms)}s`,
    `${n("download")} clients downloaded ${n("downloaded")} files (${mb.toFixed(1)} MB), took: ${sec(phases.download_ms)}s`,
    ...Object.entries(thresholds).map(([k, ok]) => `${ok ? "✓" : "✗"} ${k}`),
  ];
  return {
    stdout: lines.join("\n") + "\n",
    ...(__ENV.SUMMARY ? { [__ENV.SUMMARY]: JSON.stringify(summary, null, 2) } : {}),
  };
}
