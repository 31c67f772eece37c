// A Durable Object's SQLite storage as the engines' synchronous Sql interface (rooms and mosaic builders).
import type { Sql, SqlValue } from "../../sql.ts";

export function durableSql(storage: DurableObjectStorage): Sql {
  return {
    exec: <T>(q: string, ...p: SqlValue[]) => storage.sql.exec(q, ...p).toArray() as T[],
    transaction: (fn) => storage.transactionSync(fn),
  };
}
