// The Deno server's rooms: one actor per room object (a sharded room's coordinator and each shard), opened
// from its SQLite file on first use and closed when idle, plus every room's durable alarm. An id with no file
// is answered by the engine itself, over an empty in-memory database, so a stray request never creates a file.
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { ROOM_ID } from "../shared/protocol.ts";
import type { RoomApi } from "../worker/platform.ts";
import type { ShardPeer } from "../worker/room/shard-link.ts";
import { shardCount, shardName } from "../worker/room/shard-routing.ts";
import { shardedRoom } from "../worker/room/sharded-room.ts";
import type { RoomEnv } from "../worker/room/room-config.ts";
import type { Sql } from "../worker/sql.ts";
import { Alarms, sqlAlarmStore } from "./alarms.ts";
import { RoomActor } from "./room-actor.ts";
import { openSqlite } from "./sqlite.ts";

const IDLE_MS = 5 * 60_000;
const SWEEP_MS = 60_000;

export class RoomRegistry {
  private readonly actors = new Map<string, RoomActor>();
  /** Never created: every question to it gets the engine's answer for a room that does not exist. */
  private readonly nowhere: RoomActor;
  private readonly alarms: Alarms;
  private sweeper: ReturnType<typeof setInterval> | null = null;

  constructor(
    private readonly dir: string,
    private readonly env: RoomEnv,
    serverDb: Sql,
  ) {
    mkdirSync(dir, { recursive: true });
    this.nowhere = new RoomActor(
      openSqlite(":memory:"),
      env,
      () => {},
      (r, i) => this.object(r, i),
    );
    this.alarms = new Alarms(sqlAlarmStore(serverDb), (roomId) => this.load(roomId, 0, false)?.alarm());
  }

  /** Re-arms every stored alarm and starts closing idle rooms; returns how many alarms were armed. */
  start(): number {
    this.sweeper = setInterval(() => this.sweep(Date.now() - IDLE_MS), SWEEP_MS);
    return this.alarms.armAll();
  }

  get size(): number {
    return this.actors.size;
  }

  /** The RoomApi the routes use, over the room's objects (sharded-room.ts). */
  room(roomId: string): RoomApi {
    return shardedRoom(roomId, (index) => this.object(roomId, index));
  }

  /** Object `index` of a room; each call finds its actor when it runs. A shard's file is made by its
   *  coordinator's initShard, as a Durable Object's storage is. */
  object(roomId: string, index: number): RoomApi & ShardPeer {
    const actor = () => this.load(roomId, index, false) ?? this.nowhere;
    const made = () => {
      const created = this.load(roomId, index, true);
      if (!created) throw new Error(`not a room object: ${roomId} ${index}`);
      return created;
    };
    const api = {
      create: (input) => made().create(input),
      initShard: (init) => made().initShard(init),
      shardShoot: (shot) => actor().shardShoot(shot),
      shardDone: (d) => actor().shardDone(d),
      shardTotals: (t) => actor().shardTotals(t),
      reportCounts: (c) => actor().reportCounts(c),
      clockNow: () => actor().clockNow(),
      info: () => actor().info(),
      shoot: (userId) => actor().shoot(userId),
      checkUpload: (memberId, shotId) => actor().checkUpload(memberId, shotId),
      recordPhoto: (input) => actor().recordPhoto(input),
      listPhotos: (q) => actor().listPhotos(q),
      removePhoto: (userId, photoId) => actor().removePhoto(userId, photoId),
      shotReport: (userId, shotId) => actor().shotReport(userId, shotId),
      tiles: (shotId) => actor().tiles(shotId),
      ownerShot: (userId, shotId) => actor().ownerShot(userId, shotId),
      findShot: (shotId) => actor().findShot(shotId),
      countAccess: (counts) => actor().countAccess(counts),
      stats: (userId) => actor().stats(userId),
      fetch: (request) => actor().fetch(request),
    } satisfies RoomApi & ShardPeer;
    return api;
  }

  private load(roomId: string, index: number, create: boolean): RoomActor | null {
    if (!ROOM_ID.test(roomId) || !(index >= 0 && index < shardCount(roomId))) return null;
    const name = shardName(roomId, index);
    const open = this.actors.get(name);
    if (open) return open;
    const path = join(this.dir, `${name.replace("/", ".")}.sqlite`);
    if (!create && !existsSync(path)) return null;
    // Only a coordinator (or a room of one object) has an alarm: the shot's deadline.
    const setAlarm = (at: number | null) => (index === 0 ? this.alarms.set(roomId, at) : undefined);
    const actor = new RoomActor(openSqlite(path), this.env, setAlarm, (r, i) => this.object(r, i));
    this.actors.set(name, actor);
    return actor;
  }

  /** Closes rooms nobody used since `since` (their state is all in SQLite; they reopen on demand). */
  sweep(since: number): number {
    let closed = 0;
    for (const [roomId, actor] of this.actors) {
      if (!actor.idleSince(since)) continue;
      this.actors.delete(roomId);
      actor.close();
      closed++;
    }
    return closed;
  }

  /** Closes every room's sockets (a server's shutdown waits for open connections). */
  disconnect(): void {
    for (const actor of this.actors.values()) actor.disconnect();
  }

  /** Stops the alarms, then closes every socket and database. */
  close(): void {
    if (this.sweeper !== null) clearInterval(this.sweeper);
    this.alarms.stop();
    for (const actor of this.actors.values()) actor.close();
    this.actors.clear();
    this.nowhere.close();
  }
}
