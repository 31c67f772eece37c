// A small HTTP client for the black-box tests: login, rooms, shoot, upload, list, download.
import { readFileSync } from "node:fs";
import WebSocket from "ws";
import { RoomClient, type RoomClientOptions, type SocketLike } from "../../../shared/room-client.ts";
import { uploadPath, type PhotoPage } from "../../../shared/protocol.ts";

export const fixture = (name: string) =>
  new Uint8Array(readFileSync(new URL(`../../fixtures/${name}`, import.meta.url)));

export class Api {
  constructor(readonly base: string) {}

  async json<T = any>(path: string, init: RequestInit = {}): Promise<{ status: number; body: T; headers: Headers }> {
    for (let attempt = 1; ; attempt++) {
      const r = await fetch(this.base + path, init);
      const text = await r.text();
      // wrangler dev's own proxy, not the product, answers this while its runtime restarts (after a test restarted
      // the server): a request that never reached the Worker, safe to send again (bodies here are bytes, not streams).
      if (text.startsWith("Your worker restarted mid-request") && attempt < 5) {
        await new Promise((res) => setTimeout(res, 250));
        continue;
      }
      return { status: r.status, body: (text ? JSON.parse(text) : null) as T, headers: r.headers };
    }
  }

  async login(name = "Organiser"): Promise<{ token: string; userId: string }> {
    const r = await this.json("/api/login", { method: "POST", body: JSON.stringify({ name }) });
    if (r.status !== 200) throw new Error(`login: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  }

  /** `expected`: the organiser's expected size, from which the server picks the room's shards. */
  async createRoom(
    token: string,
    title = "Test room",
    expected?: number,
  ): Promise<{ roomId: string; joinUrl: string }> {
    const r = await this.json("/api/rooms", {
      method: "POST",
      headers: { Authorization: `Bearer ${token}` },
      body: JSON.stringify({ title, ...(expected ? { expected } : {}) }),
    });
    if (r.status !== 201) throw new Error(`create: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  }

  shoot(roomId: string, token: string) {
    return this.json<{ shotId: string; at: number }>(`/api/rooms/${roomId}/shoot`, {
      method: "POST",
      headers: { Authorization: `Bearer ${token}` },
    });
  }

  upload(
    roomId: string,
    uploadToken: string,
    files: { photo?: Uint8Array; thumb?: Uint8Array; tile?: Uint8Array; shotId?: string; type?: string },
  ) {
    const form = new FormData();
    if (files.shotId) form.set("shotId", files.shotId);
    if (files.photo) form.set("photo", new Blob([files.photo], { type: files.type ?? "image/jpeg" }), "photo.jpg");
    if (files.thumb) form.set("thumb", new Blob([files.thumb], { type: "image/jpeg" }), "thumb.jpg");
    if (files.tile) form.set("tile", new Blob([files.tile], { type: "image/jpeg" }), "tile.jpg");
    // As the app sends it: the shot in the query too when known (uploadPath).
    const path = files.shotId ? uploadPath(roomId, files.shotId) : `/api/rooms/${roomId}/photos`;
    return this.json<{ photoId: string; url: string; thumbUrl: string | null }>(path, {
      method: "POST",
      headers: { Authorization: `Bearer ${uploadToken}` },
      body: form,
    });
  }

  async listAll(roomId: string, shotId?: string): Promise<PhotoPage["photos"]> {
    const out: PhotoPage["photos"] = [];
    let cursor: string | undefined;
    do {
      const q = new URLSearchParams({
        limit: "100",
        ...(shotId ? { shot: shotId } : {}),
        ...(cursor ? { cursor } : {}),
      });
      const r = await this.json<PhotoPage>(`/api/rooms/${roomId}/photos?${q}`);
      if (r.status !== 200) throw new Error(`list: ${r.status} ${JSON.stringify(r.body)}`);
      out.push(...r.body.photos);
      cursor = r.body.next;
    } while (cursor);
    return out;
  }

  async download(path: string): Promise<Uint8Array> {
    const r = await fetch(this.base + path);
    if (r.status !== 200) throw new Error(`download ${path}: ${r.status}`);
    return new Uint8Array(await r.arrayBuffer());
  }

  /** A guest joined over a raw socket (no clock sync): enough to be in the next shot and upload. */
  async joinGuest(roomId: string, clientId: string): Promise<{ ws: WebSocket; memberId: string; uploadToken: string }> {
    // The client id in the URL routes the socket to its shard in a sharded room (one object ignores it).
    const ws = new WebSocket(`${this.wsUrl(roomId)}?clientId=${encodeURIComponent(clientId)}`);
    await new Promise((resolve, reject) => {
      ws.once("open", resolve);
      ws.once("error", reject);
    });
    const welcome = waitForMessage(ws, (m) => m.type === "welcome", 30_000);
    ws.send(JSON.stringify({ type: "join", v: 1, clientId, name: clientId }));
    const { memberId, uploadToken } = await welcome;
    return { ws, memberId, uploadToken };
  }

  /** `n` guests joined 50 at a time, their client ids `<prefix>-<i>`. */
  async joinGuests(roomId: string, n: number, prefix: string): Promise<Array<Awaited<ReturnType<Api["joinGuest"]>>>> {
    const guests = [];
    for (let i = 0; i < n; i += 50)
      guests.push(
        ...(await Promise.all(
          Array.from({ length: Math.min(50, n - i) }, (_, k) => this.joinGuest(roomId, `${prefix}-${i + k}`)),
        )),
      );
    return guests;
  }

  wsUrl(roomId: string): string {
    return `${this.base.replace(/^http/, "ws")}/api/rooms/${roomId}/ws`;
  }

  client(roomId: string, o: Partial<RoomClientOptions> & { clientId: string }): RoomClient {
    return new RoomClient({
      url: this.wsUrl(roomId),
      connect: (u) => new WebSocket(u) as unknown as SocketLike,
      name: o.clientId,
      ...o,
    });
  }
}

/** Resolves with the first frame matching pred, or rejects after timeoutMs. */
export function waitForMessage<T = any>(ws: WebSocket, pred: (m: any) => boolean, timeoutMs = 5000): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      ws.off("message", on);
      reject(new Error("timed out waiting for a frame"));
    }, timeoutMs);
    const on = (data: WebSocket.RawData) => {
      const m = JSON.parse(String(data));
      if (pred(m)) {
        clearTimeout(t);
        ws.off("message", on);
        resolve(m);
      }
    };
    ws.on("message", on);
  });
}
