// The k6 semantics the load test relies on, in the runner: a module instance per VU (the shared client
// code once per process), iterations that last until their event loop is empty, strict modules, setup
// data, thresholds, segments and the summary.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { bundleScript } from "./bundle.ts";
import { Engine } from "./engine.ts";
import { Registry, merge, percentile, type Sink } from "./metrics.ts";
import { run } from "./run.ts";
import { runOptions, segments } from "./options.ts";
import { summaryData } from "./summary.ts";
import { checkThresholds } from "./thresholds.ts";
import { TimerQueue } from "./timer-queue.ts";

function scriptFile(source: string, extra: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), "k6-runner-test-"));
  for (const [name, text] of Object.entries(extra)) writeFileSync(join(dir, name), text);
  writeFileSync(join(dir, "script.ts"), source);
  return join(dir, "script.ts");
}

async function runVus(
  source: string,
  o: { vus?: number; first?: number; setupData?: unknown; extra?: Record<string, string> } = {},
) {
  const script = scriptFile(source, o.extra);
  const first = o.first ?? 1;
  const vus = o.vus ?? 3;
  const engine = new Engine({
    code: await bundleScript(script),
    scriptPath: script,
    env: { GREETING: "hello" },
    first,
    last: first + vus - 1,
    setupData: o.setupData,
    scenario: { name: "s", vus, iterations: 1, maxDurationMs: 20_000, gracefulStopMs: 1_000 },
    onAbort: () => {},
  });
  engine.init();
  await engine.run();
  return engine;
}

const values = (e: Engine, name: string) => {
  const s = e.registry.sinks.get(name);
  return s?.type === "trend" ? [...s.values].sort((a, b) => a - b) : s?.type === "counter" ? [s.sum] : [];
};

describe("the k6 runner", () => {
  it("instantiates the script's folder per VU, and the project modules it imports from elsewhere once", async () => {
    const root = mkdtempSync(join(tmpdir(), "k6-runner-test-"));
    mkdirSync(join(root, "loadtest"));
    writeFileSync(join(root, "shared.ts"), "export const box = { n: 0 };\n");
    writeFileSync(join(root, "loadtest", "own.ts"), "export const box = { n: 0 };\n");
    const script = join(root, "loadtest", "script.ts");
    writeFileSync(
      script,
      `import { Trend } from "k6/metrics";
      import { box as shared } from "../shared.ts";
      import { box as own } from "./own.ts";
      const t = new Trend("t");
      export default function () {
        own.n++;
        shared.n++;
        t.add(own.n * 1000 + shared.n);
      }`,
    );
    const engine = new Engine({
      code: await bundleScript(script),
      scriptPath: script,
      env: {},
      first: 1,
      last: 3,
      setupData: undefined,
      scenario: { name: "s", vus: 3, iterations: 1, maxDurationMs: 20_000, gracefulStopMs: 1_000 },
      onAbort: () => {},
    });
    engine.init();
    await engine.run();
    expect(values(engine, "t")).toEqual([1001, 1002, 1003]);
  });

  it("gives every VU its own module instance, its id and the environment", async () => {
    const e = await runVus(
      `
      import exec from "k6/execution";
      import { Trend } from "k6/metrics";
      let calls = 0;
      const seen = new Trend("seen");
      const ids = new Trend("ids");
      export default function () {
        calls++;
        seen.add(calls);
        ids.add(exec.vu.idInTest * 100 + __VU);
        if (__ENV.GREETING !== "hello") throw new Error("no env");
      }`,
      { first: 4 },
    );
    expect(values(e, "seen")).toEqual([1, 1, 1]);
    expect(values(e, "ids")).toEqual([404, 505, 606]);
    expect(e.progress()).toMatchObject({ done: 3, failed: 0 });
  });

  it("ends an iteration only when its timers and requests are done, not when the function returns", async () => {
    const e = await runVus(`
      import { setTimeout } from "k6/timers";
      import { Counter } from "k6/metrics";
      const late = new Counter("late_work");
      export default function () {
        setTimeout(() => setTimeout(() => late.add(1), 5), 5);
      }`);
    expect(values(e, "late_work")).toEqual([3]);
    expect(values(e, "iterations")).toEqual([3]);
  });

  it("hands each VU its own copy of the setup data", async () => {
    const e = await runVus(
      `
      import { Trend } from "k6/metrics";
      const got = new Trend("got");
      export default function (data) {
        got.add(data.n);
        data.n = 1000;
      }`,
      { setupData: { n: 7 } },
    );
    expect(values(e, "got")).toEqual([7, 7, 7]);
  });

  it("ends the iteration of a VU whose callback throws, cancelling its other timers", async () => {
    const e = await runVus(`
      import exec from "k6/execution";
      import { setTimeout } from "k6/timers";
      import { Counter } from "k6/metrics";
      const after = new Counter("after");
      export default function () {
        if (exec.vu.idInTest === 2) setTimeout(() => { throw new Error("boom"); }, 1);
        setTimeout(() => after.add(1), 30);
      }`);
    expect(e.progress()).toMatchObject({ done: 3, failed: 1 });
    expect(values(e, "after")).toEqual([2]);
    expect([...e.errors.keys()].join()).toContain("boom");
  });

  it("reads files with open() relative to the script, only in the init context", async () => {
    const e = await runVus(
      `
      import { Counter } from "k6/metrics";
      const bytes = new Uint8Array(open("./data.bin", "b"));
      const size = new Counter("size");
      export default function () {
        size.add(bytes.length);
        open("./data.bin");
      }`,
      { vus: 1, extra: { "data.bin": "12345" } },
    );
    expect(values(e, "size")).toEqual([5]);
    expect([...e.errors.keys()].join()).toContain("open() is only available in the init context");
  });

  it("refuses to bundle a k6 module it does not implement, naming it", async () => {
    const script = scriptFile(`import { browser } from "k6/browser";\nexport default function () { browser; }`);
    await expect(bundleScript(script)).rejects.toThrow(/k6\/browser is not supported/);
  });

  it("throws at once when a script touches an export a module lacks", async () => {
    const e = await runVus(`import http from "k6/http";\nexport default function () { http.batch([]); }`, { vus: 1 });
    expect([...e.errors.keys()].join()).toMatch(/k6\/http\.batch is not supported/);
  });

  it("runs only per-vu-iterations scenarios and says so about others", () => {
    expect(
      runOptions({ scenarios: { a: { executor: "per-vu-iterations", vus: 5, iterations: 2, maxDuration: "1m30s" } } })
        .scenario,
    ).toEqual({
      name: "a",
      vus: 5,
      iterations: 2,
      maxDurationMs: 90_000,
      gracefulStopMs: 30_000,
    });
    expect(() => runOptions({ scenarios: { a: { executor: "constant-vus", vus: 5 } } })).toThrow(
      /constant-vus is not supported/,
    );
    expect(() => runOptions({ duration: "10s" })).toThrow(/option duration is not supported/);
  });

  it("splits VUs into disjoint contiguous segments that cover them all", () => {
    const parts = segments(1000, 3);
    expect(parts).toEqual([
      { first: 1, last: 333 },
      { first: 334, last: 666 },
      { first: 667, last: 1000 },
    ]);
    expect(segments(2, 8)).toEqual([
      { first: 1, last: 1 },
      { first: 2, last: 2 },
    ]);
  });

  it("merges metrics from several processes into the totals one process would have", () => {
    const a = new Registry();
    const b = new Registry();
    for (const r of [a, b]) {
      r.define("n", "counter");
      r.define("t", "trend", "time");
      r.define("ok", "rate");
    }
    a.add("n", 2);
    b.add("n", 3);
    a.add("t", 1);
    b.add("t", 3);
    a.add("ok", true);
    b.add("ok", false);
    const merged = new Map<string, Sink>();
    merge(merged, a.snapshot());
    merge(merged, b.snapshot());
    expect(merged.get("n")).toMatchObject({ sum: 5 });
    expect(merged.get("t")).toMatchObject({ values: [1, 3] });
    expect(merged.get("ok")).toMatchObject({ passes: 1, fails: 1 });
  });

  it("interpolates percentiles as k6 does and checks thresholds per metric type", () => {
    expect(percentile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(percentile([10, 20], 0.99)).toBeCloseTo(19.9);
    const r = new Registry();
    r.define("lat", "trend", "time");
    r.define("lost", "counter");
    for (const v of [1, 2, 3, 4, 100]) r.add("lat", v);
    const results = checkThresholds({ lat: ["p(50)<3.5", "max<50"], lost: ["count==0"] }, r.sinks, 1000);
    expect(results.map((t) => [t.source, t.ok])).toEqual([
      ["p(50)<3.5", true],
      ["max<50", false],
      ["count==0", true],
    ]);
    expect(() => checkThresholds({ lost: ["p(99)<1"] }, r.sinks, 1000)).toThrow(
      /p\(99\) is not an aggregation of a counter/,
    );
    expect(() => checkThresholds({ nope: ["count==0"] }, r.sinks, 1000)).toThrow(/no metric of that name/);
  });

  it("hands handleSummary k6's data shape, with the configured trend stats and threshold verdicts", () => {
    const r = new Registry();
    r.define("lat", "trend", "time");
    r.define("joined", "counter");
    r.add("lat", 4);
    r.add("joined", 2);
    const thresholds = checkThresholds({ lat: ["p(99)<3"] }, r.sinks, 2000);
    const s = summaryData({ sinks: r.sinks, thresholds, trendStats: ["med", "p(99)", "count"], durationMs: 2000 });
    expect(s.metrics.lat).toEqual({
      type: "trend",
      contains: "time",
      values: { med: 4, "p(99)": 4, count: 1 },
      thresholds: { "p(99)<3": { ok: false } },
    });
    expect(s.metrics.joined!.values).toEqual({ count: 2, rate: 1 });
    expect(s.state.testRunDurationMs).toBe(2000);
  });

  it("runs setup, then the VUs in several processes, then handleSummary, and exits 99 on a crossed threshold", async () => {
    const script = scriptFile(`
      import exec from "k6/execution";
      import { Counter } from "k6/metrics";
      const hits = new Counter("hits");
      export const options = {
        scenarios: { s: { executor: "per-vu-iterations", vus: 5, iterations: 1 } },
        thresholds: { hits: ["count>100"] },
      };
      export function setup() { return { weight: 10 }; }
      export default function (data) { hits.add(data.weight + exec.vu.idInTest); }
      export function handleSummary(s) {
        return { [__ENV.OUT]: JSON.stringify({ hits: s.metrics.hits.values.count, ok: s.metrics.hits.thresholds["count>100"].ok, setup: s.setup_data }) };
      }`);
    const out = join(mkdtempSync(join(tmpdir(), "k6-runner-out-")), "summary.json");
    const r = await run({ script, env: { OUT: out }, processes: 2 });
    expect(JSON.parse(readFileSync(out, "utf8"))).toEqual({ hits: 65, ok: false, setup: { weight: 10 } });
    expect(r.exitCode).toBe(99);
  });

  it("runs due timers in order of due time, first come first served on ties", async () => {
    const q = new TimerQueue();
    const order: string[] = [];
    await new Promise<void>((done) => {
      q.add(20, () => order.push("c"));
      q.add(5, () => order.push("a"));
      q.add(5, () => order.push("b"));
      q.add(30, () => (order.push("d"), done()));
    });
    expect(order).toEqual(["a", "b", "c", "d"]);
  });
});
