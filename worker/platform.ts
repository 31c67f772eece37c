// The seams between the runtime-agnostic server (routes, room engine) and a runtime:
// Cloudflare (Durable Objects, R2, caches.default) or Deno (room actors, disk, Deno's Cache API).
import type { PhotoPage, PhotoView, RoomStats, RoomView, ShotReport } from "../shared/protocol.ts";
import type { Failure } from "./http-error.ts";
import type { PageCell } from "./mosaic/mosaic-host.ts";
import type { RateLimiter } from "./rate-limits.ts";

export type { ShotReport };

export type Ok<T = object> = { ok: true } & T;
export type Result<T = object> = Ok<T> | Failure;

/** A page of a room's photos in upload order, of one shot and/or one member; `cursor` is the previous page's `next`. */
export type PhotoQuery = { shotId?: string; memberId?: string; cursor?: string; limit: number };

export type PhotoInput = {
  memberId: string;
  shotId?: string;
  key: string;
  thumbKey: string | null;
  /** What the mosaic builder cuts the photo's tile from: the thumb's key, or a raw `.rgba` tile's. */
  tileKey: string | null;
  type: string;
  bytes: number;
  width: number;
  height: number;
  /** The camera frame's time, server ms, and the phone's clock bound, ms (absent from older clients). */
  frameAt?: number;
  bound?: number;
};

/** What an upload is answered with: the new (or already recorded) photo's id and URLs. */
export type UploadedPhoto = Pick<PhotoView, "photoId" | "url" | "thumbUrl">;

/** A photo's mosaic tile as the room indexes it: its source under `tileKey` (raw 64 px RGBA if the key ends in
 *  `.rgba`, else the thumb it is cut from), recorded at `at` (server ms). */
export type TileRecord = { photoId: string; tileKey: string | null; at: number };

/** Reads of image bytes served for a room, added to its running totals. */
export type AccessCounts = { r2Reads: number; cacheHits: number };

/**
 * The room's operations, listed once. The engine implements them synchronously (RoomEngine and the Durable
 * Object `implements RoomCalls`); the routes call them through RoomApi, their async form.
 */
export interface RoomCalls {
  /** Creates the room; a room of several shards sets them all up first (shard-routing.ts). */
  create(input: { roomId: string; ownerId: string; title: string }): Promise<RoomView>;
  info(): RoomView | null;
  /** A sharded room answers once every shard has the shot. */
  shoot(userId: string): Promise<Result<{ shotId: string; at: number; spreadMs: number; created: boolean }>>;
  /** May this member upload into the shot; `photo` when its photo is already there (a retry). */
  checkUpload(memberId: string, shotId: string | undefined): Result<{ shotId: string; at: number; photo?: PhotoView }>;
  /** `pokeMosaic`: this upload tells the shot's mosaic builder that photos landed (one in POKE_GAP_MS does). */
  recordPhoto(input: PhotoInput): Result<{ photo: UploadedPhoto; created: boolean; pokeMosaic?: true }>;
  listPhotos(q: PhotoQuery): Result<PhotoPage>;
  /** Removes a photo; `keys` are the storage keys no other photo of the room still uses. */
  removePhoto(userId: string, photoId: string): Result<{ keys: string[]; shotId: string }>;
  shotReport(userId: string, shotId: string): Result<{ report: ShotReport }>;
  /** The shot's tiles in upload order (the mosaic builder's source of truth). */
  tiles(shotId: string): Result<{ tiles: TileRecord[] }>;
  /** The shot `shotId` (or the latest) when `userId` owns the room: for owner-only downloads. */
  ownerShot(userId: string, shotId: string | undefined): Result<{ shotId: string }>;
  /** The shot `shotId` (the latest when undefined) if the room has it, else shot_not_found. */
  findShot(shotId: string | undefined): Result<{ shotId: string }>;
  countAccess(counts: AccessCounts): void;
  stats(userId: string): Result<{ stats: RoomStats }>;
}

/** Each method of T, answered later: what a call over RPC (or to a Deno actor) returns. */
export type Async<T> = {
  [K in keyof T]: T[K] extends (...args: infer A) => infer R ? (...args: A) => Promise<Awaited<R>> : never;
};

/** What the HTTP routes need from one room. A Durable Object stub satisfies it via RPC. */
export interface RoomApi extends Async<RoomCalls> {
  /** WebSocket upgrades go through fetch, since a socket cannot cross RPC. */
  fetch(request: Request): Promise<Response>;
}

export type BlobMeta = { contentType: string; size: number; etag: string };
export type BlobBody = BlobMeta & { body: ReadableStream<Uint8Array>; range?: { offset: number; length: number } };

/**
 * An upload's bytes taken as they arrive, hashed on the way, then stored under a key made from the hash
 * (the key is only known at the end). R2 needs the whole object, so on Workers they are kept in memory;
 * on Deno they go to a temporary file.
 */
export interface BlobWriter {
  write(chunk: Uint8Array): Promise<void>;
  /** The end of the bytes: their SHA-256 (hex) and size. */
  finish(): Promise<{ sha256: string; size: number }>;
  /** The bytes written so far, read back (to make a thumbnail from a small photo). */
  read(): Promise<Uint8Array>;
  /** Stores them under `key`, durably before it resolves. */
  commit(key: string, contentType: string): Promise<void>;
  /** Drops them (a refused or failed upload); safe to call after commit or twice. */
  discard(): Promise<void>;
  /** Time spent so far hashing, writing and flushing (ms), where the writer measures it. */
  readonly spent?: { hash: number; write: number; flush: number };
}

/** Image storage: R2 on Cloudflare, a folder on Deno. Keys are server-made, never from input. */
export interface BlobStore {
  /** Its writers hold an upload whole in memory (R2 takes whole objects), so the upload route may read a body
   *  whole; false where they stream to disk (Deno). */
  readonly holdsWhole: boolean;
  put(key: string, bytes: Uint8Array, contentType: string): Promise<void>;
  /** A writer for bytes whose key depends on their hash; `sizeHint` is an upper bound when known. */
  writer(sizeHint?: number): BlobWriter;
  get(key: string, range?: { offset: number; length?: number; suffix?: number }): Promise<BlobBody | null>;
  head(key: string): Promise<BlobMeta | null>;
  delete(key: string): Promise<void>;
}

/** The newest encoded version of one mosaic page: its storage key and URL name derive from these. */
export type MosaicPage = { page: number; version: number; pages: number; tiles: number };

/** A shot's overview: one cell per page (`cells[i]` is shard `shard`'s page `page`), at most 1024. */
export type MosaicOverview = {
  version: number;
  cells: Array<{ shard: number; page: number; tiles: number }>;
  photos: number;
};

/**
 * The group mosaic of one shot's photos on one shard of a room: a builder that keeps every tile (raw RGBA)
 * and encodes each page to an immutable JPEG in the blob store. A Durable Object on Cloudflare.
 */
export interface MosaicApi {
  /** The room recorded photos of the shot: the builder pulls their tiles once the uploads pause (mosaic-engine.ts). */
  poke(): Promise<Result>;
  /** A removed photo: it is absent from every version made after this resolves. */
  remove(photoId: string): Promise<void>;
  /** The newest version of `page` holding every tile the builder has, encoded first when needed. */
  latest(page: number): Promise<Result<MosaicPage>>;
  /** This builder's pages as overview cells (shard 0's builder asks the others). */
  cells(): Promise<Result<{ cells: PageCell[] }>>;
  /** The overview across the room's shards; asked of shard 0's builder. */
  overview(): Promise<Result<MosaicOverview>>;
}

export type Platform = {
  /** A room as one API, whatever its shards (sharded-room.ts routes each call). */
  room(roomId: string, locationHint?: string): RoomApi;
  /** Members' sockets one shard takes (SHARD_MEMBERS, K): a new room's shard count is chosen from it. */
  shardMembers: number;
  /** The most members a new room may expect (MAX_ROOM_MEMBERS). */
  maxRoomMembers: number;
  /** The mosaic builder of one shot's photos on one shard (0: the coordinator, or the whole room). */
  mosaic(roomId: string, shotId: string, shard?: number): MosaicApi;
  blobs: BlobStore;
  /** An HTTP cache (the Workers Cache API's caches.default, or Deno's caches). */
  cache: Cache | null;
  /** Null when AUTH_SECRET is missing or too short: token routes then answer 500 server_misconfigured. */
  authSecret: string | null;
  organizerKey: string | null;
  /** Origins besides the app's own whose pages may open room sockets (ALLOWED_ORIGINS). */
  allowedOrigins: string[];
  /** Per-IP request limits (logins, room creations, upload attempts). */
  limits: RateLimiter;
  /** The address a request came from, as the runtime knows it ("unknown" when it does not). */
  clientIp(request: Request): string;
  /** Runs work after the response (ctx.waitUntil on Workers). */
  waitUntil(p: Promise<unknown>): void;
  /** An answer decided before its request's body was read to its end: it goes out at once, and the rest of
   *  the body is dropped so the connection can carry the client's next request (discard-body.ts). Workers
   *  read and drop it before the answer ends; Deno cancels it, and its server drops the rest itself. */
  answerEarly(answer: Response, rest: UnreadBody): Promise<Response>;
};

/** The rest of a request body: read and dropped (within the route's cap), or cancelled. */
export type UnreadBody = { discard(): Promise<void>; cancel(): void };
