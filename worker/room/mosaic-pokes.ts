// Which uploads tell a shot's mosaic builder that photos landed: one in POKE_GAP_MS per shot and object, so a burst
// of uploads costs the builder one call a second, not one each (the builder then pulls from the room's index).
import { POKE_GAP_MS } from "../mosaic/mosaic-host.ts";

export class MosaicPokes {
  /** In memory: after a restart the next upload pokes again, which costs one call. */
  private readonly lastAt = new Map<string, number>();

  constructor(private readonly now: () => number) {}

  /** Whether the upload of a photo of `shotId` recorded now should poke the builder. */
  due(shotId: string): boolean {
    const now = this.now();
    const last = this.lastAt.get(shotId);
    if (last !== undefined && now - last < POKE_GAP_MS) return false;
    // One shot is current at a time: older ones' entries are dropped rather than kept for the object's life.
    this.lastAt.clear();
    this.lastAt.set(shotId, now);
    return true;
  }
}
