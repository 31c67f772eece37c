// The synchronous SQL every engine runs on: a Durable Object's SQLite storage, or node:sqlite on Deno.

/** Blobs are bound as Uint8Array or ArrayBuffer and read back as either, depending on the runtime. */
export type SqlValue = string | number | null | ArrayBuffer | Uint8Array;
export type Row = Record<string, SqlValue>;

export interface Sql {
  /** Runs one statement synchronously and returns its rows. */
  exec<T extends Row = Row>(query: string, ...params: SqlValue[]): T[];
  /** Runs fn atomically: all its writes land, or none do. */
  transaction<T>(fn: () => T): T;
}
