// A blocking HTTP request, for k6's synchronous http.* calls (setup() logs in with them): Node has no
// synchronous fetch, so a short-lived Node process makes the request while this one waits.
import { spawnSync } from "node:child_process";

export type SyncRequest = {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: Uint8Array | null;
  timeoutMs: number;
};
export type SyncResponse = {
  status: number;
  headers: Array<[string, string]>;
  body: Uint8Array;
  waiting: number;
  duration: number;
  error?: string;
};

const CHILD = `
const chunks = [];
process.stdin.on("data", (c) => chunks.push(c)).on("end", async () => {
  const q = JSON.parse(Buffer.concat(chunks).toString());
  try {
    const t0 = performance.now();
    const r = await fetch(q.url, { method: q.method, headers: q.headers, body: q.body === null ? undefined : Buffer.from(q.body, "base64"), signal: AbortSignal.timeout(q.timeoutMs) });
    const waiting = performance.now() - t0;
    const body = Buffer.from(await r.arrayBuffer()).toString("base64");
    process.stdout.write(JSON.stringify({ status: r.status, headers: [...r.headers], body, waiting, duration: performance.now() - t0 }));
  } catch (e) {
    process.stdout.write(JSON.stringify({ status: 0, headers: [], body: "", waiting: 0, duration: 0, error: String((e && e.message) || e) }));
  }
});`;

export function fetchSync(q: SyncRequest): SyncResponse {
  const input = JSON.stringify({ ...q, body: q.body === null ? null : Buffer.from(q.body).toString("base64") });
  const r = spawnSync(process.execPath, ["-e", CHILD], { input, maxBuffer: 256 * 1024 * 1024, encoding: "utf8" });
  if (r.status !== 0)
    return {
      status: 0,
      headers: [],
      body: new Uint8Array(),
      waiting: 0,
      duration: 0,
      error: r.stderr || "request failed",
    };
  const o = JSON.parse(r.stdout) as Omit<SyncResponse, "body"> & { body: string };
  return { ...o, body: new Uint8Array(Buffer.from(o.body, "base64")) };
}
