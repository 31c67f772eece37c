// What the mosaic builder needs from its runtime (SQLite, one alarm, a clock, the blob store, the
// room's tile index), and the names its JPEGs are stored and served under.
import type { BlobStore, Result, TileRecord } from "../platform.ts";
import type { Sql } from "../room/room-host.ts";

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

const MOSAIC_NAME = /^([A-Za-z0-9_-]{1,64})-p(\d{1,6})-(\d{1,12})\.jpg$/;

/** The file name of one version of one page: `<shotId>-p<page>-<version>.jpg`. */
export const mosaicName = (shotId: string, page: number, version: number) => `${shotId}-p${page}-${version}.jpg`;

export const mosaicKey = (ref: MosaicRef, page: number, version: number) =>
  `rooms/${ref.roomId}/mosaics/${mosaicName(ref.shotId, page, version)}`;

export function parseMosaicName(name: string): { shotId: string; page: number; version: number } | null {
  const m = MOSAIC_NAME.exec(name);
  return m ? { shotId: m[1]!, page: Number(m[2]), version: Number(m[3]) } : null;
}
