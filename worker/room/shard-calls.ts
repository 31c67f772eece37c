// What the objects of one sharded room ask each other (RPC on Workers, direct calls on Deno): the shards'
// setup, the shoot's and the completion's fan-out, the totals down, the counts and clock samples up.
/** A shot as the coordinator announced it; each shard keeps its own row of it. */
export type ShotAnnouncement = { shotId: string; seq: number; at: number; deadline: number; spreadMs: number };

/** One shard's counts, sent up when they change: its connected guests, ready and wide ones, open sockets,
 *  photos, its part of the latest shot and the round trip its recent members report (for the shot's lead). */
export type ShardCounts = {
  index: number;
  members: number;
  ready: number;
  wide: number;
  sockets: number;
  photos: number;
  shot: { shotId: string; expected: number; uploaded: number } | null;
  rtt: number;
};

/** The room's totals, sent down when they change. */
export type RoomTotals = {
  members: number;
  ready: number;
  wide: number;
  photos: number;
  shot: { shotId: string; expected: number; uploaded: number } | null;
};

export type ShardInit = { roomId: string; ownerId: string; title: string; index: number };

export interface ShardCalls {
  /** Makes this object shard `index` of the room (idempotent), its clock synced to the coordinator's. */
  initShard(init: ShardInit): Promise<void>;
  /** A shot: recorded, passed on to this shard's children in the tree, then sent to its sockets. */
  shardShoot(shot: ShotAnnouncement): Promise<void>;
  /** A shot completed (every expected photo, or the deadline). */
  shardDone(done: { shotId: string; uploaded: number; missing: number }): Promise<void>;
  /** New totals for this shard's sockets, passed on down the tree. */
  shardTotals(totals: RoomTotals): Promise<void>;
  /** On the coordinator: a shard's counts; answers with the coordinator's clock for the shard's offset. */
  reportCounts(counts: ShardCounts): { now: number };
  /** On the coordinator: its clock, for a shard's offset. */
  clockNow(): number;
}
