// How one object of a sharded room keeps in touch with the others: a shard sends its counts up when they
// change (coalesced) and samples the coordinator's clock on the way; the coordinator keeps each shard's last
// counts in SQLite, adds them up, and sends the totals down the fan-out tree when they change.
import type { Async } from "../platform.ts";
import type { RoomHost } from "./room-host.ts";
import type { RoomTotals, ShardCalls, ShardCounts } from "./shard-calls.ts";
import { ShardClock } from "./shard-clock.ts";
import { childrenOf } from "./shard-routing.ts";

/** A shard's counts go up at most this often (ms), and only when they changed. */
export const UP_MS = 250;
/** The totals go down at most this often (ms), and only when they changed. */
export const DOWN_MS = 500;
/** After a failed call up, the next try. */
const RETRY_MS = 1000;
const ATTEMPTS = 3;

export type ShardPeer = Async<ShardCalls>;
/** This object's own counts, as a shard reports them. */
export type LocalCounts = Omit<ShardCounts, "index">;

type CountsRow = {
  idx: number;
  members: number;
  ready: number;
  wide: number;
  sockets: number;
  photos: number;
  shot_id: string | null;
  expected: number;
  uploaded: number;
  rtt: number;
};

export class ShardLink {
  readonly clock: ShardClock | null;
  private pending = false;
  private lastSent = "";
  private lastPushed = "";
  private cachedTotals: RoomTotals | null = null;

  constructor(
    private readonly host: RoomHost,
    private readonly o: {
      roomId: () => string;
      index: number;
      shards: number;
      /** This object's own counts. */
      local: () => LocalCounts;
      /** Totals changed: this object's sockets are to hear of them (the broadcast coalesces). */
      onTotals: (t: RoomTotals) => void;
    },
  ) {
    this.clock = o.index > 0 ? new ShardClock(host.sql, () => host.now()) : null;
    if (o.index > 0) {
      const [row] = host.sql.exec<{ v: string }>("SELECT v FROM meta WHERE k = 'totals'");
      this.cachedTotals = row ? (JSON.parse(row.v) as RoomTotals) : null;
    }
  }

  get isCoordinator(): boolean {
    return this.o.index === 0;
  }

  peer(index: number): ShardPeer {
    if (!this.host.peer) throw new Error("this runtime has no peers for a sharded room");
    return this.host.peer(this.o.roomId(), index);
  }

  /** Calls every child of this object in the fan-out tree, each up to ATTEMPTS times. */
  fanOut(call: (peer: ShardPeer, index: number) => Promise<unknown>): Promise<void> {
    const calls = childrenOf(this.o.index, this.o.shards).map(async (i) => {
      for (let attempt = 1; ; attempt++) {
        try {
          await call(this.peer(i), i);
          return;
        } catch (e) {
          if (attempt >= ATTEMPTS) {
            console.error(`[shard ${this.o.index} → ${i}] gave up`, e);
            return;
          }
        }
      }
    });
    return Promise.all(calls).then(() => undefined);
  }

  /** This object's counts changed: a shard reports them up, the coordinator sends new totals down. */
  changed(): void {
    if (this.pending) return;
    this.pending = true;
    this.host.defer(
      () => {
        this.pending = false;
        void (this.isCoordinator ? this.pushDown() : this.reportUp());
      },
      this.isCoordinator ? DOWN_MS : UP_MS,
    );
  }

  // ---- a shard ----

  private async reportUp(): Promise<void> {
    const counts: ShardCounts = { index: this.o.index, ...this.o.local() };
    const key = JSON.stringify(counts);
    if (key === this.lastSent) return;
    try {
      // Each report is also a clock probe: the coordinator stamps its answer.
      await this.clock!.probe(async () => (await this.peer(0).reportCounts(counts)).now);
      this.lastSent = key;
    } catch (e) {
      console.error(`[shard ${this.o.index}] counts not sent`, e);
      this.pending = true;
      this.host.defer(() => {
        this.pending = false;
        void this.reportUp();
      }, RETRY_MS);
    }
  }

  /** A shard's clock, synced to the coordinator's with a few round trips. */
  async syncClock(probes: number): Promise<void> {
    for (let i = 0; i < probes; i++) await this.clock!.probe(() => this.peer(0).clockNow());
  }

  /** New totals from the coordinator: kept (so a wake-up still has them), passed on, then announced here. */
  async setTotals(t: RoomTotals): Promise<void> {
    this.cachedTotals = t;
    this.host.sql.exec("INSERT OR REPLACE INTO meta (k, v) VALUES ('totals', ?)", JSON.stringify(t));
    const children = this.fanOut((p) => p.shardTotals(t));
    this.o.onTotals(t);
    await children;
  }

  // ---- the coordinator ----

  /** A shard's counts: kept, and the totals sent down if they changed. */
  onReport(c: ShardCounts): void {
    this.host.sql.exec(
      `INSERT OR REPLACE INTO shard_counts (idx, members, ready, wide, sockets, photos, shot_id, expected, uploaded, rtt)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      c.index,
      c.members,
      c.ready,
      c.wide,
      c.sockets,
      c.photos,
      c.shot?.shotId ?? null,
      c.shot?.expected ?? 0,
      c.shot?.uploaded ?? 0,
      c.rtt,
    );
    this.o.onTotals(this.totals());
    this.changed();
  }

  private async pushDown(): Promise<void> {
    const t = this.totals();
    const key = JSON.stringify(t);
    if (key === this.lastPushed) return;
    this.lastPushed = key;
    await this.fanOut((p) => p.shardTotals(t));
  }

  private rows(): CountsRow[] {
    return this.host.sql.exec<CountsRow>("SELECT * FROM shard_counts WHERE idx < ?", this.o.shards);
  }

  /** The other shards' part of a shot: what they reported, and whether every one of them has. */
  others(shotId: string): { expected: number; uploaded: number; allReported: boolean } {
    let expected = 0;
    let uploaded = 0;
    let reported = 0;
    for (const r of this.rows()) {
      if (r.idx === 0 || r.shot_id !== shotId) continue;
      expected += r.expected;
      uploaded += r.uploaded;
      reported++;
    }
    return { expected, uploaded, allReported: reported >= this.o.shards - 1 };
  }

  /** The slowest shard's recent round trips (its LEAD_PERCENTILE), for the shot's lead. */
  othersRtt(): number {
    return this.rows().reduce((m, r) => Math.max(m, r.rtt), 0);
  }

  /** Each shard's connected guests and sockets, as last reported (the coordinator's own are live). */
  perShard(): Array<{ index: number; members: number; sockets: number }> {
    const own = this.o.local();
    const out = [{ index: 0, members: own.members, sockets: own.sockets }];
    for (const r of this.rows()) if (r.idx > 0) out.push({ index: r.idx, members: r.members, sockets: r.sockets });
    return out.sort((a, b) => a.index - b.index);
  }

  /** The room's totals: on the coordinator its own counts plus every shard's last; on a shard, the last
   *  totals the coordinator sent (its own counts until the first arrive). */
  totals(): RoomTotals {
    if (!this.isCoordinator && this.cachedTotals) return this.cachedTotals;
    const { members, ready, wide, photos, shot } = this.o.local();
    const t: RoomTotals = { members, ready, wide, photos, shot };
    if (!this.isCoordinator) return t;
    for (const r of this.rows()) {
      if (r.idx === 0) continue;
      t.members += r.members;
      t.ready += r.ready;
      t.wide += r.wide;
      t.photos += r.photos;
      if (t.shot && r.shot_id === t.shot.shotId) {
        t.shot = { ...t.shot, expected: t.shot.expected + r.expected, uploaded: t.shot.uploaded + r.uploaded };
      }
    }
    return t;
  }
}
