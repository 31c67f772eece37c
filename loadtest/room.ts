// The k6 load test of one room: CLIENTS phones join, sync their clocks, fire on the owner's shoot, upload,
// list and download, driven by the real shared RoomClient. `k6 run loadtest/room.ts` or `npm run loadtest`.
import exec from "k6/execution";
import http, { type RequestBody, type Params } from "k6/http";
import { Counter, Gauge, Trend } from "k6/metrics";
import type { Options } from "k6/options";
import { clearTimeout, setTimeout } from "k6/timers";
import { WebSocket } from "k6/websockets";
import { UPLOAD_RETRY, isRetryable, retryDelay } from "../shared/retry-policy.ts";
import { tagJpeg } from "../shared/jpeg-tag.ts";
import { shardLines, shardReport, type ShardReport } from "./shard-stats.ts";
import { photoOfSize } from "./sized-jpeg.ts";
import type { ClockEstimate } from "../shared/clock-sync.ts";
import { uploadPath, type PhotoPage, type PhotoView } from "../shared/protocol.ts";
import { RoomClient, defaultNow, type FireEvent, type SocketLike } from "../shared/room-client.ts";

const num = (k: string, d: number) => (__ENV[k] ? Number(__ENV[k]) : d);

// ---- Knobs: `k6 run -e KEY=VALUE`, or the environment of `npm run loadtest` (--clients and --url set the
// first two). ROOM_ID and OWNER_TOKEN fill an existing room (from several machines); only a run that has
// the owner's token shoots.
/** Phones in the room (one VU each); the first VU also plays the organiser, who shoots. */
const CLIENTS = num("CLIENTS", 10);
/** The server under test. */
const BASE = (__ENV.BASE_URL || "http://127.0.0.1:8787").replace(/\/$/, "");
/** Fraction of clients that leave at a random stage and never return; of clients that drop and reconnect. */
const DROP = num("DROP", 0);
const RECONNECT = num("RECONNECT", 0);
/** Added round-trip latency per client, ms (half each way, on every frame and before every request). */
const DELAY_MS = num("DELAY_MS", 0);
/** all: PER_CLIENT photos and their thumbs per client (its own first, checked byte for byte); thumbs; none. */
const DOWNLOAD = __ENV.DOWNLOAD || "all";
const PER_CLIENT = num("PER_CLIENT", 3);
/** SKEW=1: each client's clock is off by up to ±1 h, and the true sync and fire errors are measured. */
const SKEW = __ENV.SKEW === "1";
/** The organiser shoots this long after it started even if not everyone is ready, ms. */
const JOIN_TIMEOUT_MS = num("JOIN_TIMEOUT_MS", 60_000);
/** With DROP or RECONNECT: the organiser shoots once the ready count has been still this long, ms. */
const QUIET_MS = num("QUIET_MS", 3_000);
/** A client lists the photos at `shot-done`, or this long after its upload if that comes first, ms. */
const SETTLE_MS = num("SETTLE_MS", 5_000);
/** A client not finished this long after it started gives up (counted in `errors`), ms. */
const GUARD_MS = num("GUARD_MS", 180_000);
/** Re-sync the clock this often while waiting (a small probe round, ms; 0 = never): probes sent in the join
 *  storm see long round trips, later quiet ones tighten the estimate. */
const RESYNC_MS = num("RESYNC_MS", 0);
/** Probes of each client's first round (the RoomClient's default when unset). */
const SYNC_PROBES = __ENV.SYNC_PROBES ? Number(__ENV.SYNC_PROBES) : undefined;
/** SPREAD=0: every client uploads right after its fire, ignoring the shoot's upload spread (to measure
 *  what the spread buys); by default each waits for its random moment in the spread, as the app does. */
const SPREAD = __ENV.SPREAD !== "0";
/** Each client's photo, KB (1024 bytes, plus its ~20-byte tag): a fixture JPEG grown with comment segments to
 *  this size, distinct per client as always (unset: test/fixtures/photo.jpg as it is, 221 KB). */
const PHOTO_KB = __ENV.PHOTO_KB ? Number(__ENV.PHOTO_KB) : null;
/** The room's expected size, sent as `expected` when the script creates the room (the server picks its shard
 *  count from it; one that does not know the key ignores it). Default CLIENTS; 0 sends none. */
const EXPECTED = num("EXPECTED", CLIENTS);
/** The organiser shoots this long after every client is in and synced (the ready count reaching CLIENTS), ms;
 *  0 (the default) shoots at once, right after the join storm. */
const SHOOT_AFTER_MS = num("SHOOT_AFTER_MS", 0);
/** Set by the runner's CLI when every connection goes through its latency proxy (recorded, not used here). */
const LATENCY = __ENV.LATENCY || "";
// ---- End of knobs.

// Uploads start this long after the instant: on the generator's shared loop, building a 200 KB request in
// the shot's millisecond would delay every client still to fire (each phone has a CPU of its own).
const AFTER_FIRE_MS = 100;
if (!["all", "thumbs", "none"].includes(DOWNLOAD)) throw new Error(`DOWNLOAD must be all, thumbs or none`);

const TILE = open("../test/fixtures/tile.jpg", "b");
const THUMB = new Uint8Array(open("../test/fixtures/thumb.jpg", "b"));
const FIXTURE_PHOTO = new Uint8Array(open("../test/fixtures/photo.jpg", "b"));
const PHOTO = ((): Uint8Array => {
  if (PHOTO_KB === null) return FIXTURE_PHOTO;
  const sized = photoOfSize([new Uint8Array(TILE), THUMB, FIXTURE_PHOTO], Math.round(PHOTO_KB * 1024));
  if (!sized) throw new Error(`PHOTO_KB must be a number of KB from ${Math.ceil(TILE.byteLength / 1024)} up`);
  return sized;
})();

/** Frames each client sends the room, by type (`other`: anything else), counted on the wire. */
const FRAME_TYPES = ["join", "ping", "ready", "fired", "other"] as const;
/** connect: new socket → open; join: open → first clock estimate; ready: open → `ready` sent (the estimate
 *  its first round proves, and the welcome), ready_bound its bound; bound_margin: stated bound − true error
 *  (SKEW=1; below 0 is a bound violation); shoot_delivery: when each client
 *  got `shoot`, ms after setup (k6 has no channel between VUs, so the summary subtracts the owner's request,
 *  t_shoot_start); fire_error: the fired instant by the client's own clock estimate − `at`; sync_bound: the
 *  stated error of the estimate the client fired with (its join-time round, tightened by the check it makes
 *  on `shoot`); true_*: against the machine's real clock (SKEW=1, one machine); upload_spread:
 *  the shoot's upload spread, upload_wait: how long each client waited for its moment in it; upload,
 *  download: per client. */
const TRENDS = [
  "connect",
  "join",
  "ready",
  "ready_bound",
  "bound_margin",
  "shoot_delivery",
  "fire_error",
  "sync_bound",
  "true_sync_error",
  "true_latest_error",
  "true_fire_error",
  "upload_spread",
  "upload_wait",
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
  "bound_violations",
  ...FRAME_TYPES.map((t) => `frames_${t}` as const),
  // The same frames by when they were sent: before this client got `shoot` (the join and the wait), or after.
  "frames_before_shoot",
  "frames_from_shoot",
] as const;
const trend = Object.fromEntries(TRENDS.map((n) => [n, new Trend(n, true)])) as Record<(typeof TRENDS)[number], Trend>;
const count = Object.fromEntries(COUNTERS.map((n) => [n, new Counter(n)])) as Record<
  (typeof COUNTERS)[number],
  Counter
>;
/** Requests sent again (`retrying`), per phase and cause: a run that only passes by retrying shows it. */
const RETRY_PHASES = ["shoot", "upload", "list", "download"] as const;
const RETRY_CAUSES = ["no_answer", "timeout", "throttled", "server_error"] as const;
type RetryPhase = (typeof RETRY_PHASES)[number];
const retryCause = (status: number): (typeof RETRY_CAUSES)[number] =>
  status === 0 ? "no_answer" : status === 408 ? "timeout" : status === 429 ? "throttled" : "server_error";
const retries = Object.fromEntries(
  RETRY_PHASES.flatMap((p) => RETRY_CAUSES.map((c) => [`retry_${p}_${c}`, new Counter(`retry_${p}_${c}`)])),
) as Record<string, Counter>;
/** Phase edges, ms after setup: a phase lasts from its first start to its last end across all clients (fire:
 *  from the first client's receipt of `shoot` to the last client's fire). */
const PHASES = ["connect", "join", "shoot", "fire", "upload", "download"] as const;
type Phase = (typeof PHASES)[number];
const edge = Object.fromEntries(
  PHASES.map((p) => [p, { start: new Trend(`t_${p}_start`), end: new Trend(`t_${p}_end`) }]),
) as Record<Phase, { start: Trend; end: Trend }>;

/** Setup's clock (ms since the epoch): the runner lines the server's CPU samples up with the phase edges. */
const originEpoch = new Gauge("t_origin_epoch");
/** The room's shards as its owner's stats showed them right after the shoot (every client still connected):
 *  how many, and the most sockets on one. */
const shardsAtShoot = new Gauge("shards_at_shoot");
const maxShardSocketsAtShoot = new Gauge("max_shard_sockets_at_shoot");

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
    ready: ["p(95)<1500"],
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
    ...(SKEW ? { bound_violations: ["count==0"] } : {}),
  },
};

type SetupData = { roomId: string; ownerToken: string; origin: number; run: string };
const STAGES = ["open", "welcome", "sync", "fire", "upload"] as const;
type Stage = (typeof STAGES)[number];

export function setup(): SetupData {
  const run = Math.random().toString(36).slice(2, 8);
  if (__ENV.ROOM_ID) {
    const origin = defaultNow()();
    originEpoch.add(origin);
    return { roomId: __ENV.ROOM_ID, ownerToken: __ENV.OWNER_TOKEN ?? "", origin, run };
  }
  const json = { "Content-Type": "application/json" };
  const login = http.post(`${BASE}/api/login`, JSON.stringify({ name: "k6 organiser" }), { headers: json });
  if (login.status !== 200) throw new Error(`login: ${login.status} ${String(login.body)}`);
  const { token } = login.json() as { token: string };
  const auth = { ...json, Authorization: `Bearer ${token}` };
  const body = { title: `k6 ${CLIENTS}`, ...(EXPECTED > 0 ? { expected: EXPECTED } : {}) };
  const room = http.post(`${BASE}/api/rooms`, JSON.stringify(body), { headers: auth });
  if (room.status !== 201) throw new Error(`create room: ${room.status} ${String(room.body)}`);
  const origin = defaultNow()();
  originEpoch.add(origin);
  return { roomId: (room.json() as { roomId: string }).roomId, ownerToken: token, origin, run };
}

/** One phone (VU): its room client, its fate, how far it got, and the timers to clear when it is over. */
type Vu = {
  id: number;
  data: SetupData;
  /** The first VU also plays the organiser: it shoots. */
  owner: boolean;
  client: RoomClient;
  /** The machine's clock; the client's is off by `skew` (SKEW=1). */
  real: () => number;
  skew: number;
  /** Leave for good, or drop and reconnect, at `fateAt` (DROP, RECONNECT); null once acted out. */
  fate: "drop" | "reconnect" | null;
  fateAt: Stage;
  handles: number[];
  start: number;
  opened: number;
  ready: number;
  /** This connection's first `ready` was noted. */
  readied: boolean;
  welcomed: boolean;
  /** The same membership on every connection of this clientId. */
  memberId: string;
  shotId: string;
  /** When this client got `shoot` (its real clock), 0 before. */
  shootAt: number;
  /** The organiser asked for the shot; saw every client ready (and waits SHOOT_AFTER_MS). */
  shot: boolean;
  allReady: boolean;
  /** The organiser's "ready count has been still" timer. */
  quiet: number;
  fire: { e: FireEvent; real: number } | null;
  mine: { photo: Uint8Array; thumb: Uint8Array; photoId: string } | null;
  shotDone: boolean;
  /** Uploaded, waiting for `shot-done` (or SETTLE_MS) to list. */
  waiting: boolean;
  listed: boolean;
  over: boolean;
};

export default function (data: SetupData): void {
  const id = exec.vu.idInTest;
  const owner = id === 1 && data.ownerToken !== "";
  const real = defaultNow();
  const skew = SKEW ? (Math.random() * 2 - 1) * 3_600_000 : 0;
  const roll = owner ? 1 : Math.random();
  let fate: Vu["fate"] = null;
  if (roll < DROP) fate = "drop";
  else if (roll < DROP + RECONNECT) fate = "reconnect";
  const vu: Vu = {
    id,
    data,
    owner,
    real,
    skew,
    fate,
    fateAt: STAGES[Math.floor(Math.random() * STAGES.length)]!,
    handles: [],
    start: real(),
    opened: 0,
    ready: 0,
    readied: false,
    welcomed: false,
    memberId: "",
    shotId: "",
    shootAt: 0,
    shot: false,
    allReady: false,
    quiet: 0,
    fire: null,
    mine: null,
    shotDone: false,
    waiting: false,
    listed: false,
    over: false,
    client: new RoomClient({
      url: `${BASE.replace(/^http/, "ws")}/api/rooms/${data.roomId}/ws`,
      connect: (url) => {
        const ws = new WebSocket(url);
        // Events come after this turn, when `vu` is assigned.
        ws.addEventListener("open", () => {
          if (!vu.opened) onOpen(vu);
        });
        return countingFrames(DELAY_MS > 0 ? delayed(ws, DELAY_MS / 2) : ws, () => vu.shootAt > 0);
      },
      clientId: `${data.run}-${id}`,
      name: `VU ${id}`,
      now: () => real() - skew,
      timers: { setTimeout: (fn, ms) => setTimeout(fn, ms), clearTimeout: (h) => clearTimeout(h as number) },
      reconnect: { baseMs: 250, maxMs: 2000 },
      resyncMs: RESYNC_MS,
      ...(SYNC_PROBES === undefined ? {} : { syncProbes: SYNC_PROBES }),
    }),
  };
  later(vu, GUARD_MS, () => failed(vu, `gave up after ${GUARD_MS} ms`));
  const c = vu.client;
  c.on("welcome", (w) => onWelcome(vu, w.memberId));
  c.on("sync", () => onSync(vu));
  c.on("ready", (e) => onReady(vu, e));
  c.on("shoot", (s) => onShoot(vu, s.shotId));
  c.on("fire", (e) => onFire(vu, e));
  c.on("missed", () => {
    count.missed.add(1);
    finish(vu);
  });
  c.on("shot-done", () => {
    vu.shotDone = true;
    if (vu.waiting) list(vu);
  });
  if (owner) watchReady(vu);
}

function later(vu: Vu, ms: number, fn: () => void): number {
  const handle = setTimeout(fn, ms);
  vu.handles.push(handle);
  return handle;
}

function mark(vu: Vu, p: Phase, from: number, to: number): void {
  edge[p].start.add(from - vu.data.origin);
  edge[p].end.add(to - vu.data.origin);
}

/** Acts out this client's fate at its stage: true when it left for good. */
function stage(vu: Vu, s: Stage): boolean {
  if (vu.over || vu.fate === null || vu.fateAt !== s) return vu.over;
  if (vu.fate === "drop") {
    count.dropped.add(1);
    finish(vu);
    return true;
  }
  vu.fate = null;
  count.reconnected.add(1);
  vu.client.drop();
  return false;
}

function onOpen(vu: Vu): void {
  vu.opened = vu.real();
  trend.connect.add(vu.opened - vu.start);
  mark(vu, "connect", vu.start, vu.opened);
  stage(vu, "open");
}

function onWelcome(vu: Vu, memberId: string): void {
  vu.memberId = memberId;
  if (vu.welcomed) return;
  vu.welcomed = true;
  count.joined.add(1);
  stage(vu, "welcome");
}

function onSync(vu: Vu): void {
  if (vu.ready) return;
  vu.ready = vu.real();
  trend.join.add(vu.ready - vu.opened);
  mark(vu, "join", vu.opened, vu.ready);
  stage(vu, "sync");
}

function onReady(vu: Vu, e: ClockEstimate): void {
  checkBound(vu, e);
  if (vu.readied) return;
  vu.readied = true;
  trend.ready.add(vu.real() - vu.opened);
  trend.ready_bound.add(e.error);
}

/** The true offset is known here (SKEW): a stated bound smaller than the real error is a violation. */
function checkBound(vu: Vu, e: ClockEstimate): void {
  if (!SKEW) return;
  const margin = e.error - Math.abs(e.offset - vu.skew);
  trend.bound_margin.add(margin);
  if (margin < 0) count.bound_violations.add(1);
}

function onShoot(vu: Vu, shotId: string): void {
  if (vu.shotId) return;
  vu.shotId = shotId;
  vu.shootAt = vu.real();
  trend.shoot_delivery.add(vu.shootAt - vu.data.origin);
}

/** Runs in the very millisecond of the shot, with every other client on this loop: only note it. */
function onFire(vu: Vu, e: FireEvent): void {
  if (vu.fire) return;
  vu.fire = { e, real: vu.real() };
  if (vu.shootAt) mark(vu, "fire", vu.shootAt, vu.fire.real);
  later(vu, AFTER_FIRE_MS, () => afterFire(vu));
}

/** As an organiser watching the ready count: shoot when everyone is in and synced, or once the count
 *  has been still for QUIET_MS while connected (a screen that lost the room waits until it is back). */
function watchReady(vu: Vu): void {
  const churn = DROP + RECONNECT > 0;
  later(vu, JOIN_TIMEOUT_MS, () => shoot(vu));
  const settle = () => {
    clearTimeout(vu.quiet);
    vu.quiet = later(vu, QUIET_MS, () => {
      if (vu.client.connected) shoot(vu);
    });
  };
  vu.client.on("members", ({ ready }) => {
    if (ready >= CLIENTS) allReady(vu);
    else if (churn) settle();
  });
  vu.client.on("status", (s) => {
    if (s.connected && churn) settle();
  });
}

function allReady(vu: Vu): void {
  if (SHOOT_AFTER_MS <= 0) return shoot(vu);
  if (vu.allReady) return;
  vu.allReady = true;
  later(vu, SHOOT_AFTER_MS, () => shoot(vu));
}

function shoot(vu: Vu): void {
  if (vu.shot || vu.over) return;
  vu.shot = true;
  edge.shoot.start.add(vu.real() - vu.data.origin);
  // Retried like an upload (a server restarting right then): shooting again returns the pending shot.
  const headers = { Authorization: `Bearer ${vu.data.ownerToken}` };
  retrying("shoot", () => request("POST", `/api/rooms/${vu.data.roomId}/shoot`, null, { headers }))
    .then((r) => {
      if (r.status !== 202) return failed(vu, `shoot: ${why(r)}`);
      return request("GET", `/api/rooms/${vu.data.roomId}/stats`, null, { headers }).then((st) => {
        const report = shardReport(st.status, st.status === 200 ? st.json() : null);
        if (!report.shards) return;
        shardsAtShoot.add(report.shards.length);
        maxShardSocketsAtShoot.add(report.max_sockets ?? 0);
      });
    })
    .catch((e: unknown) => failed(vu, e));
}

function afterFire(vu: Vu): void {
  const { e, real: at } = vu.fire!;
  count.fired.add(1);
  trend.fire_error.add(e.fireError);
  trend.sync_bound.add(e.estimate.error);
  if (SKEW) trend.true_sync_error.add(Math.abs(e.estimate.offset - vu.skew));
  const latest = vu.client.estimate;
  if (SKEW && latest) trend.true_latest_error.add(Math.abs(latest.offset - vu.skew));
  checkBound(vu, e.estimate);
  if (e.late) count.late.add(1);
  if (SKEW) trend.true_fire_error.add(Math.abs(at - e.at));
  if (stage(vu, "fire")) return;
  // Its random moment in the shot's upload spread, as the app waits for it (SPREAD=0: at once).
  const wait = SPREAD ? vu.client.uploadDelay(e) : 0;
  trend.upload_spread.add(e.spreadMs);
  trend.upload_wait.add(wait);
  if (wait > 0) later(vu, wait, () => upload(vu, e.shotId));
  else upload(vu, e.shotId);
}

function upload(vu: Vu, shotId: string): void {
  const label = `${vu.data.run} VU ${vu.id}`;
  const photo = tagJpeg(PHOTO, label);
  const thumb = tagJpeg(THUMB, label);
  // The shot first, as the app sends it: the server asks the room before it reads the photo. No tile, as the app:
  // the server cuts it from the thumb.
  const form: RequestBody = {
    shotId,
    photo: http.file(photo.buffer as ArrayBuffer, "photo.jpg", "image/jpeg"),
    thumb: http.file(thumb.buffer as ArrayBuffer, "thumb.jpg", "image/jpeg"),
  };
  const t0 = vu.real();
  // The token is read on each attempt: a reconnect may bring a new one.
  const send = () =>
    request("POST", uploadPath(vu.data.roomId, shotId), form, {
      headers: { Authorization: `Bearer ${vu.client.uploadToken}` },
    });
  retrying("upload", send)
    .then((r) => {
      if (r.status !== 201 && r.status !== 200) {
        failed(vu, `upload: ${why(r)}`);
        return;
      }
      const t1 = vu.real();
      vu.mine = { photo, thumb, photoId: (r.json() as { photoId: string }).photoId };
      trend.upload.add(t1 - t0);
      count.uploaded.add(1);
      mark(vu, "upload", t0, t1);
      // A client that leaves right after its upload was acknowledged still has its photo looked for
      // (by the harness: the phone is gone), so every acknowledged photo is checked.
      if (vu.fate === "drop" && vu.fateAt === "upload") {
        count.dropped.add(1);
        vu.fate = null;
        vu.client.close();
      } else if (stage(vu, "upload")) {
        return;
      }
      vu.waiting = true;
      if (vu.shotDone) list(vu);
      else later(vu, SETTLE_MS, () => list(vu));
    })
    .catch((e: unknown) => failed(vu, e));
}

/** Its own photo in the room's listing, by member (one row: a missing one is lost), then the first page,
 *  which the app's gallery shows: every client reading the whole listing would cost the room N² rows. */
function list(vu: Vu): void {
  if (vu.listed || vu.over) return;
  vu.listed = true;
  const t0 = vu.real();
  const shotPhotos = `/api/rooms/${vu.data.roomId}/photos?shot=${vu.shotId}`;
  listPhotos(`${shotPhotos}&member=${vu.memberId}`)
    .then((own) => {
      const photo = own.find((x) => x.photoId === vu.mine?.photoId) ?? null;
      if (!photo) count.lost.add(1);
      if (DOWNLOAD === "none") return download(vu, photo, [], t0);
      return listPhotos(`${shotPhotos}&limit=${PER_CLIENT}`).then((page) => {
        const others = page.filter((x) => x.photoId !== photo?.photoId).slice(0, PER_CLIENT - (photo ? 1 : 0));
        return download(vu, photo, others, t0);
      });
    })
    .catch((e: unknown) => failed(vu, e));
}

function listPhotos(path: string): Promise<PhotoView[]> {
  return retrying("list", () => request("GET", path)).then((r) => {
    if (r.status !== 200) throw new Error(`list: ${why(r)}`);
    return (r.json() as PhotoPage).photos;
  });
}

type FileToGet = { url: string; check?: Uint8Array };

/** Downloads the files one after another, as a phone's gallery would; its own are checked byte for byte. */
function download(vu: Vu, own: PhotoView | null, others: PhotoView[], t0: number): Promise<void> {
  const files: FileToGet[] = [];
  for (const p of own ? [own, ...others] : others) {
    const check = p === own ? vu.mine! : undefined;
    if (DOWNLOAD === "all") files.push({ url: p.url, check: check?.photo });
    if (p.thumbUrl) files.push({ url: p.thumbUrl, check: check?.thumb });
  }
  return downloadFrom(vu, files, 0, t0);
}

function downloadFrom(vu: Vu, files: FileToGet[], i: number, t0: number): Promise<void> {
  if (i === files.length) {
    const t1 = vu.real();
    trend.download.add(t1 - t0);
    mark(vu, "download", t0, t1);
    finish(vu);
    return Promise.resolve();
  }
  const f = files[i]!;
  const params: Params = { responseType: f.check ? "binary" : "none" };
  return retrying("download", () => request("GET", f.url, null, params)).then((r) => {
    if (r.status !== 200) {
      // Its own acknowledged photo (or thumb) listed but not there to download is lost too.
      if (f.check && r.status === 404) count.lost.add(1);
      failed(vu, `download ${f.url}: ${why(r)}`);
      return;
    }
    count.downloaded.add(1);
    count.download_bytes.add(Number(r.headers["Content-Length"] ?? 0));
    if (f.check && !same(r.body as ArrayBuffer, f.check)) count.corrupt.add(1);
    return downloadFrom(vu, files, i + 1, t0);
  });
}

function failed(vu: Vu, reason: unknown): void {
  if (vu.over) return;
  count.errors.add(1);
  console.warn(`VU ${vu.id}: ${reason instanceof Error ? reason.message : String(reason)}`);
  finish(vu);
}

function finish(vu: Vu): void {
  vu.over = true;
  for (const h of vu.handles) clearTimeout(h);
  vu.client.close();
}

/** Re-sends a request while its failure may pass (no answer, 5xx: a server restarting), with the shared
 *  retry policy; only for requests a repeat cannot harm (uploads are idempotent). */
function retrying<R extends { status: number }>(phase: RetryPhase, go: () => Promise<R>, attempt = 1): Promise<R> {
  return go().then((r) => {
    if (!isRetryable(r.status) || attempt >= UPLOAD_RETRY.attempts) return r;
    retries[`retry_${phase}_${retryCause(r.status)}`]!.add(1);
    return sleep(retryDelay(attempt, Math.random)).then(() => retrying(phase, go, attempt + 1));
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => {
    setTimeout(resolve, ms);
  });
}

function request(method: string, path: string, body: RequestBody | null = null, params: Params = {}) {
  const go = () => http.asyncRequest(method, path.startsWith("http") ? path : BASE + path, body, params);
  if (DELAY_MS > 0) return sleep(DELAY_MS).then(go);
  return go();
}

function why(r: { status: number; error: string; body: unknown }): string {
  if (r.status === 0) return `no response (${r.error})`;
  return `${r.status} ${typeof r.body === "string" ? r.body.slice(0, 200) : ""}`;
}

/** A socket whose frames each way wait `ms` first: added latency without a proxy. */
function delayed(ws: WebSocket, ms: number): SocketLike {
  return {
    get readyState() {
      return ws.readyState;
    },
    send(d) {
      setTimeout(() => {
        if (ws.readyState === 1) ws.send(d);
      }, ms);
    },
    close: (code, reason) => ws.close(code, reason),
    addEventListener(type, fn) {
      if (type !== "message") return ws.addEventListener(type, fn);
      ws.addEventListener(type, (e) => {
        setTimeout(() => fn(e), ms);
      });
    },
  };
}

/** Counts the frames a socket sends by type, and by whether its client had got `shoot` yet: the room object
 *  pays for each one on Cloudflare. The RoomClient writes `type` first, so the type is read without parsing. */
function countingFrames(ws: SocketLike, shotPhase: () => boolean): SocketLike {
  return {
    get readyState() {
      return ws.readyState;
    },
    send(d) {
      const m = /^\{"type":"([a-z-]+)"/.exec(d);
      const type = FRAME_TYPES.find((t) => t === m?.[1]) ?? "other";
      count[`frames_${type}`].add(1);
      count[shotPhase() ? "frames_from_shoot" : "frames_before_shoot"].add(1);
      ws.send(d);
    },
    close: (code, reason) => ws.close(code, reason),
    addEventListener: (type, fn) => ws.addEventListener(type, fn),
  };
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
  /** setup()'s return, when the runtime hands it over (the project's runner does). */
  setup_data?: SetupData;
};

/** The room's shards from its owner's stats, after the run; a note when they cannot be read. */
function roomShards(data: SetupData | undefined): ShardReport {
  if (!data?.ownerToken) return { shards: null, max_sockets: null, note: "no owner token or setup data to ask with" };
  const r = http.get(`${BASE}/api/rooms/${data.roomId}/stats`, {
    headers: { Authorization: `Bearer ${data.ownerToken}` },
    timeout: "10s",
  });
  let body: unknown = null;
  try {
    body = r.status === 200 ? r.json() : null;
  } catch {
    // not JSON: reported as having no shards
  }
  return shardReport(r.status, body);
}

export function handleSummary(s: SummaryData) {
  const v = (name: string, stat: string) => s.metrics[name]?.values[stat] ?? null;
  const n = (name: string) => v(name, "count") ?? 0;
  const diff = (a: number | null, b: number | null) => (a === null || b === null ? null : a - b);
  const span = (p: Phase) => (n(`t_${p}_start`) ? diff(v(`t_${p}_end`, "max"), v(`t_${p}_start`, "min")) : null);
  const shootRequest = v("t_shoot_start", "min");
  const delivery = (stat: string) =>
    n("shoot_delivery") && shootRequest !== null ? v("shoot_delivery", stat)! - shootRequest : null;
  const phases = {
    connect_ms: span("connect"),
    join_ms: span("join"),
    connect_join_ms: n("t_join_end") ? diff(v("t_join_end", "max"), v("t_connect_start", "min")) : null,
    ready_p95_ms: v("ready", "p(95)"),
    first_estimate_p95_ms: v("join", "p(95)"),
    shoot_delivery_ms: delivery("max"),
    upload_ms: span("upload"),
    upload_request_p50_ms: v("upload", "med"),
    upload_request_p95_ms: v("upload", "p(95)"),
    upload_spread_ms: v("upload_spread", "max"),
    upload_wait_max_ms: v("upload_wait", "max"),
    download_ms: span("download"),
  };
  const sync = {
    fire_error_p50_ms: v("fire_error", "med"),
    fire_error_p99_ms: v("fire_error", "p(99)"),
    fire_spread_ms: n("fire_error") ? v("fire_error", "max")! - v("fire_error", "min")! : null,
    bound_p99_ms: v("sync_bound", "p(99)"),
    ready_bound_p50_ms: v("ready_bound", "med"),
    ready_bound_p99_ms: v("ready_bound", "p(99)"),
    bound_margin_min_ms: SKEW ? v("bound_margin", "min") : null,
    bound_violations: n("bound_violations"),
    true_error_p99_ms: SKEW ? v("true_sync_error", "p(99)") : null,
    true_latest_error_p99_ms: SKEW ? v("true_latest_error", "p(99)") : null,
    true_fire_error_p99_ms: SKEW ? v("true_fire_error", "p(99)") : null,
  };
  const thresholds: Record<string, boolean> = {};
  for (const [name, metric] of Object.entries(s.metrics))
    for (const [expr, r] of Object.entries(metric.thresholds ?? {})) thresholds[`${name}: ${expr}`] = r.ok;
  const counts = COUNTERS.filter((c) => c !== "download_bytes" && !c.startsWith("frames_"));
  // Per member per shot: the load test makes one shot, so a member's frames are all this shot's.
  const members = n("joined");
  const frames = Object.fromEntries(FRAME_TYPES.map((t) => [t, members ? n(`frames_${t}`) / members : null]));
  const framesPerMember = members ? FRAME_TYPES.reduce((sum, t) => sum + n(`frames_${t}`), 0) / members : null;
  const retried = Object.fromEntries(
    RETRY_PHASES.map((p) => [p, Object.fromEntries(RETRY_CAUSES.map((c) => [c, n(`retry_${p}_${c}`)]))]),
  );
  const retryLine = RETRY_PHASES.map((p) => {
    const causes = RETRY_CAUSES.filter((c) => n(`retry_${p}_${c}`) > 0).map((c) => `${c} ${n(`retry_${p}_${c}`)}`);
    return `${p} ${causes.length ? causes.join(", ") : 0}`;
  }).join("; ");
  const perMember = (x: number) => (members ? x / members : null);
  const inbound = {
    total: framesPerMember,
    before_shoot: perMember(n("frames_before_shoot")),
    from_shoot: perMember(n("frames_from_shoot")),
  };
  const shards = roomShards(s.setup_data);
  const photoKb = PHOTO.length / 1024;
  const summary = {
    clients: CLIENTS,
    origin_epoch_ms: v("t_origin_epoch", "value"),
    connected: n("connect"),
    ...Object.fromEntries(counts.map((c) => [c, n(c)])),
    phases,
    frames_per_member: framesPerMember,
    frames,
    per_member: { inbound_frames: inbound },
    sync,
    shoot: {
      delivery_first_ms: delivery("min"),
      delivery_p50_ms: delivery("med"),
      delivery_p95_ms: delivery("p(95)"),
      delivery_p99_ms: delivery("p(99)"),
      delivery_last_ms: delivery("max"),
    },
    shards,
    shards_at_shoot: {
      count: s.metrics.shards_at_shoot?.values.value ?? null,
      max_sockets: s.metrics.max_shard_sockets_at_shoot?.values.value ?? null,
    },
    retries: retried,
    timeline: Object.fromEntries(
      PHASES.map((p) => [p, [v(`t_${p}_start`, "min"), v(p === "shoot" ? "shoot_delivery" : `t_${p}_end`, "max")]]),
    ),
    knobs: {
      BASE_URL: BASE,
      DROP,
      RECONNECT,
      DELAY_MS,
      LATENCY,
      DOWNLOAD,
      PER_CLIENT,
      SKEW,
      SYNC_PROBES,
      SPREAD,
      PHOTO_KB: photoKb,
      EXPECTED,
      SHOOT_AFTER_MS,
    },
    thresholds,
  };
  const sec = (x: number | null) => (x === null ? "–" : (x / 1000).toFixed(3));
  const ms = (x: number | null) => (x === null ? "–" : x.toFixed(1));
  const fixed = (x: number | null, digits: number) => (x === null ? "–" : x.toFixed(digits));
  const mb = (v("download_bytes", "count") ?? 0) / 1e6;
  const lines = [
    `${summary.connected} clients connected, took: ${sec(phases.connect_ms)}s`,
    `${n("joined")} joined room and waiting for shoot, took: ${sec(phases.join_ms)}s`,
    `photo ${photoKb.toFixed(1)} KB${PHOTO_KB === null ? " (the fixture)" : ""}, room created with expected ${EXPECTED > 0 ? EXPECTED : "none"}, shoot ${SHOOT_AFTER_MS} ms after all were ready`,
    `socket open → ready p95 ${ms(phases.ready_p95_ms)}ms, ${framesPerMember === null ? "–" : framesPerMember.toFixed(1)} frames per member`,
    `inbound frames per member: ${fixed(inbound.total, 2)} (${fixed(inbound.before_shoot, 2)} before the shoot, ${fixed(inbound.from_shoot, 2)} from it)`,
    `shoot delivered to ${n("shoot_delivery")}, after the request: first ${ms(delivery("min"))}ms p50 ${ms(delivery("med"))}ms p95 ${ms(delivery("p(95)"))}ms last ${ms(delivery("max"))}ms`,
    `fire error p50 ${ms(sync.fire_error_p50_ms)}ms p99 ${ms(sync.fire_error_p99_ms)}ms, spread ${ms(sync.fire_spread_ms)}ms`,
    `upload spread ${ms(phases.upload_spread_ms)}ms${SPREAD ? "" : " (ignored: SPREAD=0)"}, longest wait ${ms(phases.upload_wait_max_ms)}ms`,
    `${n("uploaded")} photos uploaded, took: ${sec(phases.upload_ms)}s (each p50 ${ms(phases.upload_request_p50_ms)}ms p95 ${ms(phases.upload_request_p95_ms)}ms)`,
    `retries: ${retryLine}`,
    `${n("download")} clients downloaded ${n("downloaded")} files (${mb.toFixed(1)} MB), took: ${sec(phases.download_ms)}s`,
    ...shardLines(shards),
    ...atShootLine(s),
    ...Object.entries(thresholds).map(([k, ok]) => `${ok ? "✓" : "✗"} ${k}`),
  ];
  return {
    stdout: lines.join("\n") + "\n",
    ...(__ENV.SUMMARY ? { [__ENV.SUMMARY]: JSON.stringify(summary, null, 2) } : {}),
  };
}

/** The shards right after the shoot, from the owner's stats then (the run's end has no sockets left to count). */
function atShootLine(s: SummaryData): string[] {
  const n = s.metrics.shards_at_shoot?.values.value;
  const max = s.metrics.max_shard_sockets_at_shoot?.values.value;
  return n ? [`at the shoot: ${n} shards, most sockets on one: ${max}`] : [];
}
