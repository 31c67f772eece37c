// A bench floor run as its own process group on a free port: started, awaited until it answers, stopped whole
// (workerd or Deno included); and the sockets a bench holds open to one. Used by the upload and shoot benches.
import { spawn } from "node:child_process";
import WebSocket from "ws";
import { resolve } from "node:path";
import { freePort } from "../scripts/local-server.ts";

const ROOT = resolve(import.meta.dirname, "..");

/** Runs `argv(port)` from the project's root with PORT and `env` set; `what` names it in errors; `quiet` drops its
 *  standard output. */
export async function startFloorProcess(
  what: string,
  argv: (port: number) => string[],
  o: { env?: Record<string, string>; quiet?: boolean } = {},
): Promise<{ url: string; stop(): Promise<void> }> {
  const port = await freePort();
  const [command, ...args] = argv(port);
  const child = spawn(command!, args, {
    cwd: ROOT,
    env: { ...process.env, ...o.env, PORT: String(port) },
    stdio: ["ignore", o.quiet ? "ignore" : "inherit", "inherit"],
    detached: true,
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    const up = await fetch(url).then(
      () => true,
      () => false,
    );
    if (up) break;
    if (i > 300 || child.exitCode !== null) throw new Error(`the ${what} floor did not start`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    stop: async () => {
      const exited = new Promise((r) => child.once("exit", r));
      process.kill(-child.pid!, "SIGTERM");
      await exited;
    },
  };
}

/** `n` WebSockets to `url`, opened 50 at a time. */
export async function openSockets(url: string, n: number): Promise<WebSocket[]> {
  const out: WebSocket[] = [];
  for (let i = 0; i < n; i += 50)
    out.push(
      ...(await Promise.all(
        Array.from({ length: Math.min(50, n - i) }, async () => {
          const ws = new WebSocket(url);
          await new Promise((r, j) => ws.once("open", r).once("error", j));
          return ws;
        }),
      )),
    );
  return out;
}
