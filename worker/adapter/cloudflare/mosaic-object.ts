// The Durable Object that builds one shot's mosaic of one room shard's photos: adapts SQLite storage and the
// alarm to the runtime-agnostic MosaicEngine. One per (room, shot, shard), so encoding never delays the room.
import { DurableObject } from "cloudflare:workers";
import { roomObject, roomStub } from "./durable-stubs.ts";
import type { MosaicApi } from "../../platform.ts";
import { r2BlobStore } from "./r2-blob-store.ts";
import { durableSql } from "./durable-sql.ts";
import { builderName } from "../../mosaic/mosaic-names.ts";
import { MosaicEngine, mosaicPageTiles } from "../../mosaic/mosaic-engine.ts";
import type { MosaicRef } from "../../mosaic/mosaic-host.ts";

export class Mosaic extends DurableObject<Env> {
  private readonly engine: MosaicEngine;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const storage = ctx.storage;
    const sql = durableSql(storage);
    this.engine = new MosaicEngine(
      {
        sql,
        // Alarm writes are ordered by the output gate: no await needed for durability.
        setAlarm: (at) => void (at === null ? storage.deleteAlarm() : storage.setAlarm(at)),
        now: () => Date.now(),
      },
      {
        blobs: r2BlobStore(env.PHOTOS),
        roomTiles: (ref) => roomObject(env, ref.roomId, ref.shard).tiles(ref.shotId),
        shardCells: (ref) => mosaicClient(env, ref).cells(),
        countR2Reads: (roomId, n) =>
          void ctx.waitUntil(
            roomStub(env, roomId)
              .countAccess({ r2Reads: n, cacheHits: 0 })
              .catch((e: unknown) => console.error(`[Mosaic.countR2Reads ${roomId}]`, e)),
          ),
      },
      { pageTiles: mosaicPageTiles(env.MOSAIC_PAGE_TILES) },
    );
  }

  private async logged<T>(handler: string, ref: MosaicRef | null, fn: () => T | Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      console.error(`[Mosaic.${handler} ${ref ? `${ref.roomId}/${ref.shotId}` : "(unbound)"}]`, e);
      throw e;
    }
  }

  // ---- RPC: see MosaicApi in ../platform.ts (mosaicClient binds the ref) ----
  poke(ref: MosaicRef) {
    return this.logged("poke", ref, () => this.engine.poke(ref));
  }
  remove(ref: MosaicRef, photoId: string) {
    return this.logged("remove", ref, () => this.engine.remove(ref, photoId));
  }
  latest(ref: MosaicRef, page: number) {
    return this.logged("latest", ref, () => this.engine.latest(ref, page));
  }
  cells(ref: MosaicRef) {
    return this.logged("cells", ref, () => this.engine.cells(ref));
  }
  overview(ref: MosaicRef) {
    return this.logged("overview", ref, () => this.engine.overview(ref));
  }

  /** Rethrows, so the runtime retries the alarm (with backoff) after a failed store write. */
  override alarm() {
    return this.logged("alarm", this.engine.ref(), () => this.engine.onAlarm());
  }
}

/** The MosaicApi of one (room, shot, shard) over its Durable Object, found by name. */
export function mosaicClient(env: Env, ref: MosaicRef): MosaicApi {
  const stub = env.MOSAICS.get(env.MOSAICS.idFromName(builderName(ref)));
  return {
    poke: () => stub.poke(ref),
    remove: (photoId) => stub.remove(ref, photoId),
    latest: (page) => stub.latest(ref, page),
    cells: () => stub.cells(ref),
    overview: () => stub.overview(ref),
  };
}
