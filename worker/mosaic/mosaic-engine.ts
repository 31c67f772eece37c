// The group mosaic of one shot's photos on one room shard, written once for every runtime: every tile (raw
// 64 px RGBA) in SQLite, each page of at most MOSAIC_PAGE_TILES tiles encoded to an immutable JPEG (and shrunk
// to its overview cell) when it changed. It pulls: it catches up with its shard's tile index, cutting each new
// photo's tile from its thumb in the blob store, once the room says photos landed and the uploads paused.
import { ErrorCode } from "../../shared/protocol.ts";
import { fail } from "../http-error.ts";
import type { MosaicOverview, MosaicPage, Result, TileRecord } from "../platform.ts";
import { MOSAIC_PAGE_TILES, composeCanvas, encodeCanvas, shrinkToCell } from "./compose.ts";
import { TILE_SIZE } from "../photos/thumbnail.ts";
import { type MosaicDeps, type MosaicHost, type MosaicRef, type PageCell, POKE_GAP_MS } from "./mosaic-host.ts";
import { mosaicKey } from "./mosaic-names.ts";
import { OverviewBuilder } from "./mosaic-overview.ts";
import { MosaicStore } from "./mosaic-store.ts";
import { cutTile } from "./tile-cutter.ts";

export const TILE_BYTES = TILE_SIZE * TILE_SIZE * 4;
/** An add is encoded this soon, so a burst of uploads makes one version, not one per tile. */
export const ENCODE_DEBOUNCE_MS = 50;
/** A page's next background version waits 5 ms per tile after the last (at most 5 s): an encode costs ~0.25 ms a
 *  tile, so a busy page's background versions take at most ~5 % of its thread and do not starve the uploads
 *  feeding it (docs/performance.md, "Upload stampede"). Readers still get every tile (latest() encodes). */
const GAP_MS_PER_TILE = 5;
const MAX_GAP_MS = 5000;
/** A page of at least this many tiles may be read as its newest version when that is less than one background gap
 *  old: a crowd polling the mosaic during the uploads would otherwise have it encoded again on every read, back to
 *  back (~0.24 ms a tile), for the whole burst. Smaller pages, and any page after a removal, are encoded first. */
export const STALE_OK_TILES = 100;
/** A read compares the builder's tiles with the room's index at most this often (so a mosaic watched during the
 *  uploads shows them at least this often). */
export const RESYNC_MS = 5000;
/** The builder catches up once the room's pokes paused this long: the uploads did. Longer than the room's gap
 *  between pokes, so a photo recorded after the last poke is in the index by then. Not on the uploads' path: the
 *  catch-up's reads and decodes (~1.3 ms a thumb) would otherwise share the burst's thread (docs/performance.md). */
export const PULL_QUIET_MS = POKE_GAP_MS + 1000;
/** ... or at the latest this long after the first poke it has not caught up with, while pokes keep coming: a
 *  watched mosaic (see WATCHED_MS) follows a long stream of uploads, an unwatched one does not pile up. */
export const PULL_MAX_WATCHED_MS = 5000;
export const PULL_MAX_MS = 30_000;
/** Blob reads in flight at once when catching up (a Worker has at most 6 connections open; the rest queue). */
const FETCH_BATCH = 6;
/** Background versions are made only while the mosaic is watched: within this long of a read of it (a page, the
 *  cells, the overview). Unwatched, changes wait for the next reader, who gets them encoded first: a room of 10,000
 *  over 12 builders on one Deno thread would spend ~60 % of it on versions nobody asked for (each ~850-tile page
 *  at ~0.25 ms a tile every ~4.25 s). */
export const WATCHED_MS = 30_000;

export type MosaicConfig = { pageTiles?: number; quality?: number };

/** The `MOSAIC_PAGE_TILES` setting: tiles per page, 1 to MOSAIC_PAGE_TILES (the default when unset or bad). */
export function mosaicPageTiles(setting: string | undefined): number {
  const n = Number(setting);
  return Number.isSafeInteger(n) && n >= 1 && n <= MOSAIC_PAGE_TILES ? n : MOSAIC_PAGE_TILES;
}

export class MosaicEngine {
  private opened: MosaicStore | null = null;
  private readonly pageTiles: number;
  private readonly quality: number;
  /** In-flight work, so concurrent readers share one encode or one catch-up (a cache of promises, not state). */
  private readonly encoding = new Map<number, Promise<void>>();
  private syncing: Promise<Result> | null = null;
  /** When the mosaic was last read. Only decides whether to encode ahead of readers, so it is not stored: after a
   *  restart the next reader has its pages encoded when it asks. */
  private lastReadAt = -Infinity;
  private readonly overviews: OverviewBuilder;

  constructor(
    private readonly host: MosaicHost,
    private readonly deps: MosaicDeps,
    config: MosaicConfig = {},
  ) {
    this.pageTiles = config.pageTiles ?? MOSAIC_PAGE_TILES;
    this.quality = config.quality ?? 80;
    this.overviews = new OverviewBuilder(() => this.store, host, deps, this.quality);
  }

  /** The tables are made on first use, not on construction: an object (or file) opened for a shot
   *  that is never used stores nothing. */
  private get store(): MosaicStore {
    this.opened ??= new MosaicStore(this.host.sql, this.pageTiles);
    return this.opened;
  }

  /** The (room, shot) this builder makes, once it has been told (for logs; never opens the tables). */
  ref(): MosaicRef | null {
    return this.opened ? this.opened.ref() : null;
  }

  // ---- operations ----

  /** A photo's tile, set directly: the tests' seam (a catch-up inserts the tiles it cuts itself). Ignored when
   *  already here or removed. */
  add(ref: MosaicRef, photoId: string, rgba: Uint8Array): Result {
    if (rgba.byteLength !== TILE_BYTES) return fail(400, ErrorCode.BadTile, `a tile is ${TILE_BYTES} bytes of RGBA`);
    this.store.bind(ref);
    if (this.store.insert(photoId, rgba)) this.encodeSoon();
    return { ok: true };
  }

  /** The room recorded photos of the shot (it says so at most every POKE_GAP_MS): catch up once they pause. */
  poke(ref: MosaicRef): Result {
    this.store.bind(ref);
    const now = this.host.now();
    const since = this.store.metaNumber("pokedSince") ?? now;
    this.store.setMeta("pokedSince", since);
    const due = Math.min(now + PULL_QUIET_MS, since + (this.watched() ? PULL_MAX_WATCHED_MS : PULL_MAX_MS));
    this.store.setMeta("pullAt", due);
    this.wake(due);
    return { ok: true };
  }

  /** A photo the owner removed: gone from every version encoded after this returns. */
  remove(ref: MosaicRef, photoId: string): void {
    this.store.bind(ref);
    if (this.store.remove(photoId)) this.wake(this.encodeAt());
  }

  /** The newest version of `page` with every tile present when called; encodes it first if needed. */
  async latest(ref: MosaicRef, page: number): Promise<Result<MosaicPage>> {
    if (!Number.isSafeInteger(page) || page < 0) return fail(400, ErrorCode.BadPage, "page is a whole number from 0");
    this.lastReadAt = this.host.now();
    // Nothing is written before the room confirms the shot: a made-up shot id leaves no state behind.
    const synced = await this.syncIfDue(ref);
    if (!synced.ok) return synced;
    this.store.bind(ref);
    const pages = this.store.pageCount();
    if (page >= pages) return fail(404, ErrorCode.PageNotFound, `this mosaic has ${pages} page(s)`);
    if (!this.store.pageRow(page)) this.store.markChanged(page, page, false); // an empty shot: one blank page
    // A reader that comes during an encode of a busy page takes that version, rather than starting the next.
    await this.encoding.get(page)?.catch(() => undefined);
    const recent = this.recentVersion(page);
    if (recent) return { ok: true, page, version: recent.version, pages, tiles: recent.tiles };
    await this.ensureEncoded(page);
    const row = this.store.pageRow(page)!;
    return { ok: true, page, version: row.encoded, pages, tiles: this.store.tilesOn(page) };
  }

  /** This builder's pages as overview cells, each of its page's newest tiles (changed pages are encoded first). */
  async cells(ref: MosaicRef): Promise<Result<{ cells: PageCell[] }>> {
    this.lastReadAt = this.host.now();
    const synced = await this.syncIfDue(ref);
    if (!synced.ok) return synced;
    this.store.bind(ref);
    for (const page of this.store.changedPages()) await this.ensureEncoded(page);
    return { ok: true, cells: this.store.cells() };
  }

  /** The shot's overview across the room's shards (asked of shard 0's builder). */
  async overview(ref: MosaicRef): Promise<Result<MosaicOverview>> {
    if (ref.shard !== 0) return fail(400, ErrorCode.BadPage, "the overview is made by shard 0's builder");
    const synced = await this.syncIfDue(ref);
    if (!synced.ok) return synced;
    this.store.bind(ref);
    return this.overviews.latest(ref, () => this.cells(ref));
  }

  /** The durable wake-up: catch up when due, encode changed pages, delete superseded versions. */
  async onAlarm(): Promise<void> {
    this.store.setMeta("alarmAt", null);
    const ref = this.store.ref();
    if (!ref) return;
    const due = this.store.metaNumber("pullAt");
    if (due !== null && due <= this.host.now()) {
      const r = await this.sync(ref);
      if (!r.ok) return; // the room or shot is gone: nothing to build
    }
    const watched = this.watched();
    if (watched && this.host.now() >= this.encodeAt() - ENCODE_DEBOUNCE_MS)
      for (const page of this.store.changedPages()) await this.ensureEncoded(page);
    await this.purgeVersions(ref);
    const pullAt = this.store.metaNumber("pullAt");
    const encodeAt = watched && this.store.changedPages().length > 0 ? this.encodeAt() : null;
    const next = pullAt === null ? encodeAt : Math.min(pullAt, encodeAt ?? Infinity);
    if (next !== null) this.wake(next);
  }

  // ---- encoding ----

  /** The newest stored version of a busy page when a read may have it as it is (STALE_OK_TILES): made less than a
   *  background gap ago, with no removal since. */
  private recentVersion(page: number): { version: number; tiles: number } | null {
    const row = this.store.pageRow(page);
    if (!row || row.encoded >= row.version || row.encoded < row.purge) return null;
    const cell = this.store.cell(page);
    if (!cell || cell.version !== row.encoded || cell.tiles < STALE_OK_TILES) return null;
    const at = this.store.metaNumber("encodedAt");
    const gap = this.store.metaNumber("encodeGap");
    if (at === null || gap === null || this.host.now() - at >= gap) return null;
    return { version: row.encoded, tiles: cell.tiles };
  }

  private async ensureEncoded(page: number): Promise<void> {
    const running = this.encoding.get(page);
    if (running) await running.catch(() => undefined);
    const row = this.store.pageRow(page);
    if (!row || row.encoded >= row.version) return;
    const again = this.encoding.get(page); // another caller started while this one waited
    if (again) return again;
    const p = this.encode(page, row.version).finally(() => this.encoding.delete(page));
    this.encoding.set(page, p);
    return p;
  }

  /** Composes revision `version` of `page` synchronously (so it is exactly that revision), then stores it
   *  and its overview cell. */
  private async encode(page: number, version: number): Promise<void> {
    const n = this.store.tilesOn(page);
    const canvas = composeCanvas(n, (offset, count) => this.store.tileChunk(page, offset, count), {
      tileSize: TILE_SIZE,
    });
    const jpeg = encodeCanvas(canvas.rgba, canvas.cols * TILE_SIZE, canvas.rows * TILE_SIZE, this.quality);
    const cell = shrinkToCell(canvas);
    await this.deps.blobs.put(mosaicKey(this.store.ref()!, page, version), jpeg, "image/jpeg");
    this.store.stored(page, version);
    this.store.setCell(page, version, n, cell);
    this.store.setMeta("encodedAt", this.host.now());
    this.store.setMeta("encodeGap", Math.min(MAX_GAP_MS, Math.max(ENCODE_DEBOUNCE_MS, n * GAP_MS_PER_TILE)));
    this.wake(this.host.now() + ENCODE_DEBOUNCE_MS); // to delete what this version supersedes
  }

  /**
   * Deletes stored versions no reader needs: all but the newest two (a reader may just have been
   * sent to the one before), every one made before a removal, every one of a page that no longer exists.
   */
  private async purgeVersions(ref: MosaicRef): Promise<void> {
    const pages = this.store.pageCount();
    const stale: Array<{ page: number; version: number }> = [];
    for (const p of this.store.pageRows()) {
      this.store.versions(p.page).forEach((version, i) => {
        if (p.page >= pages || i >= 2 || version < p.purge) stale.push({ page: p.page, version });
      });
    }
    await Promise.all(stale.map((v) => this.deps.blobs.delete(mosaicKey(ref, v.page, v.version))));
    for (const v of stale) this.store.forgetVersion(v.page, v.version);
  }

  // ---- catching up with the room ----

  private syncIfDue(ref: MosaicRef): Promise<Result> {
    const now = this.host.now();
    const last = this.store.metaNumber("syncedAt");
    const due = this.store.metaNumber("pullAt");
    if (last !== null && now - last < RESYNC_MS && (due === null || due > now)) return Promise.resolve({ ok: true });
    return this.sync(ref);
  }

  private sync(ref: MosaicRef): Promise<Result> {
    this.syncing ??= this.syncOnce(ref).finally(() => (this.syncing = null));
    return this.syncing;
  }

  /**
   * Makes the tiles match the room's index: drops photos the room no longer lists, and cuts the tiles of new ones
   * from the blob store (a thumb, or a raw `.rgba` tile). A photo whose tile cannot be cut is never shown.
   */
  private async syncOnce(ref: MosaicRef): Promise<Result> {
    const before = this.store.lastSeq();
    const pulled = this.store.metaNumber("pullAt");
    const listed = await this.deps.roomTiles(ref);
    if (!listed.ok) return listed;
    // What the room recorded up to now is in this listing; a poke that came meanwhile asks for the next catch-up.
    if (this.store.metaNumber("pullAt") === pulled) {
      this.store.setMeta("pullAt", null);
      this.store.setMeta("pokedSince", null);
    }
    this.store.setMeta("syncedAt", this.host.now());
    const inRoom = new Set(listed.tiles.map((t) => t.photoId));
    // Only tiles present before the room answered: a newer one is a photo the room recorded since.
    const here = this.store.photoIdsUpTo(before);
    let changed = false;
    for (const photoId of here) if (!inRoom.has(photoId)) changed = this.store.remove(photoId) || changed;
    // Two reads for the whole index, not two per photo of it (insert checks each again, for what came meanwhile).
    const known = new Set([...here, ...this.store.removedIds()]);
    const missing = listed.tiles.filter((t) => t.tileKey && !known.has(t.photoId));
    for (let i = 0; i < missing.length; i += FETCH_BATCH) {
      const batch = missing.slice(i, i + FETCH_BATCH);
      // Each tile is inserted as it is cut, between reads: sockets and requests get the thread meanwhile.
      const sources = await Promise.all(batch.map((t) => this.fetchSource(t)));
      batch.forEach((t, k) => {
        const source = sources[k];
        if (source === undefined) return; // not in the store (yet): the next catch-up looks again
        const rgba = t.tileKey!.endsWith(".rgba") ? source : cutTile(source);
        if (rgba?.byteLength === TILE_BYTES) changed = this.store.insert(t.photoId, rgba) || changed;
        else this.store.skip(t.photoId);
      });
    }
    if (missing.length > 0) this.deps.countR2Reads(ref.roomId, missing.length);
    if (changed) this.encodeSoon();
    return { ok: true };
  }

  /** A tile's source from the blob store: the bytes, or undefined when absent. */
  private async fetchSource(t: TileRecord): Promise<Uint8Array | undefined> {
    const obj = await this.deps.blobs.get(t.tileKey!);
    return obj ? new Uint8Array(await new Response(obj.body).arrayBuffer()) : undefined;
  }

  private watched(): boolean {
    return this.host.now() - this.lastReadAt < WATCHED_MS;
  }

  /** A page changed: its background version is due, if anyone is watching. */
  private encodeSoon(): void {
    if (this.watched()) this.wake(this.encodeAt());
  }

  /** When the background encode of a change is due: a debounce after it, and a gap after the last version. */
  private encodeAt(): number {
    const last = this.store.metaNumber("encodedAt");
    const gap = this.store.metaNumber("encodeGap") ?? 0;
    return Math.max(this.host.now() + ENCODE_DEBOUNCE_MS, last === null ? 0 : last + gap);
  }

  /** Sets the alarm for `at` unless one is already set between now and then (so adds cannot starve it). */
  private wake(at: number): void {
    const current = this.store.metaNumber("alarmAt");
    if (current !== null && current >= this.host.now() && current <= at) return;
    this.store.setMeta("alarmAt", at);
    this.host.setAlarm(at);
  }
}
