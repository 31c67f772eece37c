// The runner's metrics: k6's four metric types and their aggregates (trend percentiles interpolate as
// k6's do), kept per process and merged across processes before thresholds and the summary.

export type MetricType = "counter" | "gauge" | "rate" | "trend";
export type Contains = "default" | "time" | "data";
export type Sink =
  | { type: "counter"; contains: Contains; sum: number }
  | { type: "gauge"; contains: Contains; value: number; min: number; max: number; at: number; n: number }
  | { type: "rate"; contains: Contains; passes: number; fails: number }
  | { type: "trend"; contains: Contains; values: number[] };

const NAME = /^[\p{L}\p{N}._ !?/&#()<>%-]{1,128}$/u;

export class Registry {
  readonly sinks = new Map<string, Sink>();

  /** Declares a metric (as `new Trend(name)` does in a script); the same name twice must agree on the type. */
  define(name: string, type: MetricType, contains: Contains = "default"): void {
    if (!NAME.test(name)) throw new Error(`invalid metric name ${JSON.stringify(name)}`);
    const old = this.sinks.get(name);
    if (old) {
      if (old.type !== type) throw new Error(`metric ${name} is already a ${old.type}, not a ${type}`);
      return;
    }
    this.sinks.set(name, empty(type, contains));
  }

  add(name: string, value: number | boolean): void {
    const s = this.sinks.get(name);
    if (!s) throw new Error(`metric ${name} was never defined`);
    const v = typeof value === "boolean" ? Number(value) : value;
    if (typeof v !== "number" || Number.isNaN(v)) throw new Error(`metric ${name}: ${String(value)} is not a number`);
    switch (s.type) {
      case "counter":
        s.sum += v;
        return;
      case "gauge":
        s.value = v;
        s.min = s.n ? Math.min(s.min, v) : v;
        s.max = s.n ? Math.max(s.max, v) : v;
        s.at = Date.now();
        s.n++;
        return;
      case "rate":
        if (v !== 0) s.passes++;
        else s.fails++;
        return;
      case "trend":
        s.values.push(v);
    }
  }

  snapshot(): Record<string, Sink> {
    return Object.fromEntries(this.sinks);
  }
}

function empty(type: MetricType, contains: Contains): Sink {
  switch (type) {
    case "counter":
      return { type, contains, sum: 0 };
    case "gauge":
      return { type, contains, value: 0, min: 0, max: 0, at: 0, n: 0 };
    case "rate":
      return { type, contains, passes: 0, fails: 0 };
    case "trend":
      return { type, contains, values: [] };
  }
}

/** Folds one process's sinks into the merged set. */
export function merge(into: Map<string, Sink>, from: Record<string, Sink>): void {
  for (const [name, s] of Object.entries(from)) {
    const t = into.get(name);
    if (!t) {
      into.set(name, structuredClone(s));
      continue;
    }
    if (t.type !== s.type) throw new Error(`metric ${name} is a ${t.type} in one process and a ${s.type} in another`);
    if (t.type === "counter" && s.type === "counter") t.sum += s.sum;
    else if (t.type === "rate" && s.type === "rate") {
      t.passes += s.passes;
      t.fails += s.fails;
    } else if (t.type === "trend" && s.type === "trend") for (const v of s.values) t.values.push(v);
    else if (t.type === "gauge" && s.type === "gauge" && s.n) {
      if (s.at >= t.at) t.value = s.value;
      t.min = t.n ? Math.min(t.min, s.min) : s.min;
      t.max = t.n ? Math.max(t.max, s.max) : s.max;
      t.at = Math.max(t.at, s.at);
      t.n += s.n;
    }
  }
}

/** k6's percentile: linear interpolation between the two nearest of the sorted values. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const i = p * (sorted.length - 1);
  const lo = sorted[Math.floor(i)]!;
  const hi = sorted[Math.ceil(i)]!;
  return lo + (hi - lo) * (i - Math.floor(i));
}

const PCT = /^p\((\d+(?:\.\d+)?)\)$/;

/** One aggregate of a sink ("count", "rate", "value", "avg", "min", "max", "med", "p(99)", …), or undefined. */
export function aggregate(s: Sink, stat: string, durationMs: number, sorted?: number[]): number | undefined {
  switch (s.type) {
    case "counter":
      return stat === "count" ? s.sum : stat === "rate" ? s.sum / Math.max(durationMs / 1000, 1e-9) : undefined;
    case "gauge":
      return stat === "value" ? s.value : stat === "min" ? s.min : stat === "max" ? s.max : undefined;
    case "rate": {
      const n = s.passes + s.fails;
      return stat === "rate"
        ? n
          ? s.passes / n
          : 0
        : stat === "passes"
          ? s.passes
          : stat === "fails"
            ? s.fails
            : undefined;
    }
    case "trend": {
      const v = sorted ?? [...s.values].sort((a, b) => a - b);
      if (stat === "count") return v.length;
      if (stat === "avg") return v.length ? v.reduce((a, b) => a + b, 0) / v.length : 0;
      if (stat === "min") return v[0] ?? 0;
      if (stat === "max") return v[v.length - 1] ?? 0;
      if (stat === "med") return percentile(v, 0.5);
      const m = PCT.exec(stat);
      return m ? percentile(v, Number(m[1]) / 100) : undefined;
    }
  }
}
