// k6/websockets for one VU: the browser-style WebSocket over the `ws` package. An open socket keeps the
// VU's iteration alive; its events run as the VU's callbacks; k6's ws_* metrics are recorded.
import WS from "ws";
import type { Handle, Vu } from "./vu.ts";

type Listener = (ev: Record<string, unknown>) => void;
const EVENTS = ["open", "message", "close", "error", "ping", "pong"] as const;
type EventName = (typeof EVENTS)[number];

export function websocketsModule(vu: Vu) {
  const r = vu.registry;
  r.define("ws_sessions", "counter");
  r.define("ws_connecting", "trend", "time");
  r.define("ws_session_duration", "trend", "time");
  r.define("ws_msgs_sent", "counter");
  r.define("ws_msgs_received", "counter");

  class WebSocket {
    static readonly CONNECTING = 0;
    static readonly OPEN = 1;
    static readonly CLOSING = 2;
    static readonly CLOSED = 3;
    readonly CONNECTING = 0;
    readonly OPEN = 1;
    readonly CLOSING = 2;
    readonly CLOSED = 3;
    readonly url: string;
    binaryType: "blob" | "arraybuffer" = "arraybuffer";
    onopen: Listener | null = null;
    onmessage: Listener | null = null;
    onclose: Listener | null = null;
    onerror: Listener | null = null;
    onping: Listener | null = null;
    onpong: Listener | null = null;
    private readonly ws: WS;
    private readonly listeners = new Map<EventName, Listener[]>();
    private live = true;

    constructor(
      url: string,
      protocols?: string | string[] | null,
      params?: { headers?: Record<string, string> } | null,
    ) {
      if (vu.initContext) throw new Error("WebSocket cannot be created in the init context");
      this.url = url;
      const t0 = performance.now();
      this.ws = new WS(url, protocols ?? undefined, { perMessageDeflate: false, headers: params?.headers });
      const handle: Handle = {
        cancel: () => {
          this.live = false;
          this.ws.terminate();
        },
      };
      vu.hold(handle);
      r.add("ws_sessions", 1);
      this.ws.on("open", () => {
        r.add("ws_connecting", performance.now() - t0);
        this.emit("open", {});
      });
      this.ws.on("message", (data: Buffer, isBinary: boolean) => {
        r.add("ws_msgs_received", 1);
        const body = isBinary ? data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) : data.toString();
        this.emit("message", { data: body });
      });
      this.ws.on("ping", () => this.emit("ping", {}));
      this.ws.on("pong", () => this.emit("pong", {}));
      this.ws.on("error", (e: Error) => this.emit("error", { error: e.message }));
      this.ws.on("close", (code: number, reason: Buffer) => {
        r.add("ws_session_duration", performance.now() - t0);
        this.emit("close", { code, reason: reason.toString() });
        this.live = false;
        vu.release(handle);
      });
    }

    get readyState(): number {
      return this.ws.readyState;
    }

    get bufferedAmount(): number {
      return this.ws.bufferedAmount;
    }

    send(data: string | ArrayBuffer | ArrayBufferView): void {
      if (this.ws.readyState === WS.CONNECTING) throw new Error("InvalidStateError: the socket is still connecting");
      if (this.ws.readyState !== WS.OPEN) return;
      this.ws.send(typeof data === "string" ? data : ArrayBuffer.isView(data) ? data : new Uint8Array(data));
      r.add("ws_msgs_sent", 1);
    }

    close(code?: number, reason?: string): void {
      this.ws.close(code, reason);
    }

    ping(): void {
      this.ws.ping();
    }

    addEventListener(type: EventName, fn: Listener): void {
      if (!EVENTS.includes(type)) throw new Error(`WebSocket has no ${JSON.stringify(type)} event`);
      this.listeners.set(type, [...(this.listeners.get(type) ?? []), fn]);
    }

    private emit(type: EventName, fields: Record<string, unknown>): void {
      if (!this.live) return;
      const ev = { type, timestamp: Date.now(), ...fields };
      const own = this[`on${type}`];
      if (own) vu.guard(() => own.call(this, ev));
      for (const fn of this.listeners.get(type) ?? []) vu.guard(() => fn.call(this, ev));
    }
  }

  return { WebSocket };
}
