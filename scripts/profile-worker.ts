// Records CPU profiles of workerd's isolates through its inspector (V8's DevTools protocol), e.g. during
// a load test: `npm run serve:bench -- --inspector-port 9230` in one shell, then `npx tsx
// scripts/profile-worker.ts --port 9230 --seconds 20 [--targets simulshot,r2:bucket,core:entry]`; writes
// one .cpuprofile per isolate (they open in Chrome DevTools) and prints the top functions by self time.
import { writeFileSync } from "node:fs";
import WebSocket from "ws";

type Target = { id: string; title: string; webSocketDebuggerUrl: string };
type ProfileNode = { id: number; callFrame: { functionName: string; url: string; lineNumber: number } };
type Profile = { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number };

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

/** Self time per function, ms, busiest first. */
export function topFunctions(p: Profile, n = 30): Array<[string, number]> {
  const byId = new Map(p.nodes.map((x) => [x.id, x]));
  const self = new Map<string, number>();
  p.samples.forEach((id, i) => {
    const f = byId.get(id)!.callFrame;
    const key = `${f.functionName || "(anonymous)"} ${f.url.split("/").slice(-2).join("/")}:${f.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + (p.timeDeltas[i + 1] ?? 0) / 1000);
  });
  return [...self].sort((a, b) => b[1] - a[1]).slice(0, n);
}

async function profile(target: Target, seconds: number, out: string): Promise<void> {
  const ws = new WebSocket(target.webSocketDebuggerUrl);
  await new Promise((r, j) => (ws.once("open", r), ws.once("error", j)));
  let id = 0;
  const pending = new Map<number, (v: unknown) => void>();
  ws.on("message", (d) => {
    const m = JSON.parse(String(d)) as { id?: number; result?: unknown };
    if (m.id !== undefined) pending.get(m.id)?.(m.result);
  });
  const call = (method: string, params: object = {}) =>
    new Promise<unknown>((resolve) => {
      pending.set(++id, resolve);
      ws.send(JSON.stringify({ id, method, params }));
    });
  await call("Profiler.enable");
  await call("Profiler.setSamplingInterval", { interval: Number(arg("interval-us", "100")) });
  await call("Profiler.start");
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const { profile } = (await call("Profiler.stop")) as { profile: Profile };
  ws.close();
  writeFileSync(out, JSON.stringify(profile));
  const top = topFunctions(profile, Number(arg("top", "25")));
  console.log(`\n${target.id} → ${out} (${((profile.endTime - profile.startTime) / 1000).toFixed(0)} ms profiled)`);
  for (const [k, ms] of top) console.log(`${ms.toFixed(1).padStart(9)} ms  ${k}`);
}

async function main() {
  const port = Number(arg("port", "9229"));
  const seconds = Number(arg("seconds", "20"));
  const prefix = arg("out", "worker");
  const wanted = arg("targets", "simulshot").split(",");
  const targets = (await (await fetch(`http://127.0.0.1:${port}/json`)).json()) as Target[];
  const chosen = targets.filter((t) => wanted.some((w) => t.id.includes(w)));
  if (!chosen.length)
    throw new Error(`no inspector target matches ${wanted.join(",")}: ${targets.map((t) => t.id).join(", ")}`);
  console.error(`profiling ${chosen.map((t) => t.id).join(", ")} for ${seconds} s…`);
  await Promise.all(
    chosen.map((t) => profile(t, seconds, `${prefix}-${t.id.replace(/[^a-z0-9]+/gi, "-")}.cpuprofile`)),
  );
}

await main();
