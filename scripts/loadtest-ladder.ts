// The load-test ladder behind docs/performance.md: runs `npm run loadtest` for each client count against
// each local server, several rounds interleaved (this machine is shared: interleaving spreads the noise),
// and prints medians per phase as a markdown table, with the load average around each run.
//   npx tsx scripts/loadtest-ladder.ts --clients 10,100,1000 --runs 3 --servers direct,entry,wrangler [--out DIR]
import { spawn } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join, resolve } from "node:path";
import { freePort, startServer } from "./local-server.ts";
import { startBenchServer } from "./serve-bench.ts";

type Server = { name: string; url: string; stop(): Promise<void> };
type Summary = { phases: Record<string, number | null>; sync: Record<string, number | null>; [k: string]: unknown };

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
};

async function start(kind: string): Promise<Server> {
  if (kind === "wrangler") {
    const s = await startServer("wrangler");
    return { name: "wrangler dev", url: s.url, stop: s.stop };
  }
  const s = await startBenchServer({ entry: kind === "entry", port: await freePort() });
  return { name: kind === "entry" ? "Miniflare + entry worker" : "serve:bench (direct)", url: s.url, stop: s.stop };
}

function runOnce(url: string, clients: number, summary: string, env: string[]): Promise<number | null> {
  const args = ["--import", "tsx", "loadtest/runner/cli.ts", "--runner", "builtin", "--clients", String(clients)];
  const child = spawn(
    process.execPath,
    [...args, "--url", url, "--summary", summary, ...env.flatMap((e) => ["-e", e])],
    {
      stdio: ["ignore", "ignore", "inherit"],
    },
  );
  return new Promise((r) => child.on("exit", r));
}

const median = (xs: number[]) => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)]! : NaN;
};
const f = (x: number, d = 0) => (Number.isFinite(x) ? x.toFixed(d) : "–");

async function main() {
  const clients = arg("clients", "10,100,1000").split(",").map(Number);
  const runs = Number(arg("runs", "3"));
  const kinds = arg("servers", "direct").split(",");
  const env = arg("env", "SKEW=1").split(",").filter(Boolean);
  const out = resolve(arg("out", ".tmp/ladder"));
  mkdirSync(out, { recursive: true });
  const servers: Server[] = [];
  for (const k of kinds) servers.push(await start(k));
  const results = new Map<string, Array<{ s: Summary; load: number; code: number | null }>>();
  try {
    for (let r = 0; r < runs; r++)
      for (const n of clients)
        for (const [i, server] of servers.entries()) {
          const file = join(out, `${kinds[i]}-${n}-${r}.json`);
          const before = loadavg()[0]!;
          const code = await runOnce(server.url, n, file, env);
          const load = (before + loadavg()[0]!) / 2;
          let s: Summary;
          try {
            s = JSON.parse(readFileSync(file, "utf8")) as Summary;
          } catch {
            continue;
          }
          const key = `${server.name}|${n}`;
          results.set(key, [...(results.get(key) ?? []), { s, load, code }]);
          process.stderr.write(`${server.name}, ${n} clients, run ${r + 1}: exit ${code}, load ${load.toFixed(1)}\n`);
        }
  } finally {
    for (const s of servers) await s.stop();
  }
  console.log(
    "| server | clients | runs | connect ms | join ms | connect+join ms | shoot last ms | fire p50/p99 ms | true sync p99 ms | upload ms | download ms | joined | lost | late | load avg |",
  );
  console.log("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
  for (const [key, rs] of results) {
    const [name, n] = key.split("|");
    const ph = (k: string) => median(rs.map((x) => x.s.phases[k] ?? NaN));
    const sy = (k: string) => median(rs.map((x) => x.s.sync[k] ?? NaN));
    const num = (k: string) => median(rs.map((x) => Number(x.s[k])));
    console.log(
      `| ${name} | ${n} | ${rs.length} | ${f(ph("connect_ms"))} | ${f(ph("join_ms"))} | ${f(ph("connect_join_ms"))} | ${f(ph("shoot_delivery_ms"))} | ${f(sy("fire_error_p50_ms"), 1)} / ${f(sy("fire_error_p99_ms"), 1)} | ${f(sy("true_error_p99_ms"), 2)} | ${f(ph("upload_ms"))} | ${f(ph("download_ms"))} | ${f(num("joined"))} | ${f(num("lost"))} | ${f(num("late"))} | ${f(median(rs.map((x) => x.load)), 1)} |`,
    );
  }
}

await main();
