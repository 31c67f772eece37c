// What the room engine needs from its runtime: synchronous SQL, the open sockets with their
// attachments, an alarm and a short timer. A Durable Object and a Deno actor each implement it.
import type { Sql } from "../sql.ts";
import type { ShardPeer } from "./shard-link.ts";

/** A socket's identity, kept with the socket so it survives hibernation; `ready` once its clock synced,
 *  `wide` while its clock bound is over WIDE_CLOCK_BOUND_MS. */
export type Attachment = { memberId: string; role: "guest" | "viewer"; name: string; ready?: true; wide?: true };

export interface Conn {
  send(frame: string): void;
  close(code: number, reason: string): void;
  attachment(): Attachment | null;
  attach(a: Attachment): void;
  /** The clientId the socket's URL named when it was opened (kept with the socket), or null for none. */
  clientId(): string | null;
}

export interface RoomHost {
  sql: Sql;
  /** Every open socket of this room, each always as the same Conn object (per-socket caches key on it). */
  connections(): Iterable<Conn>;
  /** Schedules (or clears) the one durable wake-up; survives eviction and restarts. */
  setAlarm(at: number | null): void;
  now(): number;
  /** A short in-memory timer, only for coalescing broadcasts (losing one on eviction loses nothing:
   *  counts are re-sent in every welcome and on the next change). */
  defer(fn: () => void, ms: number): void;
  /** Object `index` of a sharded room (0: its coordinator); absent where rooms are never sharded. */
  peer?(roomId: string, index: number): ShardPeer;
}
