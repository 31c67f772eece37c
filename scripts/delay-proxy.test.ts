// The latency network of the test kit: each connection gets its round trip, every chunk arrives in order
// however its delay was drawn, about a tenth of uplink chunks are held back 100–300 ms, and LATENCY parses.
import { createServer, connect, type Server, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DelayProxy } from "./delay-proxy.ts";
import { linkMaker, parseLatency } from "./network-latency.ts";

let echo: Server;
let target = "";
beforeAll(async () => {
  echo = createServer((s) => s.on("error", () => {}).pipe(s));
  await new Promise<void>((r) => echo.listen(0, "127.0.0.1", () => r()));
  target = `http://127.0.0.1:${(echo.address() as { port: number }).port}`;
});
afterAll(() => new Promise<void>((r) => echo.close(() => r())));

/** Sends `n` numbered lines `gapMs` apart and resolves with each one's round trip, in arrival order. */
function roundTrips(url: string, n: number, gapMs: number): Promise<Array<{ i: number; ms: number }>> {
  const u = new URL(url);
  const sock: Socket = connect(Number(u.port), u.hostname);
  const sentAt: number[] = [];
  const got: Array<{ i: number; ms: number }> = [];
  let buf = "";
  return new Promise((resolve) => {
    sock.on("data", (d) => {
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf("\n")) >= 0) {
        const i = Number(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
        got.push({ i, ms: performance.now() - sentAt[i]! });
      }
      if (got.length === n) {
        sock.destroy();
        resolve(got);
      }
    });
    sock.on("connect", () => {
      for (let i = 0; i < n; i++)
        setTimeout(() => {
          sentAt[i] = performance.now();
          sock.write(`${i}\n`);
        }, i * gapMs);
    });
  });
}

describe("the latency proxy", () => {
  it("gives a connection its round trip, keeps every chunk in order, and holds back some uplink chunks", async () => {
    const proxy = await DelayProxy.start(target, linkMaker(parseLatency("100")!, 7));
    try {
      const trips = await roundTrips(proxy.url, 60, 25);
      expect(trips.map((t) => t.i)).toEqual([...Array(60).keys()]); // in order, none lost
      for (const t of trips) expect(t.ms).toBeGreaterThanOrEqual(99);
      // Spikes of 100–300 ms on ~10 % of uplink chunks (and the chunks queued behind them).
      expect(trips.filter((t) => t.ms >= 200).length).toBeGreaterThan(0);
      expect(trips.filter((t) => t.ms < 160).length).toBeGreaterThan(15);
    } finally {
      await proxy.close();
    }
  });

  it("draws each connection's round trip within MIN:MAX", () => {
    const links = linkMaker(parseLatency("20:300")!, 3);
    const rtts = Array.from({ length: 200 }, () => links().rttMs);
    expect(Math.min(...rtts)).toBeGreaterThanOrEqual(20);
    expect(Math.max(...rtts)).toBeLessThanOrEqual(300);
    expect(Math.max(...rtts) - Math.min(...rtts)).toBeGreaterThan(200);
  });

  it("refuses a LATENCY it cannot read", () => {
    expect(parseLatency(undefined)).toBeNull();
    expect(parseLatency("20:300")).toEqual({ minRttMs: 20, maxRttMs: 300 });
    expect(() => parseLatency("300:20")).toThrow(/MIN:MAX/);
    expect(() => parseLatency("fast")).toThrow(/MIN:MAX/);
  });
});
