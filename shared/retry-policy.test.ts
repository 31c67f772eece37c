// The retry policy: which failures are retried, and delays that grow, stop growing, and spread.
import { describe, expect, it } from "vitest";
import { RECONNECT_BACKOFF, backoffDelay, isRetryable, retryDelay } from "./retry-policy.ts";

describe("isRetryable", () => {
  it("retries lost connections, timeouts, rate limits and server errors", () => {
    for (const s of [0, 408, 429, 500, 502, 503]) expect(isRetryable(s), String(s)).toBe(true);
  });
  it("does not retry answers that will not change: bad token, closed shot, not an image", () => {
    for (const s of [400, 401, 403, 404, 409, 413, 415]) expect(isRetryable(s), String(s)).toBe(false);
  });
});

describe("retryDelay", () => {
  const policy = { baseMs: 500, maxMs: 10_000 };
  it("doubles with each attempt up to the cap", () => {
    const mid = () => 0.5;
    expect([1, 2, 3, 4, 5, 6, 7].map((a) => retryDelay(a, mid, null, policy))).toEqual([
      500, 1000, 2000, 4000, 8000, 10_000, 10_000,
    ]);
  });
  it("spreads retries between half and one and a half times the backoff", () => {
    expect(retryDelay(3, () => 0, null, policy)).toBe(1000);
    expect(retryDelay(3, () => 0.999, null, policy)).toBeCloseTo(2998, 0);
  });
  it("waits at least as long as the server's Retry-After", () => {
    expect(retryDelay(1, () => 0.5, "7", policy)).toBe(7000);
    expect(retryDelay(1, () => 0.5, "soon", policy)).toBe(500);
  });
});

describe("backoffDelay", () => {
  it("spaces the room client's reconnects by the same doubling, jittered after the cap", () => {
    const mid = () => 0.5;
    expect([1, 2, 3, 4, 5, 6, 7].map((a) => backoffDelay(a, mid, RECONNECT_BACKOFF))).toEqual([
      250, 500, 1000, 2000, 4000, 8000, 10_000,
    ]);
    expect(backoffDelay(9, () => 0.999, RECONNECT_BACKOFF)).toBeCloseTo(14_990, 0);
  });
});
