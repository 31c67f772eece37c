// Averaging a square of an RGBA image down to a small one, in plain JS: a mosaic tile from a decoded thumb
// (photon's crop + resize took ~2 ms a thumb; this ~0.1 ms), and a mosaic page's overview cell.

type Rgb = [number, number, number];

/**
 * The `side` px square at (x0, y0) of `rgba` (width × height), averaged down (or repeated up) to size × size:
 * each output pixel the mean of the source pixels its area covers (at least one). Pixels of the square outside
 * the image count as `background`, opaque.
 */
export function shrinkSquare(
  rgba: Uint8Array,
  width: number,
  height: number,
  square: { x0: number; y0: number; side: number },
  size: number,
  background: Rgb = [255, 255, 255],
): Uint8Array {
  const { x0, y0, side } = square;
  const out = new Uint8Array(size * size * 4);
  const scale = side / size;
  for (let oy = 0; oy < size; oy++) {
    const ya = Math.floor(oy * scale);
    const yb = Math.max(ya + 1, Math.floor((oy + 1) * scale));
    for (let ox = 0; ox < size; ox++) {
      const xa = Math.floor(ox * scale);
      const xb = Math.max(xa + 1, Math.floor((ox + 1) * scale));
      const inside = Math.max(0, Math.min(xb, width - x0) - xa);
      let r = 0;
      let g = 0;
      let b = 0;
      let a = 0;
      let outside = 0;
      for (let y = ya; y < yb; y++) {
        if (y0 + y >= height) {
          outside += xb - xa;
          continue;
        }
        outside += xb - xa - inside;
        let i = ((y0 + y) * width + x0 + xa) * 4;
        for (let x = 0; x < inside; x++, i += 4) {
          r += rgba[i]!;
          g += rgba[i + 1]!;
          b += rgba[i + 2]!;
          a += rgba[i + 3]!;
        }
      }
      const n = (yb - ya) * (xb - xa);
      const o = (oy * size + ox) * 4;
      out[o] = Math.round((r + outside * background[0]) / n);
      out[o + 1] = Math.round((g + outside * background[1]) / n);
      out[o + 2] = Math.round((b + outside * background[2]) / n);
      out[o + 3] = Math.round((a + outside * 255) / n);
    }
  }
  return out;
}

/** The centre square of `rgba` (width × height), scaled to size × size (a mosaic tile). */
export function squareTile(rgba: Uint8Array, width: number, height: number, size: number): Uint8Array {
  const side = Math.min(width, height);
  const square = { x0: Math.floor((width - side) / 2), y0: Math.floor((height - side) / 2), side };
  return shrinkSquare(rgba, width, height, square, size);
}
