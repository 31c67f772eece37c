// The room client: joins a room over any WebSocket-like object, syncs its clock, fires on `shoot`,
// and reconnects with backoff + jitter. Used as-is by the web app, the tests and the k6 load test.
// Frames per member for a shot with no clock jump: join 1, probes 2 + 6 + 1, ready 1, fired 1 = 12 (a second
// `ready`, when the bound crosses WIDE_CLOCK_BOUND_MS, replaces a background probe; later shots on the same
// connection: the 1-probe check and `fired`).
import { estimateOffset, localInstant, type ClockEstimate, type Probe } from "./clock-sync.ts";
import { defaultTimers, fireAt, type Timers } from "./fire-timer.ts";
import {
  assertNever,
  CloseCode,
  LIMITS,
  PROTOCOL_VERSION,
  WIDE_CLOCK_BOUND_MS,
  asServerMessage,
  parseFrame,
  socketUrl,
  type ClientMessage,
  type ErrorMessage,
  type MembersMessage,
  type MissedMessage,
  type PhotosMessage,
  type Role,
  type ShootMessage,
  type ShotDoneMessage,
  type WelcomeMessage,
} from "./protocol.ts";
import { RECONNECT_BACKOFF, backoffDelay, type Backoff } from "./retry-policy.ts";

/** The part of the WebSocket API the client needs: browsers, `ws`, and k6/websockets all have it. */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: "open" | "message" | "close" | "error", fn: (ev: any) => void): void;
}

export type FireEvent = {
  shotId: string;
  at: number;
  /** Fired instant in server ms, by this client's estimate. */
  firedAt: number;
  /** firedAt − at: how late the scheduler fired (ms). */
  fireError: number;
  late: boolean;
  estimate: ClockEstimate;
  /** The shot's upload spread (the shoot's `spreadMs`; 0 when it has none), ms. */
  spreadMs: number;
  /** When this client should start its upload, server ms: a random moment in [at, at + spreadMs], drawn once
   *  per shot. Already past for a late fire: upload at once. */
  uploadAt: number;
};

export type RoomClientEvents = {
  welcome: WelcomeMessage;
  members: MembersMessage;
  photos: PhotosMessage;
  shoot: ShootMessage;
  missed: MissedMessage;
  "shot-done": ShotDoneMessage;
  error: ErrorMessage;
  sync: ClockEstimate;
  /** This connection told the room its clock is synced (or that its bound crossed WIDE_CLOCK_BOUND_MS). */
  ready: ClockEstimate;
  fire: FireEvent;
  status: { connected: boolean; attempt: number; closeCode?: number };
};

export type RoomClientOptions = {
  /** ws:// or wss:// URL of GET /api/rooms/:roomId/ws; the client adds its `?clientId=` itself. */
  url: string;
  connect: (url: string) => SocketLike;
  clientId: string;
  name: string;
  role?: Role;
  /** The client's clock, ms. Defaults to the monotonic timeline (timeOrigin + performance.now()). */
  now?: () => number;
  timers?: Timers;
  random?: () => number;
  /** Probes of the first round on each connection, sent in a burst with the join (default 4). */
  syncProbes?: number;
  /** Re-sync a small round this often, ms (0 = never). */
  resyncMs?: number;
  /** Reconnect backoff (retry-policy.ts; default RECONNECT_BACKOFF), or false for none. */
  reconnect?: Backoff | false;
  /** A probe unanswered this long ends its round and counts the link as dead, ms (default 5000). */
  probeTimeoutMs?: number;
  /** A connection's first round ends with the pongs it has after probeTimeoutMs too, but counts the link as
   *  dead only when no pong came this long after the join, ms (default FIRST_ROUND_TIMEOUT_MS). */
  firstRoundTimeoutMs?: number;
};

/** Events whose latest value is replayed to a handler that subscribes after it arrived. This is
 *  what keeps a frame that lands before the app set up its handlers from being lost. */
const STICKY = new Set<keyof RoomClientEvents>([
  "welcome",
  "members",
  "photos",
  "shoot",
  "missed",
  "shot-done",
  "fire",
  "sync",
  "ready",
  "status",
]);
const FATAL_CLOSES = new Set<number>([
  CloseCode.VersionMismatch,
  CloseCode.UnknownRoom,
  CloseCode.RoomFull,
  CloseCode.ClientIdMismatch,
]);
const MAX_PROBES = 64;
/** The first round goes out with the join, BURST_GAP_MS apart without waiting for pongs: ready after one round
 *  trip, not one per probe (docs/performance.md, "Time to ready on a slow network"); the gap makes each probe sample the network anew. */
export const FIRST_PROBES = 2;
export const BURST_GAP_MS = 15;
/** A probe unanswered this long ends its round and counts the link as dead, ms. */
const PROBE_TIMEOUT_MS = 5000;
/** The same for a connection's first round, sent with its join. */
const FIRST_ROUND_TIMEOUT_MS = 15_000;
/** After `ready`, single probes tighten the estimate in the background, 0.5–2.5 s apart (~9 s in all): a probe
 *  that found a quiet moment proves more than a burst that met the same queue (and the same uplink spike), and a
 *  join storm's queues last seconds, so the budget goes here, spread wide (2 + 6 over ~9 s beat 2 + 5 over ~2.5 s
 *  under LATENCY at 1000 clients: performance.md). A scheduled shot pulls them in so that they land before its
 *  instant. */
export const BACKGROUND_PROBES = 6;
export const BACKGROUND_GAP_MS = { min: 500, max: 2500 };
const RESYNC_PROBES = 4;
/** Probe intervals up to this far apart (ms) are a busy server's late stamps; further, the client clock jumped. */
const LATE_STAMPS_MS = 50;
/** Probes sent at once on every `shoot` to check the clock estimate before the shot (the clock may have
 *  jumped: then the estimate's own idea of the time left cannot be trusted to pace anything). */
const VERIFY_PROBES = 1;
/** The `fired` report waits this long after the instant: where clients share a loop (a load generator,
 *  tabs of one browser), a send in the shot's millisecond delays every client still to fire, and the
 *  clients around the instant are spread over a few ms by their clock estimates. */
const REPORT_AFTER_MS = 50;
/** A tighter estimate moves a scheduled fire only while the instant is at least this far off. */
const RETARGET_MARGIN_MS = 20;

type Scheduled = { shoot: ShootMessage; est: ClockEstimate; cancel: () => void; fired: boolean };

export function defaultNow(): () => number {
  const perf = (globalThis as { performance?: { timeOrigin: number; now(): number } }).performance;
  return perf && typeof perf.timeOrigin === "number" ? () => perf.timeOrigin + perf.now() : () => Date.now();
}

export class RoomClient {
  memberId: string | null = null;
  uploadToken: string | null = null;
  estimate: ClockEstimate | null = null;
  readonly now: () => number;
  private readonly o: RoomClientOptions;
  private readonly timers: Timers;
  private readonly handlers = new Map<keyof RoomClientEvents, Set<(e: any) => void>>();
  private readonly last = new Map<keyof RoomClientEvents, unknown>();
  private socket: SocketLike | null = null;
  private closed = false;
  private attempt = 0;
  private probes: Probe[] = [];
  /** Pongs of the running round, and how many it waits for. */
  private round: Probe[] = [];
  /** When the current round started (client clock), for the first round's longer wait. */
  private roundStartedAt = 0;
  private roundSize = 0;
  /** The running round only checks the estimate (the one on `shoot`): see finishSync. */
  private checking = false;
  private pingId = 0;
  private syncing = false;
  /** A round finished on this connection (its `ready` waits for one, and for the welcome). */
  private syncedHere = false;
  /** What this connection last told the room: null before `ready`, else whether its bound was wide. */
  private readyWide: boolean | null = null;
  /** A check on `shoot` waits for the running round; a background or resync round came due during one. */
  private checkWanted = false;
  private due: "background" | "resync" | null = null;
  /** Background probes still to send on this connection. */
  private backgroundLeft = 0;
  /** Next probe of a burst; a pong overdue; the next background or resync round. */
  private burstTimer: unknown = null;
  private probeTimer: unknown = null;
  private waitTimer: unknown = null;
  private reconnectTimer: unknown = null;
  private readonly shots = new Map<string, Scheduled>();
  /** Shoots waiting for a clock estimate (none yet, or the old one said the shot is already past). */
  private readonly waiting = new Map<string, ShootMessage>();
  /** The guest's place on the sweep's ring, sent again after every welcome (null: none set). */
  private place: number | null = null;
  /** `fired` reports made while disconnected, re-sent after the next welcome. */
  private unsent: ClientMessage[] = [];

  constructor(options: RoomClientOptions) {
    this.o = options;
    this.now = options.now ?? defaultNow();
    this.timers = options.timers ?? defaultTimers();
    this.open();
  }

  /** Subscribes; sticky events already received are replayed at once. Returns an unsubscribe. */
  on<K extends keyof RoomClientEvents>(type: K, fn: (e: RoomClientEvents[K]) => void): () => void {
    let set = this.handlers.get(type);
    if (!set) this.handlers.set(type, (set = new Set()));
    set.add(fn);
    if (STICKY.has(type) && this.last.has(type)) fn(this.last.get(type) as RoomClientEvents[K]);
    return () => set.delete(fn);
  }

  /** Resolves with the next (or already received sticky) event of a type. */
  once<K extends keyof RoomClientEvents>(type: K, pred: (e: RoomClientEvents[K]) => boolean = () => true) {
    return new Promise<RoomClientEvents[K]>((resolve) => {
      const off = this.on(type, (e) => {
        if (!pred(e)) return;
        queueMicrotask(() => off());
        resolve(e);
      });
    });
  }

  get connected(): boolean {
    return this.socket !== null && this.socket.readyState === 1 && this.memberId !== null;
  }

  send(msg: ClientMessage): boolean {
    if (!this.socket || this.socket.readyState !== 1) return false;
    this.socket.send(JSON.stringify(msg));
    return true;
  }

  /** Sets (or, with null, clears) this member's place on the ring around the subject; kept across reconnects. */
  setPlace(place: number | null): void {
    this.place = place;
    if (this.memberId !== null) this.send({ type: "place", place });
  }

  /** Leaves for good: no reconnect, scheduled fires cancelled. */
  close(code: number = CloseCode.Normal): void {
    this.closed = true;
    for (const s of this.shots.values()) s.cancel();
    this.stopSync();
    this.clearTimer("reconnectTimer");
    this.socket?.close(code, "bye");
  }

  /** How long to wait from now before starting a fired shot's upload (its `uploadAt`, on this client's clock
   *  by its latest estimate), ms; 0 once that moment has passed. */
  uploadDelay(e: FireEvent): number {
    return Math.max(0, localInstant(e.uploadAt, this.estimate ?? e.estimate) - this.now());
  }

  /** Drops the connection as a network failure would; the client reconnects by itself. */
  drop(): void {
    const ws = this.socket;
    if (!ws) return;
    ws.close(CloseCode.GoingAway, "drop");
    // A dead link's closing handshake can take the socket library's whole timeout: do not wait for it.
    this.onClose(ws, CloseCode.GoingAway);
  }

  private emit<K extends keyof RoomClientEvents>(type: K, e: RoomClientEvents[K]): void {
    if (STICKY.has(type)) this.last.set(type, e);
    for (const fn of this.handlers.get(type) ?? []) fn(e);
  }

  private clearTimer(k: "burstTimer" | "probeTimer" | "waitTimer" | "reconnectTimer") {
    if (this[k] !== null) this.timers.clearTimeout(this[k]);
    this[k] = null;
  }

  private open(): void {
    // Handlers are attached in the same tick the socket is made, before any frame can arrive.
    // The URL names the client, as its join does: a sharded room routes the socket by it.
    const ws = this.o.connect(socketUrl(this.o.url, this.o.clientId));
    this.socket = ws;
    ws.addEventListener("open", () => {
      if (this.socket !== ws) return;
      this.send({ type: "join", v: PROTOCOL_VERSION, clientId: this.o.clientId, name: this.o.name, role: this.o.role });
      // The room answers pings before the join is through: the first round rides along with it.
      this.syncedHere = false;
      this.readyWide = null;
      this.backgroundLeft = BACKGROUND_PROBES;
      this.startSync(this.o.syncProbes ?? FIRST_PROBES);
    });
    ws.addEventListener("message", (ev: { data: unknown }) => {
      if (this.socket === ws && typeof ev.data === "string") this.onFrame(ev.data);
    });
    ws.addEventListener("close", (ev: { code?: number }) => this.onClose(ws, ev?.code ?? 1006));
    ws.addEventListener("error", () => {
      /* a close event always follows */
    });
  }

  private onClose(ws: SocketLike, code: number): void {
    if (this.socket !== ws) return;
    this.socket = null;
    this.memberId = null;
    this.stopSync();
    this.emit("status", { connected: false, attempt: this.attempt, closeCode: code });
    if (this.closed || this.o.reconnect === false || FATAL_CLOSES.has(code)) return;
    // Jitter spreads a room's reconnects after a server restart instead of a thundering herd.
    this.attempt++;
    const delay = backoffDelay(this.attempt, this.o.random ?? Math.random, this.o.reconnect ?? RECONNECT_BACKOFF);
    this.reconnectTimer = this.timers.setTimeout(() => {
      this.reconnectTimer = null;
      if (!this.closed) this.open();
    }, delay);
  }

  private onFrame(raw: string): void {
    const t3 = this.now();
    const obj = parseFrame(raw);
    const msg = obj && asServerMessage(obj);
    if (!msg) return;
    switch (msg.type) {
      case "pong":
        return this.onPong({ t0: msg.t0, ts: msg.ts, t3, ...(msg.te ? { te: msg.te } : {}) });
      case "welcome":
        this.memberId = msg.memberId;
        this.uploadToken = msg.uploadToken;
        this.attempt = 0;
        this.emit("welcome", msg);
        this.emit("members", { type: "members", count: msg.room.members, ready: msg.room.ready, wide: msg.room.wide });
        this.emit("status", { connected: true, attempt: 0 });
        for (const m of this.unsent.splice(0)) this.send(m);
        if (this.place !== null) this.send({ type: "place", place: this.place });
        return this.reportReady();
      case "shoot":
        this.emit("shoot", msg);
        return this.onShoot(msg);
      case "members":
      case "photos":
      case "missed":
      case "shot-done":
      case "error":
        return this.emit(msg.type, msg as never);
      default:
        return assertNever(msg);
    }
  }

  private stopSync(): void {
    this.syncing = false;
    this.due = null;
    this.clearTimer("burstTimer");
    this.clearTimer("probeTimer");
    this.clearTimer("waitTimer");
  }

  /** Sends a round of `count` probes BURST_GAP_MS apart, without waiting for their pongs. */
  private startSync(count: number, check = false): void {
    if (this.syncing) return;
    this.syncing = true;
    this.checking = check;
    this.round = [];
    this.roundStartedAt = this.now();
    this.roundSize = count;
    let sent = 0;
    const next = () => {
      this.burstTimer = null;
      if (!this.syncing) return;
      const last = this.probes[this.probes.length - 1];
      // A round trip past the server's bound would get the ping refused: it is left out instead.
      const measured = last ? Math.round(last.t3 - last.t0) : undefined;
      const rtt = measured !== undefined && measured >= 0 && measured <= LIMITS.maxRttMs ? measured : undefined;
      this.send({ type: "ping", id: ++this.pingId, t0: this.now(), ...(rtt === undefined ? {} : { rtt }) });
      sent++;
      if (sent < count) this.burstTimer = this.timers.setTimeout(next, BURST_GAP_MS);
    };
    this.armProbeTimeout();
    next();
  }

  private armProbeTimeout(): void {
    this.clearTimer("probeTimer");
    this.probeTimer = this.timers.setTimeout(() => this.onProbeTimeout(), this.o.probeTimeoutMs ?? PROBE_TIMEOUT_MS);
  }

  private onPong(p: Probe): void {
    this.probes.push(p);
    if (this.probes.length > MAX_PROBES) this.probes.shift();
    if (!this.syncing) return;
    this.round.push(p);
    if (this.round.length < this.roundSize) return this.armProbeTimeout();
    this.clearTimer("probeTimer");
    this.finishSync();
  }

  /** A lost pong must not stall the round (a shoot may wait on it); a link that stays silent is dead. */
  private onProbeTimeout(): void {
    this.probeTimer = null;
    // A connection's first round rides with its join, in a crowd's join storm: a server answering thousands of
    // joins is slow, not gone, and dropping it then makes every client join again (10,000 on Deno ran out of
    // file descriptors on the reconnects). So the first round ends with the pongs it has, and only a link silent
    // for FIRST_ROUND_TIMEOUT_MS is dropped; later rounds drop a link that lost a pong, as before.
    if (!this.syncedHere) {
      if (this.round.length > 0) return this.finishSync();
      const left = (this.o.firstRoundTimeoutMs ?? FIRST_ROUND_TIMEOUT_MS) - (this.now() - this.roundStartedAt);
      if (left > 0) {
        this.probeTimer = this.timers.setTimeout(() => this.onProbeTimeout(), left);
        return;
      }
    }
    this.drop();
    this.finishSync();
  }

  private finishSync(): void {
    this.syncing = false;
    this.clearTimer("burstTimer");
    let est = estimateOffset(this.probes, 1, LATE_STAMPS_MS);
    if (est && !est.intersected) {
      // Old probes contradict new ones: the client clock jumped. Keep only the latest round.
      this.probes = [...this.round];
      est = estimateOffset(this.probes, 1, LATE_STAMPS_MS);
    } else if (this.checking && this.estimate) {
      // The check agrees with the estimate: its probes are forgotten. Every client of the room sent them in
      // the same moment, so they are the most congested of all, and a busy server's late stamps would
      // widen the estimate that the spread-out background probes are about to improve.
      const check = new Set(this.round);
      this.probes = this.probes.filter((p) => !check.has(p));
      est = this.estimate;
    }
    this.checking = false;
    if (est) this.useEstimate(est);
    this.planNext();
  }

  private useEstimate(est: ClockEstimate): void {
    this.estimate = est;
    if (this.socket) this.syncedHere = true;
    this.reportReady();
    this.emit("sync", est);
    for (const shoot of this.waiting.values()) this.schedule(shoot, est);
    this.waiting.clear();
    // A scheduled shot moves to the new estimate when it proves the old one wrong (the client clock
    // jumped), or is tighter while there is time (a background probe that found a quieter network).
    for (const s of this.shots.values()) {
      if (s.fired) continue;
      const wrong = Math.abs(est.offset - s.est.offset) > s.est.error;
      const tighter = est.error < s.est.error && localInstant(s.shoot.at, est) - this.now() > RETARGET_MARGIN_MS;
      if (wrong || tighter) {
        s.cancel();
        this.schedule(s.shoot, est);
      }
    }
  }

  /** Tells the room this connection's clock is synced, once it has a round and a welcome; again only when
   *  the bound crosses WIDE_CLOCK_BOUND_MS (the organiser's count of guests on a too-slow network). */
  private reportReady(): void {
    const est = this.estimate;
    if (!est || !this.syncedHere || this.memberId === null) return;
    const wide = est.error > WIDE_CLOCK_BOUND_MS;
    if (this.readyWide === wide) return;
    if (!this.send({ type: "ready", error: est.error })) return;
    // A second `ready` on this connection (the bound crossed the line) takes the place of a background probe, so a
    // shot still costs the room 12 frames a member; a probe already waiting to go is not taken back.
    const waiting = this.waitTimer === null ? 0 : 1;
    if (this.readyWide !== null && this.backgroundLeft > waiting) this.backgroundLeft--;
    this.readyWide = wide;
    this.emit("ready", est);
  }

  /** Starts the round that is due (the check on `shoot` first), or schedules the next background probe
   *  or resync round. Called whenever a round ends and when a shoot arrives. */
  private planNext(): void {
    if (this.syncing || !this.socket || this.socket.readyState !== 1) return;
    if (this.checkWanted) {
      this.checkWanted = false;
      return this.startSync(VERIFY_PROBES, true);
    }
    if (this.due === "background") {
      this.due = null;
      this.backgroundLeft--;
      return this.startSync(1);
    }
    if (this.due === "resync") {
      this.due = null;
      return this.startSync(RESYNC_PROBES);
    }
    if (this.waitTimer !== null || this.estimate === null) return;
    const resync = this.o.resyncMs ?? 0;
    if (this.backgroundLeft > 0) this.wait("background", this.backgroundGap());
    else if (resync > 0) this.wait("resync", resync);
  }

  private wait(due: "background" | "resync", ms: number): void {
    this.waitTimer = this.timers.setTimeout(() => {
      this.waitTimer = null;
      this.due = due;
      this.planNext();
    }, ms);
  }

  /** A random gap in BACKGROUND_GAP_MS, shortened while a shot is scheduled so that every background probe
   *  left is back by half the time to its instant, with the slowest recent round trip to spare (a fire moved
   *  in its last milliseconds is moved while the loop is busiest); random within that room, since a room's
   *  clients all got the shoot at once. */
  private backgroundGap(): number {
    const random = this.o.random ?? Math.random;
    const gap = BACKGROUND_GAP_MS.min + random() * (BACKGROUND_GAP_MS.max - BACKGROUND_GAP_MS.min);
    let next = Infinity;
    for (const s of this.shots.values()) if (!s.fired) next = Math.min(next, localInstant(s.shoot.at, s.est));
    if (next === Infinity) return gap;
    let rtt = 0;
    for (const p of this.probes.slice(-FIRST_PROBES)) rtt = Math.max(rtt, p.t3 - p.t0);
    const room = Math.max(0, (next - this.now()) / 2 - rtt);
    return Math.min(gap, (room * random()) / this.backgroundLeft);
  }

  private onShoot(shoot: ShootMessage): void {
    if (this.shots.has(shoot.shotId) || this.waiting.has(shoot.shotId)) return;
    const est = this.estimate;
    // A shot that looks already past may only look so because the clock jumped: confirm first.
    const left = est ? localInstant(shoot.at, est) - this.now() : -1;
    if (left >= 0) this.schedule(shoot, est!);
    else this.waiting.set(shoot.shotId, shoot);
    this.checkWanted = true;
    // Not in this turn: a loop that hosts many clients reads their shoot frames in one batch, and a ping
    // here would delay every client after this one in it. The background probes left are re-planned to
    // land before the instant.
    this.timers.setTimeout(() => {
      this.clearTimer("waitTimer");
      this.planNext();
    }, 0);
  }

  private schedule(shoot: ShootMessage, est: ClockEstimate): void {
    const target = localInstant(shoot.at, est);
    const late = target < this.now();
    const s: Scheduled = { shoot, est, fired: false, cancel: () => {} };
    this.shots.set(shoot.shotId, s);
    s.cancel = fireAt(
      target,
      this.now,
      () => {
        s.fired = true;
        this.fire(shoot, est, late);
      },
      this.timers,
    );
  }

  /** Kept tiny: it runs in the very millisecond of the shot, one after another on a shared loop. The
   *  report goes out on the next turn: a socket write here would delay every client still to fire. */
  private fire(shoot: ShootMessage, est: ClockEstimate, late: boolean): void {
    const firedAt = this.now() + est.offset;
    const spreadMs = shoot.spreadMs ?? 0;
    const e: FireEvent = {
      shotId: shoot.shotId,
      at: shoot.at,
      firedAt,
      fireError: firedAt - shoot.at,
      late,
      estimate: est,
      spreadMs,
      uploadAt: shoot.at + (this.o.random ?? Math.random)() * spreadMs,
    };
    this.emit("fire", e);
    // A viewer (the organiser's screen) is not part of the shot: the server would refuse its report.
    if (this.o.role === "viewer") return;
    const report: ClientMessage = {
      type: "fired",
      shotId: shoot.shotId,
      firedAt,
      offset: est.offset,
      error: est.error,
      late,
    };
    this.timers.setTimeout(() => {
      if (!this.connected || !this.send(report)) this.unsent.push(report);
    }, REPORT_AFTER_MS);
  }
}
