// The Deno server's mosaic builders: the same runtime-agnostic MosaicEngine as the Mosaic Durable
// Object, one per (room, shot), over its own SQLite file, with durable alarms re-armed at startup.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { ID, ROOM_ID } from "../shared/protocol.ts";
import type { BlobStore, MosaicApi, RoomApi } from "../worker/platform.ts";
import { MosaicEngine } from "../worker/mosaic/mosaic-engine.ts";
import type { MosaicRef } from "../worker/mosaic/mosaic-host.ts";
import { Alarms, sqlAlarmStore } from "./alarms.ts";
import { MosaicAlarms } from "./mosaic-alarm.ts";
import { openSqlite, type SqliteFile } from "./sqlite.ts";

export class MosaicRegistry {
  private readonly engines = new Map<string, { engine: MosaicEngine; db: SqliteFile }>();
  private readonly alarmsDb: SqliteFile;
  private readonly alarms: Alarms;

  constructor(
    private readonly dir: string,
    private readonly blobs: BlobStore,
    private readonly room: (roomId: string) => RoomApi,
  ) {
    mkdirSync(dir, { recursive: true });
    this.alarmsDb = openSqlite(join(dir, "alarms.sqlite"));
    const retries = new MosaicAlarms((key, at) => this.alarms.set(key, at));
    // The alarm store is keyed by "<roomId>/<shotId>" (its column is named room_id for rooms' alarms).
    this.alarms = new Alarms(sqlAlarmStore(this.alarmsDb), (key) => {
      const [roomId, shotId] = key.split("/");
      const e = roomId && shotId ? this.load({ roomId, shotId }) : null;
      if (e) void retries.run(key, () => e.onAlarm());
    });
  }

  start(): number {
    return this.alarms.armAll();
  }

  mosaic(roomId: string, shotId: string): MosaicApi {
    const ref = { roomId, shotId };
    const engine = () => {
      const e = this.load(ref);
      if (!e) throw new Error(`not a mosaic: ${roomId}/${shotId}`);
      return e;
    };
    return {
      add: async (photoId, rgba) => engine().add(ref, photoId, rgba),
      remove: async (photoId) => engine().remove(ref, photoId),
      latest: (page) => engine().latest(ref, page),
    };
  }

  private load(ref: MosaicRef): MosaicEngine | null {
    if (!ROOM_ID.test(ref.roomId) || !ID.test(ref.shotId)) return null;
    const key = `${ref.roomId}/${ref.shotId}`;
    const open = this.engines.get(key);
    if (open) return open.engine;
    mkdirSync(join(this.dir, ref.roomId), { recursive: true });
    const db = openSqlite(join(this.dir, ref.roomId, `${ref.shotId}.sqlite`));
    const engine = new MosaicEngine(
      { sql: db, setAlarm: (at) => this.alarms.set(key, at), now: () => Date.now() },
      {
        blobs: this.blobs,
        roomTiles: (r) => this.room(r.roomId).tiles(r.shotId),
        countR2Reads: (roomId, n) => void this.room(roomId).countAccess({ r2Reads: n, cacheHits: 0 }),
      },
    );
    this.engines.set(key, { engine, db });
    return engine;
  }

  close(): void {
    this.alarms.stop();
    for (const { db } of this.engines.values()) db.close();
    this.engines.clear();
    this.alarmsDb.close();
  }
}
