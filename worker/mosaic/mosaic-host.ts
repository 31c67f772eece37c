// What the mosaic builder needs from its runtime: SQLite, one alarm, a clock, the blob store, its room
// shard's tile index and (for the overview) the other shards' builders.
import type { BlobStore, Result, TileRecord } from "../platform.ts";
import type { Sql } from "../sql.ts";

/** A room tells a shot's builder that photos landed at most this often (one upload in this long pokes it): the
 *  builder then pulls them from the room's index, so no upload waits on it. */
export const POKE_GAP_MS = 1000;

/** Which mosaic a builder makes: one per (room, shot, shard), of the photos of that shard's members. */
export type MosaicRef = { roomId: string; shotId: string; shard: number };

/** One page's cell for the overview: the page's newest encoded version shrunk to one tile. */
export type PageCell = { page: number; version: number; tiles: number; rgba: Uint8Array };

export interface MosaicHost {
  sql: Sql;
  /** Schedules (or clears) the one durable wake-up; survives eviction and restarts. */
  setAlarm(at: number | null): void;
  now(): number;
}

export type MosaicDeps = {
  blobs: BlobStore;
  /** The tile index of the builder's room shard for the shot: what the mosaic must hold. */
  roomTiles(ref: MosaicRef): Promise<Result<{ tiles: TileRecord[] }>>;
  /** The cells of another shard's builder of the same shot (the overview, on shard 0's builder). */
  shardCells(ref: MosaicRef): Promise<Result<{ cells: PageCell[] }>>;
  /** Store reads the builder made for a room (tiles fetched when catching up), for its stats. */
  countR2Reads(roomId: string, n: number): void;
};
