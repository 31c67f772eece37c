// Mosaic tiles cut off the uploads' path: an upload hands its builder the tile's source (the client's tile or the
// thumb, a small JPEG), kept in SQLite; the builder decodes them once the uploads pause, or MAX_DEFER_MS after the
// oldest came, in slices. A burst is acknowledged at the speed of its storage, and the mosaic follows it.
import { THUMB_MAX_PIXELS, TILE_SIZE, makeTile } from "../photos/thumbnail.ts";
import type { MosaicStore } from "./mosaic-store.ts";

/** Sources are cut once no new one came for this long: the burst is over. Not shorter: a burst of uploads still
 *  being read by the server pauses the sources for several hundred ms (seen: 450 ms, 1,000 uploads on Deno). */
export const QUIET_MS = 1000;
/** ... or at the latest this long after the oldest came, so a steady stream of uploads still shows. */
export const MAX_DEFER_MS = 5000;
/** Sources cut in one go: ~20 ms of decoding for thumbs (~1.3 ms each), less for tiles. A count, not a time:
 *  inside workerd the clock stands still while the code runs. */
export const SLICE = 16;
/** While uploads keep coming, a slice is followed by this much rest (about a fifth of the thread for thumbs). */
export const BUSY_REST_MS = 80;

/** The raw tile of a source, a stored thumb included: a whole JPEG of at most THUMB_MAX_PIXELS (client tiles and
 *  thumbs, uploaded or server-made, all are; makeTile checks before it decodes), or null. */
export function cutTile(jpeg: Uint8Array): Uint8Array | null {
  const t = makeTile(jpeg, TILE_SIZE, THUMB_MAX_PIXELS);
  return t.ok ? t.rgba : null;
}

export class TileCutter {
  /** When the last source came. Only decides when to cut, so it is not stored: after a restart, cutting starts
   *  at once. */
  private lastAddAt = -Infinity;
  /** No slice before this while sources keep coming (the rest after the last one); in memory for the same reason. */
  private restUntil = -Infinity;
  /** A reader's cut of everything waiting, shared by the readers that come meanwhile. */
  private cuttingAll: Promise<void> | null = null;

  constructor(
    private readonly store: () => MosaicStore,
    private readonly now: () => number,
    /** A cut tile landed: its page changed. */
    private readonly landed: () => void,
  ) {}

  /** Keeps a photo's source to cut later; false when its tile is here, removed, or already waiting. */
  add(photoId: string, jpeg: Uint8Array): boolean {
    const now = this.now();
    this.lastAddAt = now;
    return this.store().addPending(photoId, jpeg, now);
  }

  /** When the next slice is due (now or later), or null with nothing waiting. */
  dueAt(): number | null {
    const oldest = this.store().oldestPendingAt();
    if (oldest === null) return null;
    const quiet = this.lastAddAt + QUIET_MS;
    return Math.max(this.now(), Math.min(quiet, Math.max(oldest + MAX_DEFER_MS, this.restUntil)));
  }

  /** The alarm's turn: once the uploads paused, everything waiting (a slice at a time, yielding between) until a
   *  new source comes; while they keep coming but the oldest is overdue, one slice. Answers when to come back. */
  async onAlarm(): Promise<number | null> {
    const due = this.dueAt();
    if (due === null || due > this.now()) return due;
    if (this.now() - this.lastAddAt >= QUIET_MS) {
      const seen = this.lastAddAt;
      await this.cutWhile(() => this.lastAddAt === seen);
      return this.dueAt();
    }
    this.slice();
    this.restUntil = this.now() + BUSY_REST_MS;
    return this.dueAt();
  }

  /** Every source waiting, cut before a reader is answered (the mosaic as it is when asked). */
  all(): Promise<void> {
    this.cuttingAll ??= this.cutWhile(() => true).finally(() => (this.cuttingAll = null));
    return this.cuttingAll;
  }

  private async cutWhile(go: () => boolean): Promise<void> {
    while (go() && this.slice() === SLICE) {
      // Sockets and requests get their turn between slices (on Deno they share this thread).
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
  }

  /** Cuts up to SLICE waiting sources, synchronously (a slice never interleaves with another); answers how many
   *  it took. A source that cannot be cut leaves its photo out of the mosaic. */
  private slice(): number {
    const store = this.store();
    const batch = store.pendingBatch(SLICE);
    let landed = false;
    for (const { photoId, jpeg } of batch) {
      const rgba = cutTile(jpeg);
      if (!rgba) {
        store.skip(photoId); // which also drops its source
        continue;
      }
      store.dropPending(photoId);
      landed = store.insert(photoId, rgba) || landed;
    }
    if (landed) this.landed();
    return batch.length;
  }
}
