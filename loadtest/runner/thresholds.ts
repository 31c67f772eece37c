// Thresholds as k6 writes and checks them: "<aggregation> <operator> <number>" per metric, where the
// aggregation must suit the metric's type. A crossed threshold makes the run exit with k6's code 99.
import { aggregate, type MetricType, type Sink } from "./metrics.ts";

export const THRESHOLDS_CROSSED_EXIT = 99;

type Op = "<" | "<=" | ">" | ">=" | "==" | "===" | "!=";
export type Threshold = { agg: string; op: Op; value: number; source: string };
export type ThresholdResult = { metric: string; source: string; ok: boolean; actual: number };
export type ThresholdSpec = string | { threshold: string; abortOnFail?: boolean; delayAbortEval?: string };

const EXPR =
  /^\s*(avg|min|max|med|count|rate|value|p\(\d+(?:\.\d+)?\))\s*(<=|>=|===|==|!=|<|>)\s*(-?\d+(?:\.\d+)?(?:e[+-]?\d+)?)\s*$/;
const ALLOWED: Record<MetricType, RegExp> = {
  counter: /^(count|rate)$/,
  gauge: /^value$/,
  rate: /^rate$/,
  trend: /^(avg|min|max|med|p\(.*\))$/,
};

export function parseThreshold(source: string): Threshold {
  const m = EXPR.exec(source);
  if (!m) throw new Error(`threshold ${JSON.stringify(source)} is not "<aggregation> <operator> <number>"`);
  return { agg: m[1]!, op: m[2] as Op, value: Number(m[3]), source };
}

function holds(actual: number, op: Op, value: number): boolean {
  switch (op) {
    case "<":
      return actual < value;
    case "<=":
      return actual <= value;
    case ">":
      return actual > value;
    case ">=":
      return actual >= value;
    case "==":
    case "===":
      return actual === value;
    case "!=":
      return actual !== value;
  }
}

/** Checks the options' thresholds against the merged metrics. Unknown metrics, sub-metric selectors
 *  ("name{tag:x}"), abortOnFail and aggregations that do not suit the type fail loudly, as in k6. */
export function checkThresholds(
  specs: Record<string, ThresholdSpec[]>,
  sinks: ReadonlyMap<string, Sink>,
  durationMs: number,
): ThresholdResult[] {
  const out: ThresholdResult[] = [];
  for (const [metric, list] of Object.entries(specs)) {
    if (metric.includes("{"))
      throw new Error(`threshold on ${metric}: sub-metric thresholds are not supported by this runner`);
    const sink = sinks.get(metric);
    if (!sink) throw new Error(`threshold on ${metric}: no metric of that name is defined`);
    const sorted = sink.type === "trend" ? [...sink.values].sort((a, b) => a - b) : undefined;
    for (const spec of list) {
      if (typeof spec !== "string" && spec.abortOnFail)
        throw new Error(`threshold on ${metric}: abortOnFail is not supported by this runner`);
      const t = parseThreshold(typeof spec === "string" ? spec : spec.threshold);
      if (!ALLOWED[sink.type].test(t.agg))
        throw new Error(`threshold on ${metric}: ${t.agg} is not an aggregation of a ${sink.type}`);
      const actual = aggregate(sink, t.agg, durationMs, sorted) ?? NaN;
      out.push({ metric, source: t.source, ok: holds(actual, t.op, t.value), actual });
    }
  }
  return out;
}
