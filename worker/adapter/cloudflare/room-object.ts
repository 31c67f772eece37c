// The Durable Object for one room: adapts SQLite storage, hibernatable WebSockets and the alarm
// to the runtime-agnostic RoomEngine. Every entry point is wrapped so one bad event can't take the room down.
import { DurableObject } from "cloudflare:workers";
import { CloseCode } from "../../../shared/protocol.ts";
import type { AccessCounts, PhotoInput, PhotoQuery, RoomCalls } from "../../platform.ts";
import { engineConfig } from "../../room/room-config.ts";
import { RoomEngine } from "../../room/room-engine.ts";
import { guard, refuseUnknownRoom, refuseUpgrade, socketClientId } from "../../room/room-entry.ts";
import { durableSql } from "./durable-sql.ts";
import type { Attachment, Conn, RoomHost } from "../../room/room-host.ts";
import type { RoomTotals, ShardCalls, ShardCounts, ShardInit, ShotAnnouncement } from "../../room/shard-calls.ts";
import { roomObject } from "./durable-stubs.ts";

/** A socket's tag holding the clientId its URL named: tags are given at accept and survive hibernation. */
const CLIENT_TAG = "client:";

export class Room extends DurableObject<Env> implements RoomCalls, ShardCalls {
  private readonly engine: RoomEngine;
  /** One Conn per socket, so per-socket state (rate limits) keys on a stable object. */
  private readonly conns = new WeakMap<WebSocket, Conn>();
  private readonly roomId = () => this.engine.roomId;
  /** Added to this object's clock: tests skew one shard's clock on purpose (runInDurableObject) to prove
   *  that its members still sync to the coordinator's. */
  clockSkewMs = 0;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const storage = ctx.storage;
    const sql = durableSql(storage);
    const host: RoomHost = {
      sql,
      connections: () => ctx.getWebSockets().map((ws) => this.conn(ws)),
      // Alarm writes are ordered by the output gate: no await needed for durability.
      setAlarm: (at) => void (at === null ? storage.deleteAlarm() : storage.setAlarm(at)),
      now: () => Date.now() + this.clockSkewMs,
      peer: (roomId, index) => roomObject(env, roomId, index),
      defer: (fn, ms) => void setTimeout(() => guard("defer", this.roomId, fn), ms),
    };
    this.engine = new RoomEngine(host, engineConfig(env));
  }

  private conn(ws: WebSocket): Conn {
    let c = this.conns.get(ws);
    if (!c) {
      // The attachment is read back once per socket and wake-up, then kept beside it: deserializing it
      // for every socket of a broadcast cost more than the sends (a thousand in the shoot's broadcast).
      let kept: Attachment | null | undefined;
      c = {
        send: (f) => ws.send(f),
        close: (code, reason) => ws.close(code, reason),
        attachment: () =>
          kept === undefined ? (kept = (ws.deserializeAttachment() as Attachment | null) ?? null) : kept,
        attach: (a) => {
          ws.serializeAttachment(a);
          kept = a;
        },
        clientId: () => {
          const tag = this.ctx.getTags(ws).find((t) => t.startsWith(CLIENT_TAG));
          return tag === undefined ? null : tag.slice(CLIENT_TAG.length);
        },
      };
      this.conns.set(ws, c);
    }
    return c;
  }

  override async fetch(request: Request): Promise<Response> {
    const refused = refuseUpgrade(request);
    if (refused) return refused;
    const { 0: client, 1: server } = new WebSocketPair();
    if (!this.engine.exists) {
      server.accept();
      refuseUnknownRoom(server);
      return new Response(null, { status: 101, webSocket: client });
    }
    // Hibernation API: the runtime holds the socket while this object sleeps. refuseUpgrade refused a
    // malformed id: what is left is an id or none.
    const clientId = socketClientId(request.url);
    this.ctx.acceptWebSocket(server, clientId ? [CLIENT_TAG + clientId] : []);
    return new Response(null, { status: 101, webSocket: client });
  }

  override webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): void | Promise<void> {
    // Stamp first: inside workerd, Date.now() only advances on I/O, so this is the arrival time.
    const ts = Date.now() + this.clockSkewMs;
    return guard("webSocketMessage", this.roomId, () => this.engine.onMessage(this.conn(ws), message, ts));
  }

  override webSocketClose(ws: WebSocket, code: number, reason: string): void {
    guard("webSocketClose", this.roomId, () => {
      // Reciprocate the close frame (1005/1006 are reserved and cannot be sent).
      try {
        ws.close(code === 1005 || code === 1006 ? CloseCode.Normal : code, reason);
      } catch {
        // already closed
      }
      this.engine.onClose(this.conn(ws));
    });
  }

  override webSocketError(ws: WebSocket): void {
    guard("webSocketError", this.roomId, () => this.engine.onClose(this.conn(ws)));
  }

  override alarm(): void {
    guard("alarm", this.roomId, () => this.engine.onAlarm());
  }

  // ---- RPC: RoomCalls in ../../platform.ts, checked by `implements` ----
  create(input: { roomId: string; ownerId: string; title: string }) {
    return this.engine.create(input);
  }
  info() {
    return this.engine.info();
  }
  shoot(userId: string) {
    return this.engine.shoot(userId);
  }
  checkUpload(memberId: string, shotId: string | undefined) {
    return this.engine.checkUpload(memberId, shotId);
  }
  recordPhoto(input: PhotoInput) {
    return this.engine.recordPhoto(input);
  }
  listPhotos(q: PhotoQuery) {
    return this.engine.listPhotos(q);
  }
  removePhoto(userId: string, photoId: string) {
    return this.engine.removePhoto(userId, photoId);
  }
  shotReport(userId: string, shotId: string) {
    return this.engine.shotReport(userId, shotId);
  }
  tiles(shotId: string) {
    return this.engine.tiles(shotId);
  }
  ownerShot(userId: string, shotId: string | undefined) {
    return this.engine.ownerShot(userId, shotId);
  }
  findShot(shotId: string | undefined) {
    return this.engine.findShot(shotId);
  }
  countAccess(counts: AccessCounts) {
    this.engine.countAccess(counts);
  }
  stats(userId: string) {
    return this.engine.stats(userId);
  }

  // ---- RPC between the objects of a sharded room: ShardCalls in ../../room/shard-calls.ts ----
  initShard(init: ShardInit) {
    return this.engine.initShard(init);
  }
  shardShoot(shot: ShotAnnouncement) {
    return this.engine.shardShoot(shot);
  }
  shardDone(done: { shotId: string; uploaded: number; missing: number }) {
    return this.engine.shardDone(done);
  }
  shardTotals(totals: RoomTotals) {
    return this.engine.shardTotals(totals);
  }
  reportCounts(counts: ShardCounts) {
    return this.engine.reportCounts(counts);
  }
  clockNow() {
    return this.engine.clockNow();
  }
}
