// The runner's lifecycle, as `k6 run` has it: init → setup() → the VUs, spread over child processes in
// disjoint segments → teardown() → thresholds → handleSummary() and its outputs. Exit code 99 when a
// threshold is crossed, 107 when the script fails, 108 when it aborts the test.
import { fork, type ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { bundleScript, compile, type ScriptExports } from "./bundle.ts";
import type { FromChild, ToChild } from "./child.ts";
import type { Progress } from "./engine.ts";
import { Registry, merge, type Sink } from "./metrics.ts";
import { runOptions, segments } from "./options.ts";
import { summaryData, type SummaryData } from "./summary.ts";
import { THRESHOLDS_CROSSED_EXIT, checkThresholds, type ThresholdResult } from "./thresholds.ts";
import { Vu, describe } from "./vu.ts";

export const SCRIPT_ERROR_EXIT = 107;
export const ABORTED_EXIT = 108;

export type RunnerOptions = {
  script: string;
  env: Record<string, string>;
  processes: number;
  onProgress?: (p: Progress, elapsedMs: number) => void;
};
export type RunnerResult = {
  exitCode: number;
  summary: SummaryData;
  sinks: ReadonlyMap<string, Sink>;
  thresholds: ThresholdResult[];
};

export class ScriptError extends Error {
  constructor(
    message: string,
    readonly exitCode = SCRIPT_ERROR_EXIT,
  ) {
    super(message);
  }
}

/** Calls fn in VU 0 (setup, teardown, handleSummary), waiting for its event loop, with a timeout. */
async function inVu0<T>(vu: Vu, what: string, fn: () => T, timeoutMs: number): Promise<Awaited<T>> {
  let value: Awaited<T> | undefined;
  const timer = setTimeout(() => vu.interrupt(`${what} took longer than ${timeoutMs} ms`), timeoutMs);
  const r = await vu.runIteration(() => {
    const out: unknown = fn();
    if (out && typeof (out as PromiseLike<unknown>).then === "function")
      return (out as PromiseLike<Awaited<T>>).then((v) => void (value = v));
    value = out as Awaited<T>;
    return undefined;
  }, undefined);
  clearTimeout(timer);
  if (!r.ok) throw new ScriptError(`${what} failed: ${r.error}`);
  return value as Awaited<T>;
}

const CHILD = fileURLToPath(new URL("./child.ts", import.meta.url));

/** LOADTEST_CPU_PROF=DIR writes a V8 CPU profile of every VU process there. */
function startChild(): ChildProcess {
  const prof = process.env.LOADTEST_CPU_PROF;
  const execArgv = [
    ...process.execArgv,
    ...(process.execArgv.some((a) => a.includes("tsx")) ? [] : ["--import", "tsx"]),
    ...(prof ? ["--cpu-prof", `--cpu-prof-dir=${prof}`, "--cpu-prof-interval=50"] : []),
  ];
  return fork(CHILD, [], { serialization: "advanced", stdio: ["ignore", "inherit", "inherit", "ipc"], execArgv });
}

export async function run(o: RunnerOptions): Promise<RunnerResult> {
  const code = await bundleScript(o.script).catch((e: unknown) => {
    throw new ScriptError(`cannot bundle ${o.script}: ${describe(e)}`);
  });
  const registry = new Registry();
  const vu0 = new Vu({ idInTest: 0, idInInstance: 0, scenario: "", env: o.env, scriptDir: "" }, registry);
  let aborted: string | null = null;
  const onAbort = (reason: string) => void (aborted ??= reason);
  let exports: ScriptExports;
  try {
    exports = compile(code, o.script)(vu0, {
      scenario: "",
      executor: "",
      startTime: () => 0,
      abort: (r) => (onAbort(r), process.exit(ABORTED_EXIT)),
    });
  } catch (e) {
    throw new ScriptError(`the script's init code failed: ${describe(e)}`);
  }
  const opts = (() => {
    try {
      return runOptions(exports.options);
    } catch (e) {
      throw new ScriptError(describe(e));
    }
  })();
  const t0 = Date.now();
  const setupData = exports.setup ? await inVu0(vu0, "setup()", exports.setup, opts.setupTimeoutMs) : undefined;

  const children = segments(opts.scenario.vus, o.processes).map((seg) => ({
    seg,
    proc: startChild(),
    progress: null as Progress | null,
  }));
  const merged = new Map<string, Sink>();
  const errors = new Map<string, number>();
  const started = Date.now();
  const tick = setInterval(() => {
    const sum: Progress = { vus: 0, running: 0, done: 0, failed: 0, counters: {} };
    for (const { progress: p } of children) {
      if (!p) continue;
      sum.vus += p.vus;
      sum.running += p.running;
      sum.done += p.done;
      sum.failed += p.failed;
      for (const [k, v] of Object.entries(p.counters)) sum.counters[k] = (sum.counters[k] ?? 0) + v;
    }
    if (sum.vus) o.onProgress?.(sum, Date.now() - started);
  }, 1000);
  try {
    const watch = children.map((c) => {
      const who = `the process of VUs ${c.seg.first}–${c.seg.last}`;
      let ready!: () => void;
      let done!: () => void;
      const r = {
        ready: new Promise<void>((y) => (ready = y)),
        done: new Promise<void>((y) => (done = y)),
        failed: null as unknown as Promise<never>,
      };
      r.failed = new Promise<never>((_, reject) => {
        c.proc.on("exit", (code) => code !== 0 && reject(new ScriptError(`${who} exited with ${code}`)));
        c.proc.on("message", (m: FromChild) => {
          if (m.type === "ready") ready();
          else if (m.type === "progress") c.progress = m.progress;
          else if (m.type === "abort") onAbort(m.reason);
          else if (m.type === "fatal") reject(new ScriptError(`${who}: ${m.error}`));
          else if (m.type === "done") {
            c.progress = m.progress;
            merge(merged, m.sinks);
            for (const [k, n] of m.errors) errors.set(k, (errors.get(k) ?? 0) + n);
            done();
          }
        });
      });
      c.proc.send({
        type: "init",
        input: { code, scriptPath: o.script, env: o.env, ...c.seg, setupData, scenario: opts.scenario },
      } satisfies ToChild);
      return r;
    });
    const failed = watch.map((w) => w.failed);
    // Every process runs its VUs' init code first; then all start together, as k6 starts a scenario.
    await Promise.race([Promise.all(watch.map((w) => w.ready)), ...failed]);
    for (const c of children) c.proc.send({ type: "start" } satisfies ToChild);
    await Promise.race([Promise.all(watch.map((w) => w.done)), ...failed]);
  } finally {
    clearInterval(tick);
    // A child exits by itself once it has sent its metrics (writing its CPU profile, if asked to).
    await Promise.all(
      children.map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.proc.exitCode !== null || c.proc.signalCode !== null) return resolve();
            const t = setTimeout(() => c.proc.kill(), aborted === null ? 10_000 : 0);
            c.proc.once("exit", () => (clearTimeout(t), resolve()));
          }),
      ),
    );
  }
  if (aborted !== null) throw new ScriptError(`the script aborted the test: ${aborted}`, ABORTED_EXIT);
  for (const [k, n] of errors) console.error(`${n} iteration${n > 1 ? "s" : ""} failed: ${k}`);

  if (exports.teardown) await inVu0(vu0, "teardown()", () => exports.teardown!(setupData), opts.teardownTimeoutMs);
  merge(merged, registry.snapshot());
  const durationMs = Date.now() - t0;
  const thresholds = (() => {
    try {
      return checkThresholds(opts.thresholds, merged, durationMs);
    } catch (e) {
      throw new ScriptError(describe(e));
    }
  })();
  const summary = summaryData({ sinks: merged, thresholds, trendStats: opts.summaryTrendStats, durationMs, setupData });
  const outputs = exports.handleSummary
    ? await inVu0(vu0, "handleSummary()", () => exports.handleSummary!(summary), 60_000)
    : { stdout: defaultSummary(summary) };
  for (const [where, content] of Object.entries((outputs ?? {}) as Record<string, string>)) {
    if (where === "stdout") process.stdout.write(content);
    else if (where === "stderr") process.stderr.write(content);
    else writeFileSync(where, content);
  }
  return { exitCode: thresholds.every((t) => t.ok) ? 0 : THRESHOLDS_CROSSED_EXIT, summary, sinks: merged, thresholds };
}

/** A plain end-of-test summary for scripts without handleSummary(). */
function defaultSummary(s: SummaryData): string {
  return (
    Object.entries(s.metrics)
      .map(([name, m]) => {
        const v = Object.entries(m.values).map(([k, x]) => `${k}=${Number.isInteger(x) ? x : x.toFixed(2)}`);
        const t = Object.entries(m.thresholds ?? {}).map(([k, r]) => `${r.ok ? "✓" : "✗"} ${k}`);
        return `${name.padEnd(24)} ${v.join(" ")}${t.length ? `  ${t.join(" ")}` : ""}`;
      })
      .join("\n") + "\n"
  );
}
