// Shots of one room: announcing `at` and the upload spread, who is expected, fired reports, the upload
// deadline (an alarm, so it survives eviction and restarts) and completion.
import {
  ErrorCode,
  LIMITS,
  inRange,
  type FiredMessage,
  type MissedMessage,
  type PhotoView,
  type ShootMessage,
  type ShotView,
} from "../../shared/protocol.ts";
import { fail } from "../http-error.ts";
import type { Result, ShotReport } from "../platform.ts";
import type { Conn, RoomHost } from "./room-host.ts";
import type { Broadcast } from "./broadcast.ts";
import { newId } from "./new-id.ts";
import type { PhotoIndex } from "./photo-index.ts";
import type { Presence } from "./presence.ts";
import type { ShotAnnouncement } from "./shard-calls.ts";
import { KeptCounts } from "./kept-counts.ts";
import { ShotLead } from "./shot-lead.ts";
import { uploadSpreadMs } from "./upload-spread.ts";

type ShotRow = { shot_id: string; seq: number; at: number; deadline: number; done: number; spread_ms: number };

/** `windowMs`: how long uploads are accepted after the spread ends; `spreadRate`: uploads/s the spread aims at. */
export type ShotTimes = { windowMs: number; spreadRate: number };

/** What a shot needs from the room's other shards (room-engine.ts). A room of one object: its own numbers,
 *  no fan-out. A shard of a sharded room: shots come from its coordinator and it never completes one. */
export type ShotShards = {
  role(): "single" | "coordinator" | "shard";
  /** Guests connected room-wide: the spread's size. */
  guests(): number;
  /** A shot's numbers room-wide from this object's own, and whether every shard's are in. */
  totals(
    shotId: string,
    own: { expected: number; uploaded: number },
  ): { expected: number; uploaded: number; final: boolean };
  /** The slowest other shard's recent round trip, ms (0 when there is none). */
  otherRtt(): number;
  /** A new shot, before this object's own sockets get it: starts its fan-out to the shards. */
  announce(shot: ShotAnnouncement): void;
  /** A completed shot, after this object's own sockets were told: passes it on. */
  done(d: { shotId: string; uploaded: number; missing: number }): void;
};

export class ShotBook {
  private readonly lead: ShotLead;
  /** Shot rows by id, and each shot's expected members: this object alone writes both tables (record, complete,
   *  markDone, onGuestJoined), so it keeps these in step; read from SQLite on first use after every wake-up.
   *  Every upload reads its shot twice and completion counts its members, which a COUNT did per upload. */
  private readonly rows = new Map<string, ShotRow>();
  private readonly expectedCounts = new KeptCounts();

  constructor(
    private readonly host: RoomHost,
    private readonly presence: Presence,
    private readonly photos: PhotoIndex,
    private readonly out: Broadcast,
    private readonly times: ShotTimes,
    private readonly shards: ShotShards,
  ) {
    this.lead = new ShotLead(host);
  }

  /** The round trip most of this object's recent guests are at or under (a shard reports it up). */
  percentileRtt(): number {
    return this.lead.percentileRtt();
  }

  /** A guest's reported round trip, for the lead of the next shot. */
  noteRtt(conn: Conn, memberId: string, rtt: number): void {
    this.lead.note(conn, memberId, rtt);
  }

  private latestRow(): ShotRow | null {
    const [row] = this.host.sql.exec<ShotRow>("SELECT * FROM shots ORDER BY seq DESC LIMIT 1");
    return row ?? null;
  }

  private row(shotId: string): ShotRow | null {
    const kept = this.rows.get(shotId);
    if (kept) return kept;
    const [row] = this.host.sql.exec<ShotRow>("SELECT * FROM shots WHERE shot_id = ?", shotId);
    // Only shots that exist are kept: anyone may name any id.
    if (row) this.rows.set(shotId, row);
    return row ?? null;
  }

  /** After a write that rolled back: what is kept may be ahead of SQLite. */
  forgetAll(): void {
    this.rows.clear();
    this.expectedCounts.clear();
  }

  private count(sql: string, ...p: string[]): number {
    return this.host.sql.exec<{ n: number }>(sql, ...p)[0]?.n ?? 0;
  }

  /** This object's own members expected in a shot, and their photos. */
  own(shotId: string): { expected: number; uploaded: number } {
    return {
      expected: this.expectedCounts.get(
        shotId,
        () => this.count("SELECT COUNT(*) AS n FROM shot_members WHERE shot_id = ?", shotId),
        () => this.rows.has(shotId),
      ),
      uploaded: this.photos.photoCount(shotId),
    };
  }

  private viewOf(r: ShotRow): ShotView & { final: boolean } {
    const { expected, uploaded, final } = this.shards.totals(r.shot_id, this.own(r.shot_id));
    return {
      shotId: r.shot_id,
      at: r.at,
      deadline: r.deadline,
      state: r.done ? "done" : "pending",
      expected,
      uploaded,
      final,
    };
  }

  /** The latest shot's id, or null. */
  latestId(): string | null {
    return this.latestRow()?.shot_id ?? null;
  }

  /** The id of `shotId` when it exists, or of the latest shot when it is undefined; null otherwise. */
  resolve(shotId: string | undefined): string | null {
    const r = shotId === undefined ? this.latestRow() : this.row(shotId);
    return r ? r.shot_id : null;
  }

  latest(): ShotView | null {
    const r = this.latestRow();
    if (!r) return null;
    const { final: _, ...view } = this.viewOf(r);
    return view;
  }

  private shootFrame(r: ShotRow): ShootMessage {
    return { type: "shoot", shotId: r.shot_id, at: r.at, spreadMs: r.spread_ms };
  }

  /** Announces a shot, or returns the one still pending (an owner who shoots twice gets one shot). Its
   *  uploads are spread over [at, at + spreadMs]; the deadline is the upload window after the spread's end,
   *  so the last client to start has the same time to finish as the first. */
  shoot(): { shotId: string; at: number; spreadMs: number; created: boolean } {
    const pending = this.latestRow();
    if (pending && !pending.done)
      return { shotId: pending.shot_id, at: pending.at, spreadMs: pending.spread_ms, created: false };
    const now = this.host.now();
    // Far enough ahead that all but the slowest few members (of every shard) get the frame before `at`.
    const at = now + this.lead.leadMs(this.shards.otherRtt());
    this.lead.prune();
    const shotId = newId();
    const spreadMs = uploadSpreadMs(this.shards.guests(), this.times.spreadRate);
    const shot = { shotId, seq: (pending?.seq ?? 0) + 1, at, deadline: at + spreadMs + this.times.windowMs, spreadMs };
    this.record(shot);
    this.host.setAlarm(shot.deadline);
    this.shards.announce(shot);
    this.out.broadcast({ type: "shoot", shotId, at, spreadMs });
    return { shotId, at, spreadMs, created: true };
  }

  /** A shot's row, and this object's connected guests as its expected members. */
  private record(s: ShotAnnouncement): void {
    const guests = this.presence.connectedGuests();
    this.host.sql.transaction(() => {
      this.host.sql.exec(
        "INSERT OR IGNORE INTO shots (shot_id, seq, at, deadline, spread_ms) VALUES (?, ?, ?, ?, ?)",
        s.shotId,
        s.seq,
        s.at,
        s.deadline,
        s.spreadMs,
      );
      for (const m of guests)
        this.host.sql.exec("INSERT OR IGNORE INTO shot_members (shot_id, member_id) VALUES (?, ?)", s.shotId, m);
    });
    // Read again on next use: the row is new (or was there), and its members were added to.
    this.rows.delete(s.shotId);
    this.expectedCounts.forget(s.shotId);
  }

  /** On a shard: a shot its coordinator announced. Recorded once (the fan-out may repeat a call); true when
   *  it is new here and this shard's sockets are to get it. */
  accept(s: ShotAnnouncement): boolean {
    if (this.row(s.shotId)) return false;
    this.record(s);
    return true;
  }

  /** On a shard: its coordinator completed a shot; its sockets hear of it once. */
  markDone(d: { shotId: string; uploaded: number; missing: number }): void {
    const r = this.row(d.shotId);
    if (!r || r.done) return;
    this.host.sql.exec("UPDATE shots SET done = 1 WHERE shot_id = ?", r.shot_id);
    this.rows.delete(r.shot_id);
    this.out.broadcast({ type: "shot-done", ...d });
  }

  /** What a guest who (re)joins is told about a pending shot: fire too, or that it missed it. */
  onGuestJoined(memberId: string): ShootMessage | MissedMessage | null {
    const r = this.latestRow();
    if (!r || r.done) return null;
    if (this.isExpected(r.shot_id, memberId)) return this.shootFrame(r);
    if (this.host.now() < r.at) {
      this.host.sql.exec("INSERT INTO shot_members (shot_id, member_id) VALUES (?, ?)", r.shot_id, memberId);
      this.expectedCounts.bump(r.shot_id, 1);
      return this.shootFrame(r);
    }
    return { type: "missed", shotId: r.shot_id, at: r.at };
  }

  /** For viewers: the pending shot, if its instant is still ahead. */
  currentShootFrame(): ShootMessage | null {
    const r = this.latestRow();
    return r && !r.done && this.host.now() < r.at ? this.shootFrame(r) : null;
  }

  /** Only for a shot the member is expected in, and only with `firedAt` near that shot's instant: the
   *  same rule a report reads stored rows with (firedInRange). Two reads by primary key, as a thousand
   *  reports arrive in the same few milliseconds; the guard has already bounded the other numbers. */
  recordFired(f: FiredMessage, memberId: string): "recorded" | "not_expected" | "out_of_range" {
    const r = this.row(f.shotId);
    if (!r) return "not_expected";
    if (!firedInRange(f.firedAt, r)) return this.isExpected(r.shot_id, memberId) ? "out_of_range" : "not_expected";
    const updated = this.host.sql.exec(
      `UPDATE shot_members SET fired_at = ?, offset = ?, error = ?, late = ?
       WHERE shot_id = ? AND member_id = ? RETURNING member_id`,
      f.firedAt,
      f.offset,
      f.error,
      f.late ? 1 : 0,
      r.shot_id,
      memberId,
    );
    return updated.length > 0 ? "recorded" : "not_expected";
  }

  private isExpected(shotId: string, memberId: string): boolean {
    return (
      this.count("SELECT COUNT(*) AS n FROM shot_members WHERE shot_id = ? AND member_id = ?", shotId, memberId) > 0
    );
  }

  /** Whether `memberId` may upload into the shot; with the photo when one already landed (a retry is
   *  answered with it, idempotently, even after completion, and writes nothing). */
  checkUpload(memberId: string, shotId: string | undefined): Result<{ shotId: string; at: number; photo?: PhotoView }> {
    const r = shotId ? this.row(shotId) : this.latestRow();
    if (!r) return fail(404, ErrorCode.ShotNotFound, "no such shot");
    const photo = this.photos.photo(r.shot_id, memberId);
    if (photo) return { ok: true, shotId: r.shot_id, at: r.at, photo };
    if (r.done || this.host.now() > r.deadline)
      return fail(409, ErrorCode.ShotClosed, "this shot's upload deadline has passed");
    if (!this.isExpected(r.shot_id, memberId))
      return fail(403, ErrorCode.NotInShot, "this member was not part of this shot");
    return { ok: true, shotId: r.shot_id, at: r.at };
  }

  /** After an upload (or, on a coordinator, new counts from a shard): a shot completes as soon as every
   *  expected member has a photo. Only a room's coordinator completes shots. */
  onPhoto(shotId: string): void {
    if (this.shards.role() === "shard") return;
    const r = this.row(shotId);
    if (!r || r.done) return;
    const v = this.viewOf(r);
    if (v.final && v.uploaded >= v.expected) this.complete(r);
  }

  onAlarm(): void {
    if (this.shards.role() === "shard") return;
    const r = this.latestRow();
    if (!r || r.done) return;
    if (this.host.now() >= r.deadline) this.complete(r);
    else this.host.setAlarm(r.deadline);
  }

  private complete(r: ShotRow): void {
    this.host.sql.exec("UPDATE shots SET done = 1 WHERE shot_id = ?", r.shot_id);
    this.rows.delete(r.shot_id);
    this.host.setAlarm(null);
    const v = this.viewOf(r);
    const done = { shotId: r.shot_id, uploaded: v.uploaded, missing: Math.max(0, v.expected - v.uploaded) };
    this.out.broadcast({ type: "shot-done", ...done });
    this.shards.done(done);
  }

  /** A shot's report: the room-wide numbers, with this object's own members. */
  report(shotId: string): ShotReport | null {
    const r = this.row(shotId);
    if (!r) return null;
    const members = this.host.sql
      .exec<{
        member_id: string;
        name: string | null;
        fired_at: number | null;
        error: number | null;
        late: number;
        photo: string | null;
        frame_at: number | null;
        bound: number | null;
      }>(
        `SELECT s.member_id, m.name, s.fired_at, s.error, s.late, p.photo_id AS photo, p.frame_at, p.bound
         FROM shot_members s
         LEFT JOIN members m ON m.member_id = s.member_id
         LEFT JOIN photos p ON p.shot_id = s.shot_id AND p.member_id = s.member_id
         WHERE s.shot_id = ? ORDER BY m.joined_at`,
        shotId,
      )
      .map((m) => ({
        memberId: m.member_id,
        name: m.name ?? "",
        fireError: firedInRange(m.fired_at, r) ? m.fired_at - r.at : null,
        error: inRange(m.error, 0, LIMITS.maxClockErrorMs) ? m.error : null,
        late: m.late === 1,
        uploaded: m.photo !== null,
        frameOffset: m.frame_at === null ? null : m.frame_at - r.at,
        frameBound: m.bound,
      }));
    const { final: _, ...view } = this.viewOf(r);
    return { ...view, members };
  }
}

/** Whether a stored `fired_at` is one a report may hold: near the shot's instant. Rows written before
 *  reports were checked may hold anything; a report shows those as silent rather than skew its histogram. */
function firedInRange(firedAt: number | null, shot: { at: number; deadline: number }): firedAt is number {
  return inRange(firedAt, shot.at - LIMITS.maxFireSkewMs, shot.deadline + LIMITS.maxFireSkewMs);
}
