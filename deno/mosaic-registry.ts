// The Deno server's mosaic builders: the same runtime-agnostic MosaicEngine as the Mosaic Durable
// Object, one per (room, shot, shard), over its own SQLite file, with durable alarms re-armed at startup.
// Only shots the room confirmed reach here (the mosaic route asks the room first), and at most
// MAX_OPEN files are open at once: idle ones are closed, and reopen on their next use.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { ID, ROOM_ID } from "../shared/protocol.ts";
import { shardCount } from "../worker/room/shard-routing.ts";
import type { BlobStore, MosaicApi, RoomApi } from "../worker/platform.ts";
import { MosaicEngine } from "../worker/mosaic/mosaic-engine.ts";
import type { MosaicRef } from "../worker/mosaic/mosaic-host.ts";
import { builderName } from "../worker/mosaic/mosaic-names.ts";
import { Alarms, sqlAlarmStore } from "./alarms.ts";
import { HandleCache } from "./handle-cache.ts";
import { MosaicAlarms } from "./mosaic-alarm.ts";
import { openSqlite, type SqliteFile } from "./sqlite.ts";

/** Open mosaic files at most (each a SQLite handle and its statements); busy ones are never closed. */
export const MAX_OPEN = 64;
const IDLE_MS = 5 * 60_000;
const SWEEP_MS = 60_000;

type Builder = { engine: MosaicEngine; db: SqliteFile };

const isRef = (ref: MosaicRef) =>
  ROOM_ID.test(ref.roomId) && ID.test(ref.shotId) && ref.shard >= 0 && ref.shard < shardCount(ref.roomId);

export class MosaicRegistry {
  private readonly open: HandleCache<Builder>;
  private readonly alarmsDb: SqliteFile;
  private readonly alarms: Alarms;
  private sweeper: ReturnType<typeof setInterval> | null = null;

  constructor(
    private readonly dir: string,
    private readonly blobs: BlobStore,
    /** Object `index` of a room: a builder catches up with its own shard's tile index. */
    private readonly roomObject: (roomId: string, index: number) => RoomApi,
    /** Tiles per mosaic page (MOSAIC_PAGE_TILES). */
    private readonly pageTiles: number,
    maxOpen = MAX_OPEN,
  ) {
    mkdirSync(dir, { recursive: true });
    this.open = new HandleCache<Builder>(maxOpen, (b) => b.db.close());
    this.alarmsDb = openSqlite(join(dir, "alarms.sqlite"));
    const retries = new MosaicAlarms((key, at) => this.alarms.set(key, at));
    // The alarm store is keyed by builderName(ref) (its column is named room_id for rooms' alarms).
    this.alarms = new Alarms(sqlAlarmStore(this.alarmsDb), (key) => {
      const [roomId = "", shotId = "", shard = "0"] = key.split("/");
      const ref = { roomId, shotId, shard: Number(shard) };
      if (!isRef(ref)) return;
      // The builder stays open until its alarm handler settles.
      void retries.run(key, () => this.run(ref, (e) => e.onAlarm()));
    });
  }

  /** Re-arms every stored alarm and starts closing idle builders; returns how many alarms were armed. */
  start(): number {
    this.sweeper = setInterval(() => this.open.sweep(Date.now() - IDLE_MS), SWEEP_MS);
    return this.alarms.armAll();
  }

  mosaic(roomId: string, shotId: string, shard = 0): MosaicApi {
    const ref = { roomId, shotId, shard };
    return {
      poke: () => this.run(ref, (e) => e.poke(ref)),
      remove: (photoId) => this.run(ref, (e) => e.remove(ref, photoId)),
      latest: (page) => this.run(ref, (e) => e.latest(ref, page)),
      cells: () => this.run(ref, (e) => e.cells(ref)),
      overview: () => this.run(ref, (e) => e.overview(ref)),
    };
  }

  /** Runs fn on the builder of `ref`, opening its file if needed; it stays open until fn settles. */
  private run<R>(ref: MosaicRef, fn: (engine: MosaicEngine) => R | Promise<R>): Promise<R> {
    if (!isRef(ref)) return Promise.reject(new Error(`not a mosaic: ${builderName(ref)}`));
    return this.open.use(
      builderName(ref),
      () => this.openBuilder(ref),
      (b) => fn(b.engine),
    );
  }

  private openBuilder(ref: MosaicRef): Builder {
    const key = builderName(ref);
    mkdirSync(join(this.dir, ref.roomId), { recursive: true });
    const file = ref.shard > 0 ? `${ref.shotId}.${ref.shard}.sqlite` : `${ref.shotId}.sqlite`;
    const db = openSqlite(join(this.dir, ref.roomId, file));
    const engine = new MosaicEngine(
      { sql: db, setAlarm: (at) => this.alarms.set(key, at), now: () => Date.now() },
      {
        blobs: this.blobs,
        roomTiles: (r) => this.roomObject(r.roomId, r.shard).tiles(r.shotId),
        shardCells: (r) => this.mosaic(r.roomId, r.shotId, r.shard).cells(),
        countR2Reads: (roomId, n) => void this.roomObject(roomId, 0).countAccess({ r2Reads: n, cacheHits: 0 }),
      },
      { pageTiles: this.pageTiles },
    );
    return { engine, db };
  }

  close(): void {
    if (this.sweeper !== null) clearInterval(this.sweeper);
    this.alarms.stop();
    this.open.closeAll();
    this.alarmsDb.close();
  }
}
