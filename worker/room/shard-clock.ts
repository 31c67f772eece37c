// A shard's clock, set to its coordinator's: the offset comes from round trips to the coordinator, with the
// clients' own interval intersection (shared/clock-sync.ts), so a member syncing to its shard's pongs syncs
// to the coordinator's clock, and `at`, deadlines and fire times mean the same on every shard.
import { estimateOffset, type Probe } from "../../shared/clock-sync.ts";
import type { Sql } from "../sql.ts";

/** Probes kept: the recent ones, so a drifting clock is followed rather than averaged. */
const KEEP = 8;
/** Probes a sync makes when the shard has no offset yet (setup, or a wake-up with none stored). */
export const SYNC_PROBES = 5;

export class ShardClock {
  private probes: Probe[] = [];
  private offsetMs: number;
  private errorMs: number;

  /** `local`: this object's own clock. The offset is kept in the meta table, so a wake-up keeps it. */
  constructor(
    private readonly sql: Sql,
    private readonly local: () => number,
  ) {
    const [row] = sql.exec<{ v: string }>("SELECT v FROM meta WHERE k = 'clockOffset'");
    const stored = row ? (JSON.parse(row.v) as { offset: number; error: number }) : null;
    this.offsetMs = stored?.offset ?? 0;
    this.errorMs = stored?.error ?? Number.POSITIVE_INFINITY;
  }

  /** The coordinator's time now, as well as this shard knows it. */
  now(): number {
    return this.local() + this.offsetMs;
  }

  /** A local stamp (taken on a frame's arrival) in the coordinator's time. */
  toRoomTime(localTs: number): number {
    return localTs + this.offsetMs;
  }

  /** Half-width of the interval the offset is known to lie in (Infinity before any probe). */
  get error(): number {
    return this.errorMs;
  }

  get synced(): boolean {
    return Number.isFinite(this.errorMs);
  }

  /** Times one call that answers with the coordinator's clock, and learns from it. */
  async probe(call: () => Promise<number>): Promise<void> {
    const t0 = this.local();
    const ts = await call();
    const t3 = this.local();
    this.add({ t0, ts, t3 });
  }

  /** One round trip: sent at t0 and answered at t3 (local), stamped ts by the coordinator. */
  add(p: Probe): void {
    this.probes.push(p);
    if (this.probes.length > KEEP) this.probes.shift();
    const e = estimateOffset(this.probes);
    if (!e) return;
    const moved = Math.abs(e.offset - this.offsetMs) > 0.25 || Math.abs(e.error - this.errorMs) > 0.25;
    this.offsetMs = e.offset;
    this.errorMs = e.error;
    if (moved)
      this.sql.exec(
        "INSERT OR REPLACE INTO meta (k, v) VALUES ('clockOffset', ?)",
        JSON.stringify({ offset: e.offset, error: e.error }),
      );
  }
}
