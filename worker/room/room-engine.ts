// The rules of one room, written once for every runtime: joins, clock pings, shots, uploads.
// Every state change runs synchronously to the end (SQLite calls are synchronous), so a room never
// interleaves two changes: the runtime's one-event-at-a-time delivery is the only lock needed.
import {
  CloseCode,
  ErrorCode,
  LIMITS,
  PROTOCOL_VERSION,
  WIDE_CLOCK_BOUND_MS,
  asFired,
  asJoin,
  asPing,
  asPlace,
  asReady,
  assertNever,
  fileUrl,
  isClientType,
  isSafeText,
  parseFrame,
  type ErrorCode as ErrorCodeT,
  type JoinMessage,
  type PhotoView,
  type RoomStats,
  type RoomView,
} from "../../shared/protocol.ts";
import { fail, type Failure } from "../http-error.ts";
import type {
  AccessCounts,
  PhotoInput,
  PhotoQuery,
  Result,
  RoomCalls,
  ShotReport,
  TileRecord,
  UploadedPhoto,
} from "../platform.ts";
import type { Conn, RoomHost } from "./room-host.ts";
import { Broadcast } from "./broadcast.ts";
import { PhotoIndex } from "./photo-index.ts";
import { Presence } from "./presence.ts";
import { momentProblem } from "../photos/photo-moment.ts";
import { migrateRoomSchema } from "./room-schema.ts";
import { ShotBook } from "./shot-book.ts";
import { RateLimiter } from "./rate-limiter.ts";
import { MosaicPokes } from "./mosaic-pokes.ts";
import type { RoomTotals, ShardCalls, ShardCounts, ShardInit, ShotAnnouncement } from "./shard-calls.ts";
import { RoomShards } from "./room-shards.ts";

const encoder = new TextEncoder();
/** The limit is in UTF-8 bytes; a frame's UTF-16 length alone only settles it below a third of it. */
const tooLarge = (raw: string) =>
  raw.length > LIMITS.maxFrameBytes ||
  (raw.length * 3 > LIMITS.maxFrameBytes && encoder.encode(raw).length > LIMITS.maxFrameBytes);

export type EngineConfig = {
  /** Signs a member's upload token (async: Web Crypto). */
  signUpload: (roomId: string, memberId: string) => Promise<string>;
  /** How long after `at` uploads are accepted, ms. */
  shotWindowMs: number;
  /** Members a room of one object takes (guests and viewers, each clientId once); rejoins always pass. */
  maxMembers: number;
  /** Members each object of a sharded room takes (SHARD_MEMBERS, K). */
  shardMembers: number;
  /** Uploads per second a shot's spread aims at (upload-spread.ts); 0: no spread. */
  uploadSpreadRate: number;
};

export class RoomEngine implements RoomCalls, ShardCalls {
  readonly presence: Presence;
  readonly photos: PhotoIndex;
  readonly out: Broadcast;
  readonly shots: ShotBook;
  private readonly limiter = new RateLimiter(LIMITS.framesPerSecond, LIMITS.frameBurst);
  /** `raw` with the room's clock (a shard's is set to its coordinator's). */
  private readonly host: RoomHost;
  /** This object's place in its room's shards (one of one for most rooms). */
  private readonly shards: RoomShards;
  private readonly mosaicPokes: MosaicPokes;

  constructor(
    private readonly raw: RoomHost,
    private readonly config: EngineConfig,
  ) {
    this.shards = new RoomShards(raw, {
      roomId: () => this.roomId,
      meta: (k) => this.meta(k),
      parts: () => this,
    });
    this.host = { ...raw, now: () => this.shards.now() };
    this.mosaicPokes = new MosaicPokes(() => raw.now());
    const host = this.host;
    // An id that was never created writes nothing (a request for a made-up room id must not leave storage
    // behind): the tables are made by create(), and brought up to date here for a room that exists.
    this.created = host.sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").length > 0;
    if (this.created) migrateRoomSchema(host.sql);
    this.shards.place(this.created);
    this.out = new Broadcast(
      host,
      {
        members: () => {
          const t = this.shards.memberCounts();
          return { count: t.members, ready: t.ready, wide: t.wide };
        },
        photos: (shotId) => this.shards.photoCount(shotId),
      },
      () => this.shards.sharded,
    );
    const local = (id: string) => this.shards.localId(id);
    this.presence = new Presence(host, () => this.shards.changed(() => this.out.membersChanged()), local);
    this.photos = new PhotoIndex(
      host,
      (key) => fileUrl(this.roomId, key),
      (shotId) => this.shards.changed(() => this.out.photosChanged(shotId)),
      local,
    );
    this.shots = new ShotBook(
      host,
      this.presence,
      this.photos,
      this.out,
      { windowMs: config.shotWindowMs, spreadRate: config.uploadSpreadRate },
      this.shards.shotShards(),
    );
  }

  // ---- calls between the objects of a sharded room (shard-calls.ts, room-shards.ts) ----

  initShard(init: ShardInit): Promise<void> {
    return this.shards.init(init, this.exists, () => {
      migrateRoomSchema(this.host.sql);
      this.created = true;
      this.host.sql.transaction(() => {
        const { index, ...meta } = init;
        for (const [k, v] of Object.entries({ ...meta, shardIndex: String(index), createdAt: String(this.host.now()) }))
          this.host.sql.exec("INSERT INTO meta (k, v) VALUES (?, ?)", k, v);
      });
    });
  }
  shardShoot(shot: ShotAnnouncement): Promise<void> {
    return this.exists ? this.shards.shardShoot(shot) : Promise.resolve();
  }
  shardDone(d: { shotId: string; uploaded: number; missing: number }): Promise<void> {
    return this.exists ? this.shards.shardDone(d) : Promise.resolve();
  }
  shardTotals(t: RoomTotals): Promise<void> {
    return this.exists ? this.shards.shardTotals(t) : Promise.resolve();
  }
  reportCounts(c: ShardCounts): { now: number } {
    return this.shards.reportCounts(c, this.exists);
  }
  clockNow(): number {
    return this.raw.now();
  }

  // ---- meta ----

  /** Whether this room's tables exist: only once create() ran. */
  private created: boolean;

  private meta(k: string): string | null {
    if (!this.created) return null;
    const [row] = this.host.sql.exec<{ v: string }>("SELECT v FROM meta WHERE k = ?", k);
    return row ? row.v : null;
  }
  private id: string | null = null;
  /** Immutable once the room exists, and read for every photo URL of a listing and every upload's
   *  checks: read once (a room that does not exist yet is read again). */
  get roomId(): string {
    return (this.id ??= this.meta("roomId")) ?? "";
  }
  get exists(): boolean {
    return this.roomId !== "";
  }
  isOwner(userId: string): boolean {
    return this.meta("ownerId") === userId;
  }

  /** The failure for a room that was never created, or null. */
  private requireRoom(): Failure | null {
    return this.exists ? null : fail(404, ErrorCode.RoomNotFound, "no such room");
  }

  /** requireRoom(), then the failure for anyone but the owner (`action`: what only the owner can do). */
  private requireOwner(userId: string, action: string): Failure | null {
    const missing = this.requireRoom();
    if (missing) return missing;
    return this.isOwner(userId) ? null : fail(403, ErrorCode.NotOwner, `only the room's owner ${action}`);
  }

  /** Creates the room (once); a room of several shards sets them all up before it answers. */
  async create(input: { roomId: string; ownerId: string; title: string }): Promise<RoomView> {
    if (!this.exists) {
      migrateRoomSchema(this.host.sql);
      this.created = true;
      this.host.sql.transaction(() => {
        for (const [k, v] of Object.entries({ ...input, createdAt: String(this.host.now()) }))
          this.host.sql.exec("INSERT INTO meta (k, v) VALUES (?, ?)", k, v);
      });
      this.shards.place(true);
    }
    await this.shards.setUp(input);
    return this.info()!;
  }

  info(): RoomView | null {
    if (!this.exists) return null;
    const shot = this.shots.latest();
    const t = this.shards.memberCounts();
    return {
      roomId: this.roomId,
      title: this.meta("title") ?? "",
      state: shot && shot.state === "pending" ? "shooting" : "waiting",
      members: t.members,
      ready: t.ready,
      wide: t.wide,
      photos: this.shards.photoTotal(),
      ...(shot ? { shot } : {}),
    };
  }

  // ---- sockets ----

  /** Handles one frame. `ts` is the server time stamped first thing on arrival (for pongs). */
  onMessage(conn: Conn, raw: string | ArrayBuffer, arrived: number): void | Promise<void> {
    // A shard's stamps are in its coordinator's time: every member syncs to the one clock of the room.
    const ts = this.shards.toRoomTime(arrived);
    if (typeof raw !== "string" || tooLarge(raw)) {
      this.error(conn, ErrorCode.FrameTooLarge, `frames are JSON text of at most ${LIMITS.maxFrameBytes} bytes`);
      return conn.close(CloseCode.TooBig, "frame too large");
    }
    const verdict = this.limiter.take(conn, ts);
    if (verdict === "close") return conn.close(CloseCode.RateLimited, "rate limited");
    if (verdict === "warn") return this.error(conn, ErrorCode.RateLimited, "too many frames; slow down");
    if (verdict === "drop") return;
    const msg = parseFrame(raw);
    if (!msg) return this.error(conn, ErrorCode.BadJson, "frame is not a JSON object");
    if (!isClientType(msg.type))
      return this.error(conn, ErrorCode.UnknownType, `unknown type ${JSON.stringify(msg.type)}`);
    switch (msg.type) {
      case "ping": {
        const ping = asPing(msg);
        if (!ping) return this.error(conn, ErrorCode.BadMessage, "ping needs numeric id and t0");
        const te = this.shards.stampError();
        this.out.sendTo(conn, { type: "pong", id: ping.id, t0: ping.t0, ts, ...(te > 0 ? { te } : {}) });
        // Only a joined guest's round trip leads shots: a guest is who must get the shoot in time.
        const who = conn.attachment();
        if (ping.rtt !== undefined && who?.role === "guest") this.shots.noteRtt(conn, who.memberId, ping.rtt);
        return;
      }
      case "join": {
        if (msg.v !== PROTOCOL_VERSION) {
          this.error(conn, ErrorCode.VersionMismatch, `server speaks protocol v${PROTOCOL_VERSION}`);
          return conn.close(CloseCode.VersionMismatch, "protocol version mismatch");
        }
        const join = asJoin(msg);
        if (!join && typeof msg.name === "string" && !isSafeText(msg.name))
          return this.error(conn, ErrorCode.BadName, "names may not hold control or bidirectional-override characters");
        if (!join)
          return this.error(conn, ErrorCode.BadMessage, "join needs v, clientId ([A-Za-z0-9_-]{1,64}) and name");
        return this.join(conn, join);
      }
      case "fired": {
        const fired = asFired(msg);
        const who = conn.attachment();
        if (!fired) return this.error(conn, ErrorCode.BadMessage, "fired needs shotId, firedAt, offset, error");
        if (!who) return this.error(conn, ErrorCode.NotJoined, "join first");
        const recorded = this.shots.recordFired(fired, who.memberId);
        if (recorded === "not_expected") return this.error(conn, ErrorCode.NoSuchShot, "no such shot for this member");
        if (recorded === "out_of_range")
          return this.error(
            conn,
            ErrorCode.BadMessage,
            `firedAt must lie within ${LIMITS.maxFireSkewMs} ms of the shot's instant and upload deadline`,
          );
        return;
      }
      case "ready": {
        const ready = asReady(msg);
        if (!ready) return this.error(conn, ErrorCode.BadMessage, "ready needs a non-negative error");
        if (!conn.attachment()) return this.error(conn, ErrorCode.NotJoined, "join first");
        return this.presence.markReady(conn, ready.error > WIDE_CLOCK_BOUND_MS);
      }
      case "place": {
        const place = asPlace(msg);
        const who = conn.attachment();
        if (!place)
          return this.error(conn, ErrorCode.BadMessage, `place is null or a number from 0 to ${LIMITS.maxPlace}`);
        if (!who) return this.error(conn, ErrorCode.NotJoined, "join first");
        return this.presence.setPlace(who.memberId, place.place);
      }
      default:
        return assertNever(msg.type);
    }
  }

  onClose(conn: Conn): void {
    this.limiter.forget(conn);
    this.presence.detach(conn);
  }

  private async join(conn: Conn, join: JoinMessage): Promise<void> {
    if (!this.exists) return conn.close(CloseCode.UnknownRoom, "unknown room");
    // The URL named the client the socket is for (a sharded room routes by it): a join as anyone else is a
    // client bug that a retry repeats, so the socket is closed with a code that stops its reconnects.
    const opened = conn.clientId();
    if (opened !== null && opened !== join.clientId) {
      this.error(conn, ErrorCode.ClientIdMismatch, "join's clientId differs from the socket URL's clientId");
      return conn.close(CloseCode.ClientIdMismatch, "clientId mismatch");
    }
    const role = join.role ?? "guest";
    const name = join.name || "Guest";
    const known = this.presence.member(join.clientId);
    const current = conn.attachment();
    // A socket is one client: another clientId on it would count or act as someone else.
    if (current && known?.member_id !== current.memberId)
      return this.error(conn, ErrorCode.AlreadyJoined, "this socket already joined as another client; open a new one");
    const sharded = this.shards.sharded;
    const cap = sharded ? this.config.shardMembers : this.config.maxMembers;
    if (known === null && this.memberCount() >= cap) {
      this.error(conn, ErrorCode.RoomFull, `this room is full (${cap} members${sharded ? " in this shard" : ""})`);
      return conn.close(CloseCode.RoomFull, "room full");
    }
    const memberId = this.presence.join(join.clientId, known, name, role);
    if (known === null && this.members !== null) this.members++;
    this.presence.attach(conn, { memberId, role, name });
    const follow = role === "guest" ? this.shots.onGuestJoined(memberId) : this.shots.currentShootFrame();
    const room = this.info()!;
    // The only await in the room: the state above is complete, so what interleaves here sees it whole.
    const uploadToken = role === "guest" ? await this.config.signUpload(this.roomId, memberId) : "";
    this.out.sendTo(conn, { type: "welcome", v: PROTOCOL_VERSION, memberId, uploadToken, room });
    if (follow) this.out.sendTo(conn, follow);
  }

  /** Members so far: counted once per wake-up, then kept (a COUNT per join would scan the whole table). */
  private members: number | null = null;
  private memberCount(): number {
    this.members ??= this.presence.memberCount();
    return this.members;
  }

  private error(conn: Conn, code: ErrorCodeT, message: string): void {
    this.out.sendTo(conn, { type: "error", code, message });
  }

  // ---- HTTP-facing operations (RPC on Workers, direct calls on Deno) ----

  /** Announces a shot; a sharded room answers once every shard has it. */
  async shoot(userId: string): Promise<Result<{ shotId: string; at: number; spreadMs: number; created: boolean }>> {
    const refused = this.requireOwner(userId, "can shoot");
    if (refused) return refused;
    return { ok: true, ...(await this.shards.shoot(() => this.shots.shoot())) };
  }

  checkUpload(memberId: string, shotId: string | undefined): Result<{ shotId: string; at: number; photo?: PhotoView }> {
    const missing = this.requireRoom();
    if (missing) return missing;
    return this.shots.checkUpload(memberId, shotId);
  }

  recordPhoto(input: PhotoInput) {
    // The check and the write run in one synchronous turn: nothing can land in between.
    const check = this.checkUpload(input.memberId, input.shotId);
    if (!check.ok) return check;
    if (check.photo) {
      const { photoId, url, thumbUrl } = check.photo;
      return { ok: true as const, photo: { photoId, url, thumbUrl }, created: false };
    }
    const problem = momentProblem(input, check.at);
    if (problem) return problem;
    let recorded: { ok: true; photo: UploadedPhoto; created: true };
    try {
      recorded = this.host.sql.transaction(() => {
        const photo = this.photos.addPhoto({ ...input, shotId: check.shotId });
        this.shots.onPhoto(check.shotId);
        return { ok: true as const, photo, created: true as const };
      });
    } catch (e) {
      this.shots.forgetAll();
      this.photos.forgetCounts();
      throw e;
    }
    return this.mosaicPokes.due(check.shotId) ? { ...recorded, pokeMosaic: true as const } : recorded;
  }

  listPhotos(q: PhotoQuery) {
    const missing = this.requireRoom();
    if (missing) return missing;
    const after = q.cursor === undefined ? 0 : Number(q.cursor);
    if (!Number.isSafeInteger(after) || after < 0)
      return fail(400, ErrorCode.BadCursor, "cursor is not one this server gave");
    const { photos, last } = this.photos.list(q, after);
    return { ok: true as const, photos, ...(last !== null ? { next: String(last) } : {}) };
  }

  removePhoto(userId: string, photoId: string): Result<{ keys: string[]; shotId: string }> {
    const refused = this.requireOwner(userId, "can remove photos");
    if (refused) return refused;
    const removed = this.photos.removePhoto(photoId);
    if (!removed) return fail(404, ErrorCode.PhotoNotFound, "no such photo");
    return { ok: true, keys: removed.keys, shotId: removed.shotId };
  }

  tiles(shotId: string): Result<{ tiles: TileRecord[] }> {
    const missing = this.requireRoom();
    if (missing) return missing;
    if (this.shots.resolve(shotId) === null) return fail(404, ErrorCode.ShotNotFound, "no such shot");
    return { ok: true, tiles: this.photos.tiles(shotId) };
  }

  findShot(shotId: string | undefined): Result<{ shotId: string }> {
    const missing = this.requireRoom();
    if (missing) return missing;
    const found = this.shots.resolve(shotId);
    if (found !== null) return { ok: true, shotId: found };
    return fail(404, ErrorCode.ShotNotFound, shotId === undefined ? "this room has no shot yet" : "no such shot");
  }

  ownerShot(userId: string, shotId: string | undefined): Result<{ shotId: string }> {
    const refused = this.requireOwner(userId, "can download the shot");
    if (refused) return refused;
    const id = this.shots.resolve(shotId);
    return id === null ? fail(404, ErrorCode.ShotNotFound, "no such shot") : { ok: true, shotId: id };
  }

  // ---- image reads served for this room (counted by the Worker, added here in batches) ----

  countAccess(d: AccessCounts): void {
    if (!this.exists) return;
    for (const name of ["r2Reads", "cacheHits"] as const) {
      const n = d[name];
      if (!Number.isSafeInteger(n) || n <= 0) continue;
      this.host.sql.exec(
        "INSERT INTO counters (name, n) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET n = n + excluded.n",
        name,
        n,
      );
    }
  }

  stats(userId: string): Result<{ stats: RoomStats }> {
    const refused = this.requireOwner(userId, "sees its stats");
    if (refused) return refused;
    const counter = (name: keyof AccessCounts) =>
      this.host.sql.exec<{ n: number }>("SELECT n FROM counters WHERE name = ?", name)[0]?.n ?? 0;
    const t = this.shards.memberCounts();
    const shards = this.shards.perShard();
    return {
      ok: true,
      stats: {
        r2Reads: counter("r2Reads"),
        cacheHits: counter("cacheHits"),
        members: t.members,
        photos: this.shards.photoTotal(),
        ...(shards ? { shards } : {}),
      },
    };
  }

  shotReport(userId: string, shotId: string): Result<{ report: ShotReport }> {
    const refused = this.requireOwner(userId, "sees shot reports");
    if (refused) return refused;
    const report = this.shots.report(shotId);
    return report ? { ok: true, report } : fail(404, ErrorCode.ShotNotFound, "no such shot");
  }

  onAlarm(): void {
    this.shots.onAlarm();
  }
}
