// The group mosaic: raw RGBA tiles pasted into one canvas in JS, then encoded to JPEG once by photon.
// Pasting with TypedArray.set, not photon's watermark() per tile: ~5x faster at 1000 tiles (bench/mosaic-bench.ts).
import { PhotonImage } from "@cf-wasm/photon";
import { shrinkSquare } from "../photos/square-tile.ts";

/**
 * The most tiles one mosaic holds: 32x32 tiles of 64 px = 2048x2048 px, a 16 MB RGBA canvas in JS;
 * encoding it grows WASM memory to ~50 MB (which never shrinks). Above that the caller pages mosaics:
 * page k covers tiles k*MOSAIC_PAGE_TILES .. (k+1)*MOSAIC_PAGE_TILES-1, each its own composeMosaic call.
 */
export const MOSAIC_PAGE_TILES = 1024;

export type MosaicOptions = { tileSize?: number; quality?: number; background?: [number, number, number] };

/** A near-square grid for `count` tiles: cols = ceil(sqrt(count)), as many rows as needed. */
export function mosaicGrid(count: number): { cols: number; rows: number } {
  if (count <= 0) return { cols: 0, rows: 0 };
  const cols = Math.ceil(Math.sqrt(count));
  return { cols, rows: Math.ceil(count / cols) };
}

/**
 * Copies one raw RGBA tile (tileSize² × 4 bytes) into slot `index` (row-major) of a canvas
 * `canvasCols` tiles wide. Throws RangeError on a wrong-sized tile or a slot outside the canvas.
 */
export function pasteTile(
  canvas: Uint8Array,
  canvasCols: number,
  index: number,
  tile: Uint8Array,
  tileSize: number,
): void {
  const tileRow = tileSize * 4;
  const canvasRow = canvasCols * tileRow;
  if (tile.length !== tileRow * tileSize)
    throw new RangeError(`tile has ${tile.length} bytes, not ${tileRow * tileSize}`);
  const col = index % canvasCols;
  const row = Math.floor(index / canvasCols);
  const start = row * tileSize * canvasRow + col * tileRow;
  if (index < 0 || start + (tileSize - 1) * canvasRow + tileRow > canvas.length) {
    throw new RangeError(`slot ${index} is outside the canvas`);
  }
  for (let y = 0; y < tileSize; y++) {
    canvas.set(tile.subarray(y * tileRow, (y + 1) * tileRow), start + y * canvasRow);
  }
}

/** A canvas `cols`×`rows` tiles big, filled with an opaque background colour. */
export function blankCanvas(
  cols: number,
  rows: number,
  tileSize: number,
  [r, g, b]: [number, number, number],
): Uint8Array {
  const canvas = new Uint8Array(cols * tileSize * rows * tileSize * 4);
  // One 32-bit word per pixel, in the platform's byte order, so fill() paints whole pixels.
  const pixel = new Uint32Array(new Uint8Array([r, g, b, 255]).buffer)[0]!;
  new Uint32Array(canvas.buffer).fill(pixel);
  return canvas;
}

/**
 * A JPEG of the tiles in a near-square grid; a null tile is an empty slot in the background colour
 * and an empty list gives one empty slot. At most MOSAIC_PAGE_TILES tiles (RangeError otherwise).
 */
export function composeMosaic(tiles: Array<Uint8Array | null>, opts: MosaicOptions = {}): Uint8Array {
  return composeChunked(tiles.length, (offset, count) => tiles.slice(offset, offset + count), opts);
}

/** Tiles read this many at a time, so a page never holds more than this many besides its canvas. */
const CHUNK_TILES = 64;

/** A composed page before encoding: its RGBA canvas and grid. */
export type Canvas = { rgba: Uint8Array; cols: number; rows: number; tileSize: number };

/**
 * What the mosaic builder runs for every page (and the bench measures): `count` tiles read through
 * `chunk(offset, n)` a few at a time, pasted into one canvas, encoded once.
 */
export function composeChunked(
  count: number,
  chunk: (offset: number, n: number) => Array<Uint8Array | null>,
  opts: MosaicOptions = {},
): Uint8Array {
  const c = composeCanvas(count, chunk, opts);
  return encodeCanvas(c.rgba, c.cols * c.tileSize, c.rows * c.tileSize, opts.quality ?? 80);
}

/** The canvas of `count` tiles (at least one slot), not yet encoded. */
export function composeCanvas(
  count: number,
  chunk: (offset: number, n: number) => Array<Uint8Array | null>,
  opts: MosaicOptions = {},
): Canvas {
  const { tileSize = 64, background = [255, 255, 255] } = opts;
  if (count > MOSAIC_PAGE_TILES) {
    throw new RangeError(`${count} tiles is more than one mosaic page (${MOSAIC_PAGE_TILES})`);
  }
  const { cols, rows } = mosaicGrid(Math.max(1, count));
  const rgba = blankCanvas(cols, rows, tileSize, background);
  for (let offset = 0; offset < count; offset += CHUNK_TILES) {
    chunk(offset, Math.min(CHUNK_TILES, count - offset)).forEach((tile, i) => {
      if (tile) pasteTile(rgba, cols, offset + i, tile, tileSize);
    });
  }
  return { rgba, cols, rows, tileSize };
}

/** A page shrunk to one tile (tileSize² RGBA), for the overview's cell: the canvas as a square as wide as it is
 *  (a grid is never taller than wide), background below its last row, each cell pixel the mean of cols × cols. */
export function shrinkToCell(c: Canvas, background: [number, number, number] = [255, 255, 255]): Uint8Array {
  const width = c.cols * c.tileSize;
  return shrinkSquare(c.rgba, width, c.rows * c.tileSize, { x0: 0, y0: 0, side: width }, c.tileSize, background);
}

/** A JPEG of a raw RGBA canvas `width`×`height` px, encoded once by photon. */
export function encodeCanvas(canvas: Uint8Array, width: number, height: number, quality = 80): Uint8Array {
  const image = new PhotonImage(canvas, width, height);
  try {
    return image.get_bytes_jpeg(quality);
  } finally {
    image.free();
  }
}
