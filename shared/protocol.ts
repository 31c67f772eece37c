// The Simulshot wire protocol: every WebSocket frame and the JSON views the HTTP API returns.
// Shared verbatim by the worker, the web app, the tests and the k6 load test: no npm imports.

export const PROTOCOL_VERSION = 1;

/** Limits the server enforces; clients can read them to stay inside. */
export const LIMITS = {
  maxFrameBytes: 4096,
  maxNameLength: 40,
  maxClientIdLength: 64,
  maxTitleLength: 80,
  /** Frames per connection per second, sustained (token bucket). Per socket, never per IP: a venue's
   *  phones share one IP. The burst lets a whole clock-sync round through at full speed. */
  framesPerSecond: 50,
  frameBurst: 64,
  maxPhotoBytes: 15 * 1024 * 1024,
  /** Pixels in a photo, read from its bitstream (a 48 MP phone camera's 8000×6000 fits). */
  maxPhotoPixels: 50_000_000,
  maxThumbBytes: 256 * 1024,
  maxTileBytes: 64 * 1024,
  /** A place on the sweep's ring: degrees (0–360) or a seat number the organiser hands out. */
  maxPlace: 100_000,
  /** Bounds on the numbers a client reports (ms); anything outside is refused, never stored. An `rtt` or an
   *  `error` past a minute is no clock sync; an offset past a century is no phone's clock. */
  maxRttMs: 60_000,
  maxClockErrorMs: 60_000,
  maxOffsetMs: 100 * 365.25 * 86_400_000,
  /** A `fired` report's `firedAt` lies within this of its shot's `at` or upload deadline (a late phone
   *  fires when the shoot reaches it, at most the upload window after `at`). */
  maxFireSkewMs: 60_000,
  /** An upload's `frameAt` lies within this of its shot's `at`, ms (its `bound` within maxClockErrorMs). */
  maxFrameOffsetMs: 60_000,
  /** The longest upload spread a shoot may ask for, ms: a client waits at most this long before uploading. */
  maxUploadSpreadMs: 3_600_000,
} as const;

/** A clock bound wider than this (ms) cannot promise the shot's instant to a video frame (33 ms at 30 fps):
 *  on such a network the one-way delay cannot be told apart from the clock offset. Guests over it are
 *  counted apart (`members.wide`) so the organiser sees them before shooting. */
export const WIDE_CLOCK_BOUND_MS = 16;

/** A mosaic overview is served as stored for this long before its cells are gathered again (ms): a client that
 *  saw the photos change reads it once more after this, so the last pages of a burst are never left out. */
export const OVERVIEW_FRESH_MS = 2000;

/** `error.code` values in `error` frames and in HTTP error bodies: clients compare against these. */
export const ErrorCode = {
  BadJson: "bad_json",
  BadMessage: "bad_message",
  UnknownType: "unknown_type",
  VersionMismatch: "version_mismatch",
  NotJoined: "not_joined",
  FrameTooLarge: "frame_too_large",
  RateLimited: "rate_limited",
  NoSuchShot: "no_such_shot",
  RoomNotFound: "room_not_found",
  /** The room has as many members as it takes; members already in it can still rejoin. */
  RoomFull: "room_full",
  /** A socket joins once: a join as another client needs its own socket. */
  AlreadyJoined: "already_joined",
  /** A join's clientId differs from the one in the socket's URL (`?clientId=`): the socket is closed. */
  ClientIdMismatch: "client_id_mismatch",
  Internal: "internal",
  // HTTP only
  BadBound: "bad_bound",
  /** The socket URL's `clientId` is not an id (`[A-Za-z0-9_-]{1,64}`): the upgrade is refused. */
  BadClientId: "bad_client_id",
  BadCursor: "bad_cursor",
  /** A new room's `expected` (how many members the organiser expects) is not a whole number in range. */
  BadExpected: "bad_expected",
  BadForm: "bad_form",
  BadFrameAt: "bad_frame_at",
  BadKey: "bad_key",
  BadLimit: "bad_limit",
  BadMember: "bad_member",
  BadName: "bad_name",
  BadPage: "bad_page",
  BadRequest: "bad_request",
  BadThumb: "bad_thumb",
  BadTile: "bad_tile",
  BadTitle: "bad_title",
  BadToken: "bad_token",
  BodyInterrupted: "body_interrupted",
  BodyTooLarge: "body_too_large",
  FileNotFound: "file_not_found",
  ImageTooLarge: "image_too_large",
  MalformedImage: "malformed_image",
  MissingPhoto: "missing_photo",
  NotAnImage: "not_an_image",
  NotFound: "not_found",
  NotInShot: "not_in_shot",
  NotOwner: "not_owner",
  /** A WebSocket upgrade from a page of another origin (not the app's own, not in ALLOWED_ORIGINS). */
  OriginNotAllowed: "origin_not_allowed",
  PageNotFound: "page_not_found",
  PhotoNotFound: "photo_not_found",
  PhotoTooLarge: "photo_too_large",
  RangeNotSatisfiable: "range_not_satisfiable",
  /** The server has no AUTH_SECRET of at least 32 bytes: it refuses every route that signs or checks a token. */
  ServerMisconfigured: "server_misconfigured",
  RoomUnavailable: "room_unavailable",
  ShotClosed: "shot_closed",
  ShotNotFound: "shot_not_found",
  ThumbTooLarge: "thumb_too_large",
  TileTooLarge: "tile_too_large",
  TruncatedImage: "truncated_image",
  Unauthorized: "unauthorized",
  UndecodableImage: "undecodable_image",
  UpgradeRequired: "upgrade_required",
  WrongRoom: "wrong_room",
  /** A ZIP link's token names another shot than the one asked for. */
  WrongShot: "wrong_shot",
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Ids on the wire are base64url characters: a room's 22 (128 random bits, hard to guess), a client's,
 *  member's, shot's or photo's 1–64. A room spread over S > 1 shards has `-S` after its 22 (the Worker
 *  routes by it without asking anyone); a member or photo of shard i > 0 ends in `-i` (shard-routing.ts). */
export const ID_CHARS = "[A-Za-z0-9_-]";
export const ROOM_ID = new RegExp(`^${ID_CHARS}{22}(?:-[1-9][0-9]{0,4})?$`);
export const ID = new RegExp(`^${ID_CHARS}{1,64}$`);

/** The public URL of a stored file of a room: its key's last segment, under the room. */
export function fileUrl(roomId: string, key: string): string {
  return `/api/rooms/${roomId}/files/${key.slice(key.lastIndexOf("/") + 1)}`;
}

/** Where a photo of shot `shotId` is uploaded. The shot in the query (the form's `shotId` field may repeat it) lets
 *  the server ask the room before the body has arrived, and read the body whole where that is cheaper. */
export function uploadPath(roomId: string, shotId: string): string {
  return `/api/rooms/${roomId}/photos?shot=${encodeURIComponent(shotId)}`;
}

/** The query parameter of `GET /api/rooms/:roomId/ws` that names the client the socket is for (the same id
 *  as its `join`), so a sharded room can route it to the member's shard before any frame is read. */
export const CLIENT_ID_PARAM = "clientId";

/** A room socket's URL for one client: `url` (…/api/rooms/:roomId/ws) with its clientId. */
export function socketUrl(url: string, clientId: string): string {
  return `${url}${url.includes("?") ? "&" : "?"}${CLIENT_ID_PARAM}=${encodeURIComponent(clientId)}`;
}

/** WebSocket close codes the server uses (4000–4999 are application codes). */
export const CloseCode = {
  Normal: 1000,
  GoingAway: 1001,
  TooBig: 1009,
  Internal: 1011,
  VersionMismatch: 4000,
  RateLimited: 4001,
  RoomFull: 4003,
  UnknownRoom: 4004,
  /** After an `error` frame `client_id_mismatch`: the socket was opened for another client. */
  ClientIdMismatch: 4005,
} as const;
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

export type Role = "guest" | "viewer";

// ---- client → server ----
export type JoinMessage = { type: "join"; v: number; clientId: string; name: string; role?: Role };
/** `rtt`: the client's last measured round trip (ms), so the server can lead shots far enough ahead. */
export type PingMessage = { type: "ping"; id: number; t0: number; rtt?: number };
export type FiredMessage = {
  type: "fired";
  shotId: string;
  /** The instant the client fired, in server milliseconds (its own clock + its offset estimate). */
  firedAt: number;
  /** Estimated offset θ = server − client, ms. */
  offset: number;
  /** Stated error bound of the offset estimate, ms. */
  error: number;
  /** True when the shoot arrived after `at`, so the client fired as soon as it could. */
  late?: boolean;
};
/** Sent after the client's first clock sync on a connection: it is ready to fire, within ±`error` ms. Sent
 *  again only when the bound crosses WIDE_CLOCK_BOUND_MS, so the room's `wide` count follows it. */
export type ReadyMessage = { type: "ready"; error: number };
/** The guest's place on the ring around the subject, for the bullet-time sweep (null clears it). */
export type PlaceMessage = { type: "place"; place: number | null };
export type ClientMessage = JoinMessage | PingMessage | FiredMessage | ReadyMessage | PlaceMessage;

// ---- server → client ----
export type ShotView = {
  shotId: string;
  /** The instant to fire, server ms. */
  at: number;
  /** Uploads for this shot are accepted until then, server ms. */
  deadline: number;
  state: "pending" | "done";
  expected: number;
  uploaded: number;
};
export type RoomView = {
  roomId: string;
  title: string;
  state: "waiting" | "shooting";
  members: number;
  /** Members whose clock is synced (they sent `ready` on their current connection). */
  ready: number;
  /** Of those, members whose clock bound is over WIDE_CLOCK_BOUND_MS (a network too slow to prove better). */
  wide: number;
  photos: number;
  shot?: ShotView;
};
export type WelcomeMessage = {
  type: "welcome";
  v: number;
  memberId: string;
  /** Bearer token for POST /photos; empty for viewers. */
  uploadToken: string;
  room: RoomView;
};
/** `te`: how far the stamp may be from the room's clock, ms (a shard's stamps are its coordinator's time, known
 *  within its own sync's bound); absent means exact. */
export type PongMessage = { type: "pong"; id: number; t0: number; ts: number; te?: number };
/** Guests connected, how many of them have synced their clock (the organiser shoots when all have), and how
 *  many of those only within a bound over WIDE_CLOCK_BOUND_MS. */
export type MembersMessage = { type: "members"; count: number; ready: number; wide: number };
/** `spreadMs`: uploads are spread over [at, at + spreadMs]: each client starts its upload at a random moment
 *  in it, so a big room asks the server for a steady rate rather than one spike (0 in a small room; absent
 *  from a server before the spread, read as 0). The upload deadline allows for it. */
export type ShootMessage = { type: "shoot"; shotId: string; at: number; spreadMs?: number };
/** Sent to a member who joined after `at`: it cannot take part in this shot. */
export type MissedMessage = { type: "missed"; shotId: string; at: number };
export type PhotosMessage = { type: "photos"; count: number; shotId?: string };
export type ShotDoneMessage = { type: "shot-done"; shotId: string; uploaded: number; missing: number };
export type ErrorMessage = { type: "error"; code: ErrorCode; message: string };
export type ServerMessage =
  | WelcomeMessage
  | PongMessage
  | MembersMessage
  | ShootMessage
  | MissedMessage
  | PhotosMessage
  | ShotDoneMessage
  | ErrorMessage;

// ---- HTTP views ----
export type PhotoView = {
  photoId: string;
  shotId: string;
  memberId: string;
  name: string;
  url: string;
  thumbUrl: string | null;
  bytes: number;
  firedAt?: number;
  /** The member's place on the ring around the subject (degrees, or a seat number), for the bullet-time sweep. */
  place?: number;
  /** The photo's camera frame time minus the shot's `at`, ms (server clock), when the phone sent it. */
  frameOffset?: number;
  /** The phone's clock error bound when it took the photo, ms. */
  bound?: number;
};
export type PhotoPage = { photos: PhotoView[]; next?: string };
/** One group-mosaic page's newest version (`GET …/mosaic` with `Accept: application/json`); `pages` pages in all. */
export type MosaicPageView = {
  shotId: string;
  url: string;
  /** The shard whose members' photos the page holds (0 in a room of one object). */
  shard: number;
  page: number;
  /** Pages of this shard's mosaic. */
  pages: number;
  tiles: number;
  version: number;
};
/** A shot's overview (`GET …/mosaic/overview` with `Accept: application/json`): one cell per page of every shard,
 *  `cols` × `rows` cells of equal size, `cells[i]` the i-th left to right, top to bottom; at most 1024. */
export type MosaicOverviewView = {
  shotId: string;
  url: string;
  version: number;
  cols: number;
  rows: number;
  photos: number;
  cells: Array<{ shard: number; page: number; tiles: number }>;
};
/** GET /api/rooms/:roomId/shots/:shotId (owner): how each expected member fired and whether it uploaded. */
export type ShotReport = ShotView & {
  members: Array<{
    memberId: string;
    name: string;
    /** firedAt − at by the member's own clock estimate, ms; null when it sent no `fired` report. */
    fireError: number | null;
    /** The member's stated clock error bound, ms. */
    error: number | null;
    late: boolean;
    uploaded: boolean;
    /** What the photo shows: its frame's time minus `at`, ms; null without a photo or an old client's. */
    frameOffset: number | null;
    /** The clock bound the photo was sent with, ms. */
    frameBound: number | null;
  }>;
};
/** GET /api/rooms/:roomId/stats (owner): image reads served from the store vs from the HTTP cache. */
export type RoomStats = {
  r2Reads: number;
  cacheHits: number;
  members: number;
  photos: number;
  /** A room of several shards: each shard's connected guests and open sockets, as it last reported them. */
  shards?: Array<{ index: number; members: number; sockets: number }>;
};
export type ApiError = { error: { code: string; message: string } };

// ---- guards: each returns the typed message or null, never throws ----

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const isFiniteNum = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);
const ID_RUN = new RegExp(`^${ID_CHARS}+$`);
/** A finite number within [min, max]: the guards' check, and the server's on numbers read back from storage. */
export const inRange = (v: unknown, min: number, max: number): v is number =>
  typeof v === "number" && Number.isFinite(v) && v >= min && v <= max;
/** Largest magnitude of an echoed or timestamp number: Date's range, and exact in a double. */
const MAX_TIME = 8.64e15;

/** Control characters (C0, DEL, C1), bidirectional marks, embeddings, overrides and isolates, line and
 *  paragraph separators, and lone surrogates: what could reorder or hide the text around a name or title. */
// With the u flag a surrogate range matches only lone halves: a pair is one code point (an emoji).
const UNSAFE_TEXT = /[\p{Cc}\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff]/u;
/** Whether a name or title is safe to show to everyone else. */
export const isSafeText = (s: string): boolean => !UNSAFE_TEXT.test(s);
const isId = (v: unknown, max: number): v is string =>
  typeof v === "string" && v.length > 0 && v.length <= max && ID_RUN.test(v);

/** Parses a frame as JSON; null when it is not a JSON object. */
export function parseFrame(raw: string): Obj | null {
  try {
    const v: unknown = JSON.parse(raw);
    return isObj(v) ? v : null;
  } catch {
    return null;
  }
}

export function asJoin(m: Obj): JoinMessage | null {
  if (m.type !== "join" || !isFiniteNum(m.v) || !isId(m.clientId, LIMITS.maxClientIdLength)) return null;
  if (typeof m.name !== "string" || m.name.length > LIMITS.maxNameLength || !isSafeText(m.name)) return null;
  if (m.role !== undefined && m.role !== "guest" && m.role !== "viewer") return null;
  return { type: "join", v: m.v, clientId: m.clientId, name: m.name.trim(), role: m.role ?? "guest" };
}

export function asPing(m: Obj): PingMessage | null {
  if (m.type !== "ping" || !inRange(m.id, -MAX_TIME, MAX_TIME) || !inRange(m.t0, -MAX_TIME, MAX_TIME)) return null;
  if (m.rtt !== undefined && !inRange(m.rtt, 0, LIMITS.maxRttMs)) return null;
  return m.rtt === undefined ? { type: "ping", id: m.id, t0: m.t0 } : { type: "ping", id: m.id, t0: m.t0, rtt: m.rtt };
}

export function asFired(m: Obj): FiredMessage | null {
  if (m.type !== "fired" || !isId(m.shotId, 64)) return null;
  // Only the shape here: the room checks `firedAt` against its shot's `at`.
  if (!inRange(m.firedAt, 0, MAX_TIME) || !inRange(m.offset, -LIMITS.maxOffsetMs, LIMITS.maxOffsetMs)) return null;
  if (!inRange(m.error, 0, LIMITS.maxClockErrorMs)) return null;
  if (m.late !== undefined && typeof m.late !== "boolean") return null;
  return {
    type: "fired",
    shotId: m.shotId,
    firedAt: m.firedAt,
    offset: m.offset,
    error: m.error,
    late: m.late === true,
  };
}

export function asReady(m: Obj): ReadyMessage | null {
  if (m.type !== "ready" || !inRange(m.error, 0, LIMITS.maxClockErrorMs)) return null;
  return { type: "ready", error: m.error };
}

export function asPlace(m: Obj): PlaceMessage | null {
  if (m.type !== "place") return null;
  if (m.place === null) return { type: "place", place: null };
  if (!isFiniteNum(m.place) || m.place < 0 || m.place > LIMITS.maxPlace) return null;
  return { type: "place", place: m.place };
}

const CLIENT_TYPES = new Set(["join", "ping", "fired", "ready", "place"]);
export const isClientType = (t: unknown): t is ClientMessage["type"] => typeof t === "string" && CLIENT_TYPES.has(t);

/** Validates a server frame on the client side (a client must not trust what it cannot parse). */
export function asServerMessage(m: Obj): ServerMessage | null {
  switch (m.type) {
    case "welcome":
      return typeof m.memberId === "string" && typeof m.uploadToken === "string" && isObj(m.room) && isFiniteNum(m.v)
        ? (m as ServerMessage)
        : null;
    case "pong":
      if (!isFiniteNum(m.id) || !isFiniteNum(m.t0) || !isFiniteNum(m.ts)) return null;
      // An uncertainty the client cannot use is none it can trust: the pong is dropped.
      return m.te === undefined || inRange(m.te, 0, 60_000) ? (m as ServerMessage) : null;
    case "members":
      return isFiniteNum(m.count) && isFiniteNum(m.ready) && isFiniteNum(m.wide) ? (m as ServerMessage) : null;
    case "shoot":
      if (typeof m.shotId !== "string" || !isFiniteNum(m.at)) return null;
      // A spread the client cannot use (missing, not a number, out of range) is no spread: the shot still fires.
      return {
        type: "shoot",
        shotId: m.shotId,
        at: m.at,
        spreadMs: inRange(m.spreadMs, 0, LIMITS.maxUploadSpreadMs) ? m.spreadMs : 0,
      };
    case "missed":
      return typeof m.shotId === "string" && isFiniteNum(m.at) ? (m as ServerMessage) : null;
    case "photos":
      return isFiniteNum(m.count) ? (m as ServerMessage) : null;
    case "shot-done":
      return typeof m.shotId === "string" && isFiniteNum(m.uploaded) && isFiniteNum(m.missing)
        ? (m as ServerMessage)
        : null;
    case "error":
      return typeof m.code === "string" && typeof m.message === "string" ? (m as ServerMessage) : null;
    default:
      return null;
  }
}

/** Compile-time exhaustiveness check for switches over message unions. */
export function assertNever(x: never): never {
  throw new Error(`unhandled case: ${JSON.stringify(x)}`);
}
