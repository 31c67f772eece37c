// HTTP helpers for the fault tests: distinct photos, uploads retried through outages, uploads cut
// mid-body or whose answer is lost (over a raw TCP socket), and tokens signed with a server's own secret.
import { request as httpRequest } from "node:http";
import { connect } from "node:net";
import { signToken, type Claims } from "../../../worker/auth/token.ts";
import { type Api, fixture } from "./api.ts";
import { tagJpeg } from "../../../shared/jpeg-tag.ts";
import { sleep } from "./sockets.ts";

/** Signs tokens as a local server does, given the AUTH_SECRET the suite started it with. */
export const signerFor = (secret: string) => (claims: Claims) => signToken(claims, secret);

const base = fixture("photo.jpg");
/** A valid JPEG whose bytes are unique to `tag`. */
export const photoFor = (tag: string) => tagJpeg(base, tag);

type UploadFiles = Parameters<Api["upload"]>[2];
type UploadResult = Awaited<ReturnType<Api["upload"]>>;

/** Uploads until the server answers below 500, retrying network errors and 5xx (a server that restarts). */
export async function uploadRetry(
  api: Api,
  roomId: string,
  token: string,
  files: UploadFiles,
  timeoutMs = 30_000,
): Promise<UploadResult & { attempts: number }> {
  const deadline = Date.now() + timeoutMs;
  for (let attempts = 1; ; attempts++) {
    try {
      const r = await api.upload(roomId, token, files);
      if (r.status < 500) return { ...r, attempts };
    } catch {
      // connection refused or reset: the server is down
    }
    if (Date.now() > deadline) throw new Error(`upload did not get through in ${timeoutMs} ms`);
    await sleep(150 + Math.random() * 200);
  }
}

/** A multipart upload as raw bytes, so a test can send part of it. */
async function multipart(token: string, files: UploadFiles): Promise<{ head: string; body: Uint8Array }> {
  const form = new FormData();
  if (files.photo) form.set("photo", new Blob([files.photo], { type: "image/jpeg" }), "photo.jpg");
  if (files.shotId) form.set("shotId", files.shotId);
  const req = new Request("http://x/", { method: "POST", body: form });
  const body = new Uint8Array(await req.arrayBuffer());
  const head = [
    `Authorization: Bearer ${token}`,
    `Content-Type: ${req.headers.get("content-type")}`,
    `Content-Length: ${body.length}`,
    "Connection: close",
  ].join("\r\n");
  return { head, body };
}

/**
 * Sends an upload over a raw TCP socket and resets the connection: after `cutAt` body bytes (a phone
 * that loses its network mid-upload), or with `cutAt: "after-answer-starts"` once the server's answer
 * begins to arrive (the upload landed but the client never reads its acknowledgement).
 */
export async function cutUpload(
  serverUrl: string,
  roomId: string,
  token: string,
  files: UploadFiles,
  cutAt: number | "after-answer-starts",
): Promise<void> {
  const { head, body } = await multipart(token, files);
  const u = new URL(serverUrl);
  const sock = connect(Number(u.port), u.hostname);
  await new Promise<void>((resolve, reject) => sock.once("connect", resolve).once("error", reject));
  sock.on("error", () => {});
  sock.write(`POST /api/rooms/${roomId}/photos HTTP/1.1\r\nHost: ${u.host}\r\n${head}\r\n\r\n`);
  if (cutAt === "after-answer-starts") {
    const answered = new Promise<void>((r) => sock.once("data", () => r()));
    sock.write(body);
    await answered;
  } else {
    await new Promise<void>((r) => sock.write(body.subarray(0, cutAt), () => r()));
    await sleep(100);
  }
  sock.resetAndDestroy();
}

/**
 * Sends an upload over a raw TCP socket, stops after `sendBytes` body bytes and keeps the connection open
 * (a phone on a slow link, mid-body). `ended` resolves with whatever the server sent once the connection
 * ends; `finish` sends the rest of the body, `halfClose` ends this side without it (a link going
 * half-closed), `destroy` drops the connection.
 */
export async function hangingUpload(
  serverUrl: string,
  roomId: string,
  token: string,
  files: UploadFiles,
  sendBytes: number,
): Promise<{ ended: Promise<string>; finish(): void; halfClose(): void; destroy(): void }> {
  const { head, body } = await multipart(token, files);
  const u = new URL(serverUrl);
  const sock = connect(Number(u.port), u.hostname);
  await new Promise<void>((resolve, reject) => sock.once("connect", resolve).once("error", reject));
  let answer = "";
  sock.on("data", (d: Buffer) => (answer += d.toString()));
  sock.on("error", () => {}); // a reset ends it too
  const ended = new Promise<string>((r) => sock.once("close", () => r(answer)));
  sock.write(`POST /api/rooms/${roomId}/photos HTTP/1.1\r\nHost: ${u.host}\r\n${head}\r\n\r\n`);
  await new Promise<void>((r) => sock.write(body.subarray(0, sendBytes), () => r()));
  return {
    ended,
    finish: () => sock.write(body.subarray(sendBytes)),
    halfClose: () => sock.end(),
    destroy: () => sock.destroy(),
  };
}

/** A request with its path sent verbatim (fetch would resolve `..` segments before sending). */
export function rawRequest(
  serverUrl: string,
  path: string,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; body: any }> {
  const u = new URL(serverUrl);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: u.hostname, port: Number(u.port), path, method: init.method ?? "GET", headers: init.headers },
      (res) => {
        let text = "";
        res.on("data", (d: Buffer) => (text += d.toString()));
        res.on("end", () => {
          let body: any = text;
          try {
            body = JSON.parse(text);
          } catch {
            // not JSON: kept as text
          }
          resolve({ status: res.statusCode ?? 0, body });
        });
      },
    );
    req.on("error", reject);
    req.end(init.body);
  });
}

/**
 * Streams a chunked multipart upload (no Content-Length) of up to `maxBytes` and stops as soon as the
 * server answers. Returns the answer's status line, its body (workerd may reset the connection before
 * sending it, since the request body was left unread) and how many bytes had been sent by then.
 */
export async function chunkedUpload(
  serverUrl: string,
  roomId: string,
  token: string,
  maxBytes: number,
): Promise<{ statusLine: string; body: string; sent: number }> {
  const u = new URL(serverUrl);
  const sock = connect(Number(u.port), u.hostname);
  await new Promise<void>((resolve, reject) => sock.once("connect", resolve).once("error", reject));
  let answer = "";
  sock.on("data", (d: Buffer) => (answer += d.toString()));
  sock.on("error", () => {}); // the server resets the connection once it has answered
  const b = "fault-test";
  sock.write(
    `POST /api/rooms/${roomId}/photos HTTP/1.1\r\nHost: ${u.host}\r\nAuthorization: Bearer ${token}\r\n` +
      `Content-Type: multipart/form-data; boundary=${b}\r\nTransfer-Encoding: chunked\r\n\r\n`,
  );
  const chunk = async (data: Uint8Array | string) => {
    const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
    sock.write(`${bytes.length.toString(16)}\r\n`);
    sock.write(bytes);
    // Backpressure: count only what the server is taking, not what piles up in our own buffers.
    if (!sock.write("\r\n"))
      await new Promise<void>((r) => {
        // Both listeners go once either fires (left behind, hundreds of waits would pile up on the socket).
        const done = () => (sock.off("drain", done), sock.off("close", done), r());
        sock.once("drain", done).once("close", done);
      });
    return bytes.length;
  };
  let sent = await chunk(
    `--${b}\r\nContent-Disposition: form-data; name="photo"; filename="p.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`,
  );
  while (sent < maxBytes && !answer && !sock.destroyed) sent += await chunk(new Uint8Array(256 * 1024));
  for (let i = 0; i < 100 && !answer.includes("\r\n\r\n"); i++) await sleep(50);
  await sleep(200); // the body, when it arrives before the server resets the connection
  sock.destroy();
  const [head = "", body = ""] = answer.split("\r\n\r\n");
  return { statusLine: head.split("\r\n")[0] ?? "", body, sent };
}
