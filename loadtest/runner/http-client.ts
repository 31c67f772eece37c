// The runner's HTTP transport, in the role Go's http.Transport plays for k6: keep-alive connections per
// origin, dropped as soon as the server closes them, and an idempotent request that meets a reused
// connection the server had just closed sent once more. (fetch's pool keeps idle sockets up to its own
// timeout and races the server's: workerd closes idle connections after 5 s.)
import http from "node:http";
import https from "node:https";

export type HttpRequest = {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: Uint8Array;
  timeoutMs: number;
  redirects: number;
  /** "none" reads and discards the body, as k6 does. */
  keepBody: boolean;
  signal: AbortSignal;
};
export type HttpResponse = {
  status: number;
  headers: Array<[string, string]>;
  body: Buffer;
  waiting: number;
  url: string;
};

const IDEMPOTENT = new Set(["GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"]);
// Idle sockets go after 4 s, before the server's 5 s: the race then needs a request in the last instant.
const agents = {
  http: new http.Agent({ keepAlive: true, timeout: 4000 }),
  https: new https.Agent({ keepAlive: true, timeout: 4000 }),
};

function once(q: HttpRequest, t0: number, fresh = false): Promise<HttpResponse & { reused: boolean }> {
  const u = new URL(q.url);
  const lib = u.protocol === "https:" ? https : http;
  return new Promise((resolve, reject) => {
    const agent = fresh ? false : u.protocol === "https:" ? agents.https : agents.http;
    const req = lib.request(u, { method: q.method, headers: q.headers, agent, signal: q.signal });
    const timer = setTimeout(() => req.destroy(new Error("request timeout")), q.timeoutMs);
    req.on("error", (e) => {
      clearTimeout(timer);
      reject(Object.assign(e, { reused: req.reusedSocket }));
    });
    req.on("response", (res) => {
      const waiting = performance.now() - t0;
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => q.keepBody && chunks.push(c));
      res.on("error", (e) => (clearTimeout(timer), reject(e)));
      res.on("end", () => {
        clearTimeout(timer);
        const headers: Array<[string, string]> = [];
        for (let i = 0; i < res.rawHeaders.length; i += 2) headers.push([res.rawHeaders[i]!, res.rawHeaders[i + 1]!]);
        resolve({
          status: res.statusCode ?? 0,
          headers,
          body: Buffer.concat(chunks),
          waiting,
          url: q.url,
          reused: req.reusedSocket,
        });
      });
    });
    req.end(q.body);
  });
}

/** Sends a request, retrying it once on a reused, server-closed connection when it is idempotent, and
 *  following up to `redirects` redirects. */
export async function send(q: HttpRequest): Promise<HttpResponse> {
  const t0 = performance.now();
  let cur = q;
  for (let hops = 0; ; hops++) {
    const r = await once(cur, t0).catch((e: Error & { reused?: boolean; code?: string }) => {
      const stale = e.reused && (e.code === "ECONNRESET" || e.code === "EPIPE" || e.message === "socket hang up");
      if (!stale || !IDEMPOTENT.has(cur.method) || q.signal.aborted) throw e;
      return once(cur, t0, true).catch((again: Error) => {
        throw Object.assign(again, {
          message: `${again.message} (also before, ${e.message} on a kept-alive connection)`,
        });
      });
    });
    const location = r.headers.find(([k]) => k.toLowerCase() === "location")?.[1];
    if (!location || ![301, 302, 303, 307, 308].includes(r.status) || hops >= q.redirects) return r;
    const asGet = r.status === 303 || ((r.status === 301 || r.status === 302) && cur.method === "POST");
    cur = { ...cur, url: new URL(location, cur.url).toString(), ...(asGet ? { method: "GET", body: undefined } : {}) };
  }
}
