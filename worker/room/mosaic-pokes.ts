// Which uploads tell a shot's mosaic builder that photos landed: one in POKE_GAP_MS per shot and object, so a burst
// of uploads costs the builder one call a second, not one each (the builder then pulls from the room's index).
import { POKE_GAP_MS } from "../mosaic/mosaic-host.ts";

export class MosaicPokes {
  /** The last poke: in memory, so after a restart the next upload pokes again, which costs one call. Of one shot:
   *  an upload into another shot pokes that shot's builder at once. */
  private last: { shotId: string; at: number } | null = null;

  constructor(private readonly now: () => number) {}

  /** Whether the upload of a photo of `shotId` recorded now should poke the builder. */
  due(shotId: string): boolean {
    const now = this.now();
    if (this.last?.shotId === shotId && now - this.last.at < POKE_GAP_MS) return false;
    this.last = { shotId, at: now };
    return true;
  }
}
