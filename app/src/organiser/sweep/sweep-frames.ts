// The sweep's pictures: every photo's thumb first (small, already cached by the gallery), then its full
// photo, which replaces the thumb once it has loaded, a few at a time, so the sweep sharpens as it plays.
import type { PhotoView } from "../../../../shared/protocol.ts";

/** Full photos fetched at once: enough to fill a venue's link, few enough to keep thumbs first. */
const FULL_AT_ONCE = 3;

export type SweepFrame = { photo: PhotoView; image: HTMLImageElement | null; sharp: boolean };

function load(url: string): Promise<HTMLImageElement> {
  return new Promise((resolve, reject) => {
    const img = new Image();
    img.decoding = "async";
    img.onload = () => resolve(img);
    img.onerror = () => reject(new Error(`could not load ${url}`));
    img.src = url;
  });
}

export class SweepFrames {
  frames: SweepFrame[] = [];
  /** One loading pass at a time: a new order waits for the current pass, then loads what is still missing. */
  private loaded: Promise<void> = Promise.resolve();

  constructor(private readonly onChange: () => void) {}

  /** Starts loading `photos` in this order; frames already loaded for the same photo are kept. */
  set(photos: readonly PhotoView[]): void {
    const old = new Map(this.frames.map((f) => [f.photo.photoId, f]));
    this.frames = photos.map((p) => old.get(p.photoId) ?? { photo: p, image: null, sharp: false });
    this.loaded = this.loaded.then(() => this.loadMissing());
  }

  /** Resolves once every frame shows its full photo (or failed to load it). */
  sharp(): Promise<void> {
    return this.loaded;
  }

  private async loadMissing(): Promise<void> {
    await Promise.all(this.frames.map((f) => this.loadThumb(f)));
    const queue = this.frames.filter((f) => !f.sharp);
    const worker = async () => {
      for (let f = queue.shift(); f; f = queue.shift()) {
        const full = await load(f.photo.url).catch(() => null);
        f.sharp = true;
        if (full) f.image = full;
        this.onChange();
      }
    };
    await Promise.all(Array.from({ length: FULL_AT_ONCE }, worker));
  }

  private async loadThumb(f: SweepFrame): Promise<void> {
    if (f.image || !f.photo.thumbUrl) return;
    f.image = await load(f.photo.thumbUrl).catch(() => null);
    this.onChange();
  }
}

/** Draws `img` centred in the canvas, whole (letterboxed), on black. */
export function drawContained(ctx: CanvasRenderingContext2D, img: HTMLImageElement | null): void {
  const { width, height } = ctx.canvas;
  ctx.fillStyle = "#000";
  ctx.fillRect(0, 0, width, height);
  if (!img || !img.naturalWidth) return;
  const scale = Math.min(width / img.naturalWidth, height / img.naturalHeight);
  const w = img.naturalWidth * scale;
  const h = img.naturalHeight * scale;
  ctx.drawImage(img, (width - w) / 2, (height - h) / 2, w, h);
}
