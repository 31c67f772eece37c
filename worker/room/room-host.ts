// What the room engine needs from its runtime: synchronous SQL, the open sockets with their
// attachments, an alarm and a short timer. A Durable Object and a Deno actor each implement it.

/** Blobs are bound as Uint8Array or ArrayBuffer and read back as either, depending on the runtime. */
export type SqlValue = string | number | null | ArrayBuffer | Uint8Array;
export type Row = Record<string, SqlValue>;

export interface Sql {
  /** Runs one statement synchronously and returns its rows. */
  exec<T extends Row = Row>(query: string, ...params: SqlValue[]): T[];
  /** Runs fn atomically: all its writes land, or none do. */
  transaction<T>(fn: () => T): T;
}

/** Per-socket identity, kept with the socket so it survives hibernation. */
/** A socket's identity, kept with the socket so it survives hibernation; `ready` once its clock synced. */
export type Attachment = { memberId: string; role: "guest" | "viewer"; name: string; ready?: true };

export interface Conn {
  send(frame: string): void;
  close(code: number, reason: string): void;
  attachment(): Attachment | null;
  attach(a: Attachment): void;
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
}
