// How far ahead of the announcement a shot's instant lies: far enough that a slow member still gets
// the frame, from a high percentile of the round trips recent members reported, never one outlier's.
import type { Conn, RoomHost } from "./room-host.ts";

/** `at` is at least this far ahead of the announcement, ms: time to reach every member. */
const MIN_LEAD_MS = 1500;
const MAX_LEAD_MS = 8000;
/** The members whose round trips count: the most recently reported, one value each (bounded memory). */
const RECENT_MEMBERS = 256;
/** The share of those members the lead covers; the slowest tenth falls back on the late path. */
const LEAD_PERCENTILE = 0.9;
/** A member's stored round trip is rewritten when it moves by more than this, or is this old (ms): a
 *  write per member now and then, not per ping. */
const RTT_CHANGE_MS = 25;
const RTT_REFRESH_MS = 60_000;

export class ShotLead {
  /** What each socket last wrote, so a steady member's pings write nothing. Kept per socket, like the
   *  rate limiter's buckets, so it is bounded by the open sockets and goes with them; a cache: after a
   *  wake-up or a reconnect the first ping writes again. */
  private readonly written = new WeakMap<Conn, { rtt: number; at: number }>();

  /** Reads and writes `member_rtts` (room-schema.ts): one row per guest that reported a round trip, in
   *  SQLite because a room waiting for its shoot is idle and hibernates. */
  constructor(private readonly host: RoomHost) {}

  /** A guest's latest round trip, reported on `conn` (validated by the protocol guard: 0 ≤ rtt ≤
   *  LIMITS.maxRttMs). */
  note(conn: Conn, memberId: string, rtt: number): void {
    const now = this.host.now();
    const last = this.written.get(conn);
    if (last && Math.abs(last.rtt - rtt) <= RTT_CHANGE_MS && now - last.at < RTT_REFRESH_MS) return;
    this.written.set(conn, { rtt, at: now });
    this.host.sql.exec(
      `INSERT INTO member_rtts (member_id, rtt, at) VALUES (?, ?, ?)
       ON CONFLICT (member_id) DO UPDATE SET rtt = excluded.rtt, at = excluded.at`,
      memberId,
      rtt,
      now,
    );
  }

  /** The round trip that LEAD_PERCENTILE of the recent members' reports are at or under (nearest rank). */
  percentileRtt(): number {
    const rtts = this.host.sql
      .exec<{ rtt: number }>("SELECT rtt FROM member_rtts ORDER BY at DESC LIMIT ?", RECENT_MEMBERS)
      .map((r) => r.rtt)
      .sort((a, b) => a - b);
    if (rtts.length === 0) return 0;
    return rtts[Math.max(0, Math.ceil(LEAD_PERCENTILE * rtts.length) - 1)]!;
  }

  /** The lead for a shot announced now: three round trips and a margin, within [MIN, MAX]; `otherRtt` is
   *  the slowest other shard's percentile, for a sharded room. */
  leadMs(otherRtt = 0): number {
    return Math.min(MAX_LEAD_MS, Math.max(MIN_LEAD_MS, 3 * Math.max(this.percentileRtt(), otherRtt) + 500));
  }

  /** Keeps the table at the recent members: run when a shot is announced (rare), not per ping. */
  prune(): void {
    this.host.sql.exec(
      `DELETE FROM member_rtts WHERE member_id NOT IN
       (SELECT member_id FROM member_rtts ORDER BY at DESC LIMIT ?)`,
      RECENT_MEMBERS,
    );
  }
}
