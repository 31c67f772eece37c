// One room on Deno: the runtime-agnostic RoomEngine over the room's SQLite file, this process's
// sockets and a durable alarm. Serialised like a Durable Object: the engine's handlers are synchronous
// and JS runs one at a time, so every event runs to its end; the only await is in join, as on Workers.
import { CloseCode } from "../shared/protocol.ts";
import type { AccessCounts, PhotoInput, PhotoQuery, RoomApi } from "../worker/platform.ts";
import { engineConfig, type RoomEnv } from "../worker/room/room-config.ts";
import { RoomEngine } from "../worker/room/room-engine.ts";
import { guard, refuseUnknownRoom, refuseUpgrade, socketClientId } from "../worker/room/room-entry.ts";
import type { Attachment, Conn, RoomHost } from "../worker/room/room-host.ts";
import type { RoomTotals, ShardCounts, ShardInit, ShotAnnouncement } from "../worker/room/shard-calls.ts";
import type { ShardPeer } from "../worker/room/shard-link.ts";
import type { SqliteFile } from "./sqlite.ts";
import type { ServerSocket } from "./server-socket.ts";
import { upgradeWebSocket } from "./ws-upgrade.ts";

/** A socket's identity is kept in memory: a Durable Object stores it in the socket's attachment to
 *  survive hibernation, but a Deno process never hibernates and a restart drops the sockets with it
 *  (clients reconnect with the same clientId and get their membership back from SQLite). */
class SocketConn implements Conn {
  private identity: Attachment | null = null;

  constructor(
    private readonly ws: ServerSocket,
    private readonly openedFor: string | null,
  ) {}

  send(frame: string): void {
    this.ws.send(frame);
  }
  close(code: number, reason: string): void {
    this.ws.close(code, reason);
  }
  attachment(): Attachment | null {
    return this.identity;
  }
  attach(a: Attachment): void {
    this.identity = a;
  }
  clientId(): string | null {
    return this.openedFor;
  }
}

export class RoomActor implements RoomApi, ShardPeer {
  readonly engine: RoomEngine;
  private readonly conns = new Set<SocketConn>();
  private timers = 0;
  private lastUsed = Date.now();
  private readonly roomId = () => this.engine.roomId;

  constructor(
    private readonly db: SqliteFile,
    env: RoomEnv,
    setAlarm: (at: number | null) => void,
    peer: (roomId: string, index: number) => ShardPeer,
  ) {
    const host: RoomHost = {
      sql: db,
      connections: () => this.conns,
      setAlarm,
      now: () => Date.now(),
      peer,
      defer: (fn, ms) => {
        this.timers++;
        setTimeout(() => {
          this.timers--;
          guard("defer", this.roomId, fn);
        }, ms);
      },
    };
    this.engine = new RoomEngine(host, engineConfig(env));
  }

  /** No socket, no pending timer and nothing asked of it since `since`: safe to close. */
  idleSince(since: number): boolean {
    return this.conns.size === 0 && this.timers === 0 && this.lastUsed < since;
  }

  private use(): RoomEngine {
    this.lastUsed = Date.now();
    return this.engine;
  }

  async create(input: { roomId: string; ownerId: string; title: string }) {
    return this.use().create(input);
  }
  async info() {
    return this.use().info();
  }
  async shoot(userId: string) {
    return this.use().shoot(userId);
  }
  async checkUpload(memberId: string, shotId: string | undefined) {
    return this.use().checkUpload(memberId, shotId);
  }
  async recordPhoto(input: PhotoInput) {
    return this.use().recordPhoto(input);
  }
  async listPhotos(q: PhotoQuery) {
    return this.use().listPhotos(q);
  }
  async removePhoto(userId: string, photoId: string) {
    return this.use().removePhoto(userId, photoId);
  }
  async shotReport(userId: string, shotId: string) {
    return this.use().shotReport(userId, shotId);
  }
  async tiles(shotId: string) {
    return this.use().tiles(shotId);
  }
  async ownerShot(userId: string, shotId: string | undefined) {
    return this.use().ownerShot(userId, shotId);
  }
  async findShot(shotId: string | undefined) {
    return this.use().findShot(shotId);
  }
  async countAccess(counts: AccessCounts) {
    this.use().countAccess(counts);
  }
  async stats(userId: string) {
    return this.use().stats(userId);
  }

  // ---- between the objects of a sharded room (worker/room/shard-calls.ts) ----
  async initShard(init: ShardInit) {
    return this.use().initShard(init);
  }
  async shardShoot(shot: ShotAnnouncement) {
    return this.use().shardShoot(shot);
  }
  async shardDone(done: { shotId: string; uploaded: number; missing: number }) {
    return this.use().shardDone(done);
  }
  async shardTotals(totals: RoomTotals) {
    return this.use().shardTotals(totals);
  }
  async reportCounts(counts: ShardCounts) {
    return this.use().reportCounts(counts);
  }
  async clockNow() {
    return this.use().clockNow();
  }

  async fetch(request: Request): Promise<Response> {
    const refused = refuseUpgrade(request);
    if (refused) return refused;
    const { socket, response } = upgradeWebSocket(request);
    if (!this.use().exists) {
      socket.onopen = () => refuseUnknownRoom(socket);
      return response;
    }
    // refuseUpgrade refused a malformed id: what is left is an id or none.
    const conn = new SocketConn(socket, socketClientId(request.url) || null);
    socket.onopen = () => this.conns.add(conn);
    socket.onmessage = (e) => {
      const ts = Date.now(); // stamped first: the pong's server time
      this.lastUsed = ts;
      guard("webSocketMessage", this.roomId, () => this.engine.onMessage(conn, e.data, ts));
    };
    // Deno answers a client's close frame itself (a Durable Object reciprocates by hand); error is
    // followed by close, so whichever comes first detaches the socket once.
    const gone = (handler: string) => () => {
      if (this.conns.delete(conn)) guard(handler, this.roomId, () => this.engine.onClose(conn));
    };
    socket.onclose = gone("webSocketClose");
    socket.onerror = gone("webSocketError");
    return response;
  }

  alarm(): void {
    guard("alarm", this.roomId, () => this.use().onAlarm());
  }

  /** Closes every socket; clients reconnect with the same clientId. */
  disconnect(code: number = CloseCode.GoingAway, reason = "server restarting"): void {
    for (const c of this.conns) {
      try {
        c.close(code, reason);
      } catch {
        // already closing
      }
    }
  }

  close(): void {
    this.disconnect();
    this.conns.clear();
    this.db.close();
  }
}
