// The server's CPU per member, per phase of a load-test run: the CPU samples of the server the runner
// started (proc-cpu.ts) cut at the phase edges the script's summary gives, divided by the members who joined.
import { cpuBetween, type CpuSample } from "./proc-cpu.ts";

/** What the script's summary gives: setup's clock, the members, and phase edges in ms after it. */
export type RunEdges = {
  origin_epoch_ms?: number | null;
  joined?: number;
  timeline?: Record<string, [number | null, number | null]>;
};
export type PhaseCost = { from_ms: number; to_ms: number; cpu_ms: number | null; per_member_ms: number | null };
export type ServerCost = { members: number; phases: Record<string, PhaseCost> } | { unknown: string };

/** The fired reports go out right after the fire; no upload starts before this long after it. */
const AFTER_FIRE_MS = 100;

/** The phases to cost, as [from, to] in ms after setup: join (the first connect to the last client synced),
 *  wait (to the shoot request), shot (to the last fire and its report), upload, download, and the whole run. */
export function phaseWindows(t: NonNullable<RunEdges["timeline"]>): Record<string, [number, number]> {
  const at = (phase: string, end: 0 | 1) => t[phase]?.[end] ?? null;
  const out: Record<string, [number, number]> = {};
  const add = (name: string, from: number | null, to: number | null) => {
    if (from !== null && to !== null && to >= from) out[name] = [from, to];
  };
  add("join", at("connect", 0), at("join", 1));
  add("wait", at("join", 1), at("shoot", 0));
  const lastFire = at("fire", 1);
  add("shot", at("shoot", 0), lastFire === null ? at("shoot", 1) : lastFire + AFTER_FIRE_MS);
  add("upload", at("upload", 0), at("upload", 1));
  add("download", at("download", 0), at("download", 1));
  const ends = Object.values(out).map(([, to]) => to);
  if (ends.length) add("run", 0, Math.max(...ends));
  return out;
}

/** ms of CPU per member; null without members or without a CPU figure. */
export const perMember = (cpuMs: number | null, members: number): number | null =>
  cpuMs === null || !(members > 0) ? null : cpuMs / members;

export function serverCost(
  run: RunEdges,
  samples: readonly CpuSample[] | null,
  why = "the runner did not start the server",
): ServerCost {
  if (!samples) return { unknown: why };
  const origin = run.origin_epoch_ms;
  if (typeof origin !== "number" || !run.timeline) return { unknown: "the summary has no setup clock or timeline" };
  const members = run.joined ?? 0;
  const phases: Record<string, PhaseCost> = {};
  for (const [name, [from, to]] of Object.entries(phaseWindows(run.timeline))) {
    const cpu = cpuBetween(samples, origin + from, origin + to);
    phases[name] = { from_ms: from, to_ms: to, cpu_ms: cpu, per_member_ms: perMember(cpu, members) };
  }
  return { members, phases };
}

export function serverCostLine(c: ServerCost, server: string): string {
  if ("unknown" in c) return `server CPU per member: unknown (${c.unknown})`;
  const each = Object.entries(c.phases).map(([name, p]) => {
    const per = p.per_member_ms === null ? "–" : p.per_member_ms.toFixed(3);
    const total = p.cpu_ms === null ? "–" : (p.cpu_ms / 1000).toFixed(2);
    return `${name} ${per} ms (${total} s in ${((p.to_ms - p.from_ms) / 1000).toFixed(2)} s)`;
  });
  return `server CPU per member (${server}, its process tree, ${c.members} members): ${each.join(", ") || "no phase"}`;
}
