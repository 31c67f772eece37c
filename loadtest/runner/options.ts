// The part of k6's options the runner implements: one per-vu-iterations scenario (or plain vus +
// iterations run that way), thresholds, summaryTrendStats and the setup/teardown timeouts. Anything
// else fails loudly rather than being silently ignored.
import type { ThresholdSpec } from "./thresholds.ts";

export type Scenario = { name: string; vus: number; iterations: number; maxDurationMs: number; gracefulStopMs: number };
export type RunOptions = {
  scenario: Scenario;
  thresholds: Record<string, ThresholdSpec[]>;
  summaryTrendStats?: string[];
  setupTimeoutMs: number;
  teardownTimeoutMs: number;
};

const KNOWN = new Set([
  "scenarios",
  "vus",
  "iterations",
  "thresholds",
  "summaryTrendStats",
  "setupTimeout",
  "teardownTimeout",
  "summaryTimeUnit",
]);
const SCENARIO_KNOWN = new Set(["executor", "vus", "iterations", "maxDuration", "gracefulStop", "startTime"]);

/** "1m30s", "90s", "250ms" → ms. */
export function duration(v: unknown, fallbackMs: number): number {
  if (v === undefined) return fallbackMs;
  if (typeof v === "number") return v * 1000;
  const s = String(v);
  const re = /(\d+(?:\.\d+)?)(ms|h|m|s)/gy;
  let total = 0;
  let at = 0;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    total += Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as "ms" | "s" | "m" | "h"];
    at = re.lastIndex;
  }
  if (at !== s.length || at === 0) throw new Error(`duration ${JSON.stringify(v)} is not like "90s" or "1m30s"`);
  return total;
}

export function runOptions(o: Record<string, unknown> = {}): RunOptions {
  for (const k of Object.keys(o))
    if (!KNOWN.has(k)) throw new Error(`option ${k} is not supported by the Simulshot k6 runner`);
  let scenario: Scenario;
  if (o.scenarios !== undefined) {
    const entries = Object.entries(o.scenarios as Record<string, Record<string, unknown>>);
    if (entries.length !== 1) throw new Error("the Simulshot k6 runner runs exactly one scenario");
    const [name, s] = entries[0]!;
    if (s.executor !== "per-vu-iterations")
      throw new Error(
        `executor ${String(s.executor)} is not supported by the Simulshot k6 runner (only per-vu-iterations)`,
      );
    for (const k of Object.keys(s))
      if (!SCENARIO_KNOWN.has(k)) throw new Error(`scenario option ${k} is not supported by the Simulshot k6 runner`);
    if (s.startTime !== undefined && duration(s.startTime, 0) !== 0)
      throw new Error("scenario startTime is not supported");
    scenario = {
      name,
      vus: Number(s.vus ?? 1),
      iterations: Number(s.iterations ?? 1),
      maxDurationMs: duration(s.maxDuration, 600_000),
      gracefulStopMs: duration(s.gracefulStop, 30_000),
    };
  } else {
    if (o.iterations !== undefined && o.iterations !== o.vus)
      throw new Error(
        "vus + iterations is a shared-iterations run; the Simulshot k6 runner needs iterations == vus or a per-vu-iterations scenario",
      );
    scenario = {
      name: "default",
      vus: Number(o.vus ?? 1),
      iterations: 1,
      maxDurationMs: 600_000,
      gracefulStopMs: 30_000,
    };
  }
  if (!Number.isInteger(scenario.vus) || scenario.vus < 1)
    throw new Error(`vus must be a positive integer, got ${scenario.vus}`);
  return {
    scenario,
    thresholds: (o.thresholds ?? {}) as Record<string, ThresholdSpec[]>,
    ...(o.summaryTrendStats ? { summaryTrendStats: o.summaryTrendStats as string[] } : {}),
    setupTimeoutMs: duration(o.setupTimeout, 60_000),
    teardownTimeoutMs: duration(o.teardownTimeout, 60_000),
  };
}

/** Splits VUs 1..total into `parts` disjoint, contiguous ranges, as k6 execution segments do. */
export function segments(total: number, parts: number): Array<{ first: number; last: number }> {
  const n = Math.max(1, Math.min(parts, total));
  return Array.from({ length: n }, (_, i) => ({
    first: Math.floor((i * total) / n) + 1,
    last: Math.floor(((i + 1) * total) / n),
  }));
}
