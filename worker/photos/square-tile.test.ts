// Tests for squareTile: the centre square of an image, averaged down to a tile, or repeated up to one.
import { describe, expect, it } from "vitest";
import { squareTile } from "./square-tile.ts";

/** A width × height RGBA image whose pixel (x, y) is colour(x, y). */
function image(width: number, height: number, colour: (x: number, y: number) => number[]): Uint8Array {
  const px = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) px.set(colour(x, y), (y * width + x) * 4);
  return px;
}
const at = (tile: Uint8Array, size: number, x: number, y: number) => [
  ...tile.subarray((y * size + x) * 4, (y * size + x) * 4 + 4),
];

describe("squareTile", () => {
  it("keeps the centre square of a wide image and averages each block of it", () => {
    // 12 × 6: columns 0–2 and 9–11 are cut off (red); the square's left half is black, its right half white.
    const src = image(12, 6, (x) =>
      x < 3 || x > 8 ? [255, 0, 0, 255] : x < 6 ? [0, 0, 0, 255] : [255, 255, 255, 255],
    );
    const tile = squareTile(src, 12, 6, 3); // 2 × 2 source pixels a tile pixel
    expect(at(tile, 3, 0, 0)).toEqual([0, 0, 0, 255]);
    expect(at(tile, 3, 1, 1)).toEqual([128, 128, 128, 255]); // half black, half white
    expect(at(tile, 3, 2, 2)).toEqual([255, 255, 255, 255]);
  });

  it("repeats the pixels of an image smaller than the tile", () => {
    const src = image(2, 2, (x, y) => [x * 200, y * 200, 7, 255]);
    const tile = squareTile(src, 2, 2, 4);
    expect(at(tile, 4, 0, 0)).toEqual([0, 0, 7, 255]);
    expect(at(tile, 4, 1, 1)).toEqual([0, 0, 7, 255]);
    expect(at(tile, 4, 3, 0)).toEqual([200, 0, 7, 255]);
    expect(at(tile, 4, 3, 3)).toEqual([200, 200, 7, 255]);
  });
});
