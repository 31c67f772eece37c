// The mosaic builder's SQLite tables: its tiles in upload order (raw RGBA blobs), photos never shown, each page's
// content revision, stored versions and overview cell, and a little meta (room, shot, shard, wake-ups).
import type { Sql, SqlValue } from "../sql.ts";
import type { MosaicRef } from "./mosaic-host.ts";

export type PageRow = { page: number; version: number; encoded: number; purge: number };

export class MosaicStore {
  constructor(
    private readonly sql: Sql,
    readonly pageTiles: number,
  ) {
    sql.exec("CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL)");
    sql.exec(`CREATE TABLE IF NOT EXISTS tiles (
      seq INTEGER PRIMARY KEY AUTOINCREMENT, photo_id TEXT NOT NULL UNIQUE, rgba BLOB NOT NULL)`);
    // Photos never shown: removed by the owner, or whose tile could not be cut.
    sql.exec("CREATE TABLE IF NOT EXISTS removed (photo_id TEXT PRIMARY KEY)");
    // Left by an earlier version, which kept the tiles' sources here: the catch-up now reads them from the blob store.
    sql.exec("DROP TABLE IF EXISTS pending");
    // version: the page's content revision; encoded: the newest revision stored; purge: the first
    // revision after the latest removal (older versions show a removed photo and are deleted).
    sql.exec(`CREATE TABLE IF NOT EXISTS pages (
      page INTEGER PRIMARY KEY, version INTEGER NOT NULL, encoded INTEGER NOT NULL, purge INTEGER NOT NULL)`);
    sql.exec(`CREATE TABLE IF NOT EXISTS versions (
      page INTEGER NOT NULL, version INTEGER NOT NULL, PRIMARY KEY (page, version))`);
    // Each page's newest encoded version shrunk to one tile: its cell in the room's overview.
    sql.exec(`CREATE TABLE IF NOT EXISTS cells (
      page INTEGER PRIMARY KEY, version INTEGER NOT NULL, tiles INTEGER NOT NULL, rgba BLOB NOT NULL)`);
  }

  // ---- meta ----

  meta(k: string): string | null {
    return this.sql.exec<{ v: string }>("SELECT v FROM meta WHERE k = ?", k)[0]?.v ?? null;
  }

  metaNumber(k: string): number | null {
    const v = this.meta(k);
    return v === null ? null : Number(v);
  }

  setMeta(k: string, v: string | number | null): void {
    if (v === null) this.sql.exec("DELETE FROM meta WHERE k = ?", k);
    else
      this.sql.exec("INSERT INTO meta (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v", k, String(v));
  }

  /** Which room, shot and shard this builder serves, kept so the alarm (which has no arguments) knows too. */
  bind(ref: MosaicRef): void {
    if (this.meta("roomId") !== null) return;
    this.setMeta("roomId", ref.roomId);
    this.setMeta("shotId", ref.shotId);
    this.setMeta("shard", ref.shard);
  }

  ref(): MosaicRef | null {
    const roomId = this.meta("roomId");
    const shotId = this.meta("shotId");
    return roomId !== null && shotId !== null ? { roomId, shotId, shard: this.metaNumber("shard") ?? 0 } : null;
  }

  // ---- tiles ----

  count(): number {
    return this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM tiles")[0]?.n ?? 0;
  }

  pageCount(n = this.count()): number {
    return Math.max(1, Math.ceil(n / this.pageTiles));
  }

  tilesOn(page: number): number {
    return Math.max(0, Math.min(this.pageTiles, this.count() - page * this.pageTiles));
  }

  has(photoId: string): boolean {
    return this.sql.exec("SELECT 1 FROM tiles WHERE photo_id = ?", photoId).length > 0;
  }

  isRemoved(photoId: string): boolean {
    return this.sql.exec("SELECT 1 FROM removed WHERE photo_id = ?", photoId).length > 0;
  }

  /** Photos never to be shown (removed, or their tile could not be cut). */
  removedIds(): string[] {
    return this.sql.exec<{ photo_id: string }>("SELECT photo_id FROM removed").map((r) => r.photo_id);
  }

  /** Appends a tile (unless present or removed) and marks its page changed. */
  insert(photoId: string, rgba: Uint8Array): boolean {
    if (this.has(photoId) || this.isRemoved(photoId)) return false;
    this.sql.exec("INSERT INTO tiles (photo_id, rgba) VALUES (?, ?)", photoId, rgba);
    const page = Math.floor((this.count() - 1) / this.pageTiles);
    this.markChanged(page, page, false);
    return true;
  }

  /** Remembers the photo as removed and deletes its tile: every page from its own to the last shifts. */
  remove(photoId: string): boolean {
    this.skip(photoId);
    const [row] = this.sql.exec<{ seq: number }>("SELECT seq FROM tiles WHERE photo_id = ?", photoId);
    if (!row) return false;
    const before = this.count();
    const rank = this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM tiles WHERE seq < ?", row.seq)[0]!.n;
    this.sql.exec("DELETE FROM tiles WHERE seq = ?", row.seq);
    this.markChanged(Math.floor(rank / this.pageTiles), this.pageCount(before) - 1, true);
    return true;
  }

  /** The photo is never shown: its tile could not be cut, or it was removed. */
  skip(photoId: string): void {
    this.sql.exec("INSERT OR IGNORE INTO removed (photo_id) VALUES (?)", photoId);
  }

  lastSeq(): number {
    return this.sql.exec<{ seq: number | null }>("SELECT MAX(seq) AS seq FROM tiles")[0]?.seq ?? 0;
  }

  photoIdsUpTo(seq: number): string[] {
    return this.sql.exec<{ photo_id: string }>("SELECT photo_id FROM tiles WHERE seq <= ?", seq).map((r) => r.photo_id);
  }

  /** `n` tiles of `page` from its `offset`-th, in upload order. */
  tileChunk(page: number, offset: number, n: number): Uint8Array[] {
    return this.sql
      .exec<{ rgba: SqlValue }>(
        "SELECT rgba FROM tiles ORDER BY seq LIMIT ? OFFSET ?",
        n,
        page * this.pageTiles + offset,
      )
      .map((r) => asBytes(r.rgba));
  }

  // ---- pages and stored versions ----

  markChanged(from: number, to: number, purge: boolean): void {
    for (let page = from; page <= to; page++) {
      this.sql.exec(
        `INSERT INTO pages (page, version, encoded, purge) VALUES (?, 1, 0, ?)
         ON CONFLICT (page) DO UPDATE SET version = version + 1,
           purge = CASE WHEN excluded.purge > 0 THEN version + 1 ELSE purge END`,
        page,
        purge ? 1 : 0,
      );
    }
  }

  pageRow(page: number): PageRow | null {
    return this.sql.exec<PageRow>("SELECT * FROM pages WHERE page = ?", page)[0] ?? null;
  }

  pageRows(): PageRow[] {
    return this.sql.exec<PageRow>("SELECT * FROM pages ORDER BY page");
  }

  /** Existing pages whose newest revision is not stored yet. */
  changedPages(): number[] {
    return this.sql
      .exec<{ page: number }>(
        "SELECT page FROM pages WHERE version > encoded AND page < ? ORDER BY page",
        this.pageCount(),
      )
      .map((r) => r.page);
  }

  stored(page: number, version: number): void {
    this.sql.exec("INSERT OR IGNORE INTO versions (page, version) VALUES (?, ?)", page, version);
    this.sql.exec("UPDATE pages SET encoded = MAX(encoded, ?) WHERE page = ?", version, page);
  }

  /** Stored versions of `page`, newest first. */
  versions(page: number): number[] {
    return this.sql
      .exec<{ version: number }>("SELECT version FROM versions WHERE page = ? ORDER BY version DESC", page)
      .map((r) => r.version);
  }

  forgetVersion(page: number, version: number): void {
    this.sql.exec("DELETE FROM versions WHERE page = ? AND version = ?", page, version);
  }

  // ---- overview cells ----

  setCell(page: number, version: number, tiles: number, rgba: Uint8Array): void {
    this.sql.exec(
      `INSERT INTO cells (page, version, tiles, rgba) VALUES (?, ?, ?, ?)
       ON CONFLICT (page) DO UPDATE SET version = excluded.version, tiles = excluded.tiles, rgba = excluded.rgba
       WHERE excluded.version > cells.version`,
      page,
      version,
      tiles,
      rgba,
    );
  }

  /** The stored cell of `page`: which version it was shrunk from, holding how many tiles. */
  cell(page: number): { version: number; tiles: number } | null {
    return (
      this.sql.exec<{ version: number; tiles: number }>("SELECT version, tiles FROM cells WHERE page = ?", page)[0] ??
      null
    );
  }

  /** The cells of pages that exist and hold tiles, in page order. */
  cells(): Array<{ page: number; version: number; tiles: number; rgba: Uint8Array }> {
    return this.sql
      .exec<{ page: number; version: number; tiles: number; rgba: SqlValue }>(
        "SELECT page, version, tiles, rgba FROM cells WHERE page < ? AND tiles > 0 ORDER BY page",
        this.pageCount(),
      )
      .map((r) => ({ page: r.page, version: r.version, tiles: r.tiles, rgba: asBytes(r.rgba) }));
  }
}

/** SQLite hands blobs back as ArrayBuffer (workerd) or Uint8Array (elsewhere). */
function asBytes(v: SqlValue): Uint8Array {
  if (v instanceof Uint8Array) return v;
  if (v instanceof ArrayBuffer) return new Uint8Array(v);
  throw new TypeError("expected a blob");
}
