// Tests for the mosaic compositor: grid shape, row-by-row pasting, and the composed JPEG's pixels
// (each tile's colour at its centre, background in empty slots), within JPEG's tolerance.
import { describe, expect, it } from "vitest";
import { decodeJpeg as decode } from "../../test/jpeg-pixels.ts";
import { sniffImage } from "../photos/image-check.ts";
import { MOSAIC_PAGE_TILES, composeCanvas, composeMosaic, mosaicGrid, pasteTile, shrinkToCell } from "./compose.ts";

type Rgb = [number, number, number];

function solidJpeg(colour: Rgb, size = 64): Uint8Array {
  const tile = new Uint8Array(size * size * 4);
  for (let i = 0; i < size * size; i++) tile.set([...colour, 255], i * 4);
  return tile;
}

const expectClose = (actual: number[], expected: Rgb, tolerance = 12) =>
  actual.forEach((v, i) =>
    expect(Math.abs(v - expected[i]!), `channel ${i}: ${actual} vs ${expected}`).toBeLessThanOrEqual(tolerance),
  );

describe("mosaicGrid", () => {
  it("lays tiles out near-square with cols = ceil(sqrt(n))", () => {
    const grids = [0, 1, 2, 4, 5, 9, 10, 1000, 1024].map((n) => [n, mosaicGrid(n)]);
    expect(grids).toEqual([
      [0, { cols: 0, rows: 0 }],
      [1, { cols: 1, rows: 1 }],
      [2, { cols: 2, rows: 1 }],
      [4, { cols: 2, rows: 2 }],
      [5, { cols: 3, rows: 2 }],
      [9, { cols: 3, rows: 3 }],
      [10, { cols: 4, rows: 3 }],
      [1000, { cols: 32, rows: 32 }],
      [1024, { cols: 32, rows: 32 }],
    ]);
  });
});

describe("pasteTile", () => {
  it("copies a tile row by row into its slot and leaves the rest of the canvas alone", () => {
    const canvas = new Uint8Array(2 * 2 * 2 * 2 * 4); // 2x2 slots of 2x2 px
    const tile = Uint8Array.from({ length: 16 }, (_, i) => i + 1);
    pasteTile(canvas, 2, 3, tile, 2);
    const rowBytes = 4 * 4;
    expect([...canvas.subarray(2 * rowBytes + 8, 2 * rowBytes + 16)]).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect([...canvas.subarray(3 * rowBytes + 8, 3 * rowBytes + 16)]).toEqual([9, 10, 11, 12, 13, 14, 15, 16]);
    expect(canvas.reduce((sum, v) => sum + v, 0)).toBe((16 * 17) / 2);
  });

  it("refuses a tile of the wrong size or a slot outside the canvas", () => {
    const canvas = new Uint8Array(4 * 4 * 4);
    expect(() => pasteTile(canvas, 2, 0, new Uint8Array(15), 2)).toThrow(RangeError);
    expect(() => pasteTile(canvas, 2, 4, new Uint8Array(16), 2)).toThrow(RangeError);
    expect(() => pasteTile(canvas, 2, -1, new Uint8Array(16), 2)).toThrow(RangeError);
  });
});

describe("composeMosaic", () => {
  const colours: Rgb[] = [
    [220, 30, 30],
    [30, 200, 40],
    [40, 60, 220],
    [240, 220, 40],
    [200, 40, 200],
  ];

  it("puts each tile's colour at its slot and the background in empty slots", () => {
    const background: Rgb = [90, 90, 90];
    // 5 tiles and one null slot: 6 entries in a 3x2 grid.
    const tiles = [solidJpeg(colours[0]!), solidJpeg(colours[1]!), null, ...colours.slice(2).map((c) => solidJpeg(c))];
    const jpeg = composeMosaic(tiles, { background });
    expect(sniffImage(jpeg)).toEqual({ type: "image/jpeg", width: 192, height: 128 });
    const { width, height, rgb } = decode(jpeg);
    expect([width, height]).toEqual([192, 128]);
    const centre = (slot: number) => rgb((slot % 3) * 64 + 32, Math.floor(slot / 3) * 64 + 32);
    [0, 1, 3, 4, 5].forEach((slot, k) => expectClose(centre(slot), colours[k]!));
    expectClose(centre(2), background);
  });

  it("fills the trailing slots of the last row with the background", () => {
    const jpeg = composeMosaic(
      colours.map((c) => solidJpeg(c)),
      { background: [0, 0, 0] },
    );
    const { width, height, rgb } = decode(jpeg);
    expect([width, height]).toEqual([192, 128]);
    expectClose(rgb(2 * 64 + 32, 64 + 32), [0, 0, 0]);
    expectClose(rgb(1 * 64 + 32, 64 + 32), colours[4]!);
  });

  it("honours another tile size", () => {
    const jpeg = composeMosaic([solidJpeg(colours[0]!, 16), solidJpeg(colours[2]!, 16)], { tileSize: 16 });
    expect(sniffImage(jpeg)).toMatchObject({ width: 32, height: 16 });
    expectClose(decode(jpeg).rgb(24, 8), colours[2]!);
  });

  it("composes one background tile for an empty list", () => {
    const { width, height, rgb } = decode(composeMosaic([]));
    expect([width, height]).toEqual([64, 64]);
    expectClose(rgb(32, 32), [255, 255, 255]);
  });

  it("composes a full page of 1024 tiles into a 2048x2048 JPEG", () => {
    const tiles = Array.from({ length: MOSAIC_PAGE_TILES }, (_, i) => solidJpeg([i % 256, (i * 7) % 256, 128]));
    expect(sniffImage(composeMosaic(tiles))).toMatchObject({ width: 2048, height: 2048 });
  });

  it("refuses more tiles than one page", () => {
    expect(() => composeMosaic(Array.from({ length: MOSAIC_PAGE_TILES + 1 }, () => null))).toThrow(RangeError);
  });
});

describe("shrinkToCell", () => {
  it("averages a page into one tile: cols × cols px a pixel, the square's missing rows in the background", () => {
    // Three 4 px tiles in a 2 × 2 grid (the fourth slot blank), shrunk to one 4 px cell: each tile is 2 × 2 px.
    const tiles = [solidJpeg([200, 0, 0], 4), solidJpeg([0, 200, 0], 4), solidJpeg([0, 0, 200], 4)];
    const canvas = composeCanvas(3, (o, n) => tiles.slice(o, o + n), { tileSize: 4, background: [255, 255, 255] });
    const cell = shrinkToCell(canvas);
    const px = (x: number, y: number) => [...cell.subarray((y * 4 + x) * 4, (y * 4 + x) * 4 + 4)];
    expect([px(0, 0), px(3, 1), px(1, 3), px(3, 3)]).toEqual([
      [200, 0, 0, 255],
      [0, 200, 0, 255],
      [0, 0, 200, 255],
      [255, 255, 255, 255],
    ]);
    // Two tiles are 2 × 1: the cell's lower half is background.
    const wide = shrinkToCell(composeCanvas(2, (o, n) => tiles.slice(o, o + n), { tileSize: 4 }));
    expect([...wide.subarray((3 * 4 + 0) * 4, (3 * 4 + 0) * 4 + 4)]).toEqual([255, 255, 255, 255]);
    expect([...wide.subarray(0, 4)]).toEqual([200, 0, 0, 255]);
  });
});
