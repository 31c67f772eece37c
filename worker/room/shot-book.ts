// Shots of one room: announcing `at`, who is expected, fired reports, the upload deadline (an
// alarm, so it survives eviction and restarts) and completion.
import { ErrorCode } from "../../shared/protocol.ts";
import type { FiredMessage, MissedMessage, PhotoView, ShootMessage, ShotView } from "../../shared/protocol.ts";
import { fail } from "../http-error.ts";
import type { Result, ShotReport } from "../platform.ts";
import type { RoomHost } from "./room-host.ts";
import type { Broadcast } from "./broadcast.ts";
import { newId } from "./new-id.ts";
import type { PhotoIndex } from "./photo-index.ts";
import type { Presence } from "./presence.ts";

/** `at` is at least this far ahead of the announcement, ms: time to reach every member. */
export const MIN_LEAD_MS = 1500;
const MAX_LEAD_MS = 8000;

type ShotRow = { shot_id: string; seq: number; at: number; deadline: number; done: number };

export class ShotBook {
  /** Longest round trip a member reported; kept in SQLite too, since a room waiting for its shoot is idle
   *  and hibernates, and the slowest member must still get the frame before `at` afterwards. */
  private maxRtt: number | null = null;

  constructor(
    private readonly host: RoomHost,
    private readonly presence: Presence,
    private readonly photos: PhotoIndex,
    private readonly out: Broadcast,
    private readonly windowMs: number,
  ) {}

  /** Written only when a new longest round trip appears: a few times per room, not per ping. */
  noteRtt(rtt: number): void {
    const r = Math.min(rtt, 5000);
    if (r <= this.longestRtt()) return;
    this.maxRtt = r;
    this.host.sql.exec("INSERT OR REPLACE INTO shot_lead (k, max_rtt) VALUES (1, ?)", r);
  }

  private longestRtt(): number {
    this.maxRtt ??= this.host.sql.exec<{ max_rtt: number }>("SELECT max_rtt FROM shot_lead")[0]?.max_rtt ?? 0;
    return this.maxRtt;
  }

  private latestRow(): ShotRow | null {
    const [row] = this.host.sql.exec<ShotRow>("SELECT * FROM shots ORDER BY seq DESC LIMIT 1");
    return row ?? null;
  }

  private row(shotId: string): ShotRow | null {
    const [row] = this.host.sql.exec<ShotRow>("SELECT * FROM shots WHERE shot_id = ?", shotId);
    return row ?? null;
  }

  private count(sql: string, ...p: string[]): number {
    return this.host.sql.exec<{ n: number }>(sql, ...p)[0]?.n ?? 0;
  }

  private viewOf(r: ShotRow): ShotView {
    return {
      shotId: r.shot_id,
      at: r.at,
      deadline: r.deadline,
      state: r.done ? "done" : "pending",
      expected: this.count("SELECT COUNT(*) AS n FROM shot_members WHERE shot_id = ?", r.shot_id),
      uploaded: this.photos.photoCount(r.shot_id),
    };
  }

  /** The id of `shotId` when it exists, or of the latest shot when it is undefined; null otherwise. */
  resolve(shotId: string | undefined): string | null {
    const r = shotId === undefined ? this.latestRow() : this.row(shotId);
    return r ? r.shot_id : null;
  }

  latest(): ShotView | null {
    const r = this.latestRow();
    return r ? this.viewOf(r) : null;
  }

  /** Announces a shot, or returns the one still pending (an owner who shoots twice gets one shot). */
  shoot(): { shotId: string; at: number; created: boolean } {
    const pending = this.latestRow();
    if (pending && !pending.done) return { shotId: pending.shot_id, at: pending.at, created: false };
    const now = this.host.now();
    // Far enough ahead that the slowest member gets the frame before `at`.
    const lead = Math.min(MAX_LEAD_MS, Math.max(MIN_LEAD_MS, 3 * this.longestRtt() + 500));
    const at = now + lead;
    const shotId = newId();
    const guests = [...this.presence.connectedGuests()];
    this.host.sql.transaction(() => {
      this.host.sql.exec(
        "INSERT INTO shots (shot_id, seq, at, deadline) VALUES (?, ?, ?, ?)",
        shotId,
        (pending?.seq ?? 0) + 1,
        at,
        at + this.windowMs,
      );
      for (const m of guests)
        this.host.sql.exec("INSERT INTO shot_members (shot_id, member_id) VALUES (?, ?)", shotId, m);
    });
    this.host.setAlarm(at + this.windowMs);
    this.out.broadcast({ type: "shoot", shotId, at });
    return { shotId, at, created: true };
  }

  /** What a guest who (re)joins is told about a pending shot: fire too, or that it missed it. */
  onGuestJoined(memberId: string): ShootMessage | MissedMessage | null {
    const r = this.latestRow();
    if (!r || r.done) return null;
    const expected =
      this.count("SELECT COUNT(*) AS n FROM shot_members WHERE shot_id = ? AND member_id = ?", r.shot_id, memberId) > 0;
    if (expected) return { type: "shoot", shotId: r.shot_id, at: r.at };
    if (this.host.now() < r.at) {
      this.host.sql.exec("INSERT INTO shot_members (shot_id, member_id) VALUES (?, ?)", r.shot_id, memberId);
      return { type: "shoot", shotId: r.shot_id, at: r.at };
    }
    return { type: "missed", shotId: r.shot_id, at: r.at };
  }

  /** For viewers: the pending shot, if its instant is still ahead. */
  currentShootFrame(): ShootMessage | null {
    const r = this.latestRow();
    return r && !r.done && this.host.now() < r.at ? { type: "shoot", shotId: r.shot_id, at: r.at } : null;
  }

  /** One statement: a thousand reports arrive in the same few milliseconds. */
  recordFired(f: FiredMessage, memberId: string): boolean {
    const updated = this.host.sql.exec(
      `UPDATE shot_members SET fired_at = ?, offset = ?, error = ?, late = ? WHERE shot_id = ? AND member_id = ?
       RETURNING member_id`,
      f.firedAt,
      f.offset,
      f.error,
      f.late ? 1 : 0,
      f.shotId,
      memberId,
    );
    return updated.length > 0;
  }

  /** Whether `memberId` may upload into the shot; with the photo when one already landed (a retry is
   *  answered with it, idempotently, even after completion, and writes nothing). */
  checkUpload(memberId: string, shotId: string | undefined): Result<{ shotId: string; photo?: PhotoView }> {
    const r = shotId ? this.row(shotId) : this.latestRow();
    if (!r) return fail(404, ErrorCode.ShotNotFound, "no such shot");
    const photo = this.photos.photo(r.shot_id, memberId);
    if (photo) return { ok: true, shotId: r.shot_id, photo };
    if (r.done || this.host.now() > r.deadline)
      return fail(409, ErrorCode.ShotClosed, "this shot's upload deadline has passed");
    const expected = this.count(
      "SELECT COUNT(*) AS n FROM shot_members WHERE shot_id = ? AND member_id = ?",
      r.shot_id,
      memberId,
    );
    if (!expected) return fail(403, ErrorCode.NotInShot, "this member was not part of this shot");
    return { ok: true, shotId: r.shot_id };
  }

  /** After an upload: a shot completes as soon as every expected member has a photo. */
  onPhoto(shotId: string): void {
    const r = this.row(shotId);
    if (!r || r.done) return;
    const v = this.viewOf(r);
    if (v.uploaded >= v.expected) this.complete(r);
  }

  onAlarm(): void {
    const r = this.latestRow();
    if (!r || r.done) return;
    if (this.host.now() >= r.deadline) this.complete(r);
    else this.host.setAlarm(r.deadline);
  }

  private complete(r: ShotRow): void {
    this.host.sql.exec("UPDATE shots SET done = 1 WHERE shot_id = ?", r.shot_id);
    this.host.setAlarm(null);
    const v = this.viewOf(r);
    this.out.broadcast({
      type: "shot-done",
      shotId: r.shot_id,
      uploaded: v.uploaded,
      missing: Math.max(0, v.expected - v.uploaded),
    });
  }

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
      }>(
        `SELECT s.member_id, m.name, s.fired_at, s.error, s.late, p.photo_id AS photo FROM shot_members s
         LEFT JOIN members m ON m.member_id = s.member_id
         LEFT JOIN photos p ON p.shot_id = s.shot_id AND p.member_id = s.member_id
         WHERE s.shot_id = ? ORDER BY m.joined_at`,
        shotId,
      )
      .map((m) => ({
        memberId: m.member_id,
        name: m.name ?? "",
        fireError: m.fired_at === null ? null : m.fired_at - r.at,
        error: m.error,
        late: m.late === 1,
        uploaded: m.photo !== null,
      }));
    return { ...this.viewOf(r), members };
  }
}
