// k6/http for one VU: asyncRequest over the runner's keep-alive transport, the synchronous calls for
// setup(), http.file() and k6's bodies (string, ArrayBuffer, form object, multipart when a field is a
// file), responses and the built-in http_req_* metrics.
import { multipart } from "./multipart.ts";
import { send } from "./http-client.ts";
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
function encodeBody(body: Body): {
  payload: string | Uint8Array | Multipart | URLSearchParams | undefined;
} {
  if (body === null || body === undefined) return { payload: undefined };
  if (typeof body === "string") return { payload: body };
  if (body instanceof ArrayBuffer) return { payload: new Uint8Array(body) };
  if (ArrayBuffer.isView(body)) return { payload: new Uint8Array(body.buffer, body.byteOffset, body.byteLength) };
  const entries = Object.entries(body);
  if (!entries.some(([, v]) => v instanceof FileData))
    return { payload: new URLSearchParams(entries.map(([k, v]) => [k, String(v)])) };
  return { payload: multipart(entries, (v): v is FileData => v instanceof FileData) };
}
type Multipart = ReturnType<typeof multipart>;

/** The encoded body as bytes, with the content type the encoding implies (multipart's has the boundary). */
function toBytes(payload: ReturnType<typeof encodeBody>["payload"]): { bytes?: Uint8Array; contentType?: string } {
  if (payload === undefined) return {};
  if (typeof payload === "string") return { bytes: Buffer.from(payload) };
  if (payload instanceof Uint8Array) return { bytes: payload };
  if (payload instanceof URLSearchParams)
    return { bytes: Buffer.from(payload.toString()), contentType: "application/x-www-form-urlencoded" };
  return payload;
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
    try {
      const { bytes, contentType } = toBytes(encodeBody(body).payload);
      const headers = { ...(contentType ? { "Content-Type": contentType } : {}), ...p.headers };
      const res = await send({
        method,
        url,
        headers,
        ...(bytes ? { body: bytes } : {}),
        timeoutMs: timeoutMs(p.timeout),
        redirects: p.redirects ?? 10,
        keepBody: p.responseType !== "none",
        signal: controller.signal,
      });
      const out =
        p.responseType === "binary"
          ? (res.body.buffer.slice(res.body.byteOffset, res.body.byteOffset + res.body.byteLength) as ArrayBuffer)
          : p.responseType === "none"
            ? null
            : res.body.toString("utf8");
      return respond(method, res.url, p, res.status, res.headers, out, {
        waiting: res.waiting,
        duration: performance.now() - t0,
      });
    } catch (e) {
      const reused = (e as { reused?: boolean }).reused ? " on a kept-alive connection" : "";
      const message = (e instanceof Error ? e.message : String(e)) + reused;
      return respond(method, url, p, 0, [], null, { waiting: 0, duration: performance.now() - t0 }, message);
    } finally {
      vu.release(handle);
    }
  }

  function request(method: string, url: string, body?: Body, params: Params | null = {}): K6Response {
    const p = params ?? {};
    const { bytes = null, contentType } = toBytes(encodeBody(body).payload);
    const headers = { ...(contentType ? { "Content-Type": contentType } : {}), ...p.headers };
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
