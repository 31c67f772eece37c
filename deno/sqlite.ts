// SQLite files for the Deno server (node:sqlite's synchronous DatabaseSync), exposed as the room
// engine's Sql interface: the same synchronous calls a Durable Object's storage.sql answers.
import { DatabaseSync, type StatementSync } from "node:sqlite";
import type { Row, Sql, SqlValue } from "../worker/sql.ts";

export type SqliteFile = Sql & { close(): void };

export function openSqlite(path: string): SqliteFile {
  const db = new DatabaseSync(path);
  // WAL with synchronous=NORMAL: a commit is in the OS before the call returns, so a killed process
  // loses nothing, and joins do not wait for an fsync each (only a power cut can lose the last commits).
  db.exec("PRAGMA journal_mode = WAL");
  db.exec("PRAGMA synchronous = NORMAL");
  db.exec("PRAGMA busy_timeout = 5000");
  const statements = new Map<string, StatementSync>();
  let depth = 0;

  const prepared = (query: string): StatementSync => {
    let s = statements.get(query);
    if (!s) statements.set(query, (s = db.prepare(query)));
    return s;
  };

  return {
    exec<T extends Row = Row>(query: string, ...params: SqlValue[]): T[] {
      // node:sqlite binds Uint8Array, not ArrayBuffer (what a Durable Object's storage returns for a BLOB).
      return prepared(query).all(...params.map((p) => (p instanceof ArrayBuffer ? new Uint8Array(p) : p))) as T[];
    },
    transaction<T>(fn: () => T): T {
      // Nested calls become savepoints, so an inner failure undoes only its own writes.
      const name = `sp${depth}`;
      db.exec(depth === 0 ? "BEGIN IMMEDIATE" : `SAVEPOINT ${name}`);
      depth++;
      try {
        const r = fn();
        depth--;
        db.exec(depth === 0 ? "COMMIT" : `RELEASE ${name}`);
        return r;
      } catch (e) {
        depth--;
        db.exec(depth === 0 ? "ROLLBACK" : `ROLLBACK TO ${name}; RELEASE ${name}`);
        throw e;
      }
    },
    close() {
      statements.clear();
      if (db.isOpen) db.close();
    },
  };
}
