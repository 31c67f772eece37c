// The room client: joins a room over any WebSocket-like object, syncs its clock, fires on `shoot`,
// and reconnects with backoff + jitter. Used as-is by the web app, the tests and the k6 load test.
import { estimateOffset, localInstant, type ClockEstimate, type Probe } from "./clock-sync.ts";
import { defaultTimers, fireAt, type Timers } from "./fire-timer.ts";
import {
  assertNever,
  CloseCode,
  LIMITS,
  PROTOCOL_VERSION,
  asServerMessage,
  parseFrame,
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
  fire: FireEvent;
  status: { connected: boolean; attempt: number; closeCode?: number };
};

export type RoomClientOptions = {
  /** ws:// or wss:// URL of GET /api/rooms/:roomId/ws. */
  url: string;
  connect: (url: string) => SocketLike;
  clientId: string;
  name: string;
  role?: Role;
  /** The client's clock, ms. Defaults to the monotonic timeline (timeOrigin + performance.now()). */
  now?: () => number;
  timers?: Timers;
  random?: () => number;
  /** Probes per sync round (16–32 recommended). */
  syncProbes?: number;
  /** Re-sync a small round this often, ms (0 = never). */
  resyncMs?: number;
  /** Reconnect backoff (retry-policy.ts; default RECONNECT_BACKOFF), or false for none. */
  reconnect?: Backoff | false;
  /** A probe unanswered this long ends its round and counts the link as dead, ms (default 5000). */
  probeTimeoutMs?: number;
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
  "status",
]);
const FATAL_CLOSES = new Set<number>([CloseCode.VersionMismatch, CloseCode.UnknownRoom, CloseCode.RoomFull]);
const MAX_PROBES = 64;
/** Probe intervals up to this far apart (ms) are a busy server's late stamps; further, the client clock jumped. */
const LATE_STAMPS_MS = 50;
/** Probes sent on every `shoot` to check the clock estimate before the shot (the clock may have jumped). */
const VERIFY_PROBES = 1;
/** The `fired` report waits this long after the instant: where clients share a loop (a load generator,
 *  tabs of one browser), a send in the shot's millisecond delays every client still to fire, and the
 *  clients around the instant are spread over a few ms by their clock estimates. */
const REPORT_AFTER_MS = 50;
/** After the check, a round to tighten the estimate starts at a random moment within this long (at most
 *  half the time left): the check runs at once, as every client's does, and a round that a thousand
 *  clients send in the same millisecond queues at the server and tightens nothing. */
const TIGHTEN_SPREAD_MS = 1000;
const TIGHTEN_PROBES = 4;
const TIGHTEN_RETRY_MS = 20;
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
  private round: Probe[] = [];
  /** The running round only checks the estimate (the one on `shoot`): see finishSync. */
  private checking = false;
  private pingId = 0;
  private syncing = false;
  /** Whether this connection told the room its clock is synced (`ready`). */
  private readySent = false;
  private syncTimer: unknown = null;
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
    this.clearTimer("syncTimer");
    this.clearTimer("reconnectTimer");
    this.socket?.close(code, "bye");
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

  private clearTimer(k: "syncTimer" | "reconnectTimer") {
    if (this[k] !== null) this.timers.clearTimeout(this[k]);
    this[k] = null;
  }

  private open(): void {
    // Handlers are attached in the same tick the socket is made, before any frame can arrive.
    const ws = this.o.connect(this.o.url);
    this.socket = ws;
    ws.addEventListener("open", () => {
      this.send({ type: "join", v: PROTOCOL_VERSION, clientId: this.o.clientId, name: this.o.name, role: this.o.role });
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
    this.syncing = false;
    this.clearTimer("syncTimer");
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
        return this.onPong({ t0: msg.t0, ts: msg.ts, t3 });
      case "welcome":
        this.memberId = msg.memberId;
        this.uploadToken = msg.uploadToken;
        this.readySent = false;
        this.attempt = 0;
        this.emit("welcome", msg);
        this.emit("members", { type: "members", count: msg.room.members, ready: msg.room.ready });
        this.emit("status", { connected: true, attempt: 0 });
        for (const m of this.unsent.splice(0)) this.send(m);
        if (this.place !== null) this.send({ type: "place", place: this.place });
        return this.startSync(this.o.syncProbes ?? 16);
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

  private startSync(count: number, check = false): void {
    if (this.syncing) return;
    this.clearTimer("syncTimer");
    this.syncing = true;
    this.checking = check;
    this.round = [];
    let sent = 0;
    const next = () => {
      this.syncTimer = null;
      if (!this.syncing) return;
      if (sent >= count) return this.finishSync();
      sent++;
      const last = this.probes[this.probes.length - 1];
      // A round trip past the server's bound would get the ping refused: it is left out instead.
      const measured = last ? Math.round(last.t3 - last.t0) : undefined;
      const rtt = measured !== undefined && measured >= 0 && measured <= LIMITS.maxRttMs ? measured : undefined;
      this.send({ type: "ping", id: ++this.pingId, t0: this.now(), ...(rtt === undefined ? {} : { rtt }) });
      this.syncTimer = this.timers.setTimeout(() => this.onProbeTimeout(), this.o.probeTimeoutMs ?? 5000);
    };
    this.nextProbe = next;
    next();
  }

  private nextProbe: () => void = () => {};

  private onPong(p: Probe): void {
    this.round.push(p);
    this.probes.push(p);
    if (this.probes.length > MAX_PROBES) this.probes.shift();
    if (!this.syncing) return;
    this.clearTimer("syncTimer");
    this.syncTimer = this.timers.setTimeout(this.nextProbe, 5);
  }

  /** A lost pong must not stall the round (a shoot may wait on it); a link that stays silent is dead. */
  private onProbeTimeout(): void {
    this.syncTimer = null;
    this.drop();
    this.finishSync();
  }

  private finishSync(): void {
    this.syncing = false;
    let est = estimateOffset(this.probes, 1, LATE_STAMPS_MS);
    if (est && !est.intersected) {
      // Old probes contradict new ones: the client clock jumped. Keep only the latest round.
      this.probes = [...this.round];
      est = estimateOffset(this.probes, 1, LATE_STAMPS_MS);
    } else if (this.checking && this.estimate) {
      // The check agrees with the estimate: its probes are forgotten. Every client of the room sent them in
      // the same moment, so they are the most congested of all, and a busy server's late stamps would
      // widen the estimate that the spread-out tightening round is about to improve.
      const check = new Set(this.round);
      this.probes = this.probes.filter((p) => !check.has(p));
      est = this.estimate;
    }
    this.checking = false;
    if (!est) return;
    this.estimate = est;
    // Once per connection: the room counts ready members, so the organiser shoots when all are synced
    // (and the room is not still answering a thousand sync rounds when the shoot must go out).
    if (!this.readySent && this.memberId !== null) this.readySent = this.send({ type: "ready", error: est.error });
    this.emit("sync", est);
    const resync = this.o.resyncMs ?? 0;
    if (resync > 0 && this.socket) this.syncTimer = this.timers.setTimeout(() => this.startSync(8), resync);
    for (const shoot of this.waiting.values()) this.schedule(shoot, est);
    this.waiting.clear();
    // A scheduled shot moves to the new estimate when it proves the old one wrong (the client clock
    // jumped), or is tighter while there is time (the check on `shoot` after a congested join round).
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

  private onShoot(shoot: ShootMessage): void {
    if (this.shots.has(shoot.shotId) || this.waiting.has(shoot.shotId)) return;
    const est = this.estimate;
    // A shot that looks already past may only look so because the clock jumped: confirm first.
    const left = est ? localInstant(shoot.at, est) - this.now() : -1;
    if (left >= 0) this.schedule(shoot, est!);
    else this.waiting.set(shoot.shotId, shoot);
    // Not in this turn: a loop that hosts many clients reads their shoot frames in one batch, and a ping
    // here would delay every client after this one in it.
    this.timers.setTimeout(() => this.connected && this.startSync(VERIFY_PROBES, true), 0);
    if (left <= 0) return;
    const tighten = Math.min(TIGHTEN_SPREAD_MS, left / 2) * (this.o.random ?? Math.random)();
    this.timers.setTimeout(() => this.tighten(), tighten);
  }

  /** Starts the tightening round, or waits for a round still running (the check, slow in a crowd). */
  private tighten(): void {
    if (!this.connected) return;
    if (!this.syncing) return this.startSync(TIGHTEN_PROBES);
    this.timers.setTimeout(() => this.tighten(), TIGHTEN_RETRY_MS);
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
    const e: FireEvent = {
      shotId: shoot.shotId,
      at: shoot.at,
      firedAt,
      fireError: firedAt - shoot.at,
      late,
      estimate: est,
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
