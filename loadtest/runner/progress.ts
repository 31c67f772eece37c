// The runner's progress line on stderr: elapsed time, VUs running and done, and the script's counters.
// On a terminal it rewrites one line; in logs it prints a line every few seconds.
import type { Progress } from "./engine.ts";

const short = (n: number) =>
  n >= 1e9
    ? `${(n / 1e9).toFixed(1)}G`
    : n >= 1e6
      ? `${(n / 1e6).toFixed(1)}M`
      : n >= 1e4
        ? `${(n / 1e3).toFixed(1)}k`
        : String(n);

export function formatProgress(p: Progress, elapsedMs: number): string {
  const counters = Object.entries(p.counters)
    .filter(([, v]) => v !== 0)
    .map(([k, v]) => `${k} ${short(v)}`)
    .join(" ");
  const vus = `VUs ${p.running} running, ${p.done}/${p.vus} done${p.failed ? `, ${p.failed} failed` : ""}`;
  return `[${(elapsedMs / 1000).toFixed(1).padStart(6)}s] ${vus}${counters ? ` | ${counters}` : ""}`;
}

export function progressPrinter(out: NodeJS.WriteStream = process.stderr): {
  show(p: Progress, ms: number): void;
  end(): void;
} {
  let last = 0;
  let drawn = false;
  return {
    show(p, ms) {
      const line = formatProgress(p, ms);
      if (out.isTTY) {
        out.write(`\r\x1b[2K${line.slice(0, (out.columns || 120) - 1)}`);
        drawn = true;
      } else if (ms - last >= 5000) {
        last = ms;
        out.write(`${line}\n`);
      }
    },
    end() {
      if (drawn) out.write("\n");
      drawn = false;
    },
  };
}
