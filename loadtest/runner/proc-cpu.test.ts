// Reading a process tree's CPU from /proc: the stat line's fields, the children lists, a real tree whose
// grandchild burns CPU and exits, and the cut of the samples at a phase's edges.
import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { canReadCpu, cpuAt, cpuBetween, parseChildren, parseProcStat, treeCpuMs } from "./proc-cpu.ts";

describe("reading CPU from /proc", () => {
  it("reads user, system and waited-for children's time from a stat line, whatever the command name holds", () => {
    const line =
      "4242 (tsx (worker) 1) S 4200 4200 4200 0 -1 4194560 1000 0 0 0 150 25 7 3 20 0 11 0 500 123456 789 18446744073709551615";
    expect(parseProcStat(line)).toEqual({ pid: 4242, ppid: 4200, pgrp: 4200, state: "S", cpuTicks: 150 + 25 + 7 + 3 });
    expect(parseProcStat("garbage")).toBeNull();
    expect(parseProcStat("12 (short) S 1 2")).toBeNull();
  });

  it("reads the pids of a children file", () => {
    expect(parseChildren("31 402 5000 \n")).toEqual([31, 402, 5000]);
    expect(parseChildren("")).toEqual([]);
  });

  it.skipIf(!canReadCpu())(
    "counts a grandchild's CPU in its grandparent's tree, while it runs and once it exited",
    async () => {
      // sh starts a node that burns 300 ms of CPU, then becomes `sleep` (exec keeps its waited-for children's time).
      const burn = `const t=process.cpuUsage();while((process.cpuUsage(t).user+process.cpuUsage(t).system)<300000);`;
      const sh = spawn("sh", ["-c", `"${process.execPath}" -e '${burn}'; echo burnt; exec sleep 30`], {
        stdio: ["ignore", "pipe", "inherit"],
      });
      try {
        const before = treeCpuMs(sh.pid!);
        expect(before).not.toBeNull();
        await new Promise((r) => sh.stdout.once("data", r));
        // The node process has exited and sh waited for it: its CPU is in sh's (now sleep's) cutime.
        expect(treeCpuMs(sh.pid!)! - before!).toBeGreaterThanOrEqual(290);
        // This test's own process tree holds sh's.
        expect(treeCpuMs(process.pid)!).toBeGreaterThanOrEqual(treeCpuMs(sh.pid!)!);
      } finally {
        sh.kill("SIGKILL");
      }
      expect(treeCpuMs(2 ** 22 + 12345)).toBeNull();
    },
  );

  it("cuts the samples at a phase's edges, interpolating between them", () => {
    const samples = [
      { t: 1000, ms: 0 },
      { t: 1100, ms: 50 },
      { t: 1300, ms: 50 },
      { t: 1400, ms: 150 },
    ];
    expect(cpuAt(samples, 1050)).toBe(25);
    expect(cpuAt(samples, 1100)).toBe(50);
    expect(cpuAt(samples, 1350)).toBe(100);
    expect(cpuBetween(samples, 1050, 1350)).toBe(75);
    expect(cpuBetween(samples, 1000, 1400)).toBe(150);
    // Outside the sampled span the figure is unknown, not guessed.
    expect(cpuAt(samples, 999)).toBeNull();
    expect(cpuBetween(samples, 1200, 1401)).toBeNull();
    expect(cpuAt([], 1000)).toBeNull();
  });
});
