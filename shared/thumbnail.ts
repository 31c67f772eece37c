// A photo's upload companion, drawn by the client: a JPEG thumb at most 256 px on the long side (the server cuts
// the mosaic's tile from it). Structural canvas types: shared/ has no DOM lib.

export const THUMB_MAX_SIDE = 256;

export type Size = { width: number; height: number };

/** The part of CanvasRenderingContext2D this needs; `S` is what can be drawn (a canvas, a bitmap). */
export interface Context2DLike<S> {
  imageSmoothingEnabled: boolean;
  imageSmoothingQuality?: string;
  drawImage(
    image: S,
    sx: number,
    sy: number,
    sw: number,
    sh: number,
    dx: number,
    dy: number,
    dw: number,
    dh: number,
  ): void;
}

/** The part of HTMLCanvasElement / OffscreenCanvas this needs. */
export interface CanvasLike<S> {
  width: number;
  height: number;
  getContext(contextId: "2d"): Context2DLike<S> | null;
}

export type CanvasTools<S, C extends CanvasLike<S>, B> = {
  createCanvas(width: number, height: number): C;
  /** Encodes a canvas as JPEG (quality 0–1): `canvas.toBlob` or `convertToBlob` in browsers. */
  encodeJpeg(canvas: C, quality: number): Promise<B>;
};

export type Thumbnail<B> = { thumb: B; thumbSize: Size };

/** `size` scaled down so its long side is at most `maxSide`; never scaled up, never below 1 px. */
export function fitWithin(size: Size, maxSide: number): Size {
  const scale = Math.min(1, maxSide / Math.max(size.width, size.height));
  return { width: Math.max(1, Math.round(size.width * scale)), height: Math.max(1, Math.round(size.height * scale)) };
}

function draw<S, C extends CanvasLike<S>>(
  tools: { createCanvas(width: number, height: number): C },
  source: S,
  from: { x: number; y: number; width: number; height: number },
  to: Size,
): C {
  const canvas = tools.createCanvas(to.width, to.height);
  const ctx = canvas.getContext("2d");
  if (!ctx) throw new Error("no 2d canvas context");
  ctx.imageSmoothingEnabled = true;
  ctx.imageSmoothingQuality = "high";
  ctx.drawImage(source, from.x, from.y, from.width, from.height, 0, 0, to.width, to.height);
  return canvas;
}

/** Draws and encodes the thumb of `source`, an image of `size` pixels. */
export async function makeThumbnail<S, C extends CanvasLike<S>, B>(
  source: S,
  size: Size,
  tools: CanvasTools<S, C, B>,
  quality = 0.8,
): Promise<Thumbnail<B>> {
  if (!(size.width >= 1 && size.height >= 1))
    throw new RangeError(`cannot thumbnail a ${size.width}x${size.height} image`);
  const thumbSize = fitWithin(size, THUMB_MAX_SIDE);
  const thumb = await tools.encodeJpeg(draw(tools, source, { x: 0, y: 0, ...size }, thumbSize), quality);
  return { thumb, thumbSize };
}
