// Starts a local server (wrangler dev as `npm start` runs it but watching no file, the same worker straight
// through Miniflare as `npm run serve:bench` does, or the Deno server of `npm run start:deno`) on a free port
// with its own state folder, and waits until it answers. Used by the end-to-end tests and the load-test runner.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { unwatchedWranglerConfig } from "./unwatched-wrangler-config.ts";

export type LocalServer = {
  kind: string;
  url: string;
  /** The AUTH_SECRET it signs tokens with (null: started without one). */
  authSecret: string | null;
  stop(): Promise<void>;
  /**
   * Stops the server, awaits `whileDown` (if any), then starts it again on the same port and state. By
   * default a shutdown (SIGTERM, SIGKILL only if still up 5 s later); `{ signal: "SIGKILL" }` is a crash:
   * the whole process group killed at once, nothing flushed or closed, sockets and requests cut mid-way.
   */
  restart(whileDown?: () => Promise<void>, opts?: { signal?: StopSignal }): Promise<void>;
  child: () => ChildProcess;
};

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on("error", reject);
  });
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once("error", () => resolve(false));
    s.listen(port, "127.0.0.1", () => s.close(() => resolve(true)));
  });
}

export type StopSignal = "SIGTERM" | "SIGKILL";

/** Whether any process of group `pgid` still runs. Zombies do not count: once killed, a group's processes
 *  are reparented to init, which reaps them in its own time (here up to ~2 s). Without /proc, any member. */
function groupRunning(pgid: number): boolean {
  if (existsSync("/proc/self/stat")) {
    for (const d of readdirSync("/proc")) {
      if (!/^\d+$/.test(d)) continue;
      let stat: string;
      try {
        stat = readFileSync(`/proc/${d}/stat`, "utf8");
      } catch {
        continue; // gone meanwhile
      }
      // pid (comm) state ppid pgrp …: comm may hold spaces and parentheses, so split after its last ')'.
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(pgrp) === pgid && state !== "Z" && state !== "X") return true;
    }
    return false;
  }
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // gone
  }
}

async function waitUntilUp(url: string, child: ChildProcess, log: () => string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`server exited (${child.exitCode ?? child.signalCode}):\n${log()}`);
    try {
      const r = await fetch(`${url}/api/rooms/AAAAAAAAAAAAAAAAAAAAAA`);
      if (r.status === 404) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`server did not answer within ${timeoutMs} ms:\n${log()}`);
}

export type ServerKind = "wrangler" | "deno" | "miniflare";

/**
 * Command lines per kind; state persists in `stateDir` so a restart keeps rooms and photos. `vars` (the
 * server's settings, AUTH_SECRET among them) go on the command line for the Workers servers: `wrangler dev`
 * reads its process environment only when there is no `.dev.vars`, and `npm start` writes one.
 */
function command(
  kind: ServerKind,
  port: number,
  stateDir: string,
  inspectorPort: number,
  vars: Record<string, string>,
): { cmd: string; args: string[]; env: Record<string, string> } {
  if (kind === "deno")
    return {
      cmd: "npx",
      args: ["deno", "run", "--allow-net", "--allow-env", "--allow-read", "--allow-write", "deno/main.ts"],
      env: { PORT: String(port), HOST: "127.0.0.1", DATA_DIR: stateDir, ...vars },
    };
  if (kind === "miniflare")
    return {
      cmd: "npx",
      args: [
        "tsx",
        "scripts/serve-bench.ts",
        "--port",
        String(port),
        "--persist-to",
        stateDir,
        ...Object.entries(vars).flatMap(([k, v]) => ["--var", `${k}=${v}`]),
      ],
      env: {},
    };
  return {
    cmd: "npx",
    args: [
      "wrangler",
      "dev",
      // Not wrangler.toml itself: a copy with nothing a write can reload (unwatched-wrangler-config.ts).
      "--config",
      unwatchedWranglerConfig(join(stateDir, "config")),
      "--ip",
      "127.0.0.1",
      "--port",
      String(port),
      "--persist-to",
      stateDir,
      // Not the default 9229/9230: other servers on this machine may hold them.
      "--inspector-port",
      String(inspectorPort),
      "--log-level",
      "warn",
      "--show-interactive-dev-session=false",
      ...Object.entries(vars).flatMap(([k, v]) => ["--var", `${k}:${v}`]),
    ],
    // A private dev registry: wrangler dev reloads its worker whenever the shared one changes (any other
    // `wrangler dev` on the machine starting or stopping), answering POSTs in flight with a 503.
    env: { WRANGLER_SEND_METRICS: "false", WRANGLER_REGISTRY_PATH: join(stateDir, "dev-registry") },
  };
}

export type ServerOptions = {
  stateDir?: string;
  /** The process environment on top of this one's. */
  env?: Record<string, string>;
  /** Settings ([vars] on Workers, the environment on Deno). */
  vars?: Record<string, string>;
  /** The token secret: by default a random one per server (kept across its restarts); null starts it without. */
  authSecret?: string | null;
};

export async function startServer(kind: ServerKind = "wrangler", opts: ServerOptions = {}): Promise<LocalServer> {
  const port = await freePort();
  const authSecret = opts.authSecret === undefined ? randomBytes(32).toString("base64url") : opts.authSecret;
  // An empty AUTH_SECRET overrides any `.dev.vars` one: the server runs as one deployed without a secret.
  const vars = { ...opts.vars, AUTH_SECRET: authSecret ?? "" };
  // Miniflare's state goes to memory-backed /dev/shm (see serve-bench.ts) and is removed on stop.
  const scratch = kind === "miniflare" && !opts.stateDir && existsSync("/dev/shm");
  const stateDir = opts.stateDir ?? mkdtempSync(join(scratch ? "/dev/shm" : tmpdir(), `simulshot-${kind}-`));
  const url = `http://127.0.0.1:${port}`;
  let child!: ChildProcess;
  let output = "";
  const launch = async () => {
    const c = command(kind, port, stateDir, await freePort(), vars);
    output = "";
    child = spawn(c.cmd, c.args, {
      env: { ...process.env, ...c.env, ...opts.env },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    child.stdout!.on("data", (d: Buffer) => (output += d.toString()).length > 1e5 && (output = output.slice(-5e4)));
    child.stderr!.on("data", (d: Buffer) => (output += d.toString()).length > 1e5 && (output = output.slice(-5e4)));
    await waitUntilUp(url, child, () => output);
  };
  const stop = async (signal: StopSignal = "SIGTERM") => {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
    const exited = new Promise((r) => child.once("exit", r));
    try {
      process.kill(-child.pid, signal); // the whole group: npx, wrangler, workerd
    } catch {
      return;
    }
    const t = setTimeout(() => killGroup(child.pid!, "SIGKILL"), 5000);
    await exited;
    clearTimeout(t);
    if (signal === "SIGKILL") {
      // npx dies first; its children (wrangler's node, workerd, esbuild; deno) got the same signal but are
      // reaped later. None may still run when the next one starts on the same port and state folder.
      for (let i = 0; groupRunning(child.pid); i++) {
        if (i === 100) throw new Error(`processes of group ${child.pid} still run 5 s after SIGKILL`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    // npx can exit before the server under it has let go of the port (Deno shuts down gracefully).
    for (let i = 0; i < 100 && !(await portFree(port)); i++) {
      if (i === 50) killGroup(child.pid, "SIGKILL");
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  try {
    await launch();
  } catch (e) {
    await stop(); // a server that never answered is still running: do not leave it behind
    throw e;
  }
  return {
    kind,
    url,
    authSecret,
    stop: async () => {
      await stop();
      // Not the others': a test may stop a server and restart it later on the same state.
      if (scratch) rmSync(stateDir, { recursive: true, force: true });
    },
    restart: async (whileDown?: () => Promise<void>, o: { signal?: StopSignal } = {}) => {
      await stop(o.signal);
      await whileDown?.();
      await launch();
    },
    child: () => child,
  };
}
