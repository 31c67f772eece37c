// The room's whole SQLite schema in one place, and the hook for its migrations. The schema's version is
// kept in the meta table: Durable Object SQLite refuses `PRAGMA user_version`, and both runtimes must agree.
import type { Sql } from "../sql.ts";

/** Each entry moves the schema one version up (index 0 → version 2); append, never edit a shipped one. */
const MIGRATIONS: Array<(sql: Sql) => void> = [
  // v2: a guest's place on the ring around the subject, for the bullet-time sweep.
  (sql) => sql.exec("ALTER TABLE members ADD COLUMN place REAL"),
  // v3: the shot lead from the round trips of recent guests (shot-lead.ts), one row each, replacing the
  // longest round trip ever seen (`shot_lead`, left unread).
  (sql) => {
    sql.exec(`CREATE TABLE IF NOT EXISTS member_rtts (
      member_id TEXT PRIMARY KEY, rtt REAL NOT NULL, at INTEGER NOT NULL)`);
    sql.exec("CREATE INDEX IF NOT EXISTS member_rtts_at ON member_rtts (at)");
  },
  // v4: each photo's moment, as the phone sent it (issue 16): its camera frame's time and the clock bound.
  (sql) => {
    sql.exec("ALTER TABLE photos ADD COLUMN frame_at REAL");
    sql.exec("ALTER TABLE photos ADD COLUMN bound REAL");
  },
  // v5: each shot's upload spread (upload-spread.ts), sent again in the shoot frame of a guest who rejoins.
  (sql) => sql.exec("ALTER TABLE shots ADD COLUMN spread_ms INTEGER NOT NULL DEFAULT 0"),
  // v6: on a sharded room's coordinator, each shard's last counts (shard-link.ts), so the totals outlive a
  // wake-up without asking every shard again.
  (sql) =>
    sql.exec(`CREATE TABLE IF NOT EXISTS shard_counts (
      idx INTEGER PRIMARY KEY, members INTEGER NOT NULL, ready INTEGER NOT NULL, wide INTEGER NOT NULL,
      sockets INTEGER NOT NULL, photos INTEGER NOT NULL, shot_id TEXT, expected INTEGER NOT NULL,
      uploaded INTEGER NOT NULL, rtt REAL NOT NULL)`),
];

const SCHEMA_VERSION = 1 + MIGRATIONS.length;

/** Creates the tables of version 1 when missing, then runs the migrations this room has not run yet. */
export function migrateRoomSchema(sql: Sql): void {
  createVersion1(sql);
  const [row] = sql.exec<{ v: string }>("SELECT v FROM meta WHERE k = 'schemaVersion'");
  const from = row ? Number(row.v) : 1;
  if (from >= SCHEMA_VERSION) return;
  sql.transaction(() => {
    for (let v = from; v < SCHEMA_VERSION; v++) MIGRATIONS[v - 1]!(sql);
    sql.exec("INSERT OR REPLACE INTO meta (k, v) VALUES ('schemaVersion', ?)", String(SCHEMA_VERSION));
  });
}

function createVersion1(sql: Sql): void {
  sql.exec("CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL)");
  sql.exec("CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, n INTEGER NOT NULL)");
  sql.exec(`CREATE TABLE IF NOT EXISTS members (
    member_id TEXT PRIMARY KEY, client_id TEXT NOT NULL UNIQUE, name TEXT NOT NULL,
    role TEXT NOT NULL, joined_at INTEGER NOT NULL)`);
  sql.exec(`CREATE TABLE IF NOT EXISTS photos (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, photo_id TEXT NOT NULL UNIQUE, shot_id TEXT NOT NULL,
    member_id TEXT NOT NULL, key TEXT NOT NULL, thumb_key TEXT, tile_key TEXT, type TEXT NOT NULL,
    bytes INTEGER NOT NULL, width INTEGER, height INTEGER, created_at INTEGER NOT NULL,
    UNIQUE (shot_id, member_id))`);
  // A page of a shot's listing walks this index from the cursor and stops at the limit, instead of
  // joining and sorting every photo of the shot for each page.
  sql.exec("CREATE INDEX IF NOT EXISTS photos_shot_seq ON photos (shot_id, seq)");
  sql.exec(`CREATE TABLE IF NOT EXISTS shots (
    shot_id TEXT PRIMARY KEY, seq INTEGER NOT NULL, at INTEGER NOT NULL,
    deadline INTEGER NOT NULL, done INTEGER NOT NULL DEFAULT 0)`);
  sql.exec(`CREATE TABLE IF NOT EXISTS shot_members (
    shot_id TEXT NOT NULL, member_id TEXT NOT NULL, fired_at REAL, offset REAL, error REAL,
    late INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (shot_id, member_id))`);
  sql.exec("CREATE TABLE IF NOT EXISTS shot_lead (k INTEGER PRIMARY KEY CHECK (k = 1), max_rtt REAL NOT NULL)");
}
