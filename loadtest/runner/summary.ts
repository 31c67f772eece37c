// The data k6 hands to handleSummary(): every metric with its type, what it measures, the configured
// trend stats and its thresholds' verdicts, plus the options and the run's state.
import { aggregate, type Sink } from "./metrics.ts";
import type { ThresholdResult } from "./thresholds.ts";

export const DEFAULT_TREND_STATS = ["avg", "min", "med", "max", "p(90)", "p(95)"];

export type SummaryMetric = {
  type: Sink["type"];
  contains: Sink["contains"];
  values: Record<string, number>;
  thresholds?: Record<string, { ok: boolean }>;
};

export type SummaryData = {
  root_group: { name: string; path: string; id: string; groups: never[]; checks: never[] };
  options: { summaryTrendStats: string[]; summaryTimeUnit: string; noColor: boolean };
  state: { isStdOutTTY: boolean; isStdErrTTY: boolean; testRunDurationMs: number };
  metrics: Record<string, SummaryMetric>;
  setup_data?: unknown;
};

function values(s: Sink, trendStats: string[], durationMs: number): Record<string, number> {
  const stats =
    s.type === "counter"
      ? ["count", "rate"]
      : s.type === "gauge"
        ? ["value", "min", "max"]
        : s.type === "rate"
          ? ["rate", "passes", "fails"]
          : trendStats;
  const sorted = s.type === "trend" ? [...s.values].sort((a, b) => a - b) : undefined;
  return Object.fromEntries(stats.map((k) => [k, aggregate(s, k, durationMs, sorted) ?? 0]));
}

function hasSamples(s: Sink): boolean {
  return s.type === "trend"
    ? s.values.length > 0
    : s.type === "rate"
      ? s.passes + s.fails > 0
      : s.type === "gauge"
        ? s.n > 0
        : s.sum !== 0;
}

/** Metrics appear when they got samples or carry thresholds, as in k6's summary. */
export function summaryData(o: {
  sinks: ReadonlyMap<string, Sink>;
  thresholds: ThresholdResult[];
  trendStats?: string[];
  durationMs: number;
  setupData?: unknown;
}): SummaryData {
  const trendStats = o.trendStats ?? DEFAULT_TREND_STATS;
  const metrics: Record<string, SummaryMetric> = {};
  for (const [name, s] of o.sinks) {
    const own = o.thresholds.filter((t) => t.metric === name);
    if (!hasSamples(s) && own.length === 0) continue;
    metrics[name] = { type: s.type, contains: s.contains, values: values(s, trendStats, o.durationMs) };
    if (own.length) metrics[name].thresholds = Object.fromEntries(own.map((t) => [t.source, { ok: t.ok }]));
  }
  return {
    root_group: { name: "", path: "", id: "d41d8cd98f00b204e9800998ecf8427e", groups: [], checks: [] },
    options: { summaryTrendStats: trendStats, summaryTimeUnit: "", noColor: false },
    state: {
      isStdOutTTY: !!process.stdout.isTTY,
      isStdErrTTY: !!process.stderr.isTTY,
      testRunDurationMs: o.durationMs,
    },
    metrics,
    ...(o.setupData === undefined ? {} : { setup_data: o.setupData }),
  };
}
