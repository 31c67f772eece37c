// CPU time of a process tree from Linux /proc, sampled while a load test runs: the server the runner
// started, with every process under it (npx, tsx, Node, workerd; deno), children that exited included.
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { spawnSync } from "node:child_process";

export type ProcStat = { pid: number; ppid: number; pgrp: number; state: string; cpuTicks: number };

/** One /proc/<pid>/stat line: user + system time of the process and of its children it has waited for
 *  (utime, stime, cutime, cstime), in clock ticks. The command name may hold spaces and parentheses. */
export function parseProcStat(line: string): ProcStat | null {
  const open = line.indexOf("(");
  const close = line.lastIndexOf(")");
  if (open < 1 || close < open) return null;
  const pid = Number(line.slice(0, open).trim());
  // After ") ": state(3) ppid(4) pgrp(5) … utime(14) stime(15) cutime(16) cstime(17), 1-based as in proc(5).
  const f = line
    .slice(close + 2)
    .trim()
    .split(/\s+/);
  if (f.length < 15) return null;
  const field = (n: number) => Number(f[n - 3]);
  const cpuTicks = field(14) + field(15) + field(16) + field(17);
  if (!Number.isInteger(pid) || !Number.isFinite(cpuTicks)) return null;
  return { pid, ppid: field(4), pgrp: field(5), state: f[0]!, cpuTicks };
}

/** The pids listed in /proc/<pid>/task/<tid>/children files (space-separated). */
export function parseChildren(text: string): number[] {
  return text
    .split(/\s+/)
    .filter((x) => /^\d+$/.test(x))
    .map(Number);
}

const read = (path: string): string | null => {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return null; // gone meanwhile
  }
};

/** Whether this machine has what treeCpuMs reads. */
export const canReadCpu = () => existsSync("/proc/self/stat") && existsSync(`/proc/self/task/${process.pid}/children`);

let tickMs: number | null = null;
/** ms per clock tick (getconf CLK_TCK; 100 Hz nearly everywhere). */
function msPerTick(): number {
  if (tickMs === null) {
    const hz = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout);
    tickMs = 1000 / (Number.isFinite(hz) && hz > 0 ? hz : 100);
  }
  return tickMs;
}

/** CPU ms used so far by `root` and every process under it; null when `root` is gone. */
export function treeCpuMs(root: number): number | null {
  let ticks = 0;
  let seen = 0;
  const todo = [root];
  while (todo.length) {
    const pid = todo.pop()!;
    const stat = read(`/proc/${pid}/stat`);
    const parsed = stat === null ? null : parseProcStat(stat);
    if (!parsed) continue;
    seen++;
    ticks += parsed.cpuTicks;
    let tids: string[] = [];
    try {
      tids = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    for (const tid of tids) todo.push(...parseChildren(read(`/proc/${pid}/task/${tid}/children`) ?? ""));
  }
  return seen ? ticks * msPerTick() : null;
}

export type CpuSample = { t: number; ms: number };

/**
 * Samples the tree's CPU every `intervalMs` against the wall clock (ms since the epoch). `root()` is read at
 * each sample: a server restarted mid-run is a new tree, and its CPU continues from the last one's.
 */
export function sampleCpu(root: () => number | undefined, intervalMs = 100) {
  const samples: CpuSample[] = [];
  let base = 0;
  let last = 0;
  let lastRoot: number | undefined;
  const take = () => {
    const pid = root();
    const ms = pid === undefined ? null : treeCpuMs(pid);
    if (ms === null) return;
    if (pid !== lastRoot && lastRoot !== undefined) base = last;
    lastRoot = pid;
    last = base + ms;
    samples.push({ t: Date.now(), ms: last });
  };
  take();
  const timer = setInterval(take, intervalMs);
  return {
    samples,
    stop(): CpuSample[] {
      clearInterval(timer);
      take();
      return samples;
    },
  };
}

/** The tree's CPU ms at wall time `t`, interpolated between the samples around it; null outside them. */
export function cpuAt(samples: readonly CpuSample[], t: number): number | null {
  if (!samples.length || t < samples[0]!.t || t > samples[samples.length - 1]!.t) return null;
  let i = 1;
  while (i < samples.length && samples[i]!.t < t) i++;
  if (i === samples.length) return samples[i - 1]!.ms;
  const a = samples[i - 1]!;
  const b = samples[i]!;
  return b.t === a.t ? b.ms : a.ms + ((b.ms - a.ms) * (t - a.t)) / (b.t - a.t);
}

/** CPU ms between wall times `from` and `to`; null when either is outside the samples. */
export function cpuBetween(samples: readonly CpuSample[], from: number, to: number): number | null {
  const a = cpuAt(samples, from);
  const b = cpuAt(samples, to);
  return a === null || b === null ? null : b - a;
}
