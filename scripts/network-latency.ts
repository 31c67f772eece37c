// A phone network for the test kit, made in user space (no root, no netem): `LATENCY=20:300` gives each
// connection its own round trip in 20–300 ms, heavy-tailed one-sided jitter on every chunk and a tenth of
// uplink chunks held back 100–300 ms more. The delay proxy applies it; the load test and e2e suite take it.
import { mulberry32 } from "./prng.ts";

export type Latency = { minRttMs: number; maxRttMs: number };

/** One connection's delays, ms, drawn per chunk: `up` client → server, `down` server → client. */
export type Link = { rttMs: number; up(): number; down(): number };

/** Jitter: Pareto with shape 1.5 and a 2 ms scale, less 2 ms (median 1.2 ms, mean 4 ms, p99 41 ms), capped. */
const JITTER_SCALE_MS = 2;
const JITTER_SHAPE = 1.5;
const JITTER_CAP_MS = 1000;
const SPIKE_SHARE = 0.1;
const SPIKE_MS = { min: 100, max: 300 };

/** Parses `MIN:MAX` (ms of round trip; `N` alone is `N:N`); null for an empty spec. */
export function parseLatency(spec: string | undefined): Latency | null {
  if (!spec) return null;
  const m = /^(\d+(?:\.\d+)?)(?::(\d+(?:\.\d+)?))?$/.exec(spec.trim());
  const min = m ? Number(m[1]) : NaN;
  const max = m && m[2] !== undefined ? Number(m[2]) : min;
  if (!(min >= 0) || !(max >= min)) throw new Error(`LATENCY is MIN:MAX ms of round trip (e.g. 20:300), not ${spec}`);
  return { minRttMs: min, maxRttMs: max };
}

/** Draws links for a latency model; seeded, so a run's network can be replayed. */
export function linkMaker(latency: Latency, seed = 1): () => Link {
  const random = mulberry32(seed);
  const jitter = () => Math.min(JITTER_CAP_MS, JITTER_SCALE_MS * (Math.pow(1 - random(), -1 / JITTER_SHAPE) - 1));
  return () => {
    const rttMs = latency.minRttMs + random() * (latency.maxRttMs - latency.minRttMs);
    // The base is split evenly: a one-way delay is what no clock sync can observe, so the true error of
    // an estimate's midpoint is the jitter's doing, while its stated bound is half the round trip.
    return {
      rttMs,
      up: () =>
        rttMs / 2 + jitter() + (random() < SPIKE_SHARE ? SPIKE_MS.min + random() * (SPIKE_MS.max - SPIKE_MS.min) : 0),
      down: () => rttMs / 2 + jitter(),
    };
  };
}
