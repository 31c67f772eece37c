// The mosaic builder's test harness inside workerd: an engine over a fresh Mosaic object's real SQLite and R2,
// with a clock the test moves and a room index the test writes; solid-colour tiles to feed it.
import { env, runInDurableObject } from "cloudflare:test";
import { PhotonImage } from "@cf-wasm/photon";
import { expect } from "vitest";
import type { TileRecord } from "../../worker/platform.ts";
import { r2BlobStore } from "../../worker/adapter/cloudflare/r2-blob-store.ts";
import type { Sql, SqlValue } from "../../worker/sql.ts";
import { MosaicEngine, TILE_BYTES } from "../../worker/mosaic/mosaic-engine.ts";
import type { MosaicRef } from "../../worker/mosaic/mosaic-host.ts";
import { mosaicKey } from "../../worker/mosaic/mosaic-names.ts";

export type Rgb = [number, number, number];
export const solid = (rgb: Rgb) => {
  const t = new Uint8Array(TILE_BYTES);
  for (let i = 0; i < TILE_BYTES / 4; i++) t.set([...rgb, 255], i * 4);
  return t;
};
export const colour = (i: number): Rgb => [(i * 60) % 256, (i * 110 + 40) % 256, (i * 170 + 80) % 256];
export const near = (a: number[], b: number[]) => a.every((v, i) => Math.abs(v - b[i]!) <= 16);

/** What a test gets: the engine, its storage, clock, room index, the alarms it set, and R2 reads it made. */
export type EngineTest = {
  engine: MosaicEngine;
  /** A new engine over the same storage: the builder after an eviction or a restart. */
  restart(): MosaicEngine;
  sql: Sql;
  ref: MosaicRef;
  room: TileRecord[];
  clock: { now: number };
  reads: { n: number };
  alarms: number[];
  decode(page: number, version: number): Promise<{ width: number; height: number; rgb(slot: number): number[] }>;
};

/** Runs `fn` with an engine over a fresh Mosaic object's storage; the room index is `room`. */
export async function withEngine(fn: (t: EngineTest) => Promise<void>, pageTiles = 4) {
  const ref = { roomId: `room${crypto.randomUUID().slice(0, 8)}`, shotId: "shot1", shard: 0 };
  const stub = env.MOSAICS.get(env.MOSAICS.idFromName(`${ref.roomId}/${ref.shotId}`));
  await runInDurableObject(stub, async (_instance, state) => {
    const sql: Sql = {
      exec: <T>(q: string, ...p: SqlValue[]) => state.storage.sql.exec(q, ...p).toArray() as T[],
      transaction: (f) => state.storage.transactionSync(f),
    };
    const clock = { now: 1_000_000 };
    const reads = { n: 0 };
    const alarms: number[] = [];
    const room: TileRecord[] = [];
    const open = () =>
      new MosaicEngine(
        { sql, setAlarm: (at) => void (at !== null && alarms.push(at)), now: () => clock.now },
        {
          blobs: r2BlobStore(env.PHOTOS),
          // The room's index as it is when asked (a photo recorded later is not in this answer).
          roomTiles: async () => ({ ok: true, tiles: [...room] }),
          shardCells: async () => ({ ok: true, cells: [] }), // a room of one object: no other shard
          countR2Reads: (_roomId, n) => void (reads.n += n),
        },
        { pageTiles },
      );
    const decode = async (page: number, version: number) => {
      const obj = await env.PHOTOS.get(mosaicKey(ref, page, version));
      if (!obj) throw new Error(`no version ${version} of page ${page}`);
      const img = PhotonImage.new_from_byteslice(new Uint8Array(await obj.arrayBuffer()));
      const width = img.get_width();
      const height = img.get_height();
      const px = img.get_raw_pixels();
      img.free();
      const cols = width / 64;
      const rgb = (slot: number) => {
        const x = (slot % cols) * 64 + 32;
        const y = Math.floor(slot / cols) * 64 + 32;
        return [...px.subarray((y * width + x) * 4, (y * width + x) * 4 + 3)];
      };
      return { width, height, rgb };
    };
    const t: EngineTest = {
      engine: open(),
      restart: () => (t.engine = open()),
      sql,
      ref,
      room,
      clock,
      reads,
      alarms,
      decode,
    };
    await fn(t);
  });
}

/** Records photo i in the room index and adds its tile to the builder. */
export function addPhoto(
  t: { engine: MosaicEngine; ref: MosaicRef; room: TileRecord[]; clock: { now: number } },
  i: number,
) {
  t.room.push({ photoId: `p${i}`, tileKey: `rooms/${t.ref.roomId}/t${i}.rgba`, at: t.clock.now });
  expect(t.engine.add(t.ref, `p${i}`, solid(colour(i)))).toEqual({ ok: true });
}
