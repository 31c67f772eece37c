// `tsx scripts/latency-proxy.ts TARGET_URL MIN:MAX`: the delay proxy with the LATENCY model, in a process of
// its own (the load test's setup() blocks its process on synchronous requests), printing its URL first.
// `startLatencyProxy` runs it as a child for the load-test CLI and the e2e suite.
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { DelayProxy } from "./delay-proxy.ts";
import { linkMaker, parseLatency } from "./network-latency.ts";

export type LatencyProxy = { url: string; stop(): Promise<void> };

/** Forks the proxy in front of `target` and resolves with its URL once it listens. */
export function startLatencyProxy(target: string, spec: string): Promise<LatencyProxy> {
  parseLatency(spec); // a bad spec fails here, not in the child
  const execArgv = [
    ...process.execArgv,
    ...(process.execArgv.some((a) => a.includes("tsx")) ? [] : ["--import", "tsx"]),
  ];
  const child = fork(fileURLToPath(import.meta.url), [target, spec], {
    stdio: ["ignore", "pipe", "inherit", "ipc"],
    execArgv,
  });
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once("exit", () => resolve());
      child.kill("SIGTERM");
    });
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const line = /^(http:\/\/\S+)\n/.exec(out);
      if (line) resolve({ url: line[1]!, stop });
    });
    child.once("exit", (code) => reject(new Error(`latency proxy exited (${code}) before listening`)));
  });
}

async function main(target: string | undefined, spec: string | undefined): Promise<void> {
  const latency = parseLatency(spec);
  if (!target || !latency) throw new Error("usage: tsx scripts/latency-proxy.ts TARGET_URL MIN:MAX");
  const proxy = await DelayProxy.start(target, linkMaker(latency));
  process.stdout.write(`${proxy.url}\n`);
  process.on("SIGTERM", () => void proxy.close().then(() => process.exit(0)));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main(process.argv[2], process.argv[3]).catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
