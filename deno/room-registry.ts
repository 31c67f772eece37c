// The Deno server's rooms: one actor per room, opened from its SQLite file on first use and closed
// when idle, plus every room's durable alarm. An id with no file is answered by the engine itself,
// over an empty in-memory database, so a stray request never creates a file.
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { ROOM_ID } from "../shared/protocol.ts";
import type { RoomApi } from "../worker/platform.ts";
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
    this.nowhere = new RoomActor(openSqlite(":memory:"), env, () => {});
    this.alarms = new Alarms(sqlAlarmStore(serverDb), (roomId) => this.load(roomId, false)?.alarm());
  }

  /** Re-arms every stored alarm and starts closing idle rooms; returns how many alarms were armed. */
  start(): number {
    this.sweeper = setInterval(() => this.sweep(Date.now() - IDLE_MS), SWEEP_MS);
    return this.alarms.armAll();
  }

  get size(): number {
    return this.actors.size;
  }

  /** The RoomApi the routes use; each call finds the room's actor when it runs. */
  room(roomId: string): RoomApi {
    const actor = () => this.load(roomId, false) ?? this.nowhere;
    const api = {
      create: (input) => {
        const created = this.load(roomId, true);
        if (!created) throw new Error(`not a room id: ${roomId}`);
        return created.create(input);
      },
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
    } satisfies RoomApi;
    return api;
  }

  private load(roomId: string, create: boolean): RoomActor | null {
    if (!ROOM_ID.test(roomId)) return null;
    const open = this.actors.get(roomId);
    if (open) return open;
    const path = join(this.dir, `${roomId}.sqlite`);
    if (!create && !existsSync(path)) return null;
    const actor = new RoomActor(openSqlite(path), this.env, (at) => this.alarms.set(roomId, at));
    this.actors.set(roomId, actor);
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
