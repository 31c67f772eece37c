// The group mosaic of one shot, written once for every runtime: every tile (raw 64 px RGBA) in
// SQLite, each page of at most MOSAIC_PAGE_TILES tiles encoded to an immutable JPEG when it changed.
// It catches up with the room's tile index, so a tile whose add() was lost still reaches the mosaic.
import { fail } from "../http-error.ts";
import type { MosaicPage, Result, TileRecord } from "../platform.ts";
import { MOSAIC_PAGE_TILES, blankCanvas, encodeCanvas, mosaicGrid, pasteTile } from "../photos/mosaic.ts";
import { TILE_SIZE } from "../photos/thumbnail.ts";
import type { SqlValue } from "../room/room-host.ts";
import { mosaicKey, type MosaicDeps, type MosaicHost, type MosaicRef } from "./mosaic-host.ts";

export const TILE_BYTES = TILE_SIZE * TILE_SIZE * 4;
/** An add is encoded this soon, so a burst of uploads makes one version, not one per tile. */
export const ENCODE_DEBOUNCE_MS = 50;
/** A read compares the builder's tiles with the room's index at most this often. */
export const RESYNC_MS = 5000;
/** A tile the room recorded less than this long ago is still on its way through add(); only older ones are fetched. */
export const ADD_GRACE_MS = 2000;
/** Tiles read from SQLite at a time while composing, so a page never holds more than this many decoded. */
const CHUNK_TILES = 64;
const BACKGROUND: [number, number, number] = [255, 255, 255];

export type MosaicConfig = { pageTiles?: number; quality?: number };
type PageRow = { page: number; version: number; encoded: number; purge: number };

export class MosaicEngine {
  private readonly pageTiles: number;
  private readonly quality: number;
  /** In-flight work, so concurrent readers share one encode or one catch-up (a cache of promises, not state). */
  private readonly encoding = new Map<number, Promise<void>>();
  private syncing: Promise<Result> | null = null;

  constructor(
    private readonly host: MosaicHost,
    private readonly deps: MosaicDeps,
    config: MosaicConfig = {},
  ) {
    this.pageTiles = config.pageTiles ?? MOSAIC_PAGE_TILES;
    this.quality = config.quality ?? 80;
    const sql = host.sql;
    sql.exec("CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL)");
    sql.exec(`CREATE TABLE IF NOT EXISTS tiles (
      seq INTEGER PRIMARY KEY AUTOINCREMENT, photo_id TEXT NOT NULL UNIQUE, rgba BLOB NOT NULL)`);
    sql.exec("CREATE TABLE IF NOT EXISTS removed (photo_id TEXT PRIMARY KEY)");
    // version: the page's content revision; encoded: the newest revision stored; purge: the first
    // revision after the latest removal (older versions show a removed photo and are deleted).
    sql.exec(`CREATE TABLE IF NOT EXISTS pages (
      page INTEGER PRIMARY KEY, version INTEGER NOT NULL, encoded INTEGER NOT NULL, purge INTEGER NOT NULL)`);
    sql.exec(
      "CREATE TABLE IF NOT EXISTS versions (page INTEGER NOT NULL, version INTEGER NOT NULL, PRIMARY KEY (page, version))",
    );
  }

  // ---- operations ----

  /** The tile of a photo the room recorded. Ignored when already here or removed. */
  add(ref: MosaicRef, photoId: string, rgba: Uint8Array): Result {
    if (rgba.byteLength !== TILE_BYTES) return fail(400, "bad_tile", `a tile is ${TILE_BYTES} bytes of RGBA`);
    this.bind(ref);
    if (this.insert(photoId, rgba)) this.wake(this.host.now() + ENCODE_DEBOUNCE_MS);
    return { ok: true };
  }

  /** A photo the owner removed: gone from every version encoded after this returns. */
  remove(ref: MosaicRef, photoId: string): void {
    this.bind(ref);
    this.host.sql.exec("INSERT OR IGNORE INTO removed (photo_id) VALUES (?)", photoId);
    if (this.drop(photoId)) this.wake(this.host.now() + ENCODE_DEBOUNCE_MS);
  }

  /** The newest version of `page` with every tile present when called; encodes it first if needed. */
  async latest(ref: MosaicRef, page: number): Promise<Result<MosaicPage>> {
    if (!Number.isSafeInteger(page) || page < 0) return fail(400, "bad_page", "page is a whole number from 0");
    // Nothing is written before the room confirms the shot: a made-up shot id leaves no state behind.
    const synced = await this.syncIfDue(ref);
    if (!synced.ok) return synced;
    this.bind(ref);
    const pages = this.pageCount();
    if (page >= pages) return fail(404, "page_not_found", `this mosaic has ${pages} page(s)`);
    if (!this.pageRow(page)) this.markDirty(page, page, false); // an empty shot: one blank page
    await this.ensureEncoded(page);
    const row = this.pageRow(page)!;
    return { ok: true, page, version: row.encoded, pages, tiles: this.tilesOn(page) };
  }

  /** The durable wake-up: encode changed pages, catch up when due, delete superseded versions. */
  async onAlarm(): Promise<void> {
    this.setMeta("alarmAt", null);
    const ref = this.ref();
    if (!ref) return;
    const due = this.metaNumber("syncDueAt");
    if (due !== null && due <= this.host.now()) {
      const r = await this.sync(ref);
      if (!r.ok) return; // the room or shot is gone: nothing to build
    }
    for (const page of this.dirtyPages()) await this.ensureEncoded(page);
    await this.purgeVersions();
    if (this.dirtyPages().length > 0) this.wake(this.host.now() + ENCODE_DEBOUNCE_MS);
    else {
      const next = this.metaNumber("syncDueAt");
      if (next !== null) this.wake(next);
    }
  }

  // ---- tiles and pages ----

  private count(): number {
    return this.host.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM tiles")[0]?.n ?? 0;
  }

  private pageCount(n = this.count()): number {
    return Math.max(1, Math.ceil(n / this.pageTiles));
  }

  private tilesOn(page: number): number {
    return Math.max(0, Math.min(this.pageTiles, this.count() - page * this.pageTiles));
  }

  private has(table: "tiles" | "removed", photoId: string): boolean {
    return this.host.sql.exec(`SELECT 1 FROM ${table} WHERE photo_id = ?`, photoId).length > 0;
  }

  private insert(photoId: string, rgba: Uint8Array): boolean {
    if (this.has("tiles", photoId) || this.has("removed", photoId)) return false;
    this.host.sql.exec("INSERT INTO tiles (photo_id, rgba) VALUES (?, ?)", photoId, rgba);
    const page = Math.floor((this.count() - 1) / this.pageTiles);
    this.markDirty(page, page, false);
    return true;
  }

  /** Deletes a tile; every page from its own to the last one shifts, so all of them change. */
  private drop(photoId: string): boolean {
    const [row] = this.host.sql.exec<{ seq: number }>("SELECT seq FROM tiles WHERE photo_id = ?", photoId);
    if (!row) return false;
    const before = this.count();
    const rank = this.host.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM tiles WHERE seq < ?", row.seq)[0]!.n;
    this.host.sql.exec("DELETE FROM tiles WHERE seq = ?", row.seq);
    this.markDirty(Math.floor(rank / this.pageTiles), this.pageCount(before) - 1, true);
    return true;
  }

  private markDirty(from: number, to: number, purge: boolean): void {
    for (let page = from; page <= to; page++) {
      this.host.sql.exec(
        `INSERT INTO pages (page, version, encoded, purge) VALUES (?, 1, 0, ?)
         ON CONFLICT (page) DO UPDATE SET version = version + 1,
           purge = CASE WHEN excluded.purge > 0 THEN version + 1 ELSE purge END`,
        page,
        purge ? 1 : 0,
      );
    }
  }

  private pageRow(page: number): PageRow | null {
    return this.host.sql.exec<PageRow>("SELECT * FROM pages WHERE page = ?", page)[0] ?? null;
  }

  private dirtyPages(): number[] {
    return this.host.sql
      .exec<{ page: number }>(
        "SELECT page FROM pages WHERE version > encoded AND page < ? ORDER BY page",
        this.pageCount(),
      )
      .map((r) => r.page);
  }

  // ---- encoding ----

  private async ensureEncoded(page: number): Promise<void> {
    const running = this.encoding.get(page);
    if (running) await running.catch(() => undefined);
    const row = this.pageRow(page);
    if (!row || row.encoded >= row.version) return;
    const again = this.encoding.get(page); // another caller started while this one waited
    if (again) return again;
    const p = this.encode(page, row.version).finally(() => this.encoding.delete(page));
    this.encoding.set(page, p);
    return p;
  }

  /** Composes revision `version` of `page` synchronously (so it is exactly that revision), then stores it. */
  private async encode(page: number, version: number): Promise<void> {
    const n = this.tilesOn(page);
    const { cols, rows } = mosaicGrid(Math.max(1, n));
    const canvas = blankCanvas(cols, rows, TILE_SIZE, BACKGROUND);
    for (let off = 0; off < n; off += CHUNK_TILES) {
      const chunk = this.host.sql.exec<{ rgba: SqlValue }>(
        "SELECT rgba FROM tiles ORDER BY seq LIMIT ? OFFSET ?",
        Math.min(CHUNK_TILES, n - off),
        page * this.pageTiles + off,
      );
      chunk.forEach((r, i) => pasteTile(canvas, cols, off + i, asBytes(r.rgba), TILE_SIZE));
    }
    const jpeg = encodeCanvas(canvas, cols * TILE_SIZE, rows * TILE_SIZE, this.quality);
    const ref = this.ref()!;
    await this.deps.blobs.put(mosaicKey(ref, page, version), jpeg, "image/jpeg");
    this.host.sql.exec("INSERT OR IGNORE INTO versions (page, version) VALUES (?, ?)", page, version);
    this.host.sql.exec("UPDATE pages SET encoded = MAX(encoded, ?) WHERE page = ?", version, page);
    this.wake(this.host.now() + ENCODE_DEBOUNCE_MS); // to delete what this version supersedes
  }

  /**
   * Deletes stored versions no reader needs: all but the newest two (a reader may just have been
   * sent to the one before), every one made before a removal, every one of a page that no longer exists.
   */
  private async purgeVersions(): Promise<void> {
    const ref = this.ref()!;
    const pages = this.pageCount();
    const stale: Array<{ page: number; version: number }> = [];
    for (const p of this.host.sql.exec<PageRow>("SELECT * FROM pages")) {
      const stored = this.host.sql
        .exec<{ version: number }>("SELECT version FROM versions WHERE page = ? ORDER BY version DESC", p.page)
        .map((r) => r.version);
      stored.forEach((version, i) => {
        if (p.page >= pages || i >= 2 || version < p.purge) stale.push({ page: p.page, version });
      });
    }
    await Promise.all(stale.map((v) => this.deps.blobs.delete(mosaicKey(ref, v.page, v.version))));
    for (const v of stale) this.host.sql.exec("DELETE FROM versions WHERE page = ? AND version = ?", v.page, v.version);
  }

  // ---- catching up with the room ----

  private syncIfDue(ref: MosaicRef): Promise<Result> {
    const now = this.host.now();
    const last = this.metaNumber("syncedAt");
    const due = this.metaNumber("syncDueAt");
    if (last !== null && now - last < RESYNC_MS && (due === null || due > now)) return Promise.resolve({ ok: true });
    return this.sync(ref);
  }

  private sync(ref: MosaicRef): Promise<Result> {
    this.syncing ??= this.syncOnce(ref).finally(() => (this.syncing = null));
    return this.syncing;
  }

  /**
   * Makes the tiles match the room's index: drops photos the room no longer lists, fetches tiles the
   * room recorded more than ADD_GRACE_MS ago that never arrived, and checks again later for younger ones.
   */
  private async syncOnce(ref: MosaicRef): Promise<Result> {
    const before = this.host.sql.exec<{ seq: number }>("SELECT MAX(seq) AS seq FROM tiles")[0]?.seq ?? 0;
    const listed = await this.deps.roomTiles(ref);
    if (!listed.ok) return listed;
    const now = this.host.now();
    const inRoom = new Set(listed.tiles.map((t) => t.photoId));
    // Only tiles present before the room answered: a newer add is a photo the room recorded since.
    for (const { photo_id } of this.host.sql.exec<{ photo_id: string }>(
      "SELECT photo_id FROM tiles WHERE seq <= ?",
      before,
    )) {
      if (inRoom.has(photo_id)) continue;
      this.host.sql.exec("INSERT OR IGNORE INTO removed (photo_id) VALUES (?)", photo_id);
      this.drop(photo_id);
    }
    let retryAt: number | null = null;
    const missing: TileRecord[] = [];
    for (const t of listed.tiles) {
      if (!t.tileKey || this.has("tiles", t.photoId) || this.has("removed", t.photoId)) continue;
      if (t.at > now - ADD_GRACE_MS) retryAt = Math.min(retryAt ?? Infinity, t.at + ADD_GRACE_MS);
      else missing.push(t);
    }
    const fetched = await this.fetchTiles(ref, missing);
    let added = false;
    for (const { photoId, rgba } of fetched) added = this.insert(photoId, rgba) || added;
    if (added) this.wake(this.host.now() + ENCODE_DEBOUNCE_MS);
    this.setMeta("syncedAt", String(now));
    this.setMeta("syncDueAt", retryAt === null ? null : String(retryAt));
    if (retryAt !== null) this.wake(retryAt);
    return { ok: true };
  }

  private async fetchTiles(ref: MosaicRef, tiles: TileRecord[]): Promise<Array<{ photoId: string; rgba: Uint8Array }>> {
    const out: Array<{ photoId: string; rgba: Uint8Array }> = [];
    let reads = 0;
    for (let i = 0; i < tiles.length; i += 8) {
      const batch = await Promise.all(
        tiles.slice(i, i + 8).map(async (t) => {
          reads++;
          const obj = await this.deps.blobs.get(t.tileKey!);
          if (!obj) return null;
          const rgba = new Uint8Array(await new Response(obj.body).arrayBuffer());
          return rgba.byteLength === TILE_BYTES ? { photoId: t.photoId, rgba } : null;
        }),
      );
      for (const b of batch) if (b) out.push(b);
    }
    if (reads > 0) this.deps.countR2Reads(ref.roomId, reads);
    return out;
  }

  // ---- meta, identity, wake-ups ----

  private meta(k: string): string | null {
    return this.host.sql.exec<{ v: string }>("SELECT v FROM meta WHERE k = ?", k)[0]?.v ?? null;
  }

  private metaNumber(k: string): number | null {
    const v = this.meta(k);
    return v === null ? null : Number(v);
  }

  private setMeta(k: string, v: string | null): void {
    if (v === null) this.host.sql.exec("DELETE FROM meta WHERE k = ?", k);
    else this.host.sql.exec("INSERT INTO meta (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v", k, v);
  }

  /** Which room and shot this builder serves, kept so the alarm (which has no arguments) knows too. */
  private bind(ref: MosaicRef): void {
    if (this.meta("roomId") !== null) return;
    this.setMeta("roomId", ref.roomId);
    this.setMeta("shotId", ref.shotId);
  }

  private ref(): MosaicRef | null {
    const roomId = this.meta("roomId");
    const shotId = this.meta("shotId");
    return roomId !== null && shotId !== null ? { roomId, shotId } : null;
  }

  /** Sets the alarm for `at` unless one is already set between now and then (so adds cannot starve it). */
  private wake(at: number): void {
    const current = this.metaNumber("alarmAt");
    if (current !== null && current >= this.host.now() && current <= at) return;
    this.setMeta("alarmAt", String(at));
    this.host.setAlarm(at);
  }
}

/** SQLite hands blobs back as ArrayBuffer (workerd) or Uint8Array (elsewhere). */
function asBytes(v: SqlValue): Uint8Array {
  if (v instanceof Uint8Array) return v;
  if (v instanceof ArrayBuffer) return new Uint8Array(v);
  throw new TypeError("expected a blob");
}
