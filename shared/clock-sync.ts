// Clock synchronisation by interval intersection over ping/pong probes.
// Each probe proves the offset θ = server − client lies in [ts − t3, ts + res − t0]; we intersect them.

/** One round trip: client send time t0, server stamp ts, client receive time t3 (client clock, ms); `te`: the
 *  stamp is within ±te of the true server time (a sharded room's shard, synced to its coordinator). */
export type Probe = { t0: number; ts: number; t3: number; te?: number };

export type ClockEstimate = {
  /** θ = server − client, ms: server time = client time + offset. */
  offset: number;
  /** Half-width of the interval known to contain θ, ms. */
  error: number;
  /** Probes used. */
  probes: number;
  /** False when the intervals did not intersect (a clock jumped) and the min-round-trip probe was used. */
  intersected: boolean;
};

/**
 * Estimates the offset from probes. `serverResolution` is the server clock's tick (ms): a stamp ts
 * means the true server time was in [ts, ts + resolution), which widens each interval's top.
 * `lateStampsMs`: intervals at most this far apart still count as intersecting. A busy server's stamps
 * can read late (workerd's clock only moves between events), which lowers some intervals' tops, so the
 * offset is then known to lie in [lo, lo + gap]; further apart, one side's clock jumped.
 */
export function estimateOffset(probes: readonly Probe[], serverResolution = 1, lateStampsMs = 0): ClockEstimate | null {
  let lo = -Infinity;
  let hi = Infinity;
  let best: Probe | null = null;
  let n = 0;
  for (const p of probes) {
    if (!(p.t3 >= p.t0)) continue; // a clock that ran backwards proves nothing
    n++;
    const te = p.te ?? 0;
    lo = Math.max(lo, p.ts - te - p.t3);
    hi = Math.min(hi, p.ts + te + serverResolution - p.t0);
    if (best === null || p.t3 - p.t0 < best.t3 - best.t0) best = p;
  }
  if (best === null) return null;
  if (lo <= hi) return { offset: (lo + hi) / 2, error: (hi - lo) / 2, probes: n, intersected: true };
  const gap = lo - hi;
  if (gap <= lateStampsMs) return { offset: lo + gap / 2, error: gap / 2, probes: n, intersected: true };
  // Disjoint intervals mean one side's clock jumped or drifted mid-sync: trust the tightest probe alone.
  const rtt = best.t3 - best.t0;
  return {
    offset: best.ts + serverResolution / 2 - (best.t0 + best.t3) / 2,
    error: (rtt + serverResolution) / 2 + (best.te ?? 0),
    probes: n,
    intersected: false,
  };
}

/** Client-clock instant at which to fire for server instant `at`. */
export const localInstant = (at: number, estimate: ClockEstimate): number => at - estimate.offset;
