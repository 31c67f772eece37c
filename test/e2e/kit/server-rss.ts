// The resident memory of a server under test, read from /proc: what a test of a hostile input watches grow.
import { readFileSync, readdirSync } from "node:fs";

/** Resident memory, in MB, of the processes in the server's process group that run the worker (and so decode
 *  images and read sockets): workerd, deno. Not wrangler's and npx's Node processes: they only pass bytes on, and their heaps'
 *  garbage collections moved the sum by ±20 MB between slices, the size of the leak this test looks for. */
export function groupRssMb(pgid: number): number {
  let kb = 0;
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, "utf8");
      if (Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]) !== pgid) continue;
      if (!/^(workerd|deno)$/.test(stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")")))) continue;
      kb += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${d}/status`, "utf8"))?.[1] ?? 0);
    } catch {
      // gone meanwhile
    }
  }
  return kb / 1024;
}
