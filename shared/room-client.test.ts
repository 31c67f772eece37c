// The room client over an in-memory socket: no frame is lost to late handlers, clocks with a
// large skew still fire on the server's instant, and drops reconnect with backoff.
import { describe, expect, it, vi } from "vitest";
import { RoomClient, type RoomClientOptions, type SocketLike } from "./room-client.ts";
import type { ClockEstimate } from "./clock-sync.ts";
import { WIDE_CLOCK_BOUND_MS, type ServerMessage } from "./protocol.ts";

const realNow = () => performance.timeOrigin + performance.now();

/** A socket whose "server" answers pings with the real time and lets the test push frames. */
class FakeSocket implements SocketLike {
  readyState = 0;
  sent: any[] = [];
  answerPings = true;
  /** Ids of pings this socket never answers (a lost pong). */
  lostPings: number[] = [];
  /** How long a pong takes to come back, ms. */
  pongDelayMs = 1;
  /** How far behind the true time the server's stamps read (a busy workerd), ms. */
  stampLagMs = 0;
  /** When set, each frame's delay each way (ms), replacing pongDelayMs: a slow, jittery phone network. */
  network: (() => { up: number; down: number }) | null = null;
  private listeners: Record<string, Array<(e: any) => void>> = {};
  constructor(private readonly autoWelcome = true) {
    queueMicrotask(() => {
      this.readyState = 1;
      this.fire("open", {});
    });
  }
  addEventListener(type: string, fn: (e: any) => void) {
    (this.listeners[type] ??= []).push(fn);
  }
  fire(type: string, e: unknown) {
    for (const fn of this.listeners[type] ?? []) fn(e);
  }
  push(msg: ServerMessage) {
    this.fire("message", { data: JSON.stringify(msg) });
  }
  send(data: string) {
    const m = JSON.parse(data);
    this.sent.push(m);
    const net = this.network?.() ?? null;
    if (m.type === "join" && this.autoWelcome)
      setTimeout(
        () =>
          this.push({
            type: "welcome",
            v: 1,
            memberId: "m1",
            uploadToken: "t",
            room: { roomId: "r", title: "", state: "waiting", members: 1, ready: 0, wide: 0, photos: 0 },
          }),
        net ? net.up + net.down : 1,
      );
    if (m.type === "ping" && this.lostPings.includes(m.id)) return;
    if (m.type === "ping" && this.answerPings && net) {
      setTimeout(() => {
        const ts = Math.floor(realNow());
        setTimeout(() => this.push({ type: "pong", id: m.id, t0: m.t0, ts }), net.down);
      }, net.up);
    } else if (m.type === "ping" && this.answerPings)
      setTimeout(
        () => this.push({ type: "pong", id: m.id, t0: m.t0, ts: Math.floor(realNow() - this.stampLagMs) }),
        this.pongDelayMs,
      );
  }
  close(code = 1000) {
    this.readyState = 3;
    queueMicrotask(() => this.fire("close", { code }));
  }
}

/** A client over a fresh FakeSocket per connection (the last one is the live one); `first` sets up the first
 *  before it opens. */
function overFakeSockets(o: Partial<RoomClientOptions>, first: (s: FakeSocket) => void = () => {}) {
  const sockets: FakeSocket[] = [];
  const connect = () => {
    const s = new FakeSocket();
    if (sockets.length === 0) first(s);
    sockets.push(s);
    return s;
  };
  const c = new RoomClient({ url: "ws://x", connect, clientId: "c1", name: "A", ...o });
  return { c, sockets };
}

/** A client over one FakeSocket that never reconnects. */
function overOneSocket(o: Partial<RoomClientOptions> = {}) {
  const socket = new FakeSocket();
  const c = new RoomClient({ url: "ws://x", connect: () => socket, clientId: "c1", name: "A", reconnect: false, ...o });
  return { c, socket };
}

/** Pushes a shoot `leadMs` ahead and collects the estimates announced until there are `n` (the first is the
 *  one the client had: `sync` is replayed to a new handler). */
async function syncsAfterShoot(c: RoomClient, socket: FakeSocket, shotId: string, leadMs: number, n = 3) {
  const syncs: ClockEstimate[] = [];
  c.on("sync", (e) => syncs.push(e));
  socket.push({ type: "shoot", shotId, at: Math.floor(realNow()) + leadMs });
  await vi.waitFor(() => expect(syncs).toHaveLength(n), { timeout: 3000 });
  return syncs;
}

/** A seeded PRNG so a simulated network replays the same delays. */
function rng(seed: number) {
  return () => {
    seed = (seed * 1664525 + 1013904223) >>> 0;
    return seed / 2 ** 32;
  };
}

/** A phone network of `rttMs` split evenly, with heavy-tailed one-sided jitter and a tenth of uplink frames
 *  held back 100–300 ms, as LATENCY gives the load test. */
function slowNetwork(rttMs: number, seed: number) {
  const r = rng(seed);
  const jitter = () => Math.min(500, 2 * (Math.pow(1 - r(), -1 / 1.5) - 1));
  return () => ({
    up: rttMs / 2 + jitter() + (r() < 0.1 ? 100 + r() * 200 : 0),
    down: rttMs / 2 + jitter(),
  });
}

describe("RoomClient", () => {
  it("replays welcome and shoot to handlers set up after they arrived", async () => {
    const { c, sockets } = overFakeSockets({ reconnect: false });
    await new Promise((r) => setTimeout(r, 20));
    sockets[0]!.push({ type: "shoot", shotId: "s1", at: Date.now() + 60_000 });
    const seen: string[] = [];
    c.on("welcome", (w) => seen.push(`welcome:${w.memberId}`));
    c.on("shoot", (s) => seen.push(`shoot:${s.shotId}`));
    expect(seen).toEqual(["welcome:m1", "shoot:s1"]);
    c.close();
  });

  it("fires on the server's instant although its own clock is an hour off", async () => {
    const theta = 3_600_000 + 0.37;
    const { c } = overOneSocket({ now: () => realNow() - theta, syncProbes: 16 });
    const est = await c.once("sync");
    expect(Math.abs(est.offset - theta)).toBeLessThanOrEqual(est.error + 1e-6);
    const at = Math.floor(realNow()) + 80;
    const fired = c.once("fire");
    (c as unknown as { onFrame(raw: string): void }).onFrame(JSON.stringify({ type: "shoot", shotId: "s2", at }));
    const f = await fired;
    const trueFire = realNow();
    expect(f.late).toBe(false);
    expect(f.fireError).toBeGreaterThanOrEqual(0);
    // The real instant it fired is within the stated bound of `at`, plus scheduling slack.
    expect(Math.abs(trueFire - at)).toBeLessThan(est.error + 25);
    c.close();
  });

  it("reports a shoot that arrives after its instant as late and fires at once", async () => {
    const { c, socket } = overOneSocket();
    await c.once("sync");
    socket.push({ type: "shoot", shotId: "s3", at: Date.now() - 500 });
    const f = await c.once("fire");
    expect(f.late).toBe(true);
    await vi.waitFor(() =>
      expect(socket.sent.find((m) => m.type === "fired")).toMatchObject({ shotId: "s3", late: true }),
    );
    c.close();
  });

  it("fires for a viewer without reporting it, since a viewer is not part of the shot", async () => {
    const { c, socket } = overOneSocket({ name: "Organiser", role: "viewer" });
    await c.once("sync");
    socket.push({ type: "shoot", shotId: "s4", at: Date.now() - 500 });
    expect(await c.once("fire")).toMatchObject({ shotId: "s4" });
    expect(socket.sent.filter((m) => m.type === "fired")).toEqual([]);
    c.close();
  });

  it("reconnects after a drop with a jittered backoff and rejoins with the same clientId", async () => {
    const { c, sockets } = overFakeSockets({
      clientId: "stable-id",
      random: () => 0.5,
      reconnect: { baseMs: 10, maxMs: 100 },
    });
    await c.once("sync");
    c.drop();
    await c.once("status", (s) => s.connected && sockets.length === 2);
    const joins = sockets.flatMap((s) => s.sent.filter((m) => m.type === "join"));
    expect(joins.map((j) => j.clientId)).toEqual(["stable-id", "stable-id"]);
    c.close();
  });

  it("tells the room it is ready after its first sync on each connection, once", async () => {
    const { c, sockets } = overFakeSockets({ reconnect: { baseMs: 10, maxMs: 100 }, resyncMs: 30 });
    const first = await c.once("sync");
    await c.once("sync"); // a resync round on the same connection sends nothing more
    const ready = (s: FakeSocket) => s.sent.filter((m) => m.type === "ready");
    expect(ready(sockets[0]!)).toEqual([{ type: "ready", error: first.error }]);
    // Its `ready` comes after the round's pings, i.e. once the clock really is synced.
    const sent = sockets[0]!.sent.map((m) => m.type);
    expect(sent.indexOf("ready")).toBe(sent.lastIndexOf("ping", sent.indexOf("ready")) + 1);
    c.drop();
    await c.once("status", (s) => s.connected && sockets.length === 2);
    await vi.waitFor(() => expect(ready(sockets[1]!)).toHaveLength(1));
    c.close();
  });

  it("sends the guest's place on the ring once joined, and again after every reconnect", async () => {
    const { c, sockets } = overFakeSockets({ reconnect: { baseMs: 10, maxMs: 100 } });
    const places = (s: FakeSocket) => s.sent.filter((m) => m.type === "place");
    c.setPlace(90); // before the welcome: kept, sent once joined
    await c.once("welcome");
    expect(places(sockets[0]!)).toEqual([{ type: "place", place: 90 }]);
    c.setPlace(135);
    expect(places(sockets[0]!)).toEqual([
      { type: "place", place: 90 },
      { type: "place", place: 135 },
    ]);
    c.drop();
    await c.once("status", (s) => s.connected && sockets.length === 2);
    expect(places(sockets[1]!)).toEqual([{ type: "place", place: 135 }]);
    c.close();
  });

  for (const seed of [1, 2, 3])
    it(`is ready one round trip after joining a 300 ms network, with a true bound, in at most 12 frames a shot (seed ${seed})`, async () => {
      const theta = -1_234_567.8;
      const socket = new FakeSocket();
      socket.network = slowNetwork(300, seed);
      const opened = realNow();
      const c = new RoomClient({
        url: "ws://x",
        connect: () => socket,
        clientId: "c1",
        name: "A",
        reconnect: false,
        now: () => realNow() - theta,
      });
      const ready = await c.once("ready");
      // One round trip for the burst (plus its 15 ms of spacing, jitter and spikes); 16 probes one after
      // another took ~5 s here.
      expect(realNow() - opened).toBeLessThan(1000);
      expect(socket.sent.filter((m) => m.type === "ping")).toHaveLength(2);
      expect(socket.sent.find((m) => m.type === "ready")).toEqual({ type: "ready", error: ready.error });
      expect(Math.abs(ready.offset - theta)).toBeLessThanOrEqual(ready.error);
      // The bound cannot beat half the round trip: the one-way delays are not observable.
      expect(ready.error).toBeGreaterThan(100);
      const fired = c.once("fire");
      socket.push({ type: "shoot", shotId: `slow${seed}`, at: Math.floor(realNow()) + 1500 });
      const f = await fired;
      expect(Math.abs(f.estimate.offset - theta)).toBeLessThanOrEqual(f.estimate.error);
      expect(f.estimate.error).toBeLessThanOrEqual(ready.error);
      await vi.waitFor(() => expect(socket.sent.find((m) => m.type === "fired")).toBeTruthy());
      // join, 2 + 6 background + 1 check probes, ready, fired.
      expect(socket.sent.length).toBeLessThanOrEqual(12);
      c.close();
    });

  it.each([
    ["a version mismatch", 4000],
    ["a full room", 4003],
    ["an unknown room", 4004],
    ["a clientId mismatch", 4005],
  ])("does not reconnect after %s close (%i)", async (_what, code) => {
    let made = 0;
    const c = new RoomClient({
      url: "ws://x",
      connect: () => {
        made++;
        return new FakeSocket(false);
      },
      clientId: "c",
      name: "A",
      reconnect: { baseMs: 1, maxMs: 1 },
    });
    await new Promise((r) => setTimeout(r, 5));
    (c as unknown as { socket: FakeSocket }).socket.close(code);
    await new Promise((r) => setTimeout(r, 30));
    expect(made).toBe(1);
    c.close();
  });

  it("names its clientId in the URL of every socket it opens, reconnects included", async () => {
    const urls: string[] = [];
    const c = new RoomClient({
      url: "ws://h/api/rooms/r/ws",
      connect: (url) => {
        urls.push(url);
        return new FakeSocket();
      },
      clientId: "phone-7",
      name: "A",
      reconnect: { baseMs: 1, maxMs: 1 },
    });
    await c.once("welcome");
    c.drop();
    await vi.waitFor(() => expect(urls).toHaveLength(2));
    expect(urls).toEqual(["ws://h/api/rooms/r/ws?clientId=phone-7", "ws://h/api/rooms/r/ws?clientId=phone-7"]);
    c.close();
  });

  it("starts its upload at a random moment in the shoot's upload spread, drawn once per shot", async () => {
    const { c, socket } = overOneSocket({ random: () => 0.75 });
    await c.once("sync");
    const at = Math.floor(realNow()) + 100;
    socket.push({ type: "shoot", shotId: "spread", at, spreadMs: 4000 });
    expect(await c.once("shoot")).toMatchObject({ spreadMs: 4000 });
    const f = await c.once("fire");
    expect(f).toMatchObject({ shotId: "spread", spreadMs: 4000, uploadAt: at + 3000 });
    // About 3 s from the instant, on this client's clock (it just fired, within a few ms of `at`).
    expect(c.uploadDelay(f)).toBeGreaterThan(2900);
    expect(c.uploadDelay(f)).toBeLessThanOrEqual(3000 + f.estimate.error + 1);
    c.close();
  });

  it("uploads at once for a shoot with no spread, and once a spread's moment has passed", async () => {
    const { c, socket } = overOneSocket({ random: () => 0.5 });
    await c.once("sync");
    socket.push({ type: "shoot", shotId: "none", at: Math.floor(realNow()) + 50 });
    const f = await c.once("fire", (e) => e.shotId === "none");
    expect(f).toMatchObject({ spreadMs: 0, uploadAt: f.at });
    expect(c.uploadDelay(f)).toBe(0);
    // A late phone: the shot's instant and its moment in a 1 s spread are both behind it.
    socket.push({ type: "shoot", shotId: "past", at: Math.floor(realNow()) - 2000, spreadMs: 1000 });
    const late = await c.once("fire", (e) => e.shotId === "past");
    expect(late.late).toBe(true);
    expect(late.uploadAt).toBe(late.at + 500);
    expect(c.uploadDelay(late)).toBe(0);
    c.close();
  });

  it("replays missed and shot-done to handlers set up after they arrived", async () => {
    const { c, socket } = overOneSocket();
    await c.once("welcome");
    socket.push({ type: "missed", shotId: "s0", at: 1 });
    socket.push({ type: "shot-done", shotId: "s0", uploaded: 3, missing: 1 });
    const seen: string[] = [];
    c.on("missed", (m) => seen.push(`missed:${m.shotId}`));
    c.on("shot-done", (d) => seen.push(`done:${d.uploaded}/${d.missing}`));
    expect(seen).toEqual(["missed:s0", "done:3/1"]);
    c.close();
  });

  it("moves a scheduled fire to the tighter estimate of its background probes", async () => {
    const { c, socket } = overOneSocket();
    socket.pongDelayMs = 40; // a congested join: every round trip ≥ 40 ms
    const first = await c.once("sync");
    expect(first.error).toBeGreaterThanOrEqual(15);
    socket.pongDelayMs = 1; // quiet once everyone has joined
    const fired = c.once("fire");
    socket.push({ type: "shoot", shotId: "tight", at: Math.floor(realNow()) + 800 });
    const f = await fired;
    expect(f.late).toBe(false);
    expect(f.estimate.error).toBeLessThan(first.error / 2);
    expect(f.estimate.probes).toBeGreaterThan(first.probes);
    c.close();
  });

  it("keeps its probes when a busy server's stamps read a few ms late, which is no clock jump", async () => {
    const { c, socket } = overOneSocket();
    await c.once("sync");
    socket.stampLagMs = 8; // the later rounds' intervals sit a few ms below the join round's
    const fired = c.once("fire");
    socket.push({ type: "shoot", shotId: "lag", at: Math.floor(realNow()) + 600 });
    const f = await fired;
    expect(f.late).toBe(false);
    expect(f.estimate.probes).toBeGreaterThan(2); // the join round was kept, not thrown away as after a jump
    expect(Math.abs(f.estimate.offset)).toBeLessThan(10); // the true offset is 0
    c.close();
  });

  /** Waits until the first round and every background probe are back (random() = 0: 500 ms apart). */
  async function settled(c: RoomClient): Promise<ClockEstimate> {
    await vi.waitFor(() => expect(c.estimate?.probes).toBe(2 + 6), { timeout: 6000 });
    return c.estimate!;
  }

  it("checks its estimate on shoot once its background probes are done, and forgets a check that agrees", async () => {
    const { c, socket } = overOneSocket({ random: () => 0 });
    const before = await settled(c);
    // Every client checks at once on shoot: a busy server, slow pongs, stamps a few ms late.
    socket.pongDelayMs = 20;
    socket.stampLagMs = 4;
    const syncs = await syncsAfterShoot(c, socket, "check", 600, 2);
    expect(socket.sent.filter((m) => m.type === "ping")).toHaveLength(2 + 6 + 1);
    expect(syncs[1]).toBe(before); // the check agreed: the estimate is the one it had, its probe forgotten
    c.close();
  });

  it("sends ready again when its bound narrows past the wide line, in place of a background probe", async () => {
    const { c, socket } = overOneSocket({ random: () => 0 });
    socket.pongDelayMs = 60; // a congested join: a bound over WIDE_CLOCK_BOUND_MS
    const first = await c.once("sync");
    expect(first.error).toBeGreaterThan(WIDE_CLOCK_BOUND_MS);
    socket.pongDelayMs = 1; // then quiet: the first background probe narrows it
    await vi.waitFor(() => expect(socket.sent.filter((m) => m.type === "ready")).toHaveLength(2), { timeout: 3000 });
    // Every background probe left has gone out: one fewer than usual, so the shot still costs 12 frames.
    await new Promise((r) => setTimeout(r, 3500));
    expect(socket.sent.filter((m) => m.type === "ping")).toHaveLength(2 + 5);
    expect(socket.sent.filter((m) => m.type === "ready")).toHaveLength(2);
    c.close();
  });

  it("pulls its background probes in so that all land before a shot's instant", async () => {
    const { c, socket } = overOneSocket({ random: () => 0.99 }); // gaps of ~2.5 s without a shot
    const first = await c.once("sync");
    const fired = c.once("fire");
    socket.push({ type: "shoot", shotId: "soon", at: Math.floor(realNow()) + 500 });
    const f = await fired;
    // At the instant: every background probe back (and the check, forgotten as it agreed), none still out.
    expect(c.estimate!.probes).toBe(first.probes + 6);
    expect(socket.sent.filter((m) => m.type === "ping")).toHaveLength(2 + 6 + 1);
    expect(f.late).toBe(false);
    c.close();
  });

  for (const jump of [+20_000, -20_000])
    it(`fires on the server's instant when its clock jumped ${jump > 0 ? "forward" : "back"} after the last sync`, async () => {
      let skew = 0;
      const { c, socket } = overOneSocket({ now: () => realNow() + skew });
      await c.once("sync");
      skew = jump;
      const at = Math.floor(realNow()) + 150;
      const fired = c.once("fire");
      socket.push({ type: "shoot", shotId: `jump${jump}`, at });
      const f = await fired;
      const trueFire = realNow();
      expect(f.late).toBe(false);
      expect(Math.abs(f.estimate.offset + jump)).toBeLessThanOrEqual(f.estimate.error + 1e-6);
      expect(Math.abs(trueFire - at)).toBeLessThan(f.estimate.error + 25);
      c.close();
    });

  it("ends its first round with the pongs it has, and drops a link only when the first round heard nothing", async () => {
    const o = { probeTimeoutMs: 40, firstRoundTimeoutMs: 1500, reconnect: { baseMs: 10, maxMs: 10 } };
    // One of the join's two probes is lost: the round ends at the probe timeout with the other, on the same link.
    const lossy = overFakeSockets(o, (s) => (s.lostPings = [2]));
    expect(await lossy.c.once("sync")).toMatchObject({ probes: 1 });
    await new Promise((r) => setTimeout(r, 100)); // a dropped link would have reconnected by now
    expect(lossy.sockets).toHaveLength(1);
    lossy.c.close();
    // No pong at all: the link is kept well past the probe timeout, then dropped at the first round's own.
    const opened = realNow();
    const silent = overFakeSockets(o, (s) => (s.answerPings = false));
    await new Promise((r) => setTimeout(r, 300));
    expect(silent.sockets).toHaveLength(1);
    await vi.waitFor(() => expect(silent.sockets).toHaveLength(2), { timeout: 5000 });
    expect(realNow() - opened).toBeGreaterThanOrEqual(1500);
    silent.c.close();
  });

  it("ends a sync round whose pong never comes, fires a waiting shot anyway, and reconnects", async () => {
    const { c, sockets } = overFakeSockets({ probeTimeoutMs: 40, reconnect: { baseMs: 10, maxMs: 10 } });
    await c.once("sync");
    sockets[0]!.answerPings = false;
    const fired = c.once("fire");
    sockets[0]!.push({ type: "shoot", shotId: "past", at: Date.now() - 1000 });
    expect(await fired).toMatchObject({ shotId: "past", late: true });
    await c.once("status", (s) => s.connected && sockets.length === 2);
    // The report goes out a moment after the fire (REPORT_AFTER_MS), here after the reconnect.
    await vi.waitFor(() =>
      expect(sockets[1]!.sent.find((m) => m.type === "fired")).toMatchObject({ shotId: "past", late: true }),
    );
    c.close();
  });
});
