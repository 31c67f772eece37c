// The seams between the runtime-agnostic server (routes, room engine) and a runtime:
// Cloudflare (Durable Objects, R2, caches.default) or Deno (room actors, disk, Deno's Cache API).
import type { PhotoPage, RoomView, ShotReport } from "../shared/protocol.ts";
import type { Failure } from "./http-error.ts";

export type { ShotReport };

export type Ok<T = object> = { ok: true } & T;
export type Result<T = object> = Ok<T> | Failure;

export type PhotoInput = {
  memberId: string;
  shotId?: string;
  key: string;
  thumbKey: string | null;
  tileKey: string | null;
  type: string;
  bytes: number;
  width: number;
  height: number;
};

export type RoomStats = { r2Reads: number; cacheHits: number; members: number; photos: number };

/** What the HTTP routes need from one room. A Durable Object stub satisfies it via RPC. */
export interface RoomApi {
  create(input: { roomId: string; ownerId: string; title: string }): Promise<RoomView>;
  info(): Promise<RoomView | null>;
  shoot(userId: string): Promise<Result<{ shotId: string; at: number; created: boolean }>>;
  checkUpload(memberId: string, shotId: string | undefined): Promise<Result<{ shotId: string }>>;
  recordPhoto(input: PhotoInput): Promise<Result<{ photo: PhotoPage["photos"][number]; created: boolean }>>;
  listPhotos(q: { shotId?: string; cursor?: string; limit: number }): Promise<Result<PhotoPage>>;
  removePhoto(userId: string, photoId: string): Promise<Result<{ keys: string[] }>>;
  shotReport(userId: string, shotId: string): Promise<Result<{ report: ShotReport }>>;
  /** WebSocket upgrades go through fetch, since a socket cannot cross RPC. */
  fetch(request: Request): Promise<Response>;
}

export type BlobMeta = { contentType: string; size: number; etag: string };
export type BlobBody = BlobMeta & { body: ReadableStream<Uint8Array>; range?: { offset: number; length: number } };

/** Image storage: R2 on Cloudflare, a folder on Deno. Keys are server-made, never from input. */
export interface BlobStore {
  put(key: string, bytes: Uint8Array, contentType: string): Promise<void>;
  get(key: string, range?: { offset: number; length?: number; suffix?: number }): Promise<BlobBody | null>;
  head(key: string): Promise<BlobMeta | null>;
  delete(key: string): Promise<void>;
}

export type Platform = {
  room(roomId: string, locationHint?: string): RoomApi;
  blobs: BlobStore;
  /** An HTTP cache (the Workers Cache API's caches.default, or Deno's caches). */
  cache: Cache | null;
  authSecret: string;
  organizerKey: string | null;
  /** Runs work after the response (ctx.waitUntil on Workers). */
  waitUntil(p: Promise<unknown>): void;
};
