// Helpers for tests inside workerd: HTTP through the Worker, sockets to rooms, generated images.
import { exports } from "cloudflare:workers";
import { PhotonImage } from "@cf-wasm/photon";
import { FrameInbox } from "../frame-inbox.ts";

export const BASE = "http://simulshot.test";

export async function call<T = any>(path: string, init: RequestInit = {}): Promise<{ status: number; body: T }> {
  const r = await exports.default.fetch(new Request(BASE + path, init));
  const text = await r.text();
  return { status: r.status, body: (text ? JSON.parse(text) : null) as T };
}

export async function login(name = "Owner"): Promise<string> {
  return (await call<{ token: string }>("/api/login", { method: "POST", body: JSON.stringify({ name }) })).body.token;
}

export async function createRoom(token: string): Promise<string> {
  const r = await call<{ roomId: string }>("/api/rooms", {
    method: "POST",
    headers: { Authorization: `Bearer ${token}` },
    body: "{}",
  });
  if (r.status !== 201) throw new Error(JSON.stringify(r));
  return r.body.roomId;
}

export const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

export type TestSocket = {
  ws: WebSocket;
  frames: any[];
  closed: Promise<{ code: number; reason: string }>;
  next(pred: (m: any) => boolean, timeoutMs?: number): Promise<any>;
  send(m: unknown): void;
};

/** A socket to a room; `query` is added to its URL as is (e.g. `?clientId=…`). */
export async function openSocket(roomId: string, query = ""): Promise<TestSocket> {
  const res = await exports.default.fetch(
    new Request(`${BASE}/api/rooms/${roomId}/ws${query}`, { headers: { Upgrade: "websocket" } }),
  );
  if (!res.webSocket) throw new Error(`no socket: ${res.status} ${await res.text()}`);
  const ws = res.webSocket;
  ws.accept();
  const inbox = new FrameInbox();
  ws.addEventListener("message", (e) => inbox.push(JSON.parse(e.data as string)));
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.addEventListener("close", (e) => resolve({ code: e.code, reason: e.reason })),
  );
  return {
    ws,
    frames: inbox.frames,
    closed,
    send: (m) => ws.send(typeof m === "string" ? m : JSON.stringify(m)),
    next: (pred, timeoutMs) => inbox.next(pred, timeoutMs),
  };
}

export async function join(roomId: string, clientId: string, role?: "guest" | "viewer") {
  const s = await openSocket(roomId);
  s.send({ type: "join", v: 1, clientId, name: clientId, ...(role ? { role } : {}) });
  const welcome = await s.next((m) => m.type === "welcome");
  return { ...s, welcome };
}

/** A real JPEG of the given size and colour, encoded with photon. */
export function jpeg(w: number, h: number, rgb: [number, number, number] = [200, 40, 40]): Uint8Array {
  const px = new Uint8Array(w * h * 4);
  for (let i = 0; i < w * h; i++) px.set([rgb[0], (rgb[1] + i) & 255, rgb[2], 255], i * 4);
  const img = new PhotonImage(px, w, h);
  try {
    return img.get_bytes_jpeg(85);
  } finally {
    img.free();
  }
}

export function uploadForm(files: Record<string, Uint8Array | string>): FormData {
  const f = new FormData();
  for (const [k, v] of Object.entries(files)) {
    if (typeof v === "string") f.set(k, v);
    else f.set(k, new Blob([v], { type: "image/jpeg" }), `${k}.jpg`);
  }
  return f;
}

/** A request through the Worker, answered as a raw Response. */
export function fetchRaw(path: string, init: RequestInit = {}): Promise<Response> {
  return exports.default.fetch(new Request(BASE + path, init));
}

export function upload(roomId: string, uploadToken: string, files: Record<string, Uint8Array | string>) {
  return call(`/api/rooms/${roomId}/photos`, { method: "POST", headers: auth(uploadToken), body: uploadForm(files) });
}

/** A JPEG of one colour (a 64 px tile by default). */
export const solidJpeg = (rgb: [number, number, number], w = 64, h = 64) => {
  const px = new Uint8Array(w * h * 4);
  for (let i = 0; i < w * h; i++) px.set([...rgb, 255], i * 4);
  const img = new PhotonImage(px, w, h);
  try {
    return img.get_bytes_jpeg(95);
  } finally {
    img.free();
  }
};

/** Within JPEG's tolerance of the expected colour. */
export const near = (actual: number[], expected: number[], tolerance = 16) =>
  actual.every((v, i) => Math.abs(v - expected[i]!) <= tolerance);

/** A room with an owner, `guests` joined guests and a shot they are all part of. */
export async function roomWithShot(guests: number, prefix: string) {
  const token = await login();
  const roomId = await createRoom(token);
  const members = [];
  for (let i = 0; i < guests; i++) members.push(await join(roomId, `${prefix}-${i}`));
  await members[0]?.next((m) => m.type === "members" && m.count === guests);
  const shot = await call<{ shotId: string }>(`/api/rooms/${roomId}/shoot`, { method: "POST", headers: auth(token) });
  return { token, roomId, members, shotId: shot.body.shotId };
}

/** roomWithShot, then every guest uploads a distinct small photo (the server makes its thumb). */
export async function roomWithPhotos(n: number, prefix: string) {
  const room = await roomWithShot(n, prefix);
  // In parallel: the test upload window (SHOT_WINDOW_MS) is 2 s.
  const photos = await Promise.all(
    room.members.map(async (m, i) => {
      const photo = jpeg(64, 48, [(i * 37) % 256, (i * 91) % 256, 128]);
      const up = await upload(room.roomId, m.welcome.uploadToken, { photo });
      if (up.status !== 201) throw new Error(`upload ${i}: ${JSON.stringify(up)}`);
      return { ...(up.body as { photoId: string; url: string; thumbUrl: string }), photo };
    }),
  );
  return { ...room, photos };
}
