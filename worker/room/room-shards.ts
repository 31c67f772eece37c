// One object's part in its room's shards: which shard it is, the room's counts it shows (its own, or a
// sharded room's totals), what a shot needs from the other shards, and the calls the objects make to each
// other. A room of one object is shard 0 of 1, and none of this costs it anything.
import type { RoomHost } from "./room-host.ts";
import type { Broadcast } from "./broadcast.ts";
import type { PhotoIndex } from "./photo-index.ts";
import type { Presence } from "./presence.ts";
import type { RoomTotals, ShardCounts, ShardInit, ShotAnnouncement } from "./shard-calls.ts";
import { SYNC_PROBES } from "./shard-clock.ts";
import { ShardLink, type LocalCounts } from "./shard-link.ts";
import { shardCount, shardLocalId } from "./shard-routing.ts";
import type { ShotBook, ShotShards } from "./shot-book.ts";

/** What of the engine this needs, read when used (the engine makes them after this). */
type Parts = { presence: Presence; photos: PhotoIndex; shots: ShotBook; out: Broadcast };

export class RoomShards {
  link!: ShardLink;
  index = 0;
  total = 1;
  /** The shoot's fan-out to the shards, started by the shot book before this object's own sockets hear. */
  private fanning: Promise<void> | null = null;

  constructor(
    /** The runtime's host, with this object's own clock. */
    private readonly raw: RoomHost,
    private readonly o: { roomId: () => string; meta: (k: string) => string | null; parts: () => Parts },
  ) {}

  /** Reads this object's place in its room (again after create or initShard wrote it). */
  place(created: boolean): void {
    this.index = created ? Number(this.o.meta("shardIndex") ?? 0) : 0;
    this.total = created ? shardCount(this.o.roomId()) : 1;
    this.link = new ShardLink(this.raw, {
      roomId: this.o.roomId,
      index: this.index,
      shards: this.total,
      local: () => this.localCounts(),
      onTotals: (t) => this.onTotals(t),
    });
  }

  get sharded(): boolean {
    return this.total > 1;
  }

  get isShard(): boolean {
    return this.index > 0;
  }

  /** The room's time: a shard's clock is its coordinator's. */
  now(): number {
    return this.link?.clock?.now() ?? this.raw.now();
  }

  /** How far this object's stamps may be from the room's clock, ms: a shard's sync bound (0 elsewhere). */
  stampError(): number {
    const e = this.link.clock?.error ?? 0;
    return Number.isFinite(e) ? Math.ceil(e * 100) / 100 : 0;
  }

  toRoomTime(localTs: number): number {
    return this.link.clock ? this.link.clock.toRoomTime(localTs) : localTs;
  }

  /** An id this object makes, marked with its shard. */
  localId(id: string): string {
    return shardLocalId(id, this.index);
  }

  /** This object's counts changed (`here` tells its own sockets): the other shards hear of it. */
  changed(here: () => void): void {
    here();
    if (this.sharded) this.link.changed();
  }

  localCounts(): LocalCounts {
    const { presence, photos, shots } = this.o.parts();
    const shotId = shots.latestId();
    return {
      members: presence.guestCount(),
      ready: presence.readyCount(),
      wide: presence.wideCount(),
      sockets: presence.socketCount(),
      photos: photos.photoCount(),
      shot: shotId === null ? null : { shotId, ...shots.own(shotId) },
      rtt: shots.percentileRtt(),
    };
  }

  /** The room's guests, ready and wide ones: this object's own, or a sharded room's totals. Read for every
   *  welcome and count flush, so a room of one object reads its presence and nothing else. */
  memberCounts(): { members: number; ready: number; wide: number } {
    if (this.sharded) return this.link.totals();
    const { presence } = this.o.parts();
    return { members: presence.guestCount(), ready: presence.readyCount(), wide: presence.wideCount() };
  }

  /** The room's photos, of every shot. */
  photoTotal(): number {
    return this.sharded ? this.link.totals().photos : this.o.parts().photos.photoCount();
  }

  /** Photos of a shot room-wide. */
  photoCount(shotId: string): number {
    const shot = this.sharded ? this.link.totals().shot : null;
    return shot?.shotId === shotId ? shot.uploaded : this.o.parts().photos.photoCount(shotId);
  }

  perShard(): Array<{ index: number; members: number; sockets: number }> | undefined {
    return this.sharded ? this.link.perShard() : undefined;
  }

  private onTotals(t: RoomTotals): void {
    const { out, shots } = this.o.parts();
    out.membersChanged();
    if (!t.shot) return;
    out.photosChanged(t.shot.shotId);
    if (this.index === 0) shots.onPhoto(t.shot.shotId);
  }

  shotShards(): ShotShards {
    return {
      role: () => (!this.sharded ? "single" : this.index === 0 ? "coordinator" : "shard"),
      guests: () => this.memberCounts().members,
      totals: (shotId, own) => {
        if (!this.sharded) return { ...own, final: true };
        if (this.index === 0) {
          const o = this.link.others(shotId);
          return { expected: own.expected + o.expected, uploaded: own.uploaded + o.uploaded, final: o.allReported };
        }
        const t = this.link.totals().shot;
        return t?.shotId === shotId
          ? { expected: t.expected, uploaded: t.uploaded, final: false }
          : { ...own, final: false };
      },
      otherRtt: () => (this.sharded && this.index === 0 ? this.link.othersRtt() : 0),
      announce: (shot) => {
        if (this.sharded) this.fanning = this.link.fanOut((p) => p.shardShoot(shot));
      },
      done: (d) => {
        if (this.sharded) void this.link.fanOut((p) => p.shardDone(d));
      },
    };
  }

  /** Runs a shoot on the coordinator; a sharded room's resolves once every shard has the shot. */
  async shoot<T>(shoot: () => T): Promise<T> {
    this.fanning = null;
    const shot = shoot();
    if (this.fanning) await this.fanning;
    return shot;
  }

  /** On the coordinator of a new room: sets up every shard. */
  async setUp(room: Omit<ShardInit, "index">): Promise<void> {
    if (this.sharded) await this.link.fanOut((p, index) => p.initShard({ ...room, index }));
  }

  // ---- calls between the objects of a sharded room (shard-calls.ts) ----

  /** A shard set up (`write` made its tables and meta when it had none): its clock synced, then its children. */
  async init(init: ShardInit, created: boolean, write: () => void): Promise<void> {
    if (!created) {
      write();
      this.place(true);
    }
    if (this.index === 0) return;
    if (!this.link.clock!.synced) await this.link.syncClock(SYNC_PROBES);
    await this.link.fanOut((p, i) => p.initShard({ ...init, index: i }));
  }

  async shardShoot(shot: ShotAnnouncement): Promise<void> {
    if (!this.isShard) return;
    const { shots, out } = this.o.parts();
    const fresh = shots.accept(shot);
    // Passed on first: this shard's own sockets take the longest.
    const children = this.link.fanOut((p) => p.shardShoot(shot));
    if (fresh) {
      out.broadcast({ type: "shoot", shotId: shot.shotId, at: shot.at, spreadMs: shot.spreadMs });
      this.link.changed();
    }
    await children;
  }

  async shardDone(d: { shotId: string; uploaded: number; missing: number }): Promise<void> {
    if (!this.isShard) return;
    const children = this.link.fanOut((p) => p.shardDone(d));
    this.o.parts().shots.markDone(d);
    await children;
  }

  async shardTotals(t: RoomTotals): Promise<void> {
    if (this.isShard) await this.link.setTotals(t);
  }

  reportCounts(c: ShardCounts, created: boolean): { now: number } {
    // Stamped first, as a pong is.
    const now = this.raw.now();
    if (created && this.index === 0 && Number.isSafeInteger(c.index) && c.index > 0 && c.index < this.total)
      this.link.onReport(c);
    return { now };
  }
}
