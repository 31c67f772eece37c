// One HTTP/1.1 keep-alive connection over a raw TCP socket: requests are written whole, answers are read in
// order (Content-Length or chunked), so a test sees what the next request on the same connection gets.
import { connect, type Socket } from "node:net";

export type RawAnswer = { status: number; headers: Record<string, string>; body: string };

export class KeepAlive {
  private buf = Buffer.alloc(0);
  private waiting: (() => void) | null = null;
  closed = false;

  private constructor(
    private readonly sock: Socket,
    readonly host: string,
  ) {
    sock.on("data", (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.wake();
    });
    sock.on("error", () => {}); // a reset ends it too: `closed`
    sock.on("close", () => {
      this.closed = true;
      this.wake();
    });
  }

  static async open(serverUrl: string): Promise<KeepAlive> {
    const u = new URL(serverUrl);
    const sock = connect(Number(u.port), u.hostname);
    await new Promise<void>((resolve, reject) => sock.once("connect", resolve).once("error", reject));
    return new KeepAlive(sock, u.host);
  }

  /** Writes a request: `head` is its request line and headers (without Host and the blank line). */
  send(head: string, body?: Uint8Array): Promise<void> {
    this.sock.write(`${head}\r\nHost: ${this.host}\r\n\r\n`);
    return new Promise((r) => this.sock.write(body ?? new Uint8Array(0), () => r()));
  }

  /** The next answer on the connection, or null when it closes first (or nothing comes in `ms`). */
  async answer(ms = 20_000): Promise<RawAnswer | null> {
    const deadline = Date.now() + ms;
    const want = async (n: () => number): Promise<boolean> => {
      while (n() < 0) {
        if (this.closed || Date.now() > deadline) return false;
        await new Promise<void>((r) => {
          this.waiting = r;
          setTimeout(r, 100);
        });
      }
      return true;
    };
    if (!(await want(() => this.buf.indexOf("\r\n\r\n")))) return null;
    const end = this.buf.indexOf("\r\n\r\n");
    const [statusLine = "", ...lines] = this.buf.subarray(0, end).toString("latin1").split("\r\n");
    this.buf = this.buf.subarray(end + 4);
    const headers: Record<string, string> = {};
    for (const l of lines) {
      const colon = l.indexOf(":");
      headers[l.slice(0, colon).trim().toLowerCase()] = l.slice(colon + 1).trim();
    }
    const status = Number(statusLine.split(" ")[1]);
    const chunks: Buffer[] = [];
    if (headers["transfer-encoding"]?.includes("chunked")) {
      for (;;) {
        if (!(await want(() => this.buf.indexOf("\r\n")))) return null;
        const lineEnd = this.buf.indexOf("\r\n");
        const size = parseInt(this.buf.subarray(0, lineEnd).toString("latin1"), 16);
        if (!(await want(() => (this.buf.length >= lineEnd + 2 + size + 2 ? 0 : -1)))) return null;
        chunks.push(this.buf.subarray(lineEnd + 2, lineEnd + 2 + size));
        this.buf = this.buf.subarray(lineEnd + 2 + size + 2);
        if (size === 0) break;
      }
    } else {
      const size = Number(headers["content-length"] ?? 0);
      if (!(await want(() => (this.buf.length >= size ? 0 : -1)))) return null;
      chunks.push(this.buf.subarray(0, size));
      this.buf = this.buf.subarray(size);
    }
    return { status, headers, body: Buffer.concat(chunks).toString("utf8") };
  }

  close(): void {
    this.sock.destroy();
  }

  private wake(): void {
    const w = this.waiting;
    this.waiting = null;
    w?.();
  }
}

/** A multipart upload's head and body, as a phone sends it. */
export async function uploadRequest(
  path: string,
  token: string,
  fields: Record<string, string | Uint8Array>,
): Promise<{ head: string; body: Uint8Array }> {
  const form = new FormData();
  for (const [name, v] of Object.entries(fields)) {
    if (typeof v === "string") form.set(name, v);
    else form.set(name, new Blob([v], { type: "image/jpeg" }), `${name}.jpg`);
  }
  const req = new Request("http://x/", { method: "POST", body: form });
  const body = new Uint8Array(await req.arrayBuffer());
  const head = [
    `POST ${path} HTTP/1.1`,
    `Authorization: Bearer ${token}`,
    `Content-Type: ${req.headers.get("content-type")}`,
    `Content-Length: ${body.length}`,
  ].join("\r\n");
  return { head, body };
}
