// k6/http for one VU: asyncRequest over Node's fetch, the synchronous calls for setup(), http.file()
// and k6's bodies (string, ArrayBuffer, form object, multipart when a field is a file), responses and
// the built-in http_req_* metrics.
import { fetchSync } from "./sync-fetch.ts";
import type { Handle, Vu } from "./vu.ts";

type Params = {
  headers?: Record<string, string>;
  responseType?: "text" | "binary" | "none";
  timeout?: string | number;
  tags?: unknown;
  redirects?: number;
};
type Body = string | ArrayBuffer | ArrayBufferView | Record<string, unknown> | null | undefined;

export class FileData {
  constructor(
    readonly data: string | ArrayBuffer,
    readonly filename?: string,
    readonly content_type?: string,
  ) {}
}

export type K6Response = {
  status: number;
  body: string | ArrayBuffer | null;
  headers: Record<string, string>;
  url: string;
  error: string;
  error_code: number;
  timings: {
    blocked: number;
    connecting: number;
    tls_handshaking: number;
    sending: number;
    waiting: number;
    receiving: number;
    duration: number;
  };
  request: { method: string; url: string; headers: Record<string, string> };
  json(selector?: string): unknown;
};

const IDEMPOTENT = new Set(["GET", "HEAD", "OPTIONS", "PUT", "DELETE"]);

/** "content-length" → "Content-Length", as Go (and so k6) spells header names. */
const canonical = (h: string) => h.replace(/(^|-)([a-z])/g, (_, d: string, c: string) => d + c.toUpperCase());

function timeoutMs(t: string | number | undefined): number {
  if (t === undefined) return 60_000;
  if (typeof t === "number") return t;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(t);
  if (!m) throw new Error(`timeout ${JSON.stringify(t)} is not like "30s" or "500ms"`);
  return Number(m[1]) * (m[2] === "ms" ? 1 : m[2] === "s" ? 1000 : 60_000);
}

/** k6 bodies: strings and bytes as they are; an object is a form, multipart as soon as one field is a file. */
function encodeBody(body: Body): { payload: string | Uint8Array | FormData | URLSearchParams | undefined } {
  if (body === null || body === undefined) return { payload: undefined };
  if (typeof body === "string") return { payload: body };
  if (body instanceof ArrayBuffer) return { payload: new Uint8Array(body) };
  if (ArrayBuffer.isView(body)) return { payload: new Uint8Array(body.buffer, body.byteOffset, body.byteLength) };
  const entries = Object.entries(body);
  if (!entries.some(([, v]) => v instanceof FileData))
    return { payload: new URLSearchParams(entries.map(([k, v]) => [k, String(v)])) };
  const form = new FormData();
  for (const [k, v] of entries) {
    if (v instanceof FileData)
      form.append(k, new Blob([v.data], { type: v.content_type ?? "application/octet-stream" }), v.filename ?? k);
    else form.append(k, String(v));
  }
  return { payload: form };
}

export function httpModule(vu: Vu) {
  const r = vu.registry;
  r.define("http_reqs", "counter");
  r.define("http_req_duration", "trend", "time");
  r.define("http_req_waiting", "trend", "time");
  r.define("http_req_failed", "rate");

  const record = (res: K6Response) => {
    r.add("http_reqs", 1);
    r.add("http_req_duration", res.timings.duration);
    r.add("http_req_waiting", res.timings.waiting);
    r.add("http_req_failed", res.status < 200 || res.status > 399);
  };

  const respond = (
    method: string,
    url: string,
    params: Params,
    status: number,
    headers: Iterable<[string, string]>,
    body: string | ArrayBuffer | null,
    t: { waiting: number; duration: number },
    error = "",
  ): K6Response => {
    const h: Record<string, string> = {};
    for (const [k, v] of headers) h[canonical(k)] = h[canonical(k)] ? `${h[canonical(k)]}, ${v}` : v;
    const res: K6Response = {
      status,
      body,
      headers: h,
      url,
      error,
      error_code: error ? (error.includes("timeout") || error.includes("aborted") ? 1050 : 1000) : 0,
      timings: {
        blocked: 0,
        connecting: 0,
        tls_handshaking: 0,
        sending: 0,
        waiting: t.waiting,
        receiving: t.duration - t.waiting,
        duration: t.duration,
      },
      request: { method, url, headers: params.headers ?? {} },
      json(selector?: string) {
        if (selector !== undefined)
          throw new Error("Response.json(selector) is not supported by the Simulshot k6 runner");
        if (typeof body !== "string") throw new Error("Response.json() needs a text body (responseType text)");
        return JSON.parse(body);
      },
    };
    record(res);
    return res;
  };

  async function asyncRequest(
    method: string,
    url: string,
    body?: Body,
    params: Params | null = {},
  ): Promise<K6Response> {
    const p = params ?? {};
    const controller = new AbortController();
    const handle: Handle = { cancel: () => controller.abort() };
    vu.hold(handle);
    const t0 = performance.now();
    let waiting = 0;
    try {
      const timer = setTimeout(() => controller.abort(new Error("request timeout")), timeoutMs(p.timeout));
      try {
        const send = () =>
          fetch(url, {
            method,
            headers: p.headers,
            body: encodeBody(body).payload,
            signal: controller.signal,
            redirect: p.redirects === 0 ? "manual" : "follow",
          });
        // Like Go's transport (so k6), an idempotent request that finds its kept-alive connection
        // closed by the server is sent once more on a fresh one.
        const res = await send().catch((e: unknown) => {
          if (controller.signal.aborted || !IDEMPOTENT.has(method)) throw e;
          return send();
        });
        waiting = performance.now() - t0;
        let out: string | ArrayBuffer | null = null;
        if (p.responseType === "binary") out = await res.arrayBuffer();
        else if (p.responseType === "none") for await (const _ of res.body ?? []) void _;
        else out = await res.text();
        return respond(method, url, p, res.status, res.headers, out, { waiting, duration: performance.now() - t0 });
      } finally {
        clearTimeout(timer);
      }
    } catch (e) {
      const message =
        e instanceof Error ? (e.cause instanceof Error ? `${e.message}: ${e.cause.message}` : e.message) : String(e);
      return respond(method, url, p, 0, [], null, { waiting, duration: performance.now() - t0 }, message);
    } finally {
      vu.release(handle);
    }
  }

  function request(method: string, url: string, body?: Body, params: Params | null = {}): K6Response {
    const p = params ?? {};
    const { payload } = encodeBody(body);
    if (payload instanceof FormData)
      throw new Error(
        "multipart bodies in synchronous http requests are not supported by the Simulshot k6 runner; use http.asyncRequest",
      );
    const headers = {
      ...(payload instanceof URLSearchParams ? { "Content-Type": "application/x-www-form-urlencoded" } : {}),
      ...p.headers,
    };
    const bytes =
      payload === undefined
        ? null
        : typeof payload === "string" || payload instanceof URLSearchParams
          ? new TextEncoder().encode(String(payload))
          : payload;
    const res = fetchSync({ method, url, headers, body: bytes, timeoutMs: timeoutMs(p.timeout) });
    const out =
      p.responseType === "binary"
        ? res.body.slice().buffer
        : p.responseType === "none"
          ? null
          : new TextDecoder().decode(res.body);
    return respond(method, url, p, res.status, res.headers, res.error ? null : out, res, res.error);
  }

  return {
    asyncRequest,
    request,
    get: (url: string, params?: Params) => request("GET", url, null, params),
    head: (url: string, params?: Params) => request("HEAD", url, null, params),
    del: (url: string, body?: Body, params?: Params) => request("DELETE", url, body, params),
    post: (url: string, body?: Body, params?: Params) => request("POST", url, body, params),
    put: (url: string, body?: Body, params?: Params) => request("PUT", url, body, params),
    patch: (url: string, body?: Body, params?: Params) => request("PATCH", url, body, params),
    options: (url: string, body?: Body, params?: Params) => request("OPTIONS", url, body, params),
    file: (data: string | ArrayBuffer, filename?: string, contentType?: string) =>
      new FileData(data, filename, contentType),
  };
}
