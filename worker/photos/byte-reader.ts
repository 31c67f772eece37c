// What the image format walkers (jpeg-, png- and webp-structure.ts) share: integer reads that answer null
// past the end of the bytes, and the rule for bytes after an image's end.

export type Dimensions = { width: number; height: number };

/** Some encoders pad a file after its end; up to this many zero or 0xFF bytes are fine, anything else
 *  there is another file riding along (a polyglot: JPEG+ZIP, PNG+HTML). */
export const TRAILING_PADDING = 256;

/** Whether `b` from `from` to its end is at most TRAILING_PADDING bytes of 0x00 or 0xFF. */
export function onlyPadding(b: Uint8Array, from: number): boolean {
  if (b.length - from > TRAILING_PADDING) return false;
  for (let i = from; i < b.length; i++) if (b[i] !== 0x00 && b[i] !== 0xff) return false;
  return true;
}

export function u16be(b: Uint8Array, i: number): number | null {
  return i >= 0 && i + 2 <= b.length ? (b[i]! << 8) | b[i + 1]! : null;
}
export function u16le(b: Uint8Array, i: number): number | null {
  return i >= 0 && i + 2 <= b.length ? b[i]! | (b[i + 1]! << 8) : null;
}
export function u24le(b: Uint8Array, i: number): number | null {
  return i >= 0 && i + 3 <= b.length ? b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) : null;
}
export function u32be(b: Uint8Array, i: number): number | null {
  return i >= 0 && i + 4 <= b.length ? ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0 : null;
}
export function u32le(b: Uint8Array, i: number): number | null {
  return i >= 0 && i + 4 <= b.length ? (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)) >>> 0 : null;
}

/** The four bytes at `i` as ASCII (a RIFF or PNG chunk type), or "" past the end. */
export function fourcc(b: Uint8Array, i: number): string {
  return i >= 0 && i + 4 <= b.length ? String.fromCharCode(b[i]!, b[i + 1]!, b[i + 2]!, b[i + 3]!) : "";
}

export function startsWith(b: Uint8Array, prefix: readonly number[], at = 0): boolean {
  if (b.length < at + prefix.length) return false;
  return prefix.every((v, k) => b[at + k] === v);
}
