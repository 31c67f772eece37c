// Raw WebSockets and RoomClients for the fault tests: every frame kept, abrupt termination, the
// sockets a client opened (so a test can cut the current one), and small waiting helpers.
import WebSocket from "ws";
import type { RoomClientOptions, SocketLike } from "../../../shared/room-client.ts";
import type { Api } from "./api.ts";
import { FrameInbox } from "../../frame-inbox.ts";

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls `check` until it returns a truthy value, or rejects after timeoutMs. */
export async function until<T>(check: () => T | Promise<T>, timeoutMs = 10_000, what = "condition"): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** Awaits `p`, or fails after `ms` saying what it was waiting for (so a hang names its step). */
export function step<T>(what: string, p: Promise<T>, ms = 20_000): Promise<T> {
  let t: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    t = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(t));
}

export type RawSocket = {
  ws: WebSocket;
  frames: any[];
  opened: Promise<void>;
  closed: Promise<{ code: number; reason: string }>;
  /** The HTTP status when the server refused the upgrade. */
  refused: Promise<number>;
  next(pred: (m: any) => boolean, timeoutMs?: number): Promise<any>;
  send(m: unknown): void;
};

export function openRaw(url: string): RawSocket {
  const ws = new WebSocket(url);
  const inbox = new FrameInbox();
  ws.on("message", (data, isBinary) => inbox.push(isBinary ? { binary: true } : JSON.parse(String(data))));
  ws.on("error", () => {
    // a close event follows
  });
  const opened = new Promise<void>((resolve) => ws.once("open", () => resolve()));
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.once("close", (code, reason) => resolve({ code, reason: String(reason) })),
  );
  const refused = new Promise<number>((resolve) =>
    ws.once("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0)),
  );
  return {
    ws,
    frames: inbox.frames,
    opened,
    closed,
    refused,
    send: (m) => ws.send(typeof m === "string" || m instanceof Uint8Array ? m : JSON.stringify(m)),
    next: (pred, timeoutMs) => inbox.next(pred, timeoutMs),
  };
}

/** A raw socket that has joined; resolves with its welcome. */
export async function joinRaw(api: Api, roomId: string, clientId: string, role?: "guest" | "viewer") {
  const s = openRaw(api.wsUrl(roomId));
  await s.opened;
  s.send({ type: "join", v: 1, clientId, name: clientId, ...(role ? { role } : {}) });
  const welcome = await s.next((m) => m.type === "welcome");
  return { ...s, welcome };
}

/** A RoomClient whose sockets the test can reach: `current()` is the one in use, `opens` when each was made. */
export function tracedClient(api: Api, roomId: string, o: Partial<RoomClientOptions> & { clientId: string }) {
  const sockets: WebSocket[] = [];
  const opens: number[] = [];
  const client = api.client(roomId, {
    ...o,
    connect: (u) => {
      const ws = new WebSocket(u);
      sockets.push(ws);
      opens.push(Date.now());
      return ws as unknown as SocketLike;
    },
  });
  return { client, sockets, opens, current: () => sockets[sockets.length - 1]! };
}
