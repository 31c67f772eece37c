// What the mosaic builder needs from its runtime: SQLite, one alarm, a clock, the blob store and the
// room's tile index.
import type { BlobStore, Result, TileRecord } from "../platform.ts";
import type { Sql } from "../sql.ts";

/** Which mosaic a builder makes: one per (room, shot). */
export type MosaicRef = { roomId: string; shotId: string };

export interface MosaicHost {
  sql: Sql;
  /** Schedules (or clears) the one durable wake-up; survives eviction and restarts. */
  setAlarm(at: number | null): void;
  now(): number;
}

export type MosaicDeps = {
  blobs: BlobStore;
  /** The room's tile index for the shot: what the mosaic must hold. */
  roomTiles(ref: MosaicRef): Promise<Result<{ tiles: TileRecord[] }>>;
  /** Store reads the builder made for a room (tiles fetched when catching up), for its stats. */
  countR2Reads(roomId: string, n: number): void;
};
