// A shot's overview, made by shard 0's mosaic builder: one cell per page of every shard's builder (each page
// shrunk to one tile), so a room of a million photos is one picture, each cell opening its page.
import { OVERVIEW_FRESH_MS } from "../../shared/protocol.ts";
import type { MosaicOverview, Result } from "../platform.ts";
import { inBatches, shardCount } from "../room/shard-routing.ts";
import { MOSAIC_PAGE_TILES, composeChunked } from "./compose.ts";
import type { MosaicDeps, MosaicHost, MosaicRef, PageCell } from "./mosaic-host.ts";
import { overviewKey } from "./mosaic-names.ts";
import type { MosaicStore } from "./mosaic-store.ts";
import { TILE_SIZE } from "../photos/thumbnail.ts";

type Placed = { shard: number; page: number; tiles: number };

export class OverviewBuilder {
  private gathering: Promise<Result<MosaicOverview>> | null = null;

  constructor(
    private readonly store: () => MosaicStore,
    private readonly host: MosaicHost,
    private readonly deps: MosaicDeps,
    private readonly quality: number,
  ) {}

  /** The newest overview, gathered again when the stored one is older than OVERVIEW_FRESH_MS. */
  latest(ref: MosaicRef, ownCells: () => Promise<Result<{ cells: PageCell[] }>>): Promise<Result<MosaicOverview>> {
    const stored = this.stored();
    const at = this.store().metaNumber("overviewAt");
    if (stored && at !== null && this.host.now() - at < OVERVIEW_FRESH_MS) return Promise.resolve(stored);
    // Concurrent readers share one gathering.
    this.gathering ??= this.gather(ref, ownCells).finally(() => (this.gathering = null));
    return this.gathering;
  }

  private stored(): (MosaicOverview & { ok: true }) | null {
    const version = this.store().metaNumber("overviewVersion");
    const cells = this.store().meta("overviewCells");
    if (version === null || cells === null) return null;
    const placed = JSON.parse(cells) as Placed[];
    return { ok: true, version, cells: placed, photos: placed.reduce((n, c) => n + c.tiles, 0) };
  }

  private async gather(
    ref: MosaicRef,
    ownCells: () => Promise<Result<{ cells: PageCell[] }>>,
  ): Promise<Result<MosaicOverview>> {
    const started = this.host.now();
    const own = await ownCells();
    if (!own.ok) return own;
    const others = await inBatches(shardCount(ref.roomId) - 1, (i) => this.deps.shardCells({ ...ref, shard: i + 1 }));
    const cells: Array<PageCell & { shard: number }> = own.cells.map((c) => ({ ...c, shard: 0 }));
    for (const [i, r] of others.entries()) {
      if (!r.ok) return r;
      cells.push(...r.cells.map((c) => ({ ...c, shard: i + 1 })));
    }
    // One picture holds MOSAIC_PAGE_TILES cells: 1024 pages of 1024 photos each.
    const shown = cells.slice(0, MOSAIC_PAGE_TILES);
    const sig = shown.map((c) => `${c.shard}.${c.page}.${c.version}`).join(",");
    const store = this.store();
    const before = this.stored();
    if (before && store.meta("overviewSig") === sig) {
      store.setMeta("overviewAt", started);
      return before;
    }
    const jpeg = composeChunked(shown.length, (offset, n) => shown.slice(offset, offset + n).map((c) => c.rgba), {
      tileSize: TILE_SIZE,
      quality: this.quality,
    });
    const version = (before?.version ?? 0) + 1;
    await this.deps.blobs.put(overviewKey(ref, version), jpeg, "image/jpeg");
    const placed: Placed[] = shown.map((c) => ({ shard: c.shard, page: c.page, tiles: c.tiles }));
    store.setMeta("overviewVersion", version);
    store.setMeta("overviewCells", JSON.stringify(placed));
    store.setMeta("overviewSig", sig);
    store.setMeta("overviewAt", started);
    // The version before stays for a reader just sent to it; the one before that goes.
    if (version > 2) await this.deps.blobs.delete(overviewKey(ref, version - 2));
    return this.stored()!;
  }
}
