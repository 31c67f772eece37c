// Cheap checks on uploaded image bytes, without decoding pixels: the type and size from the header
// (JPEG, PNG, WebP), and whether the file looks complete before it is handed to a decoder.

export type ImageType = "image/jpeg" | "image/png" | "image/webp";
export type ImageInfo = { type: ImageType; width: number; height: number };

const EXTENSIONS: Record<ImageType, "jpg" | "png" | "webp"> = {
  "image/jpeg": "jpg",
  "image/png": "png",
  "image/webp": "webp",
};

export function extensionFor(type: ImageType): "jpg" | "png" | "webp" {
  return EXTENSIONS[type];
}

/** The type and pixel size an image's header declares, or null for non-images and cut headers. */
export function sniffImage(bytes: Uint8Array): ImageInfo | null {
  const info = startsWith(bytes, JPEG_SOI)
    ? sniffJpeg(bytes)
    : startsWith(bytes, PNG_SIGNATURE)
      ? sniffPng(bytes)
      : startsWith(bytes, RIFF) && startsWith(bytes, WEBP, 8)
        ? sniffWebp(bytes)
        : null;
  if (!info || info.width < 1 || info.height < 1) return null;
  return info;
}

/**
 * Whether the file ends the way a whole file of `type` does (JPEG EOI, PNG IEND, the RIFF size).
 * Photon traps on a truncated file instead of returning an error, and every trap leaks WASM memory,
 * so callers check this before decoding. A heuristic: it catches cut uploads, not corrupt data.
 */
export function looksComplete(bytes: Uint8Array, type: ImageType): boolean {
  if (type === "image/webp") {
    const riffSize = u32le(bytes, 4);
    return riffSize !== null && bytes.length >= 8 + riffSize;
  }
  // Decoders stop at the end marker, so a little padding after it (some encoders add it) is fine.
  const tail = bytes.subarray(Math.max(0, bytes.length - TAIL_WINDOW));
  if (type === "image/jpeg") {
    for (let i = tail.length - 2; i >= 0; i--) if (tail[i] === 0xff && tail[i + 1] === 0xd9) return true;
    return false;
  }
  for (let i = tail.length - 8; i >= 0; i--) if (startsWith(tail, IEND, i)) return true;
  return false;
}

const TAIL_WINDOW = 256;
const JPEG_SOI = [0xff, 0xd8, 0xff];
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const IHDR = [0x49, 0x48, 0x44, 0x52];
const IEND = [0x49, 0x45, 0x4e, 0x44];
const RIFF = [0x52, 0x49, 0x46, 0x46];
const WEBP = [0x57, 0x45, 0x42, 0x50];

function sniffJpeg(b: Uint8Array): ImageInfo | null {
  let i = 2;
  while (i < b.length) {
    if (b[i] !== 0xff) return null;
    while (b[i] === 0xff) i++; // fill bytes before a marker
    const marker = b[i];
    if (marker === undefined) return null;
    i++;
    // Standalone markers (TEM, RST0..7) carry no length.
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) continue;
    // A stuffed zero, a second SOI, EOI or a scan before any frame header: not a usable JPEG.
    if (marker === 0x00 || marker === 0xd8 || marker === 0xd9 || marker === 0xda) return null;
    const length = u16be(b, i);
    if (length === null || length < 2) return null;
    // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC): precision, height, width.
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      if (length < 8 || i + length > b.length) return null;
      const height = u16be(b, i + 3);
      const width = u16be(b, i + 5);
      if (height === null || width === null) return null;
      return { type: "image/jpeg", width, height };
    }
    i += length;
  }
  return null;
}

function sniffPng(b: Uint8Array): ImageInfo | null {
  // Signature, then the IHDR chunk: length 13, "IHDR", width, height, 5 more header bytes.
  if (b.length < 8 + 8 + 13 || u32be(b, 8) !== 13 || !startsWith(b, IHDR, 12)) return null;
  const width = u32be(b, 16);
  const height = u32be(b, 20);
  if (width === null || height === null || width > 0x7fffffff || height > 0x7fffffff) return null;
  return { type: "image/png", width, height };
}

function sniffWebp(b: Uint8Array): ImageInfo | null {
  const chunk = String.fromCharCode(...b.subarray(12, 16));
  const d = 20; // chunk data starts after "RIFF" size "WEBP" fourcc size
  if (chunk === "VP8 ") {
    // Frame tag (3 bytes, bit 0 clear on a key frame), start code 9d 01 2a, 14-bit sizes + 2-bit scale.
    if (b.length < d + 10 || ((b[d] ?? 1) & 1) !== 0) return null;
    if (b[d + 3] !== 0x9d || b[d + 4] !== 0x01 || b[d + 5] !== 0x2a) return null;
    const w = u16le(b, d + 6);
    const h = u16le(b, d + 8);
    if (w === null || h === null) return null;
    return { type: "image/webp", width: w & 0x3fff, height: h & 0x3fff };
  }
  if (chunk === "VP8L") {
    // Signature 0x2f, then width-1 and height-1 as two 14-bit fields, little-endian bit order.
    if (b[d] !== 0x2f) return null;
    const bits = u32le(b, d + 1);
    if (bits === null) return null;
    return { type: "image/webp", width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
  }
  if (chunk === "VP8X") {
    // Flags + 3 reserved bytes, then canvas width-1 and height-1 as 24-bit little-endian.
    const w = u24le(b, d + 4);
    const h = u24le(b, d + 7);
    if (w === null || h === null) return null;
    return { type: "image/webp", width: w + 1, height: h + 1 };
  }
  return null;
}

function startsWith(b: Uint8Array, prefix: number[], at = 0): boolean {
  if (b.length < at + prefix.length) return false;
  return prefix.every((v, k) => b[at + k] === v);
}

function u16be(b: Uint8Array, i: number): number | null {
  return i + 2 <= b.length ? (b[i]! << 8) | b[i + 1]! : null;
}
function u16le(b: Uint8Array, i: number): number | null {
  return i + 2 <= b.length ? b[i]! | (b[i + 1]! << 8) : null;
}
function u24le(b: Uint8Array, i: number): number | null {
  return i + 3 <= b.length ? b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) : null;
}
function u32be(b: Uint8Array, i: number): number | null {
  return i + 4 <= b.length ? ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0 : null;
}
function u32le(b: Uint8Array, i: number): number | null {
  return i + 4 <= b.length ? (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)) >>> 0 : null;
}
