// A room socket on Deno: a `ws` WebSocket behind the handful of WebSocket members the room actor uses (onopen,
// onmessage, onclose, onerror, send, close), with Deno.upgradeWebSocket's idle check: a peer silent for 15 s is
// pinged, and closed with 1001 when it stays silent 15 s more.
import { Buffer } from "node:buffer";
import type { Socket } from "node:net";
import type { Writable } from "node:stream";
import type { WebSocket } from "ws";

const IDLE_MS = 15_000;
const TICK_MS = 1_000;
/** How long a socket refused for a bad frame stays open, unread, after its close frame: the client reads the
 *  close frame before the reset that closing a socket with unread bytes sends. */
const DROP_AFTER_MS = 1_000;

const live = new Set<ServerSocket>();
let ticker: ReturnType<typeof setInterval> | null = null;

function tick(): void {
  const now = Date.now();
  for (const s of live) s.checkIdle(now);
}

export class ServerSocket {
  onopen: (() => void) | null = null;
  onmessage: ((event: { data: string | ArrayBuffer }) => void) | null = null;
  onclose: (() => void) | null = null;
  onerror: (() => void) | null = null;
  private ws: WebSocket | null = null;
  private socket: Socket | null = null;
  private state: "connecting" | "open" | "closing" | "closed" = "connecting";
  private pending: { code: number; reason: string } | null = null;
  private heardAt = 0;
  private pingedAt: number | null = null;

  /** The handshake is done: `ws` speaks over `socket`. */
  open(ws: WebSocket, socket: Socket): void {
    this.ws = ws;
    this.socket = socket;
    quietEnd(socket);
    quietEnd((ws as unknown as { _receiver: Writable })._receiver);
    this.heardAt = Date.now();
    ws.on("message", (data: Buffer, isBinary: boolean) => {
      this.heardAt = Date.now();
      // As a WebSocket's: nothing after this side's close.
      if (this.state !== "open") return;
      this.onmessage?.({ data: isBinary ? toArrayBuffer(data) : data.toString() });
    });
    ws.on("pong", () => (this.heardAt = Date.now()));
    // A frame over the size limit or against the protocol: ws has sent its close frame (1009, 1002, 1007) and
    // would read on until the client's own close frame, which comes only after all of the refused message.
    // The rest is never read instead (ws resumes the socket on the next tick), and the socket dropped.
    ws.on("error", () => {
      setImmediate(() => socket.pause());
      this.drop();
      this.end(true);
    });
    ws.on("close", () => this.end(false));
    if (this.pending) {
      this.state = "open";
      return this.close(this.pending.code, this.pending.reason);
    }
    this.state = "open";
    live.add(this);
    if (ticker === null) {
      ticker = setInterval(tick, TICK_MS);
      Deno.unrefTimer(ticker);
    }
    this.onopen?.();
  }

  send(frame: string): void {
    if (this.state !== "open" || this.ws!.readyState !== this.ws!.OPEN) return;
    // One write a frame: ws writes a frame's head and payload as two buffers, and under Deno that writev costs
    // about half as much again as the frame itself (ws writes synchronously too, so the order holds).
    this.socket!.write(textFrame(frame));
  }

  close(code: number, reason: string): void {
    if (this.state === "connecting") this.pending = { code, reason };
    if (this.state !== "open") return;
    this.state = "closing";
    this.ws!.close(code, reason);
  }

  /** Pings a peer silent for IDLE_MS; closes one silent IDLE_MS more since. */
  checkIdle(now: number): void {
    if (this.state !== "open") return;
    if (this.pingedAt !== null && this.heardAt > this.pingedAt) this.pingedAt = null;
    if (this.pingedAt === null) {
      if (now - this.heardAt < IDLE_MS) return;
      this.pingedAt = now;
      this.ws!.ping();
    } else if (now - this.pingedAt >= IDLE_MS) {
      this.close(1001, "No response from ping frame.");
      this.drop();
      this.end(true);
    }
  }

  private drop(): void {
    const ws = this.ws!;
    setTimeout(() => ws.terminate(), DROP_AFTER_MS);
  }

  /** Gone, or as good as gone (after an error, the error first): told once. */
  private end(error: boolean): void {
    if (this.state === "closed") return;
    const wasOpen = this.state !== "connecting";
    this.state = "closed";
    live.delete(this);
    if (live.size === 0 && ticker !== null) {
      clearInterval(ticker);
      ticker = null;
    }
    if (!wasOpen) return;
    if (error) this.onerror?.();
    this.onclose?.();
  }
}

function toArrayBuffer(data: Buffer): ArrayBuffer {
  return data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer;
}

/** ws ends the socket and its frame parser again when the client's FIN follows the close handshake, and Deno's
 *  Node streams build an error with a formatted stack for each end() of an ended stream (then drop it): about
 *  0.5 ms of CPU per closed socket. Without a callback such an end() does nothing else, so it is skipped. */
function quietEnd(stream: Writable): void {
  const end = stream.end.bind(stream) as (...args: unknown[]) => Writable;
  stream.end = ((...args: unknown[]) =>
    stream.writableEnded && typeof args.at(-1) !== "function" ? stream : end(...args)) as Writable["end"];
}

/** A server's (unmasked) text frame: FIN and opcode 1, the length in its shortest form, the UTF-8 payload. */
function textFrame(text: string): Buffer {
  const length = Buffer.byteLength(text);
  const head = length < 126 ? 2 : length < 65_536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(head + length);
  frame[0] = 0x81;
  if (head === 2) frame[1] = length;
  else if (head === 4) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeBigUInt64BE(BigInt(length), 2);
  }
  frame.write(text, head);
  return frame;
}
